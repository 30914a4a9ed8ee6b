"""Grid path search on 4-neighbour moves: walking distances (BFS) and least-cost paths (A*).

Hand-written in numba because scipy.sparse.csgraph needs the grid turned into a sparse graph
first, which at 512x512 costs more than the search itself, and it has no A* to stop early.
"""
from __future__ import annotations

import numba
import numpy as np

from pcg.rivers import _heap_pop, _heap_push

UNREACHABLE = -1


@numba.njit(cache=True)
def _bfs(passable, sources):
    h, w = passable.shape
    dist = np.full(h * w, -1, np.int64)
    queue = np.empty(h * w, np.int64)
    head = 0
    tail = 0
    for s in sources:
        if passable.ravel()[s] and dist[s] < 0:
            dist[s] = 0
            queue[tail] = s
            tail += 1
    flat = passable.ravel()
    while head < tail:
        c = queue[head]
        head += 1
        r = c // w
        q = c - r * w
        for d in range(4):
            rr = r + (d == 0) - (d == 1)
            qq = q + (d == 2) - (d == 3)
            if rr < 0 or rr >= h or qq < 0 or qq >= w:
                continue
            nb = rr * w + qq
            if flat[nb] and dist[nb] < 0:
                dist[nb] = dist[c] + 1
                queue[tail] = nb
                tail += 1
    return dist.reshape(h, w)


def walk_distance(passable: np.ndarray, sources) -> np.ndarray:
    """Steps on foot (4-neighbour moves over passable tiles) from the nearest source tile.

    `sources` are (x, y) pairs. Unreachable tiles get -1.
    """
    h, w = passable.shape
    src = np.array([int(y) * w + int(x) for x, y in sources], dtype=np.int64)
    return _bfs(np.ascontiguousarray(passable, dtype=np.bool_), src)


def walk_distance_from(passable: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """As ``walk_distance``, with the sources given as a boolean [y, x] mask (fast for many sources)."""
    src = np.flatnonzero(np.asarray(sources, dtype=bool).ravel()).astype(np.int64)
    return _bfs(np.ascontiguousarray(passable, dtype=np.bool_), src)


@numba.njit(cache=True)
def _astar(cost, start, goal, min_cost):
    h, w = cost.shape
    size = h * w
    flat = cost.ravel()
    g = np.full(size, np.inf)
    parent = np.full(size, -1, np.int64)
    closed = np.zeros(size, np.bool_)
    keys = np.empty(4 * size + 4, np.float64)
    vals = np.empty(4 * size + 4, np.int64)
    gr = goal // w
    gq = goal - gr * w
    g[start] = 0.0
    n = _heap_push(keys, vals, 0, 0.0, start)
    while n > 0:
        _, c, n = _heap_pop(keys, vals, n)
        if closed[c]:
            continue
        closed[c] = True
        if c == goal:
            break
        r = c // w
        q = c - r * w
        for d in range(4):
            rr = r + (d == 0) - (d == 1)
            qq = q + (d == 2) - (d == 3)
            if rr < 0 or rr >= h or qq < 0 or qq >= w:
                continue
            nb = rr * w + qq
            step = flat[nb]
            if not np.isfinite(step) or closed[nb]:
                continue
            ng = g[c] + step
            if ng < g[nb]:
                g[nb] = ng
                parent[nb] = c
                hh = (abs(rr - gr) + abs(qq - gq)) * min_cost
                n = _heap_push(keys, vals, n, ng + hh, nb)
    if not closed[goal]:
        return np.empty(0, np.int64)
    length = 1
    c = goal
    while c != start:
        c = parent[c]
        length += 1
    path = np.empty(length, np.int64)
    c = goal
    for k in range(length - 1, -1, -1):
        path[k] = c
        c = parent[c]
    return path


def least_cost_path(cost: np.ndarray, start: tuple[int, int], goal: tuple[int, int],
                    min_cost: float | None = None) -> np.ndarray:
    """Cheapest 4-neighbour path from `start` to `goal` ((x, y) pairs) over per-tile entry costs.

    Tiles with an infinite cost are never entered. `min_cost` (a lower bound of the costs,
    computed when not given) scales the A* heuristic. Returns a (k, 2) int array of (x, y),
    start first, or an empty (0, 2) array when the goal cannot be reached.
    """
    h, w = cost.shape
    if min_cost is None:
        finite = cost[np.isfinite(cost)]
        min_cost = float(finite.min()) if finite.size else 1.0
    idx = _astar(np.ascontiguousarray(cost, dtype=np.float64), start[1] * w + start[0],
                 goal[1] * w + goal[0], min_cost)
    return np.stack([idx % w, idx // w], axis=1) if idx.size else np.empty((0, 2), np.int64)
