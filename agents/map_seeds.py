"""Which skirmish maps bots train on and which they are evaluated on (numpy + pcg only).

Kept apart from ``agents.rl_slots`` so that scripted evaluation, sweeps and the CLI can use the
held-out seeds and the map cache without loading stable-baselines3 and torch.
"""
from __future__ import annotations

import functools

import numpy as np

#: Map seeds at or above this are held out for evaluation; training draws below it.
HELD_OUT_SEED0 = 1_000_000_000


def held_out_seeds(n: int, start: int = 0) -> list[int]:
    """The evaluation map seeds: never drawn in training."""
    return [HELD_OUT_SEED0 + start + i for i in range(n)]


@functools.lru_cache(maxsize=4096)
def skirmish_tiles(seed: int, size: int) -> np.ndarray:
    """The tile grid of ``pcg.skirmish_map(seed, size)`` for two teams.

    Cached because training epochs, evaluation and sweep units replay the same map seeds; the
    grid is returned read-only so a caller cannot corrupt the cached copy.
    """
    import pcg

    tiles = pcg.skirmish_map(int(seed), int(size), 2).tiles
    tiles.flags.writeable = False
    return tiles


def terrain_for(map_size: int | None):
    """``None`` (the built-in arena) for map_size None/0, else seed -> a generated skirmish map."""
    if not map_size:
        return None
    return lambda seed: skirmish_tiles(int(seed), int(map_size))
