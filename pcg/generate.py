"""The map pipeline: terrain -> rivers and lakes -> settlements -> roads -> spawns -> resources -> landmarks.

Every random choice draws from generators seeded by the map seed, so one seed gives one map
in any process. When a stage cannot meet its constraints on a seed (no fair spawn ring, a
settlement that roads cannot reach) the pipeline reseeds deterministically from (seed,
attempt) and records the seed it used; after MAX_ATTEMPTS it raises MapParameterError.
"""
from __future__ import annotations

import numbers

import numpy as np
from scipy import ndimage

from pcg import playability
from pcg.errors import MapParameterError
from pcg.gamemap import GameMap
from pcg.names import NameGenerator
from pcg.params import MapParams
from pcg.places import landmarks, main_landmass, name_settlements, scatter_resources, settlement_sites
from pcg.rivers import drain
from pcg.roads import add_crossings, bridge_sites, connect
from pcg.spawns import SpawnError, fairness, place_spawns
from pcg.terrain import classify, compute_thresholds, make_fields
from pcg.tiles import Tile, passable_mask

MAX_ATTEMPTS = 8
_FOUR = ndimage.generate_binary_structure(2, 1)


class _Retry(Exception):
    """This seed cannot meet a constraint; `param` names the parameter that asks for it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


def derive_seed(seed: int, attempt: int) -> int:
    """Seed of the given reseed attempt (attempt 0 is the seed itself)."""
    if attempt == 0:
        return seed
    return int(np.random.SeedSequence([seed & (2**63 - 1), attempt]).generate_state(1, np.uint64)[0] >> 1)


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**63:
        raise MapParameterError("seed", seed, "must be a whole number from 0 to 2**63 - 1")
    return int(seed)


def make_params(size: int, params: dict) -> MapParams:
    try:
        return MapParams(size=size, **params)
    except TypeError as exc:  # an unknown keyword
        known = ", ".join(MapParams.__dataclass_fields__)
        bad = next((k for k in params if k not in MapParams.__dataclass_fields__), "?")
        raise MapParameterError(bad, params.get(bad), f"unknown map parameter; known: {known}") from exc


def generate_map(seed: int, size: int = 256, **params) -> GameMap:
    """Generate a playable map of size × size tiles.

    `params` are the fields of `pcg.MapParams` (water, mountain, forest, shape, rivers,
    settlements, teams, ...). The result always passes the playability check (every
    settlement and spawn reachable on foot from every other) and its spawns are fair within
    `pcg.spawns.FAIRNESS_TOLERANCE`; `map.report` holds the figures. Raises
    MapParameterError for a bad parameter or constraints that no reseed could meet.
    """
    seed = check_seed(seed)
    p = make_params(size, params)
    failures: list[_Retry] = []
    for attempt in range(MAX_ATTEMPTS):
        try:
            gm = build(p, seed, derive_seed(seed, attempt))
        except _Retry as exc:
            failures.append(exc)
            continue
        gm.report["attempts"] = attempt + 1
        return gm
    raise unmet(p, failures)


def unmet(p: MapParams, failures: list[_Retry]) -> MapParameterError:
    """The error for constraints that no reseed could meet, naming the most frequent culprit."""
    params = [f.param for f in failures]
    param = max(set(params), key=params.count)
    return MapParameterError(param, getattr(p, param),
                             f"no map met the constraints in {len(failures)} seeds ({failures[-1]}); "
                             "lower water/mountain, use fewer teams or settlements, or a larger size")


def build(p: MapParams, seed: int, used_seed: int, with_landmarks: bool = True) -> GameMap:
    """One generation attempt; raises _Retry when this seed cannot satisfy the constraints."""
    fields = make_fields(p, used_seed)
    tiles = classify(fields, compute_thresholds(fields, p))
    water = tiles <= Tile.SHALLOW_WATER
    dr = drain(fields.height, water, p.rivers, lakes=p.water > 0)
    tiles[dr.lake] = Tile.SHALLOW_WATER
    tiles[dr.river] = Tile.RIVER
    add_crossings(tiles, dr.paths, every=max(8, p.size // 16))

    rng = np.random.default_rng([used_seed & 0xFFFFFFFF, used_seed >> 32, 0x51ACE])
    names = NameGenerator(np.random.default_rng([used_seed & 0xFFFFFFFF, used_seed >> 32, 0x4A3E]))
    land = main_landmass(tiles)
    sites = settlement_sites(tiles, land, p.settlement_count, rng)
    wanted = p.settlement_count if p.settlements >= 0 else min(p.settlement_count, 2)
    if len(sites) < wanted:
        raise _Retry("settlements", f"only {len(sites)} of {p.settlement_count} settlement sites on the main landmass")
    settlements = name_settlements(sites, names)
    for x, y in sites:
        tiles[y, x] = Tile.SETTLEMENT
    _, failed = connect(tiles, sites)
    if failed or not playability.repair(tiles, sites):
        raise _Retry("settlements", "settlements could not all be joined by roads")

    passable = passable_mask(tiles)
    labels, _ = ndimage.label(passable, structure=_FOUR)
    if sites:
        home = labels[sites[0][1], sites[0][0]]
    else:
        counts = np.bincount(labels.ravel())
        counts[0] = 0
        home = int(np.argmax(counts))
    region = labels == home
    if p.teams and region.sum() < 16 * p.teams:
        raise _Retry("teams", f"the walkable region has {int(region.sum())} tiles, too few for {p.teams} spawns")
    try:
        plan = place_spawns(tiles, passable, region, p.teams, rng, names)
    except SpawnError as exc:
        raise _Retry("teams", f"spawns: {exc}") from exc

    n_res = p.resources if p.resources >= 0 else max(2 * p.teams, p.size * p.size // 3000)
    resources = plan.resources + scatter_resources(tiles, region, n_res, rng, names, keep_out=plan.keep_out)
    points = sites + [(s.x, s.y) for s in plan.spawns] + [(r.x, r.y) for r in resources]
    report = playability.check(tiles, points)
    if not report["playable"]:
        raise _Retry("water", f"unreachable places {report['unreachable'][:3]}")
    fair = fairness(passable, plan.spawns, resources, plan.centre)
    if not fair["fair"]:
        raise _Retry("teams", f"spawns not fair: {fair}")
    marks = landmarks(tiles, dr.height, dr.paths, bridge_sites(tiles, on_roads=True), names) if with_landmarks else []
    return GameMap(
        tiles=tiles, height=dr.height, moisture=fields.moisture, temperature=fields.temperature,
        rivers=dr.paths, settlements=settlements, landmarks=marks, resources=resources, spawns=plan.spawns,
        centre=plan.centre, seed=seed, used_seed=used_seed, params=p.to_dict(),
        report={"playable": report, "fairness": fair},
    )
