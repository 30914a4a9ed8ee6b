"""Small battlefields for skirmishes, balance sweeps and RL training: fast, playable, fair.

Uses the full map pipeline (so the same guarantees hold: all spawns reachable on foot, fair
walking distances to the centre and to each team's resource) with settings suited to a
small arena: no rivers (without villages there are no roads to bridge them), no villages, large features, a continent mask so the arena is land
ringed by a little water. Landmark naming is skipped to keep it to milliseconds.
"""
from __future__ import annotations

from pcg.gamemap import GameMap
from pcg.generate import MAX_ATTEMPTS, _Retry, check_seed, derive_seed, make_params, unmet
from pcg import generate as _generate

SKIRMISH_DEFAULTS = dict(water=0.12, mountain=0.06, hills=0.12, beach=0.04, forest=0.3, desert=0.08,
                         swamp=0.04, shape="continent", octaves=4, rivers=0.0, settlements=0)


def skirmish_map(seed: int, size: int = 32, teams: int = 2, **params) -> GameMap:
    """A size × size battlefield with fair spawns for `teams` teams, in a few milliseconds.

    Same seed, same map. `params` override SKIRMISH_DEFAULTS (any `pcg.MapParams` field).
    Spawns are at equal walking distance from the centre tile, and each team has a resource
    at equal walking distance from its spawn (`map.resources[k]` belongs to team k).
    """
    seed = check_seed(seed)
    p = make_params(size, {**SKIRMISH_DEFAULTS, "teams": teams, "resources": teams * 2, **params})
    failures: list[_Retry] = []
    # Twice the usual attempts: small arenas miss a fair ring more often, and each try is cheap.
    for attempt in range(MAX_ATTEMPTS * 2):
        try:
            gm = _generate.build(p, seed, derive_seed(seed, attempt), with_landmarks=False)
        except _Retry as exc:
            failures.append(exc)
            continue
        gm.report["attempts"] = attempt + 1
        return gm
    raise unmet(p, failures)
