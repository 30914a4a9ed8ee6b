"""Player-facing settings (seed, model backend, volume) and where the demo keeps its files.

Everything the demo writes (settings, the save game, NPC memory) lives in one data directory:
the user's data dir from `platformdirs` by default, or `--data-dir` (tests point it at a temp
dir). Settings are a small JSON file so a player can also edit them by hand; a broken file is
reported and kept (renamed aside), never silently overwritten.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

#: Model backends the settings screen cycles through; "auto" lets the dialogue engine choose.
#: "auto": llama.cpp when installed, else SmolLM2 on transformers; "authored": no model, written lines only.
BACKENDS: tuple[str, ...] = ("auto", "llama_cpp", "smollm2", "authored")

SETTINGS_FILE = "settings.json"
SAVE_FILE = "save.json"
MEMORY_FILE = "npc_memory.sqlite"


class SettingsError(ValueError):
    """A settings value or file is invalid; the message says which and what to do."""


def default_data_dir() -> Path:
    """The per-user data directory (e.g. ~/.local/share/gameai on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("gameai", appauthor=False)) / "demo"


@dataclass
class Settings:
    seed: int = 7
    backend: str = "auto"
    volume: float = 0.5
    map_size: int = 192

    def validate(self) -> "Settings":
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or not 0 <= self.seed < 2**31:
            raise SettingsError(f"seed must be an integer in [0, 2^31), got {self.seed!r}")
        if self.backend not in BACKENDS:
            raise SettingsError(f"backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if not isinstance(self.volume, (int, float)) or not 0.0 <= float(self.volume) <= 1.0:
            raise SettingsError(f"volume must be a number between 0 and 1, got {self.volume!r}")
        if not isinstance(self.map_size, int) or not 64 <= self.map_size <= 512:
            raise SettingsError(f"map_size must be an integer between 64 and 512, got {self.map_size!r}")
        self.volume = float(self.volume)
        return self


@dataclass
class DataPaths:
    root: Path
    settings: Path = field(init=False)
    save: Path = field(init=False)
    memory: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.settings = self.root / SETTINGS_FILE
        self.save = self.root / SAVE_FILE
        self.memory = self.root / MEMORY_FILE

    def ensure(self) -> "DataPaths":
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                f"cannot create the data directory {self.root}: {exc.strerror}; "
                "pass --data-dir with a writable folder"
            ) from exc
        if not os.access(self.root, os.W_OK):
            raise SettingsError(f"the data directory {self.root} is not writable; pass --data-dir with a writable folder")
        return self


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults, a broken one is set aside with a clear error."""
    if not path.exists():
        return Settings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise SettingsError("the file must hold a JSON object")
        known = {f.name for f in fields(Settings)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise SettingsError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return Settings(**raw).validate()
    except (json.JSONDecodeError, SettingsError, TypeError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"{path}: {exc}. Fix the file, or delete it to start from the defaults"
        ) from exc


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a settings file."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings.validate()), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
