"""Any map file by its name: a saved map folder, a Tiled ``.tmj``, a CSV grid or a PNG grid.

``load_map`` is what the CLI's ``--map``, sweeps and the playtest call, so every command takes
every format; ``save_map`` is ``gameai mapgen --format``.
"""
from __future__ import annotations

import os
from pathlib import Path

from pcg.errors import MapFileError
from pcg.gamemap import GameMap

#: Formats ``save_map`` writes, and the file each writes into the output folder.
SAVE_FORMATS = {"gameai": "map.json", "tmj": "map.tmj", "csv": "map.csv", "png": "map-grid.png"}


def load_map(path: str | os.PathLike) -> GameMap:
    """Read a map in any supported format (chosen by the suffix; a folder is a saved gameai map)."""
    p = Path(path)
    if p.is_dir():
        return GameMap.load(p)
    suffix = p.suffix.lower()
    if not p.exists():
        raise MapFileError(f"{p}: no such file or folder")
    if suffix in (".tmj", ".json"):
        from pcg.tiled import read_tmj

        return read_tmj(p)
    if suffix == ".csv":
        from pcg.grid_files import read_csv_grid

        return read_csv_grid(p)
    if suffix == ".png":
        from pcg.grid_files import read_png_grid

        return read_png_grid(p)
    if suffix == ".tmx":
        raise MapFileError(f"{p}: Tiled's XML format (.tmx) is not read; in Tiled use File > Export As > "
                           "JSON map files (.tmj)")
    raise MapFileError(f"{p}: unknown map format {suffix or '(no suffix)'!r}; use a folder from `gameai mapgen`, "
                       "a Tiled .tmj, a .csv or a .png grid")


def save_map(gm: GameMap, directory: str | os.PathLike, fmt: str = "gameai", preview: bool = False) -> Path:
    """Write ``gm`` into ``directory`` in ``fmt`` (see ``SAVE_FORMATS``); returns the main file."""
    out = Path(directory)
    if fmt not in SAVE_FORMATS:
        raise MapFileError(f"unknown map format {fmt!r}; use one of {', '.join(SAVE_FORMATS)}")
    if fmt == "gameai":
        return gm.save(out, preview=preview) / SAVE_FORMATS[fmt]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise MapFileError(f"cannot save the map: {out} exists and is not a folder") from exc
    target = out / SAVE_FORMATS[fmt]
    if fmt == "tmj":
        from pcg.tiled import write_tmj

        write_tmj(gm, target)
    elif fmt == "csv":
        from pcg.grid_files import write_csv_grid

        write_csv_grid(gm, target)
    else:
        from pcg.grid_files import write_png_grid

        write_png_grid(gm, target)
    if preview:
        gm.save_preview(out / "map.png")
    return target
