"""Stuck spots of the game's own bots: where they stop making progress or bounce back and forth.

The frontier explorers plan on the true walking distances and cannot get stuck on terrain; the
shipped bots steer greedily with a wall-follower (agents.scripted) and can. So this check plays
a match with the playtest's bot (both teams, the map as drawn and with the spawns swapped, one
batch of two) and watches every unit that sees no enemy: such a unit heads for the map centre
(``advance`` in agents/scripted.py). It is stuck when its walking time to the centre has not
improved for ``PATIENCE`` steps, and oscillating when its last ``WINDOW`` positions are two cells.
Healers are left out: they follow allies rather than the centre.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from agents import make_policy
from envs import core
from envs.maps import MapError
from gameai.playtest import replays
from gameai.playtest.findings import Finding
from gameai.playtest.mapview import EIGHT, MapView, swapped_spawns

PATIENCE = 40      # steps without getting closer to the centre (a knight needs ~6 to enter a river cell)
WINDOW = 12        # positions checked for back-and-forth
NEAR_CENTRE = 3    # cells: a unit this close to the centre has nowhere further to go


def check(view: MapView, cfg, progress=None) -> list[Finding]:
    p, rs = view.params, view.params.ruleset
    if any(view.start_cell(u, 0) is None for u in range(len(view.unit_names))):
        return []
    h, w = view.shape
    centre = ((w - 1) // 2, (h - 1) // 2)  # where the observation's centre vector points
    maps = [view.gm, swapped_spawns(view.gm)]
    seeds = [cfg.seed, cfg.seed + 1]
    blue, red = rs.teams["blue"], rs.teams["red"]
    try:
        state = core.reset(p, blue, red, seeds, lambda s: maps[s - cfg.seed])
    except MapError:  # the teams do not fit on this map: reachability and fairness say why
        return []
    spec = core.observation_spec(p)
    team = state.team[0]
    n_blue = int((team == core.BLUE).sum())
    pols = {0: make_policy("focus_fire", cfg.tier, seed=0), 1: make_policy("focus_fire", cfg.tier, seed=0)}
    for t, pol in pols.items():
        pol.reset(spec, t, seeds)
    fields = {}
    for u in range(len(view.unit_names)):
        r = view.reach(u, 0) | view.reach(u, 1)
        ys, xs = np.nonzero(r)
        i = int(np.argmin((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2))
        fields[u] = view.walk_time(u, [(int(xs[i]), int(ys[i]))])
    b_n, n = state.n_envs, state.n_units
    best = np.full((b_n, n), np.inf)
    since = np.zeros((b_n, n), dtype=np.int64)
    hist: dict[tuple[int, int], list] = {}
    events: dict[tuple[int, int], dict] = {}   # cell -> {"stuck": k, "oscillation": k, "env": b, "step": t}
    steps: list[np.ndarray] = []
    healer = p.heal > 0
    while not state.done.all():
        obs, mask = core.observe(p, state, spec)
        actions = np.concatenate([pols[0].act(obs[:, :n_blue], mask[:, :n_blue]),
                                  pols[1].act(obs[:, n_blue:], mask[:, n_blue:])], axis=1).astype(np.int64)
        steps.append(actions.copy())
        for b in range(b_n):
            if state.done[b]:
                continue
            for i in range(n):
                u = int(state.utype[b, i])
                x, y = int(state.x[b, i]), int(state.y[b, i])
                sees_enemy = state.enemies[b, i, 0] >= 0
                if not state.alive[b, i] or healer[u] or sees_enemy or \
                        max(abs(x - centre[0]), abs(y - centre[1])) <= NEAR_CENTRE:
                    best[b, i], since[b, i] = np.inf, 0
                    hist.pop((b, i), None)
                    continue
                d = fields[u][y, x]
                if not np.isfinite(d):  # cut off from the centre: reachability reports that, not the bots
                    continue
                if d < best[b, i] - 1e-9:
                    best[b, i], since[b, i] = d, 0
                else:
                    since[b, i] += 1
                    if since[b, i] == PATIENCE:
                        _event(events, (x, y), "stuck", b, int(state.t[b]))
                hs = hist.setdefault((b, i), [])
                hs.append((x, y))
                if len(hs) > WINDOW:
                    del hs[0]
                    if len(set(hs)) == 2 and since[b, i] >= WINDOW:
                        _event(events, (x, y), "oscillation", b, int(state.t[b]))
                        hs.clear()
        core.step_inplace(p, state, actions)
    if not events:
        return []
    return _findings(view, cfg, events, maps, seeds, steps, blue, red)


def _event(events, cell, kind, b, t) -> None:
    e = events.setdefault(cell, {"stuck": 0, "oscillation": 0, "env": b, "step": t})
    e[kind] += 1


def _findings(view, cfg, events, maps, seeds, steps, blue, red) -> list[Finding]:
    mask = np.zeros(view.shape, dtype=bool)
    for x, y in events:
        mask[y, x] = True
    labels, n = ndimage.label(ndimage.binary_dilation(mask, structure=EIGHT), structure=EIGHT)
    out = []
    for i in range(1, n + 1):
        cells = sorted(c for c in events if labels[c[1], c[0]] == i)
        stuck = sum(events[c]["stuck"] for c in cells)
        osc = sum(events[c]["oscillation"] for c in cells)
        first = min(cells, key=lambda c: events[c]["step"])
        what = " and ".join(w for w, k in (("stopped making progress", stuck), ("bounced between two cells", osc)) if k)
        f = Finding("explorer.stuck", "warning", view.name, cells=cells, subject="focus_fire bot",
                    message=f"the bots' units {what} near {first} with no enemy in sight, on their way to the "
                            f"centre ({stuck + osc} time(s)): the steering cannot find the way round here",
                    evidence={"stuck": stuck, "oscillation": osc, "patience_steps": PATIENCE,
                              "first_step": events[first]["step"]})
        if cfg.out_dir is not None:
            b = events[first]["env"]
            acts = [a[b].tolist() for a in steps[:events[first]["step"] + PATIENCE]]
            data = replays.replay_data(view.params, maps[b], blue, red, seeds[b], acts,
                                       label="playtest bots (focus_fire)")
            f.replay = replays.write(cfg.out_dir, f"{f.id}.json", data)
        out.append(f)
    return out
