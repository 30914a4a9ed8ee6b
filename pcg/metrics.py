"""Generator quality metrics in the spirit of Khalifa et al.'s pcg_benchmark, each in [0, 1].

- quality: share of maps that are playable (checked here independently, with
  scipy.ndimage.label over the passable tiles) and meet their constraints (fair spawns, the
  requested number of spawns and settlements, water and mountain near the request);
- diversity: mean share of differing tiles between pairs of maps of different seeds;
- controllability: 1 - mean |requested - achieved| over the water and mountain fractions,
  with the requests varied across seeds so the generator must follow them.
"""
from __future__ import annotations

from itertools import combinations
from typing import Callable

import numpy as np
from scipy import ndimage

from pcg.gamemap import GameMap
from pcg.generate import generate_map
from pcg.tiles import Tile, passable_mask

#: Achieved water / mountain may differ from the request by this much (rivers, lakes and
#: road passes move a few percent) and still count as "meets its constraints".
FRACTION_TOLERANCE = 0.08
_FOUR = ndimage.generate_binary_structure(2, 1)


def achieved(gm: GameMap) -> dict[str, float]:
    """Water (sea and lakes) and mountain (mountain and snow) shares of a map."""
    n = gm.tiles.size
    return {"water": float(np.isin(gm.tiles, [Tile.DEEP_WATER, Tile.SHALLOW_WATER]).sum() / n),
            "mountain": float(np.isin(gm.tiles, [Tile.MOUNTAIN, Tile.SNOW]).sum() / n)}


def independently_playable(gm: GameMap) -> bool:
    """All settlements and spawns in one 4-connected region of passable tiles."""
    labels, _ = ndimage.label(passable_mask(gm.tiles), structure=_FOUR)
    pts = [(p.x, p.y) for p in gm.settlements] + [(s.x, s.y) for s in gm.spawns]
    found = {int(labels[y, x]) for x, y in pts}
    return len(found) <= 1 and 0 not in found


def meets_constraints(gm: GameMap) -> bool:
    p = gm.params
    got = achieved(gm)
    return (independently_playable(gm)
            and gm.report.get("fairness", {}).get("fair", False)
            and len(gm.spawns) == p["teams"]
            and (p["settlements"] < 0 or len(gm.settlements) == p["settlements"])
            and abs(got["water"] - p["water"]) <= FRACTION_TOLERANCE
            and abs(got["mountain"] - p["mountain"]) <= FRACTION_TOLERANCE)


def diversity(maps: list[GameMap], max_pairs: int = 2000) -> float:
    """Mean share of tiles that differ between two maps, over pairs of maps."""
    pairs = list(combinations(range(len(maps)), 2))[:max_pairs]
    if not pairs:
        return 0.0
    return float(np.mean([np.mean(maps[a].tiles != maps[b].tiles) for a, b in pairs]))


def requested_fractions(seed: int) -> dict[str, float]:
    """The water / mountain request used for `seed` in the controllability sweep."""
    rng = np.random.default_rng([seed, 0xC0417])
    return {"water": round(float(rng.uniform(0.15, 0.55)), 3), "mountain": round(float(rng.uniform(0.02, 0.15)), 3)}


def evaluate(seeds: int = 100, size: int = 96, progress: Callable[[int], None] | None = None, **params) -> dict:
    """Generate `seeds` maps (seeds 0..seeds-1) and report quality, diversity and controllability.

    Water and mountain requests vary per seed (`requested_fractions`) unless given in `params`.
    """
    maps, errors = [], []
    for seed in range(seeds):
        req = {**requested_fractions(seed), **params}
        gm = generate_map(seed, size, **req)
        maps.append(gm)
        got = achieved(gm)
        errors.append([abs(got["water"] - req["water"]), abs(got["mountain"] - req["mountain"])])
        if progress:
            progress(seed + 1)
    ok = [meets_constraints(m) for m in maps]
    err = np.array(errors)
    return {
        "seeds": seeds,
        "size": size,
        "quality": float(np.mean(ok)),
        "playable": float(np.mean([independently_playable(m) for m in maps])),
        "diversity": diversity(maps),
        "controllability": float(1.0 - err.mean()),
        "water_error": float(err[:, 0].mean()),
        "mountain_error": float(err[:, 1].mean()),
        "reseeded": float(np.mean([m.used_seed != m.seed for m in maps])),
    }
