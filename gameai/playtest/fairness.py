"""Spawn fairness: bot matches with swapped sides, and walking times from each spawn to the centre and resources.

Side advantage: the ruleset's two teams play ``matches`` matches with the map as drawn and as many
with the spawn points swapped, so a composition or bot difference cancels out and only the
spawn remains. Side A is the spawn of team 0 in the file. Its win share among decisive matches
gets a Wilson interval (``gameai.balance.stats.wilson``); a finding is raised when the interval
excludes 50%. The interval's level is 95% for one map and 1 - 0.05/M for M maps in one run
(Bonferroni), so testing many maps does not turn chance into alarms.

Walking times are in core steps (move_cost / speed per cell entered, 8-neighbour moves) for
each archetype; a spawn is flagged when it is both ``REL_GAP`` and ``ABS_GAP`` steps further
than the other from the centre (or from its nearest resource) for an archetype.
"""
from __future__ import annotations

import numpy as np

from agents.arena import run_matches
from agents.replay import record_match
from envs.maps import MapError
from envs.ruleset import TEAMS
from gameai.balance.stats import wilson
from gameai.playtest import replays
from gameai.playtest.findings import Finding
from gameai.playtest.mapview import MapView, swapped_spawns

#: chance of flagging a fair map, shared out over the maps of a run (Bonferroni)
ALPHA = 0.05
REL_GAP = 0.25   # 25% further ...
ABS_GAP = 5.0    # ... and at least 5 steps (2.5 s of game time): smaller gaps are noise of the grid


def distance_check(view: MapView, cfg) -> list[Finding]:
    names = view.unit_names
    centre = view.centre
    out: list[Finding] = []
    times: dict[str, dict] = {"centre": {}, "resource": {}}
    for u in range(len(names)):
        starts = [view.start_cell(u, t) for t in (0, 1)]
        if starts[0] is None:
            continue
        fields = [view.walk_time(u, [s]) for s in starts]
        if not np.isfinite(fields[0][starts[1][1], starts[1][0]]):
            continue  # spawns cut off for this type: reachability reports it
        c = [float(f[centre[1], centre[0]]) for f in fields]
        if all(np.isfinite(c)):
            times["centre"][names[u]] = c
        res = [(p.x, p.y) for p in view.gm.resources]
        if res:
            near = [min((float(_near_time(f, cell)) for cell in res), default=np.inf) for f in fields]
            if all(np.isfinite(near)):
                times["resource"][names[u]] = near
    stats = cfg.stats.setdefault(view.name, {})
    for what, per_type in times.items():
        if per_type:
            key = f"walking steps to {'the centre' if what == 'centre' else 'the nearest resource'} (blue / red)"
            stats[key] = ", ".join(f"{n} {a:.0f} / {b:.0f}" for n, (a, b) in per_type.items())
    for what, per_type in times.items():
        worst = None
        for name, (a, b) in per_type.items():
            gap = abs(a - b)
            if gap >= ABS_GAP and gap >= REL_GAP * min(a, b):
                if worst is None or gap > worst[1]:
                    worst = (name, gap, a, b)
        if worst is None:
            continue
        name, gap, a, b = worst
        far = 0 if a > b else 1
        target = f"the centre {centre}" if what == "centre" else "its nearest resource"
        cells = [view.spawn(0), view.spawn(1)] + ([centre] if what == "centre" else [])
        f = Finding(f"fairness.{what}_distance", "warning", view.name, cells=cells, subject="spawns",
                    message=f"the {TEAMS[far]} spawn is {gap:.0f} steps further from {target} than the "
                            f"{TEAMS[1 - far]} spawn for a {name} ({max(a, b):.0f} vs {min(a, b):.0f} steps)",
                    evidence={"steps": {n: {"blue": round(x, 1), "red": round(y, 1)}
                                        for n, (x, y) in per_type.items()}})
        # a race: one unit of that type from each spawn walks to the goal; one arrives first
        u = names.index(name)
        goals = {t: (centre if what == "centre" else _nearest_resource(view, u, t)) for t in (0, 1)}
        goal = "the centre" if what == "centre" else "resources"
        f.replay = replays.march(view, cfg, {name: 1}, {name: 1}, goals, f"{f.id}.json",
                                 label=f"playtest race ({name}s to {goal})")
        out.append(f)
    return out


