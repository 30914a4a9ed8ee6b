"""Height, moisture and temperature fields, and the elevation × moisture table that turns them into biome tiles.

Thresholds are quantiles of the fields, so a designer's `water=0.3` gives 30 % water tiles
before rivers and lakes are added (controllability), whatever the noise did. For chunked
worlds the thresholds are computed once from a reference window and then applied pointwise,
so every chunk classifies its tiles the same way.
"""
from __future__ import annotations

from dataclasses import astuple, dataclass

import numpy as np

from pcg.noise import fractal_grid
from pcg.params import MapParams
from pcg.tiles import Tile

#: Perlin/simplex fractal values are roughly in [-0.7, 0.7]; this gain maps them onto [0, 1]
#: (then clipped) with a fixed, pointwise formula, so chunks agree at their borders.
_GAIN = 0.85
#: How strongly the shape mask pulls the height towards "land in the middle".
_MASK_MIX = {"island": 0.6, "continent": 0.3, "none": 0.0}


@dataclass(frozen=True)
class Fields:
    """The noise fields of a map or chunk, each float32 in [0, 1]."""

    height: np.ndarray
    moisture: np.ndarray
    temperature: np.ndarray


@dataclass(frozen=True)
class Thresholds:
    """Cut points of the biome table (heights in [0, 1]; dryness/swampness are derived scores)."""

    deep: float
    sea: float
    beach: float
    hills: float
    mountain: float
    snow: float
    desert: float  # dryness >= this -> desert (lowland)
    swamp: float  # swampness >= this -> swamp (lowland)
    forest: float  # moisture >= this -> forest (lowland)

    def as_list(self) -> list[float]:
        return [float(v) for v in astuple(self)]


def noise_offsets(seed: int) -> dict[str, tuple[float, float]]:
    """Per-field offsets into noise space derived from the seed.

    noise's Perlin lattice repeats every 256 units, so offsets in [0, 256) with their
    fractional parts give every seed its own patch of the pattern.
    """
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(seed) >> 32 & 0xFFFFFFFF, 0x7E77A1])
    return {name: (float(rng.uniform(0, 256)), float(rng.uniform(0, 256)))
            for name in ("height", "moisture", "temperature")}


