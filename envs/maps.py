"""Terrain grids for the core: the built-in arena, and checks that a map fits a ruleset.

A map is an H×W integer array of ``pcg.tiles`` ids, so any PCG map plugs in unchanged.
"""
from __future__ import annotations

import numpy as np

from pcg.tiles import TILE_NAMES, Tile


class MapError(ValueError):
    """A terrain grid the core cannot use (wrong shape, unknown tile, no room to spawn)."""


def builtin_arena(width: int = 24, height: int = 24) -> np.ndarray:
    """A small hand-made battlefield, mirror-symmetric left/right so neither team is favoured.

    Grassland with forest copses and hills (defence bonus), a pond (slow shallow water), two rock
    outcrops (impassable) and a swamp patch the knight cannot enter: enough to make terrain matter.
    """
    g = np.full((height, width), int(Tile.GRASSLAND), dtype=np.int16)
    cx, cy = width // 2, height // 2
    yy, xx = np.mgrid[0:height, 0:width]
    half = width // 2
    left = xx < half

    def mirror(mask_left: np.ndarray, tile: Tile) -> None:
        g[mask_left] = int(tile)
        g[mask_left[:, ::-1]] = int(tile)

    # Forest copses a third of the way in, hills just off the centre line, rocks near the flanks.
    mirror(left & (abs(xx - width // 4) <= 1) & (abs(yy - height // 4) <= 2), Tile.FOREST)
    mirror(left & (abs(xx - width // 4) <= 1) & (abs(yy - 3 * height // 4) <= 1), Tile.FOREST)
    mirror(left & (abs(xx - (cx - 3)) <= 1) & (abs(yy - cy) <= 1) & ~((yy == cy) & (xx == cx - 2)), Tile.HILLS)
    mirror(left & (xx == cx - 2) & (abs(yy - 2) <= 1), Tile.MOUNTAIN)
    mirror(left & (abs(xx - (cx - 5)) <= 1) & (yy >= height - 3), Tile.SWAMP)
    # A pond in the middle: slow to wade through, so the fight flows around it.
    pond = ((xx - (cx - 0.5)) ** 2 + (yy - (cy - 0.5)) ** 2) <= 2.0
    g[pond] = int(Tile.SHALLOW_WATER)
    return g


def check_map(grid: np.ndarray, defined_tiles: np.ndarray, source: str = "map") -> np.ndarray:
    """Validate a terrain grid against the tiles a ruleset defines; returns it as int16."""
    arr = np.asarray(grid)
    if arr.ndim != 2 or min(arr.shape) < 4:
        raise MapError(f"{source}: expected a 2-D grid of tile ids at least 4×4, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise MapError(f"{source}: expected integer tile ids (pcg.tiles), got dtype {arr.dtype}")
    ids = np.unique(arr)
    bad = [int(t) for t in ids if t < 0 or t >= len(defined_tiles) or not defined_tiles[t]]
    if bad:
        names = [TILE_NAMES.get(t, "not a tile id") for t in bad]
        raise MapError(f"{source}: uses tile ids {bad} ({', '.join(names)}) that the ruleset has no "
                       "[terrain.<name>] table for; add them to the ruleset or use another map")
    return arr.astype(np.int16)
