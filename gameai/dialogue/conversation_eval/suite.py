"""Load and validate the conversation benchmark's data (data/conversation/).

This module is the only place that names a split's file: tuning code imports `load_suite("dev")`;
the test split is read only when a caller passes split="test" (the CLI's `--split test`).
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from gameai.dialogue.errors import DialogueError
from gameai.dialogue.persona import Persona, cast_dir, load_persona

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "conversation"
MANIFEST = DATA_DIR / "suite.toml"
SPLITS = ("dev", "test")
_SPLIT_FILES = {"dev": "dev.jsonl", "test": "test.jsonl"}
_TURN_KEYS = {"say", "mode", "route", "target", "values", "recall"}


@dataclass(frozen=True)
class Turn:
    say: str
    mode: str
    route: str
    target: str | None = None
    values: tuple[str, ...] = ()   # every one must be stated; "a|b" = either
    recall: tuple[str, ...] = ()   # things the player said earlier that the reply must bring back


@dataclass(frozen=True)
class Conversation:
    id: str
    persona: str
    split: str
    kind: str                       # single | followup | conversation
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class SuitePersona:
    persona: Persona
    address: str                    # the persona's own vocative ("traveller", "lad", ...)
    new: bool                       # written from docs/developer.md alone, not in the shipped cast


@dataclass
class Suite:
    split: str
    personas: dict[str, SuitePersona]
    conversations: list[Conversation]
    modes: dict[str, str]
    routes: dict[str, str]
    test_personas: frozenset[str] = field(default_factory=frozenset)
    line_modulus: int = 4
    dev_personas: frozenset[str] = field(default_factory=frozenset)

    @property
    def n_lines(self) -> int:
        return sum(len(c.turns) for c in self.conversations)

    def expected_split(self, conv_id: str, persona: str) -> str:
        """The recorded split rule (suite.toml [split]): held-out personas, dev-only personas, then a
        hash of the id."""
        if persona in self.test_personas:
            return "test"
        if persona in self.dev_personas:
            return "dev"
        return "test" if int(hashlib.sha256(conv_id.encode()).hexdigest()[:8], 16) % self.line_modulus == 0 else "dev"


def _manifest() -> dict:
    with MANIFEST.open("rb") as f:
        return tomllib.load(f)


def load_personas() -> dict[str, SuitePersona]:
    out = {}
    for pid, entry in _manifest()["personas"].items():
        ref = entry["file"]
        path = cast_dir() / ref[5:] if ref.startswith("cast:") else DATA_DIR / ref
        out[pid] = SuitePersona(load_persona(path), entry["address"], bool(entry["new"]))
    return out


def _turn(raw: dict, where: str, routes: dict, modes: dict) -> Turn:
    unknown = set(raw) - _TURN_KEYS
    if unknown:
        raise DialogueError(f"{where}: unknown turn field(s) {sorted(unknown)}")
    if not isinstance(raw.get("say"), str) or not raw["say"].strip():
        raise DialogueError(f"{where}: 'say' must be a non-empty string")
    if raw.get("route") not in routes:
        raise DialogueError(f"{where}: route {raw.get('route')!r} is not one of {sorted(routes)}")
    if raw.get("mode") not in modes:
        raise DialogueError(f"{where}: mode {raw.get('mode')!r} is not one of {sorted(modes)}")
    return Turn(raw["say"], raw["mode"], raw["route"], raw.get("target"), tuple(raw.get("values", ())),
                tuple(raw.get("recall", ())))


def load_suite(split: str = "dev") -> Suite:
    """The personas and the conversations of one split ("dev" to tune on, "test" to report)."""
    if split not in SPLITS:
        raise DialogueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    m = _manifest()
    personas = load_personas()
    suite = Suite(split, personas, [], m["modes"], m["routes"], frozenset(m["split"]["test_personas"]),
                  int(m["split"]["line_modulus"]), frozenset(m["split"].get("dev_personas", ())))
    path = DATA_DIR / _SPLIT_FILES[split]
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DialogueError(f"{where}: not JSON ({exc.msg})") from None
        if raw.get("persona") not in personas:
            raise DialogueError(f"{where}: persona {raw.get('persona')!r} is not in suite.toml")
        if raw.get("split") != split:
            raise DialogueError(f"{where}: split {raw.get('split')!r} in the {split} file")
        turns = tuple(_turn(t, f"{where} turn {i}", suite.routes, suite.modes) for i, t in enumerate(raw["turns"], 1))
        suite.conversations.append(Conversation(raw["id"], raw["persona"], split, raw["kind"], turns))
    return suite
