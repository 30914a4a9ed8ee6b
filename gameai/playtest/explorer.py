"""Explorer bots: teams of one archetype walk every cell they can reach, on the core, and report what they hit.

Frontier exploration (the classic Yamauchi scheme, with a static split of the work): the cells a
type can reach are cut into one compact chunk per explorer (k-means on the coordinates), chunks
go to explorers by a least-total-distance assignment, and each explorer sweeps its chunk: it steps
onto an unvisited neighbour when it has one (the one with the most visited or blocked neighbours,
so the sweep leaves no holes), else it walks down a walking-distance field to the nearest
unvisited cell of its chunk (``pcg.paths`` BFS, recomputed only on arrival). A finished explorer
helps with whatever is left. Both teams explore at once from their own spawns, so the run also
measures how long each spawn takes to reach the centre and the resources, and explorers crowd
each other at chokepoints as real armies do.

This is not a ``Policy``: it reads positions from the core's state (policies see only their
egocentric observations), so it lives with the playtest and drives ``core.step_inplace``.

Reported per archetype: coverage of the reachable cells (a finding when under 95%) and the step
each spawn's explorers first reach the centre and a resource. ``traffic`` marches each spawn's
army for the other spawn and counts who waits where; the chokepoint check uses it to confirm a
jam by playing it. Stuck spots of the game's own bots are ``gameai.playtest.stuck``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.vq import kmeans2
from scipy.optimize import linear_sum_assignment

from envs import core
from envs.maps import MapError
from gameai.playtest.findings import Finding
from gameai.playtest.mapview import MapView
from pcg.paths import walk_distance_from

UNITS_PER_TEAM = 8
COVERAGE_GOAL = 0.99        # stop once this share of the reachable cells was walked on
OSCILLATION_WINDOW = 12     # steps of position history checked for back-and-forth
_DIRS = [tuple(d) for d in core.DIRECTIONS]


@dataclass
class ExploreRun:
    """One archetype's exploration: figures, event maps and (optionally) the actions played."""

    utype: int
    name: str
    steps: int
    reachable: np.ndarray                 # (H, W) bool
    visited: np.ndarray                   # (H, W) bool
    queue: np.ndarray                     # (H, W) int: times an explorer waited for this cell to free up
    stuck: dict = field(default_factory=dict)        # (x, y) -> steps without progress there (worst)
    oscillation: dict = field(default_factory=dict)  # (x, y) -> times an explorer bounced there
    arrival: dict = field(default_factory=dict)      # team name -> {"centre": step, "resources": step}
    actions: list = field(default_factory=list)
    seconds: float = 0.0
    params: core.CoreParams | None = None  # the step limit the run was played under (for its replay)

    @property
    def coverage(self) -> float:
        n = int(self.reachable.sum())
        return float((self.visited & self.reachable).sum() / n) if n else 1.0


