"""The designer's knobs for a generated map, validated in one place."""
from __future__ import annotations

import dataclasses
import math
import numbers
import os
from dataclasses import dataclass

from pcg.errors import MapParameterError

#: Peak memory of the pipeline per tile (fields, flood heap, A* buffers, labels, ...): the
#: growth of peak RSS was 92-97 bytes per tile at 512 and 1024 tiles a side; with headroom,
#: used to refuse sizes the machine cannot hold.
BYTES_PER_TILE = 160
MIN_SIZE = 16
#: Walkable land (not water, not mountain) each team needs, as a share of the map, and the
#: least any map needs; below that spawns cannot be both fair and far apart.
LAND_PER_TEAM = 0.04
MIN_LAND = 0.10
SHAPES = ("continent", "island", "none")
NOISE_KINDS = ("perlin", "simplex")


def available_memory_bytes() -> int:
    """Memory the process may still use: MemAvailable on Linux, else physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


@dataclass(frozen=True)
class MapParams:
    """Parameters of `pcg.generate_map`. Fractions are shares of the whole map unless noted.

    size: tiles per side (the map is size × size).
    water: share of water (sea and lakes). mountain: share of high ground (mountain and snow
    caps, impassable except snow). hills: share of hills. beach: share of the coastal band.
    forest: share of lowland covered by forest. desert / swamp: share of lowland that is
    desert (driest) / swamp (wettest low ground).
    shape: 'continent' (land in the middle, sea at the edges), 'island' (one round island) or
    'none' (no mask: the noise alone decides).
    scale: tiles per noise unit (feature size); 0 picks size / 4.
    octaves, persistence, lacunarity: fractal noise controls. noise: 'perlin' or 'simplex'.
    exponent: height redistribution (>1 flattens lowlands and sharpens peaks).
    warp: domain-warp strength in noise units (0 = none; 0.3-1 gives twisted coasts).
    rivers: river density (0 = no rivers, 1 = default, 2 = twice as many).
    settlements: number of settlements wanted (-1 = size-based default).
    teams: number of fair spawn points (0 = none). resources: extra resource sites.
    """

    size: int = 256
    water: float = 0.35
    mountain: float = 0.08
    hills: float = 0.12
    beach: float = 0.03
    forest: float = 0.35
    desert: float = 0.10
    swamp: float = 0.05
    shape: str = "continent"
    scale: float = 0.0
    octaves: int = 6
    persistence: float = 0.5
    lacunarity: float = 2.0
    noise: str = "perlin"
    exponent: float = 1.0
    warp: float = 0.0
    rivers: float = 1.0
    settlements: int = -1
    teams: int = 2
    resources: int = -1

    def __post_init__(self) -> None:
        _check_int("size", self.size, MIN_SIZE, None)
        needed = self.size * self.size * BYTES_PER_TILE
        avail = available_memory_bytes()
        if needed > avail:
            largest = int(math.sqrt(avail / BYTES_PER_TILE))
            raise MapParameterError(
                "size", self.size,
                f"a {self.size}x{self.size} map needs about {needed / 2**30:.1f} GiB but only "
                f"{avail / 2**30:.1f} GiB is available; use size <= {largest} or stream chunks "
                "with pcg.ChunkedWorld",
            )
        for name in ("water", "mountain", "hills", "beach", "forest", "desert", "swamp"):
            _check_fraction(name, getattr(self, name))
        _check_int("teams", self.teams, 0, 8)
        land = max(0.0, 1.0 - self.water - self.mountain)
        need = max(MIN_LAND, LAND_PER_TEAM * self.teams) if self.teams else 0.0
        if land < need:
            raise MapParameterError(
                "water", self.water,
                f"with mountain={self.mountain} it leaves {land:.0%} walkable land, but {self.teams} "
                f"team spawns need at least {need:.0%} to be fair and apart; lower water or mountain, "
                "or use fewer teams",
            )
        if self.water + self.mountain + self.hills + self.beach > 1.0:
            raise MapParameterError(
                "water", self.water,
                f"water + mountain + hills + beach = "
                f"{self.water + self.mountain + self.hills + self.beach:.2f} exceeds 1; lower one of them",
            )
        if self.forest + self.desert + self.swamp > 1.0:
            raise MapParameterError(
                "forest", self.forest,
                f"forest + desert + swamp = {self.forest + self.desert + self.swamp:.2f} exceeds 1 "
                "(they share the lowland); lower one of them",
            )
        if self.shape not in SHAPES:
            raise MapParameterError("shape", self.shape, f"must be one of {', '.join(SHAPES)}")
        if self.noise not in NOISE_KINDS:
            raise MapParameterError("noise", self.noise, f"must be one of {', '.join(NOISE_KINDS)}")
        _check_number("scale", self.scale, 0.0, 1e6)
        _check_int("octaves", self.octaves, 1, 16)
        _check_number("persistence", self.persistence, 0.0, 1.0)
        _check_number("lacunarity", self.lacunarity, 1.0, 8.0)
        _check_number("exponent", self.exponent, 0.1, 10.0)
        _check_number("warp", self.warp, 0.0, 8.0)
        _check_number("rivers", self.rivers, 0.0, 10.0)
        _check_int("settlements", self.settlements, -1, 200)
        _check_int("teams", self.teams, 0, 8)
        _check_int("resources", self.resources, -1, 500)
        if self.teams and self.size < 8 * self.teams:
            raise MapParameterError("size", self.size, f"{self.teams} teams need size >= {8 * self.teams}")

    @property
    def feature_scale(self) -> float:
        """Tiles per noise unit actually used."""
        return self.scale if self.scale > 0 else self.size / 4.0

    @property
    def settlement_count(self) -> int:
        if self.settlements >= 0:
            return self.settlements
        return max(2, min(40, round(self.size * self.size / 80**2 * (1 - self.water))))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "MapParams":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise MapParameterError(unknown[0], data[unknown[0]], f"unknown map parameter; known: {', '.join(sorted(known))}")
        return cls(**data)


def _check_fraction(name: str, value: float) -> None:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not (0.0 <= value <= 1.0):
        raise MapParameterError(name, value, "must be a fraction between 0 and 1")


def _check_number(name: str, value: float, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or not lo <= value <= hi:
        raise MapParameterError(name, value, f"must be a number from {lo:g} to {hi:g}")


def _check_int(name: str, value: int, lo: int, hi: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < lo or (hi is not None and value > hi):
        rng = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
        raise MapParameterError(name, value, f"must be a whole number {rng}")
