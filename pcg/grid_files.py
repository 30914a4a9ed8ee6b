"""Plain grids in and out: a CSV of tile names (or ids), and a PNG with one pixel per cell.

For designers whose tools are a spreadsheet or a paint program. A grid has terrain only; spawns
and places need a Tiled map (``pcg.tiled``). Errors raise :class:`MapFileError` naming the file,
the row or pixel, and the fix.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from pcg.errors import MapFileError
from pcg.gamemap import GameMap, _atomic_write
from pcg.tiles import TILE_COLORS, TILE_IDS, TILE_NAMES, Tile
from pcg.tiled import MAX_SIDE, check_file_size


def _grid_map(tiles: np.ndarray, src: str) -> GameMap:
    h, w = tiles.shape
    if h > MAX_SIDE or w > MAX_SIDE:
        raise MapFileError(f"{src}: the grid is {w}×{h} cells; gameai reads maps up to {MAX_SIDE}×{MAX_SIDE}")
    if h < 4 or w < 4:
        raise MapFileError(f"{src}: the grid is {w}×{h} cells; a battlefield needs at least 4×4")
    zeros = np.zeros(tiles.shape, dtype=np.float32)
    return GameMap(tiles=tiles, height=zeros, moisture=zeros.copy(), temperature=zeros.copy(),
                   params={"source": src}, report={})


def read_csv_grid(path: str | os.PathLike) -> GameMap:
    """A CSV with one row per map row; each cell a tile name (``grassland``) or id (``3``)."""
    p = Path(path)
    check_file_size(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MapFileError(f"{p}: cannot read the file as UTF-8 text ({exc})") from None
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise MapFileError(f"{p}: the file has no rows of tiles")
    width = len(rows[0])
    tiles = np.empty((len(rows), width), dtype=np.uint8)
    for y, row in enumerate(rows):
        if len(row) != width:
            raise MapFileError(f"{p}: non-rectangular grid: row {y + 1} has {len(row)} cells, row 1 has {width}")
        for x, cell in enumerate(row):
            tid = TILE_IDS.get(cell.lower()) if not cell.isdigit() else int(cell)
            if tid is None or tid not in TILE_NAMES:
                raise MapFileError(f"{p}: row {y + 1}, column {x + 1}: unknown tile type {cell!r}; use a name "
                                   f"({', '.join(TILE_IDS)}) or an id 0-{len(Tile) - 1}")
            tiles[y, x] = tid
    return _grid_map(tiles, str(p))


def write_csv_grid(gm: GameMap, path: str | os.PathLike) -> Path:
    out = Path(path)
    names = np.array([TILE_NAMES[t] for t in range(len(Tile))])
    text = "\n".join(",".join(row) for row in names[gm.tiles]) + "\n"
    _atomic_write(out, lambda fh: fh.write(text.encode("utf-8")))
    return out


def read_png_grid(path: str | os.PathLike) -> GameMap:
    """A PNG whose pixels are the preview colours of ``pcg.tiles.TILE_COLORS``, one pixel per cell."""
    import matplotlib.image

    p = Path(path)
    check_file_size(p)
    try:
        img = matplotlib.image.imread(p, format="png")
    except (OSError, ValueError, SyntaxError) as exc:
        raise MapFileError(f"{p}: not a readable PNG ({exc})") from None
    if img.ndim != 3 or img.shape[2] < 3:
        raise MapFileError(f"{p}: expected an RGB(A) image, got shape {img.shape}")
    rgb = np.rint(img[..., :3] * 255).astype(np.int64) if img.dtype.kind == "f" else img[..., :3].astype(np.int64)
    key = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    palette = {(r << 16) | (g << 8) | b: int(t) for t, (r, g, b) in TILE_COLORS.items()}
    tiles = np.empty(key.shape, dtype=np.uint8)
    for colour in np.unique(key):
        if int(colour) not in palette:
            y, x = np.argwhere(key == colour)[0]
            raise MapFileError(f"{p}: pixel ({x}, {y}) has colour #{int(colour):06x}, which is no tile's colour; "
                               "paint with the colours listed in docs/pcg.md")
        tiles[key == colour] = palette[int(colour)]
    return _grid_map(tiles, str(p))


def write_png_grid(gm: GameMap, path: str | os.PathLike) -> Path:
    import matplotlib.image

    out = Path(path)
    lut = np.array([TILE_COLORS[Tile(t)] for t in range(len(Tile))], dtype=np.uint8)
    _atomic_write(out, lambda fh: matplotlib.image.imsave(fh, lut[gm.tiles], format="png"))
    return out

