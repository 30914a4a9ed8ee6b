"""Noise-based procedural maps. Imports numpy, scipy and numba (and `noise` only in tests); knows nothing of units, bots or NPCs.

Entry points:
    generate_map(seed, size, **params) -> GameMap   a playable world map (biomes, rivers, places, spawns)
    skirmish_map(seed, size=32, teams=2) -> GameMap  a small fair battlefield in a few milliseconds
    GameMap.save(dir) / GameMap.load(dir)            map.npz + map.json (+ map.png preview)
    ChunkedWorld(seed).chunk(cx, cy)                 an endless world streamed in seamless chunks
    pnoise2 / snoise2 / pnoise2_grid                 noise.pnoise2 / snoise2 values, vectorized
"""
from pcg.chunks import Chunk, ChunkedWorld
from pcg.errors import MapFileError, MapParameterError
from pcg.gamemap import GameMap, Place, Spawn
from pcg.generate import generate_map
from pcg.noise import domain_warp, pnoise2, pnoise2_grid, snoise2, snoise2_grid
from pcg.params import MapParams
from pcg.skirmish import skirmish_map
from pcg.tiles import IMPASSABLE, PASSABLE, TILE_COLORS, TILE_IDS, TILE_NAMES, Tile, passable_mask

__all__ = [
    "Tile", "TILE_NAMES", "TILE_IDS", "TILE_COLORS", "PASSABLE", "IMPASSABLE", "passable_mask",
    "generate_map", "skirmish_map", "MapParams", "GameMap", "Place", "Spawn", "ChunkedWorld", "Chunk",
    "MapParameterError", "MapFileError", "pnoise2", "snoise2", "pnoise2_grid", "snoise2_grid", "domain_warp",
]
