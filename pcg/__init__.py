"""Noise-based procedural maps. Imports numpy, scipy and numba (matplotlib for previews); knows nothing of units, bots or NPCs.

Entry points:
    generate_map(seed, size, **params) -> GameMap   a playable world map (biomes, rivers, places, spawns)
    skirmish_map(seed, size=32, teams=2) -> GameMap  a small fair battlefield in a few milliseconds
    GameMap.save(dir) / GameMap.load(dir)            map.npz + map.json (+ map.png preview)
    load_map(path) / save_map(map, dir, fmt)         any format: a map folder, Tiled .tmj, CSV or PNG grid
    ChunkedWorld(seed).chunk(cx, cy)                 an endless world streamed in seamless chunks
    pnoise2 / snoise2 / pnoise2_grid                 noise.pnoise2 / snoise2 values, vectorized

Only the tile ids load eagerly (every layer imports them); the generator, numba and scipy load
on first use of the names below, so `from pcg.tiles import Tile` stays cheap.
"""
from importlib import import_module

from pcg.errors import MapFileError, MapParameterError
from pcg.tiles import IMPASSABLE, PASSABLE, TILE_COLORS, TILE_IDS, TILE_NAMES, Tile, passable_mask

_LAZY = {
    "generate_map": "pcg.generate", "skirmish_map": "pcg.skirmish", "MapParams": "pcg.params",
    "GameMap": "pcg.gamemap", "Place": "pcg.gamemap", "Spawn": "pcg.gamemap",
    "ChunkedWorld": "pcg.chunks", "Chunk": "pcg.chunks",
    "pnoise2": "pcg.noise", "snoise2": "pcg.noise", "pnoise2_grid": "pcg.noise", "snoise2_grid": "pcg.noise",
    "domain_warp": "pcg.noise",
    "load_map": "pcg.map_files", "save_map": "pcg.map_files", "read_tmj": "pcg.tiled", "write_tmj": "pcg.tiled",
}

__all__ = [
    "Tile", "TILE_NAMES", "TILE_IDS", "TILE_COLORS", "PASSABLE", "IMPASSABLE", "passable_mask",
    "MapParameterError", "MapFileError", *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pcg' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
