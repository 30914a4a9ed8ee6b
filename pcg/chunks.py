"""Endless worlds streamed in chunks that agree along their borders.

Every chunk samples the noise fields at world tile coordinates and classifies tiles with
one set of thresholds fixed per world (taken once from a wide reference window), so a tile
gets the same biome whichever chunk computes it, and chunk (cx, cy) joins its neighbours
without seams. Settlements come from a world grid of cells, each seeded by (seed, cell), so
they too are the same whichever chunk asks. Rivers, roads and spawns need the whole map and
are left to `generate_map`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pcg.errors import MapParameterError
from pcg.gamemap import Place
from pcg.names import NameGenerator
from pcg.params import MapParams
from pcg.terrain import Fields, Thresholds, classify, compute_thresholds, make_fields
from pcg.tiles import Tile

_REFERENCE = 256  # tiles per side of the threshold reference window (sampled at a stride)
_REFERENCE_STRIDE = 4
_GOOD_SITE = [Tile.GRASSLAND, Tile.BEACH, Tile.FOREST, Tile.HILLS, Tile.DESERT]


@dataclass
class Chunk:
    """Tiles [origin, origin + size) of the world; arrays are [y, x], places use world (x, y)."""

    cx: int
    cy: int
    origin: tuple[int, int]
    tiles: np.ndarray
    height: np.ndarray
    moisture: np.ndarray
    settlements: list[Place] = field(default_factory=list)


class ChunkedWorld:
    """An endless world: `chunk(cx, cy)` returns the chunk at chunk coordinates (cx, cy).

    `params` are MapParams fields for the biome mix (water, mountain, forest, ...); `scale`
    is tiles per noise unit (feature size). Same seed, same world, in any process.
    """

    def __init__(self, seed: int, chunk_size: int = 64, scale: float = 64.0,
                 settlement_spacing: int = 48, **params) -> None:
        from pcg.generate import check_seed, make_params

        self.seed = check_seed(seed)
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or not 8 <= chunk_size <= 4096:
            raise MapParameterError("chunk_size", chunk_size, "must be a whole number from 8 to 4096")
        if isinstance(settlement_spacing, bool) or not isinstance(settlement_spacing, int) or settlement_spacing < 8:
            raise MapParameterError("settlement_spacing", settlement_spacing, "must be a whole number >= 8")
        self.chunk_size = chunk_size
        self.spacing = settlement_spacing
        self.params = make_params(max(chunk_size, 16),
                                  {"shape": "none", "teams": 0, "settlements": 0, **params, "scale": scale})
        if self.params.shape != "none":
            raise MapParameterError("shape", self.params.shape, "an endless world has no edge; use shape='none'")
        self.thresholds = self._reference_thresholds()

    def _reference_thresholds(self) -> Thresholds:
        # The fields are pointwise functions of scale-normalised coordinates, so sampling
        # with scale / stride over a window equals sampling the world at that stride.
        ref = MapParams(**{**self.params.to_dict(), "size": _REFERENCE,
                           "scale": self.params.feature_scale / _REFERENCE_STRIDE})
        half = _REFERENCE // 2
        return compute_thresholds(make_fields(ref, self.seed, origin=(-half, -half)), self.params)

    def fields(self, origin: tuple[int, int], shape: tuple[int, int]) -> Fields:
        """Noise fields for any window of the world (rows, cols) starting at world tile `origin`."""
        return make_fields(self.params, self.seed, shape, origin)

    def chunk(self, cx: int, cy: int) -> Chunk:
        """The chunk whose top-left tile is world tile (cx * chunk_size, cy * chunk_size)."""
        for name, v in (("cx", cx), ("cy", cy)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or abs(v) > 2**20:
                raise MapParameterError(name, v, "must be a whole number within +-2**20 (noise precision)")
        s = self.chunk_size
        origin = (int(cx) * s, int(cy) * s)
        f = self.fields(origin, (s, s))
        tiles = classify(f, self.thresholds)
        return Chunk(int(cx), int(cy), origin, tiles, f.height, f.moisture, self._settlements(origin, tiles))

    def _settlements(self, origin, tiles) -> list[Place]:
        s, g = self.chunk_size, self.spacing
        out = []
        for gy in range(origin[1] // g, (origin[1] + s - 1) // g + 1):
            for gx in range(origin[0] // g, (origin[0] + s - 1) // g + 1):
                rng = np.random.default_rng([self.seed & 0xFFFFFFFF, gx & 0xFFFFFFFF, gy & 0xFFFFFFFF, 0xC4])
                # Keep a margin inside the cell so neighbouring cells' villages stay apart.
                x = gx * g + int(rng.integers(g // 4, g - g // 4))
                y = gy * g + int(rng.integers(g // 4, g - g // 4))
                lx, ly = x - origin[0], y - origin[1]
                if 0 <= lx < s and 0 <= ly < s and tiles[ly, lx] in _GOOD_SITE and rng.random() < 0.7:
                    out.append(Place(NameGenerator(rng).name("settlement"), "settlement", x, y))
        return out
