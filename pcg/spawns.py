"""Fair spawn points: every team walks the same distance to the centre and to its nearest resource.

Fairness is built, not hoped for. Spawns are picked on one ring of equal walking distance
from the centre tile (breadth-first search over passable tiles), spread apart by
farthest-point sampling; each
team then gets a resource on the ring of equal walking distance D around its own spawn,
chosen so that no other team is as close to it. Every other resource is kept further than D
from all spawns, so "distance to the nearest resource" is D for every team.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pcg.gamemap import Place, Spawn
from pcg.names import NameGenerator
from pcg.paths import walk_distance
from pcg.tiles import Tile

#: Largest allowed spread of the teams' walking distances, as a share of the mean: the
#: construction gives 0; the check (and the tests) allow this much.
FAIRNESS_TOLERANCE = 0.05
_SPAWN_TILES = [Tile.GRASSLAND, Tile.BEACH, Tile.FOREST, Tile.DESERT, Tile.HILLS, Tile.SNOW, Tile.SWAMP, Tile.ROAD]


class SpawnError(Exception):
    """No fair placement on this terrain (the generator reseeds)."""


@dataclass
class SpawnPlan:
    spawns: list[Spawn]
    resources: list[Place]
    centre: tuple[int, int]
    centre_distance: int
    resource_distance: int
    keep_out: np.ndarray  # tiles within the resource distance of any spawn


def centre_tile(region: np.ndarray) -> tuple[int, int]:
    """Tile of `region` closest to the map centre, as (x, y)."""
    h, w = region.shape
    ys, xs = np.nonzero(region)
    if xs.size == 0:
        raise SpawnError("no walkable tile")
    i = int(np.argmin((xs - (w - 1) / 2) ** 2 + (ys - (h - 1) / 2) ** 2))
    return int(xs[i]), int(ys[i])


def _spread_pick(xs, ys, teams, rng, min_sep):
    """`teams` candidates spread apart by farthest-point sampling; None if they cannot be min_sep apart."""
    best, best_sep = None, -1.0
    for start in rng.choice(xs.size, size=min(4, xs.size), replace=False):
        chosen = [int(start)]
        d = np.hypot(xs - xs[start], ys - ys[start])
        for _ in range(teams - 1):
            i = int(np.argmax(d))
            chosen.append(i)
            d = np.minimum(d, np.hypot(xs - xs[i], ys - ys[i]))
        px, py = xs[chosen], ys[chosen]
        sep = float((np.hypot(px[:, None] - px[None, :], py[:, None] - py[None, :]) + np.eye(teams) * 1e9).min())
        if sep > best_sep:
            best, best_sep = list(zip(px.tolist(), py.tolist())), sep
    return best if best_sep >= min_sep else None


def place_spawns(tiles: np.ndarray, passable: np.ndarray, region: np.ndarray, teams: int,
                 rng: np.random.Generator, names: NameGenerator) -> SpawnPlan:
    """Fair spawns for `teams` teams inside `region` (a connected set of passable tiles)."""
    h, w = tiles.shape
    centre = centre_tile(region)
    if teams == 0:
        return SpawnPlan([], [], centre, 0, 0, np.zeros_like(region))
    d_centre = walk_distance(passable, [centre])
    good = region & np.isin(tiles, _SPAWN_TILES)
    reach = int(d_centre[good].max()) if good.any() else 0
    size = min(h, w)
    radius = min(int(0.32 * size), int(reach * 0.85))
    while radius >= max(3, size // 10):
        ys, xs = np.nonzero(good & (d_centre == radius))
        if xs.size >= teams:
            picked = _spread_pick(xs, ys, teams, rng, min_sep=max(3.0, 0.75 * radius * np.sin(np.pi / teams)))
            if picked:
                plan = _team_resources(tiles, passable, region, picked, centre, radius, names)
                if plan:
                    return plan
        radius -= max(1, radius // 12)
    raise SpawnError(f"no ring around the centre holds {teams} well-separated spawns")


def _team_resources(tiles, passable, region, picked, centre, radius, names):
    dists = np.stack([walk_distance(passable, [p]) for p in picked])
    dists = np.where(dists < 0, np.iinfo(np.int64).max // 2, dists)
    res_tiles = region & np.isin(tiles, [Tile.GRASSLAND, Tile.FOREST, Tile.HILLS, Tile.DESERT, Tile.BEACH])
    for dist in range(max(3, radius // 3), 2, -1):
        sites = []
        for k in range(len(picked)):
            ring = res_tiles & (dists[k] == dist)
            others = np.delete(dists, k, axis=0).min(axis=0) if len(picked) > 1 else np.full(tiles.shape, 10**9)
            ring &= others > dist
            if not ring.any():
                break
            ys, xs = np.nonzero(ring)
            i = int(np.argmax(others[ys, xs]))
            sites.append((int(xs[i]), int(ys[i])))
        if len(sites) == len(picked):
            spawns = [Spawn(k, int(x), int(y)) for k, (x, y) in enumerate(picked)]
            resources = [Place(names.name("resource"), "resource", x, y, f"team {k} start")
                         for k, (x, y) in enumerate(sites)]
            keep_out = (dists <= dist).any(axis=0)
            return SpawnPlan(spawns, resources, centre, radius, dist, keep_out)
    return None


def fairness(passable: np.ndarray, spawns: list[Spawn], resources: list[Place],
             centre: tuple[int, int]) -> dict:
    """Walking distances of each spawn to the centre and to its nearest resource, and their spread.

    spread = (max - min) / mean for each measure; the map is fair when both are within
    FAIRNESS_TOLERANCE.
    """
    if not spawns:
        return {"fair": True, "centre": [], "resource": [], "centre_spread": 0.0, "resource_spread": 0.0,
                "tolerance": FAIRNESS_TOLERANCE}
    d_centre = walk_distance(passable, [centre])
    res = np.array([[r.x, r.y] for r in resources]) if resources else np.empty((0, 2), int)
    to_centre, to_res = [], []
    for s in spawns:
        to_centre.append(int(d_centre[s.y, s.x]))
        d = walk_distance(passable, [(s.x, s.y)])
        dr = d[res[:, 1], res[:, 0]] if len(res) else np.array([-1])
        dr = dr[dr >= 0]
        to_res.append(int(dr.min()) if dr.size else -1)

    def spread(v):
        v = np.asarray(v, float)
        if (v < 0).any():
            return float("inf")
        return float((v.max() - v.min()) / max(v.mean(), 1e-9))

    cs, rs = spread(to_centre), spread(to_res) if resources else 0.0
    return {"fair": bool(cs <= FAIRNESS_TOLERANCE and rs <= FAIRNESS_TOLERANCE), "centre": to_centre,
            "resource": to_res, "centre_spread": cs, "resource_spread": rs, "tolerance": FAIRNESS_TOLERANCE}