def _nearest_resource(view: MapView, u: int, team: int) -> tuple[int, int]:
    field = view.walk_time(u, [view.start_cell(u, team)])
    return min(((p.x, p.y) for p in view.gm.resources), key=lambda c: _near_time(field, c))


def _near_time(field: np.ndarray, cell: tuple[int, int]) -> float:
    """Steps to stand on the cell or next to it (a resource may sit on rock)."""
    x, y = cell
    h, w = field.shape
    return float(field[max(0, y - 1):min(h, y + 2), max(0, x - 1):min(w, x + 2)].min())


def _meet(view: MapView, u: int) -> bool:
    a, b = view.start_cell(u, 0), view.start_cell(u, 1)
    return a is not None and bool(view.reach(u, 0)[b[1], b[0]])


def side_check(view: MapView, cfg, progress=None) -> list[Finding]:
    """Matches with swapped sides; a finding when side A's win share CI excludes 50%."""
    rs = view.params.ruleset
    blue, red = rs.teams["blue"], rs.teams["red"]
    n = cfg.matches
    if n <= 0:
        return []
    if not any(_meet(view, u) for u in range(len(view.unit_names))):
        cfg.stats.setdefault(view.name, {})["side_advantage"] = "not played: the spawns are cut off (see reachability)"
        return []
    seeds = [cfg.seed * 100_003 + i for i in range(n)]
    kw = dict(blue_bot=cfg.bot, red_bot=cfg.bot, blue_tier=cfg.tier, red_tier=cfg.tier)
    try:
        as_drawn = run_matches(rs, blue, red, seeds, terrain=view.gm, **kw)
        if progress:
            progress(n)
        swapped = run_matches(rs, blue, red, seeds, terrain=swapped_spawns(view.gm), **kw)
    except MapError as exc:  # the teams do not fit (a type with no ground): reachability says why
        cfg.stats.setdefault(view.name, {})["side_advantage"] = f"not played: {exc}"
        return []
    if progress:
        progress(n)
    # side A = team 0's spawn in the file: blue as drawn, red when swapped
    a_wins = sum(r.winner == "blue" for r in as_drawn) + sum(r.winner == "red" for r in swapped)
    b_wins = sum(r.winner == "red" for r in as_drawn) + sum(r.winner == "blue" for r in swapped)
    draws = 2 * n - a_wins - b_wins
    level = 1 - ALPHA / max(1, cfg.n_maps)  # Bonferroni: many maps in one run must not raise chance alarms
    share, lo, hi = wilson(a_wins, a_wins + b_wins, level)
    evidence = {"matches": 2 * n, "side_a_wins": a_wins, "side_b_wins": b_wins, "draws": draws,
                "side_a_share": None if a_wins + b_wins == 0 else round(share, 3),
                "ci": [round(lo, 3), round(hi, 3)], "ci_level": round(level, 4), "bot": f"{cfg.bot} ({cfg.tier})",
                "seeds": seeds}
    cfg.stats.setdefault(view.name, {})["side_advantage"] = evidence
    if a_wins + b_wins == 0 or lo <= 0.5 <= hi:
        return []
    fav = 0 if share > 0.5 else 1
    spawn = view.spawn(fav)
    f = Finding("fairness.side", "error", view.name, cells=[spawn], subject="side advantage",
                message=f"the side starting at {spawn} (team {fav}'s spawn in the file) wins "
                        f"{max(a_wins, b_wins)} of {a_wins + b_wins} decisive matches with swapped sides "
                        f"({level:.1%} CI of side A's share {lo:.0%}-{hi:.0%} excludes 50%)",
                evidence=evidence)
    if cfg.out_dir is not None:
        # replay a match the favoured side won, as drawn if possible
        runs = [(s, view.gm, "blue" if fav == 0 else "red", r) for s, r in zip(seeds, as_drawn)] + \
               [(s, swapped_spawns(view.gm), "red" if fav == 0 else "blue", r) for s, r in zip(seeds, swapped)]
        seed, gm, _, _ = next(x for x in runs if x[3].winner == x[2])
        _, data = record_match(rs, blue, red, seed, terrain=gm, **kw)
        f.replay = replays.write(cfg.out_dir, f"{f.id}.json", data)
    return [f]
