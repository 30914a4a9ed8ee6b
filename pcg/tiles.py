"""Tile ids shared by every layer: the PCG biome tiles and the ruleset's terrain types.

This is the one contract between maps and the simulation: a map is an H×W array of these
ids, and a ruleset's `[terrain.<name>]` table names the same ids, so any generated map
plugs into any skirmish. Ids are stable: append, never renumber.
"""
from __future__ import annotations

from enum import IntEnum

import numpy


class Tile(IntEnum):
    DEEP_WATER = 0
    SHALLOW_WATER = 1
    BEACH = 2
    GRASSLAND = 3
    FOREST = 4
    SWAMP = 5
    DESERT = 6
    HILLS = 7
    MOUNTAIN = 8
    SNOW = 9
    RIVER = 10
    ROAD = 11
    BRIDGE = 12
    SETTLEMENT = 13


#: snake_case names, as used for ruleset terrain tables (`[terrain.shallow_water]`).
TILE_NAMES: dict[int, str] = {t.value: t.name.lower() for t in Tile}
TILE_IDS: dict[str, int] = {name: tid for tid, name in TILE_NAMES.items()}

#: RGB colours for previews, minimaps and the demo renderer.
TILE_COLORS: dict[int, tuple[int, int, int]] = {
    Tile.DEEP_WATER: (22, 52, 110),
    Tile.SHALLOW_WATER: (48, 98, 168),
    Tile.BEACH: (222, 208, 150),
    Tile.GRASSLAND: (110, 170, 80),
    Tile.FOREST: (40, 110, 50),
    Tile.SWAMP: (86, 110, 78),
    Tile.DESERT: (214, 190, 120),
    Tile.HILLS: (140, 140, 90),
    Tile.MOUNTAIN: (120, 110, 105),
    Tile.SNOW: (240, 240, 245),
    Tile.RIVER: (64, 124, 200),
    Tile.ROAD: (160, 130, 90),
    Tile.BRIDGE: (130, 90, 50),
    Tile.SETTLEMENT: (190, 70, 60),
}

#: Tiles a unit can walk on. Deep and shallow water, rivers and mountains block movement on
#: foot; rivers are crossed at bridges (and roads over mountains are passes, i.e. ROAD tiles).
#: Moves are 4-neighbour steps: a map connected that way is connected for 8-neighbour moves too.
#: The ruleset's terrain tables and pcg's playability check both use this set.
IMPASSABLE: frozenset[int] = frozenset(int(t) for t in (Tile.DEEP_WATER, Tile.SHALLOW_WATER, Tile.RIVER, Tile.MOUNTAIN))
PASSABLE: frozenset[int] = frozenset(t.value for t in Tile) - IMPASSABLE


def passable_mask(tiles) -> numpy.ndarray:
    """Boolean array: True where `tiles` (an array of tile ids) can be walked on."""
    return _PASSABLE_LUT[numpy.asarray(tiles)]


_PASSABLE_LUT = numpy.zeros(max(TILE_NAMES) + 1, dtype=bool)
_PASSABLE_LUT[sorted(PASSABLE)] = True