def shape_mask(height: int, width: int, size: int, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Square-bump distance from the map centre: 0 in the middle, 1 at the edges."""
    ys = (np.arange(height) + origin[1] + 0.5) / size * 2 - 1
    xs = (np.arange(width) + origin[0] + 0.5) / size * 2 - 1
    return (1 - (1 - ys[:, None] ** 2) * (1 - xs[None, :] ** 2)).astype(np.float32)


def useful_octaves(params: MapParams) -> int:
    """`params.octaves`, less the octaves whose wavelength would be under two tiles.

    Those only add per-tile salt (isolated single tiles of another biome) on small maps.
    """
    finest = params.feature_scale / 2.0
    useful = 1 + int(np.floor(np.log(max(finest, 1.0)) / np.log(max(params.lacunarity, 1.0001))))
    return max(1, min(params.octaves, useful))


def make_fields(params: MapParams, seed: int, shape: tuple[int, int] | None = None,
                origin: tuple[int, int] = (0, 0)) -> Fields:
    """Sample the fields for the tiles [origin, origin + shape) in world tile coordinates."""
    h, w = shape if shape is not None else (params.size, params.size)
    off = noise_offsets(seed)
    scale = params.feature_scale
    common = dict(persistence=params.persistence, lacunarity=params.lacunarity, kind=params.noise, origin=origin)
    n = fractal_grid(w, h, scale=scale, offset=off["height"], octaves=useful_octaves(params), warp=params.warp,
                     **common)
    height = np.clip(0.5 + _GAIN * n, 0.0, 1.0) ** np.float32(params.exponent)
    mix = _MASK_MIX[params.shape]
    if mix:
        d = shape_mask(h, w, params.size, origin)
        height = (1 - mix) * height + mix * (1 - d)
    # Moisture varies more slowly than height (climate zones are larger than hills).
    m = fractal_grid(w, h, scale=scale * 1.5, offset=off["moisture"], octaves=4, **common)
    moisture = np.clip(0.5 + _GAIN * m, 0.0, 1.0)
    t = fractal_grid(w, h, scale=scale * 2.0, offset=off["temperature"], octaves=3, **common)
    # Colder uphill (a lapse rate), plus large-scale variation.
    temperature = np.clip(0.5 + _GAIN * t + 0.5 * (0.5 - height), 0.0, 1.0)
    return Fields(height.astype(np.float32), moisture.astype(np.float32), temperature.astype(np.float32))


def _dryness(moisture: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    return temperature - moisture


def _swampness(height: np.ndarray, moisture: np.ndarray, th_beach: float, th_hills: float) -> np.ndarray:
    low = (height - th_beach) / max(th_hills - th_beach, 1e-6)
    return moisture - 0.6 * low


def compute_thresholds(fields: Fields, params: MapParams) -> Thresholds:
    """Quantile cut points that give the requested shares on these fields."""
    e = fields.height.ravel()
    wq = params.water
    qs = np.quantile(e, [wq * 0.6, wq, min(1.0, wq + params.beach), 1 - params.mountain - params.hills,
                         1 - params.mountain, 1 - params.mountain * 0.25])
    deep, sea, beach, hills, mountain, snow = (float(v) for v in qs)
    # An empty share must produce no tiles at all: push its cut point past the data.
    if wq == 0:
        deep = sea = -1.0
        beach = -1.0 if params.beach == 0 else beach
    if params.mountain == 0:
        mountain = snow = 2.0
    lowland = (e >= beach) & (e < hills)
    mo = fields.moisture.ravel()[lowland]
    if mo.size == 0:
        return Thresholds(deep, sea, beach, hills, mountain, snow, 2.0, 2.0, 2.0)
    dry = _dryness(mo, fields.temperature.ravel()[lowland])
    swampy = _swampness(e[lowland], mo, beach, hills)
    desert_t = float(np.quantile(dry, 1 - params.desert)) if params.desert > 0 else 2.0
    swamp_t = float(np.quantile(swampy, 1 - params.swamp)) if params.swamp > 0 else 2.0
    rest = mo[(dry < desert_t) & (swampy < swamp_t)]
    share = min(1.0, params.forest / max(rest.size / mo.size, 1e-9))
    forest_t = float(np.quantile(rest, 1 - share)) if params.forest > 0 and rest.size else 2.0
    return Thresholds(deep, sea, beach, hills, mountain, snow, desert_t, swamp_t, forest_t)


def classify(fields: Fields, th: Thresholds) -> np.ndarray:
    """Biome tile ids (uint8) from the fields, by elevation band and then moisture."""
    e, m = fields.height, fields.moisture
    tiles = np.full(e.shape, Tile.GRASSLAND, dtype=np.uint8)
    lowland = (e >= th.beach) & (e < th.hills)
    dry = _dryness(m, fields.temperature)
    swampy = _swampness(e, m, th.beach, th.hills)
    tiles[lowland & (m >= th.forest)] = Tile.FOREST
    tiles[lowland & (swampy >= th.swamp)] = Tile.SWAMP
    tiles[lowland & (dry >= th.desert)] = Tile.DESERT
    tiles[(e >= th.sea) & (e < th.beach)] = Tile.BEACH
    tiles[(e >= th.hills) & (e < th.mountain)] = Tile.HILLS
    tiles[e >= th.mountain] = Tile.MOUNTAIN
    tiles[e >= th.snow] = Tile.SNOW
    tiles[e < th.sea] = Tile.SHALLOW_WATER
    tiles[e < th.deep] = Tile.DEEP_WATER
    return tiles
