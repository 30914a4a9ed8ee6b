"""Noise-based procedural maps. Imports numpy, scipy and `noise` only; knows nothing of units, bots or NPCs."""
from pcg.tiles import TILE_COLORS, TILE_IDS, TILE_NAMES, Tile

__all__ = ["Tile", "TILE_NAMES", "TILE_IDS", "TILE_COLORS"]
