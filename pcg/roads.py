"""Roads between places: least-cost paths over terrain, with bridges where they cross water.

Settlements are joined along a minimum spanning tree of their straight-line distances
(scipy.sparse.csgraph), each edge routed by A* over per-tile costs; tiles already on a road
are cheap, so later roads merge into earlier ones instead of running in parallel. A road
across a river or shallow water becomes a bridge; a road over a mountain is a pass.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from pcg.paths import least_cost_path
from pcg.tiles import Tile

#: Cost of stepping onto a tile when routing a road (inf: roads never go there).
ROAD_COST = {
    Tile.DEEP_WATER: np.inf,
    Tile.SHALLOW_WATER: 12.0,
    Tile.BEACH: 1.5,
    Tile.GRASSLAND: 1.0,
    Tile.FOREST: 2.0,
    Tile.SWAMP: 4.0,
    Tile.DESERT: 1.5,
    Tile.HILLS: 3.0,
    Tile.MOUNTAIN: 25.0,
    Tile.SNOW: 8.0,
    Tile.RIVER: 10.0,
    Tile.ROAD: 0.4,
    Tile.BRIDGE: 0.4,
    Tile.SETTLEMENT: 0.4,
}
_COST_LUT = np.array([ROAD_COST[Tile(t)] for t in range(len(Tile))], dtype=np.float64)
_BRIDGED = np.zeros(len(Tile), bool)
_BRIDGED[[Tile.RIVER, Tile.SHALLOW_WATER, Tile.DEEP_WATER]] = True
_KEEP = np.zeros(len(Tile), bool)
_KEEP[[Tile.SETTLEMENT, Tile.BRIDGE]] = True


def road_cost(tiles: np.ndarray) -> np.ndarray:
    """Per-tile road routing cost of a tile map."""
    return _COST_LUT[tiles]


def lay_road(tiles: np.ndarray, path: np.ndarray) -> None:
    """Paint a path onto the map in place: bridges over water, road elsewhere, settlements kept."""
    if path.size == 0:
        return
    xs, ys = path[:, 0], path[:, 1]
    cur = tiles[ys, xs]
    new = np.where(_BRIDGED[cur], Tile.BRIDGE, Tile.ROAD).astype(tiles.dtype)
    tiles[ys, xs] = np.where(_KEEP[cur], cur, new)


def connect(tiles: np.ndarray, points: list[tuple[int, int]]) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    """Join all points with roads along their minimum spanning tree; modifies `tiles` in place.

    Returns the road paths laid and the point pairs (indices) that could not be joined
    (separated by deep water).
    """
    if len(points) < 2:
        return [], []
    pts = np.asarray(points, dtype=float)
    mst = minimum_spanning_tree(cdist(pts, pts) + 1e-9).tocoo()
    edges = sorted(zip(mst.data, mst.row, mst.col))
    paths, failed = [], []
    cost = road_cost(tiles)
    for _, a, b in edges:
        path = least_cost_path(cost, points[a], points[b], min_cost=ROAD_COST[Tile.ROAD])
        if path.size == 0:
            failed.append((int(a), int(b)))
            continue
        lay_road(tiles, path)
        cost[path[:, 1], path[:, 0]] = _COST_LUT[tiles[path[:, 1], path[:, 0]]]
        paths.append(path)
    return paths, failed


def bridge_sites(tiles: np.ndarray, on_roads: bool = False) -> list[tuple[int, int]]:
    """One (x, y) per connected bridge: the bridge tile nearest the bridge's centre.

    With `on_roads`, only bridges that carry a road (the ones worth naming).
    """
    labels, n = ndimage.label(tiles == Tile.BRIDGE)
    keep = None
    if on_roads:
        near_road = ndimage.binary_dilation(tiles == Tile.ROAD)
        keep = set(np.unique(labels[near_road & (labels > 0)]).tolist())
    sites = []
    for k, sl in enumerate(ndimage.find_objects(labels), start=1):
        if keep is not None and k not in keep:
            continue
        ys, xs = np.nonzero(labels[sl] == k)
        cy, cx = ys.mean(), xs.mean()
        i = int(np.argmin((ys - cy) ** 2 + (xs - cx) ** 2))
        sites.append((int(xs[i] + sl[1].start), int(ys[i] + sl[0].start)))
    return sites


def add_crossings(tiles: np.ndarray, rivers: list[np.ndarray], every: int) -> int:
    """Bridge each river every `every` tiles where it runs between walkable banks; returns the count.

    Roads only bridge the rivers they happen to cross; these crossings keep rivers from
    cutting the countryside into pockets that spawns and wanderers cannot leave.
    """
    h, w = tiles.shape
    walk = ~np.isin(tiles, [Tile.DEEP_WATER, Tile.SHALLOW_WATER, Tile.RIVER, Tile.MOUNTAIN])
    count = 0
    for path in rivers:
        for x, y in path[every // 2:-1:every]:
            if tiles[y, x] != Tile.RIVER:
                continue
            # A crossing needs land on two opposite sides (across the flow).
            for (ax, ay), (bx, by) in (((x - 1, y), (x + 1, y)), ((x, y - 1), (x, y + 1))):
                if 0 <= ax < w and 0 <= bx < w and 0 <= ay < h and 0 <= by < h and walk[ay, ax] and walk[by, bx]:
                    tiles[y, x] = Tile.BRIDGE
                    count += 1
                    break
    return count