def _chunks(cells: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Chunk label per reachable cell: k compact groups (k-means, seeded so runs repeat)."""
    if len(cells) <= k:
        return np.arange(len(cells)) % k
    _, labels = kmeans2(cells.astype(float), k, seed=np.random.default_rng(seed), minit="++")
    return labels


def explore(view: MapView, utype: int, *, units: int = UNITS_PER_TEAM, max_steps: int | None = None,
            seed: int = 0, record: bool = False) -> ExploreRun:
    """Run the explorers of one archetype until they cover ``COVERAGE_GOAL`` or ``max_steps`` pass."""
    import time

    t0 = time.perf_counter()
    name = view.unit_names[utype]
    h, w = view.shape
    reach = {t: view.reach(utype, t) for t in (0, 1)}
    reachable = reach[0] | reach[1]
    passable = view.passable[utype]
    slow = float(np.max(view.params.move_cost[view.grid][passable])) / float(view.params.speed[utype])
    if max_steps is None:  # walking every cell once, shared out, with room for detours
        max_steps = int(4 * reachable.sum() / max(1, units) * slow / 2 + 200)
    params = core.compile_params(view.params.ruleset, max_steps=max_steps + 1)
    comp = {name: units}
    state = core.reset(params, comp, comp, [seed], view.gm)
    n = state.n_units
    team = state.team[0]

    # the work split: one chunk per explorer, each chunk given to the explorer nearest it overall
    ys, xs = np.nonzero(reachable)
    labels = _chunks(np.stack([xs, ys], 1), n, seed)
    centroids = np.array([[xs[labels == c].mean(), ys[labels == c].mean()] if (labels == c).any() else [1e9, 1e9]
                          for c in range(n)])
    pos = np.stack([state.x[0], state.y[0]], 1).astype(float)
    cost = np.hypot(*(pos[:, None, :] - centroids[None, :, :]).transpose(2, 0, 1))
    for i in range(n):  # a chunk the explorer's team cannot reach is not its job
        for c in range(n):
            cx, cy = xs[labels == c], ys[labels == c]
            if len(cx) and not reach[int(team[i])][cy[0], cx[0]]:
                cost[i, c] = 1e12
    _, assign = linear_sum_assignment(cost)
    chunk = np.zeros((n, h, w), dtype=bool)
    for i in range(n):
        sel = labels == assign[i]
        chunk[i, ys[sel], xs[sel]] = True
        chunk[i] &= reach[int(team[i])]

    visited = np.zeros((h, w), dtype=bool)
    queue = np.zeros((h, w), dtype=np.int64)
    fields: list[np.ndarray | None] = [None] * n
    best = np.full(n, np.inf)
    since = np.zeros(n, dtype=np.int64)
    history: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    run = ExploreRun(utype, name, 0, reachable, visited, queue)
    patience = int(np.ceil(slow)) * 3 + 10  # steps a slow unit may take to enter one costly cell, and more
    centre = view.centre
    res_cells = [(p.x, p.y) for p in view.gm.resources]
    goal = int(np.ceil(COVERAGE_GOAL * reachable.sum()))
    actions = np.zeros((1, n), dtype=np.int64)

    for step in range(max_steps):
        x, y = state.x[0], state.y[0]
        visited[y, x] = True
        _arrivals(run, view, state, team, centre, res_cells, step)
        if (visited & reachable).sum() >= goal:
            break
        occ = state.occupant[0]
        settled = visited | ~reachable
        for i in range(n):
            cx, cy = int(x[i]), int(y[i])
            targets = chunk[i] & ~visited
            if not targets.any():
                targets = reach[int(team[i])] & ~visited  # own chunk done: help with the rest
            if not targets.any():
                actions[0, i] = 0
                continue
            a = _sweep(cx, cy, targets, settled, occ)
            if a == 0:  # no unvisited neighbour: walk to the nearest unvisited cell
                f = fields[i]
                if f is None or f[cy, cx] <= 0 or not targets[f == 0].any():
                    f = walk_distance_from(passable, targets).astype(float)
                    f[f < 0] = np.inf
                    fields[i] = f
                    best[i] = np.inf  # a new target: progress is measured afresh
                want = _best_neighbour(f, cx, cy, passable, None)
                if want and occ[cy + _DIRS[want - 1][1], cx + _DIRS[want - 1][0]] >= 0:
                    queue[cy + _DIRS[want - 1][1], cx + _DIRS[want - 1][0]] += 1  # waiting behind someone
                a = _best_neighbour(f, cx, cy, passable, occ)
                d = f[cy, cx]
            else:
                d = -float(step)  # sweeping: every step is progress
                fields[i] = None
            if d < best[i]:
                best[i], since[i] = d, 0
            else:
                since[i] += 1
                if since[i] == patience:
                    run.stuck[(cx, cy)] = max(run.stuck.get((cx, cy), 0), patience)
            hist = history[i]
            hist.append((cx, cy))
            if len(hist) > OSCILLATION_WINDOW:
                del hist[0]
                if len(set(hist)) == 2 and since[i] >= OSCILLATION_WINDOW // 2:
                    run.oscillation[(cx, cy)] = run.oscillation.get((cx, cy), 0) + 1
                    hist.clear()
            actions[0, i] = a
        if record:
            run.actions.append(actions[0].tolist())
        core.step_inplace(params, state, actions)
        if state.done[0]:
            break
    run.steps = len(run.actions) if record else step
    run.seconds = time.perf_counter() - t0
    run.params = params
    return run


def _sweep(cx, cy, targets, settled, occ) -> int:
    """Step onto the unvisited neighbour that is most hemmed in (keeps the sweep free of holes); 0 if none."""
    h, w = settled.shape
    best_a, best_score = 0, -1
    for a, (dx, dy) in enumerate(_DIRS, start=1):
        nx, ny = cx + dx, cy + dy
        if not (0 <= nx < w and 0 <= ny < h) or not targets[ny, nx] or occ[ny, nx] >= 0:
            continue
        win = settled[max(0, ny - 1):ny + 2, max(0, nx - 1):nx + 2]
        score = int(win.sum()) + (9 - win.size) + (2 if dx == 0 or dy == 0 else 0)  # edges count as blocked
        if score > best_score:
            best_a, best_score = a, score
    return best_a


def _best_neighbour(f, cx, cy, passable, occ) -> int:
    """Move down the field (optionally only onto free cells); 0 when no neighbour is lower."""
    h, w = f.shape
    best_a, best_v = 0, f[cy, cx]
    for a, (dx, dy) in enumerate(_DIRS, start=1):
        nx, ny = cx + dx, cy + dy
        if 0 <= nx < w and 0 <= ny < h and passable[ny, nx] and (occ is None or occ[ny, nx] < 0) \
                and f[ny, nx] < best_v:
            best_a, best_v = a, f[ny, nx]
    return best_a


def _arrivals(run: ExploreRun, view: MapView, state, team, centre, res_cells, step: int) -> None:
    for t, tname in ((0, "blue"), (1, "red")):
        got = run.arrival.setdefault(tname, {"centre": None, "resources": None})
        sel = team == t
        xs, ys = state.x[0][sel], state.y[0][sel]
        if got["centre"] is None and (np.maximum(abs(xs - centre[0]), abs(ys - centre[1])) <= 1).any():
            got["centre"] = step
        if got["resources"] is None and res_cells and any(
                (np.maximum(abs(xs - rx), abs(ys - ry)) <= 1).any() for rx, ry in res_cells):
            got["resources"] = step


# --- traffic: both armies of one archetype march for the other spawn ---------------------------------
@dataclass
class Traffic:
    name: str
    steps: int
    waits: np.ndarray     # (H, W) int: times a marcher waited because every way forward was taken
    arrived: float        # share of marchers that got to their goal (or queue behind those who did)
    first: int            # step the first marcher reached its goal (median of the two marches)
    last: int             # step the last one did, or queued behind those who had


def traffic(view: MapView, utype: int, *, units: int = UNITS_PER_TEAM, seed: int = 0) -> Traffic:
    """Each spawn's army (``units`` of one archetype) marches for the other spawn; counts who waits where.

    Two environments in one batch: the map as drawn, and with the spawns swapped, so blue's army
    marches from each spawn in turn while a single red unit holds the goal (the match must have
    an enemy). Waiting near the goal, where the army gathers, does not count.
    """
    from gameai.playtest.mapview import swapped_spawns

    name = view.unit_names[utype]
    passable = view.passable[utype]
    maps = [view.gm, swapped_spawns(view.gm)]
    fields, goals = [], []
    for t in (0, 1):  # env t: the army of spawn t marches for spawn 1 - t
        gx, gy = view.start_cell(utype, 1 - t)
        src = np.zeros(view.shape, dtype=bool)
        src[gy, gx] = True
        f = walk_distance_from(passable, src).astype(float)
        f[f < 0] = np.inf
        fields.append(f)
        goals.append((gx, gy))
    sx, sy = view.start_cell(utype, 0)
    slow = float(np.max(view.params.move_cost[view.grid][passable])) / float(view.params.speed[utype])
    budget = int(2 * fields[0][sy, sx] * slow + 40) if np.isfinite(fields[0][sy, sx]) else 0
    params = core.compile_params(view.params.ruleset, max_steps=max(budget, 1) + 1)
    state = core.reset(params, {name: units}, {name: 1}, [seed, seed + 1], lambda s: maps[s - seed])
    waits = np.zeros(view.shape, dtype=np.int64)
    actions = np.zeros((2, state.n_units), dtype=np.int64)
    crowd = int(np.ceil(np.sqrt(units))) + 1  # where the army gathers at its goal
    settled = [False, False]
    first, last = [None, None], [None, None]
    step = 0
    for step in range(budget):
        for b in (0, 1):
            occ, f, (gx, gy) = state.occupant[b], fields[b], goals[b]
            xs, ys = state.x[b], state.y[b]
            # a queue behind units that have arrived (or behind those queued behind them) is the
            # army gathering at its goal, not a jam: walk the army front to back to tell them apart
            parked = np.zeros(state.n_units, dtype=bool)
            parked[units:] = True  # the red unit holding the goal
            for i in sorted(range(units), key=lambda i: f[ys[i], xs[i]]):
                cx, cy = int(xs[i]), int(ys[i])
                a = _best_neighbour(f, cx, cy, passable, occ)
                if max(abs(cx - gx), abs(cy - gy)) <= crowd:
                    parked[i] = True
                elif a == 0:
                    want = _best_neighbour(f, cx, cy, passable, None)
                    if want:
                        dx, dy = _DIRS[want - 1]
                        ahead = occ[cy + dy, cx + dx]
                        if ahead >= 0 and parked[ahead]:
                            parked[i] = True
                        else:  # waiting for a unit that is itself on the way: a queue in transit
                            waits[cy + dy, cx + dx] += 1
                actions[b, i] = a
            settled[b] = bool(parked[:units].all())
            if first[b] is None and parked[:units].any():
                first[b] = step
            if last[b] is None and settled[b]:
                last[b] = step
        if all(settled):  # both armies have arrived or queue behind those who have
            break
        core.step_inplace(params, state, actions)
        if state.done.all():
            break
    near = [max(abs(int(state.x[b, i]) - goals[b][0]), abs(int(state.y[b, i]) - goals[b][1])) <= crowd
            for b in (0, 1) for i in range(units)]
    done_at = lambda v: step if v is None else v  # noqa: E731
    return Traffic(name, step, waits, float(np.mean(near)), int(np.median([done_at(v) for v in first])),
                   int(np.median([done_at(v) for v in last])))


def _step(v) -> str:
    return "-" if v is None else str(v)  # "-": the other spawn's explorers got there first


# --- the playtest check ----------------------------------------------------------------------------
def check(view: MapView, cfg, progress=None) -> list[Finding]:
    out: list[Finding] = []
    stats = cfg.stats.setdefault(view.name, {})
    for u in range(len(view.unit_names)):
        if view.start_cell(u, 0) is None:
            continue
        try:
            run = explore(view, u, seed=cfg.seed)
        except MapError as exc:  # not room for the explorers near a spawn
            stats[f"explorer {view.unit_names[u]}"] = f"not run: {exc}"
            continue
        name = run.name
        stats[f"explorer {name}"] = (f"walked {run.coverage:.1%} of {int(run.reachable.sum())} reachable cells in "
                                     f"{run.steps} steps; first step at the centre / a resource: "
                                     + ", ".join(f"{t} {_step(a['centre'])}/{_step(a['resources'])}"
                                                 for t, a in run.arrival.items()))
        missed = run.reachable & ~run.visited
        if run.coverage < 0.95 and missed.any():
            ys, xs = np.nonzero(missed)
            out.append(Finding("explorer.coverage", "info", view.name, cells=list(zip(xs.tolist(), ys.tolist())),
                               subject=name,
                               message=f"{name} explorers walked only {run.coverage:.0%} of the cells they can reach "
                                       f"in {run.steps} steps; the cells left are hard to get to",
                               evidence={"coverage": round(run.coverage, 4), "steps": run.steps}))
    return out
