"""Rivers and lakes from a heightmap: priority-flood drainage, flow accumulation, river paths.

Priority-flood with epsilon (Barnes, Lehman & Mulla 2014) grows inward from every water tile
in order of height; each land tile drains to the tile that reached it and gets a filled
height strictly above that tile's, so every drainage path goes strictly downhill to water and
closed basins fill up (those that fill deep enough become lakes). numba runs the heap loop;
neither numpy nor scipy has this algorithm, and a Python heap is 50x slower at 512x512.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

#: Filled height must exceed the ground by this much (height units) for a basin tile to become lake.
LAKE_DEPTH = 0.015
#: Smallest step the flood adds, so drainage is strictly downhill even across flat ground.
_EPS = 1e-6


@numba.njit(cache=True)
def _heap_push(keys, vals, n, key, val):
    i = n
    keys[i] = key
    vals[i] = val
    while i > 0:
        p = (i - 1) >> 1
        if keys[p] <= keys[i]:
            break
        keys[p], keys[i] = keys[i], keys[p]
        vals[p], vals[i] = vals[i], vals[p]
        i = p
    return n + 1


@numba.njit(cache=True)
def _heap_pop(keys, vals, n):
    key = keys[0]
    val = vals[0]
    n -= 1
    keys[0] = keys[n]
    vals[0] = vals[n]
    i = 0
    while True:
        lft = 2 * i + 1
        if lft >= n:
            break
        c = lft
        if lft + 1 < n and keys[lft + 1] < keys[lft]:
            c = lft + 1
        if keys[i] <= keys[c]:
            break
        keys[c], keys[i] = keys[i], keys[c]
        vals[c], vals[i] = vals[i], vals[c]
        i = c
    return key, val, n


@numba.njit(cache=True)
def _priority_flood(height, outlet):
    """Filled heights, receiver of each tile (-1 for outlets) and the visiting order."""
    h, w = height.shape
    size = h * w
    flat = height.ravel()
    filled = np.empty(size, np.float64)
    receiver = np.full(size, -1, np.int64)
    order = np.empty(size, np.int64)
    seen = np.zeros(size, np.bool_)
    keys = np.empty(size, np.float64)
    vals = np.empty(size, np.int64)
    n = 0
    out = outlet.ravel()
    for k in range(size):
        if out[k]:
            filled[k] = flat[k]
            seen[k] = True
            # Only outlets next to land can receive water; the open sea stays off the heap.
            r = k // w
            q = k - r * w
            edge = r == 0 or r == h - 1 or q == 0 or q == w - 1
            if edge or not (out[k - 1] and out[k + 1] and out[k - w] and out[k + w]):
                n = _heap_push(keys, vals, n, filled[k], k)
    if n == 0:  # no outlet given: drain to the lowest tile
        k = np.argmin(flat)
        filled[k] = flat[k]
        seen[k] = True
        n = _heap_push(keys, vals, n, filled[k], k)
    m = 0
    while n > 0:
        key, c, n = _heap_pop(keys, vals, n)
        order[m] = c
        m += 1
        r = c // w
        q = c - r * w
        for d in range(4):
            rr = r + (d == 0) - (d == 1)
            qq = q + (d == 2) - (d == 3)
            if rr < 0 or rr >= h or qq < 0 or qq >= w:
                continue
            nb = rr * w + qq
            if seen[nb]:
                continue
            seen[nb] = True
            filled[nb] = max(flat[nb], key + _EPS)
            receiver[nb] = c
            n = _heap_push(keys, vals, n, filled[nb], nb)
    return filled.reshape(h, w), receiver, order[:m]


@numba.njit(cache=True)
def _accumulate(receiver, order):
    acc = np.ones(receiver.size, np.int64)
    for m in range(order.size - 1, -1, -1):
        c = order[m]
        r = receiver[c]
        if r >= 0:
            acc[r] += acc[c]
    return acc


@dataclass
class Drainage:
    """Result of `drain`: rivers as paths from source to mouth, plus lake and river masks."""

    height: np.ndarray  # float32: ground, with river beds and lake surfaces at their filled level
    river: np.ndarray  # bool mask of river tiles
    lake: np.ndarray  # bool mask of new lake tiles (filled basins)
    paths: list[np.ndarray]  # each (k, 2) int array of (x, y), source first, ending in water


def drain(height: np.ndarray, water: np.ndarray, density: float = 1.0, min_flow: int | None = None,
          lakes: bool = True) -> Drainage:
    """Route water over `height` to the `water` tiles (or off the map edge) and trace rivers.

    The map border drains too (the world goes on beyond it), so a map with little water does
    not fill up with lakes; `lakes=False` leaves filled basins as land.

    A land tile becomes river where at least `min_flow` tiles drain through it (default:
    0.2 % of the map plus one side's length, scaled down by `density`). Along every path the returned height never
    rises (it strictly falls on land and ends at or below the last river tile).
    """
    hgt, wid = height.shape
    outlet = water.copy()
    outlet[0, :] = outlet[-1, :] = outlet[:, 0] = outlet[:, -1] = True
    filled, receiver, order = _priority_flood(height.astype(np.float64), outlet)
    lake = (filled - height > LAKE_DEPTH) & ~water
    if not lakes:
        lake[:] = False
    out_h = height.astype(np.float32).copy()
    if density <= 0:
        out_h[lake] = filled[lake]
        return Drainage(out_h, np.zeros_like(water), lake, [])
    acc = _accumulate(receiver, order).reshape(hgt, wid)
    if min_flow is None:
        min_flow = max(6, int((hgt * wid * 0.002 + max(hgt, wid)) / density))
    river = (acc >= min_flow) & ~water & ~lake
    out_h[river | lake] = filled[river | lake]
    paths = _trace(river, receiver, outlet | lake, wid)
    return Drainage(out_h, river, lake, paths)


def _trace(river: np.ndarray, receiver: np.ndarray, water: np.ndarray, wid: int) -> list[np.ndarray]:
    """Paths from each river head down its receivers to water or to the river it joins."""
    flat_r = river.ravel()
    idx = np.flatnonzero(flat_r)
    if idx.size == 0:
        return []
    has_donor = np.zeros(flat_r.size, bool)
    rec = receiver[idx]
    has_donor[rec[rec >= 0]] = True
    heads = idx[~has_donor[idx]]
    # Heads of rivers that flow out of lakes have lake donors only; they are heads too.
    visited = np.zeros(flat_r.size, bool)
    flat_w = water.ravel()
    paths = []
    # A path stops where it meets a river traced before it, so each tile is in one path.
    for head in heads:
        path = [head]
        visited[head] = True
        c = head
        while True:
            nxt = receiver[c]
            if nxt < 0:
                break
            path.append(nxt)
            if flat_w[nxt] or visited[nxt] or not flat_r[nxt]:
                break
            visited[nxt] = True
            c = nxt
        arr = np.array(path, dtype=np.int64)
        paths.append(np.stack([arr % wid, arr // wid], axis=1))
    return paths
