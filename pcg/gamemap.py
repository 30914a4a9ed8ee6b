"""`GameMap`: one generated map (arrays plus named places), with save/load and a PNG preview.

On disk a map is a directory: `map.npz` holds the arrays, `map.json` the seed, parameters
and every settlement, landmark, resource and spawn with its tile coordinates (x = column,
y = row), so tools in any language can read the places without numpy.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from pcg.errors import MapFileError
from pcg.tiles import TILE_NAMES, Tile, passable_mask

FORMAT_VERSION = 1
_ARRAYS = ("tiles", "height", "moisture", "temperature")


@dataclass(frozen=True)
class Place:
    """A named spot on the map: a settlement, landmark (peak, lake, forest, river, bridge) or resource."""

    name: str
    kind: str
    x: int
    y: int
    detail: str = ""  # e.g. the resource type ("wood") or the owning team ("team 0")


@dataclass(frozen=True)
class Spawn:
    """Start tile of one team."""

    team: int
    x: int
    y: int


@dataclass
class GameMap:
    """A generated map. Arrays are indexed [y, x]; places use tile coordinates (x, y).

    tiles: uint8 tile ids (`pcg.Tile`). height / moisture / temperature: float32 fields in
    [0, 1] (height has river beds and lake surfaces at their drained level). rivers: list of
    (k, 2) int arrays of (x, y), each from source to mouth, never flowing uphill.
    """

    tiles: np.ndarray
    height: np.ndarray
    moisture: np.ndarray
    temperature: np.ndarray
    rivers: list[np.ndarray] = field(default_factory=list)
    settlements: list[Place] = field(default_factory=list)
    landmarks: list[Place] = field(default_factory=list)
    resources: list[Place] = field(default_factory=list)
    spawns: list[Spawn] = field(default_factory=list)
    centre: tuple[int, int] | None = None
    seed: int = 0
    used_seed: int = 0  # differs from seed when the generator had to reseed to stay playable
    params: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)  # playability and fairness figures

    @property
    def size(self) -> int:
        return int(self.tiles.shape[0])

    @property
    def passable(self) -> np.ndarray:
        """Boolean [y, x] array of tiles walkable on foot (see `pcg.tiles.PASSABLE`)."""
        return passable_mask(self.tiles)

    def fractions(self) -> dict[str, float]:
        """Share of the map covered by each tile type, by name."""
        counts = np.bincount(self.tiles.ravel(), minlength=len(Tile)) / self.tiles.size
        return {TILE_NAMES[i]: float(c) for i, c in enumerate(counts)}

    # ----------------------------------------------------------------- persistence
    def to_json_dict(self) -> dict:
        return {
            "format": "gameai-map",
            "version": FORMAT_VERSION,
            "seed": self.seed,
            "used_seed": self.used_seed,
            "size": [int(self.tiles.shape[1]), int(self.tiles.shape[0])],
            "params": self.params,
            "tile_names": {str(k): v for k, v in TILE_NAMES.items()},
            "centre": list(self.centre) if self.centre else None,
            "settlements": [asdict(p) for p in self.settlements],
            "landmarks": [asdict(p) for p in self.landmarks],
            "resources": [asdict(p) for p in self.resources],
            "spawns": [asdict(s) for s in self.spawns],
            "report": self.report,
        }

    def save(self, directory: str | os.PathLike, preview: bool = False) -> Path:
        """Write map.npz and map.json (and map.png when `preview`) into `directory`.

        Files are written to temporaries and renamed, so an interrupted save never leaves a
        half-written map over a good one.
        """
        out = Path(directory)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise MapFileError(f"cannot save the map: {out} exists and is not a directory") from exc
        river_pts = np.concatenate(self.rivers) if self.rivers else np.empty((0, 2), np.int64)
        river_len = np.array([len(r) for r in self.rivers], dtype=np.int64)
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        _atomic_write(out / "map.npz", lambda fh: np.savez_compressed(
            fh, **arrays, river_points=river_pts, river_lengths=river_len))
        text = json.dumps(self.to_json_dict(), indent=2)
        _atomic_write(out / "map.json", lambda fh: fh.write(text.encode("utf-8")))
        if preview:
            from pcg.preview import save_preview

            save_preview(self, out / "map.png")
        return out

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "GameMap":
        """Read a map written by `save`. Raises MapFileError naming the file and the problem."""
        d = Path(directory)
        npz_path, json_path = d / "map.npz", d / "map.json"
        for p in (npz_path, json_path):
            if not p.is_file():
                raise MapFileError(f"{p} is missing; a saved map directory holds map.npz and map.json "
                                   "(write one with `gameai mapgen --out DIR`)")
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MapFileError(f"{json_path} is not valid JSON ({exc}); regenerate the map") from exc
        if not isinstance(meta, dict) or meta.get("format") != "gameai-map":
            raise MapFileError(f"{json_path} is not a gameai map description (no \"format\": \"gameai-map\")")
        if meta.get("version") != FORMAT_VERSION:
            raise MapFileError(f"{json_path} has format version {meta.get('version')!r}; this gameai reads "
                               f"version {FORMAT_VERSION}")
        try:
            with np.load(npz_path, allow_pickle=False) as z:
                arrays = {name: z[name] for name in _ARRAYS}
                pts, lens = z["river_points"], z["river_lengths"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise MapFileError(f"{npz_path} is unreadable or incomplete ({exc}); regenerate the map") from exc
        shape = arrays["tiles"].shape
        if arrays["tiles"].ndim != 2 or any(a.shape != shape for a in arrays.values()):
            raise MapFileError(f"{npz_path}: arrays have mismatched shapes "
                               f"{ {k: v.shape for k, v in arrays.items()} }")
        t = arrays["tiles"]
        if t.size and (not np.issubdtype(t.dtype, np.integer) or int(t.min()) < 0 or int(t.max()) >= len(Tile)):
            raise MapFileError(f"{npz_path}: tiles hold values outside the tile ids 0-{len(Tile) - 1}")
        if int(lens.sum()) != len(pts):
            raise MapFileError(f"{npz_path}: river_lengths do not add up to the river points")
        rivers = np.split(pts, np.cumsum(lens)[:-1]) if len(lens) else []
        try:
            return cls(
                tiles=arrays["tiles"].astype(np.uint8), height=arrays["height"],
                moisture=arrays["moisture"], temperature=arrays["temperature"], rivers=list(rivers),
                settlements=[Place(**p) for p in meta["settlements"]],
                landmarks=[Place(**p) for p in meta["landmarks"]],
                resources=[Place(**p) for p in meta["resources"]],
                spawns=[Spawn(**s) for s in meta["spawns"]],
                centre=tuple(meta["centre"]) if meta.get("centre") else None,
                seed=meta["seed"], used_seed=meta.get("used_seed", meta["seed"]),
                params=meta.get("params", {}), report=meta.get("report", {}),
            )
        except (KeyError, TypeError) as exc:
            raise MapFileError(f"{json_path}: missing or malformed entry ({exc}); regenerate the map") from exc

    def save_preview(self, path: str | os.PathLike, **kwargs) -> Path:
        """Write a PNG picture of the map with a legend (see `pcg.preview.save_preview`)."""
        from pcg.preview import save_preview

        return save_preview(self, path, **kwargs)


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
