"""The playability guarantee: every settlement and spawn can be reached on foot from every other.

`check` labels the passable tiles (scipy.ndimage.label, 4-neighbour moves, as in
`pcg.tiles.PASSABLE`) and reports which places are cut off; `repair` joins cut-off places
to the main group with roads and bridges. The generator reseeds when repair is impossible
and raises after a few tries, so it never returns an unplayable map silently.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from pcg.paths import least_cost_path
from pcg.roads import lay_road, road_cost
from pcg.tiles import passable_mask

_FOUR = ndimage.generate_binary_structure(2, 1)


def check(tiles: np.ndarray, points: list[tuple[int, int]]) -> dict:
    """Playability of `points` ((x, y) tiles that must all reach each other) on `tiles`.

    Returns {"playable": bool, "components": number of passable regions,
    "unreachable": [points not in the first point's region], "blocked": [points on impassable tiles]}.
    """
    passable = passable_mask(tiles)
    labels, n = ndimage.label(passable, structure=_FOUR)
    blocked = [p for p in points if not passable[p[1], p[0]]]
    unreachable = []
    if points:
        home = labels[points[0][1], points[0][0]]
        unreachable = [p for p in points if labels[p[1], p[0]] != home or home == 0]
    return {"playable": not blocked and not unreachable, "components": int(n),
            "unreachable": [list(map(int, p)) for p in unreachable], "blocked": [list(map(int, p)) for p in blocked]}


def repair(tiles: np.ndarray, points: list[tuple[int, int]]) -> bool:
    """Join every point to the first one's region with roads (bridging rivers, cutting passes).

    Modifies `tiles` in place. Returns False if some point cannot be joined (deep water).
    """
    for _ in range(len(points)):
        report = check(tiles, points)
        if report["playable"]:
            return True
        target = tuple(report["unreachable"][0]) if report["unreachable"] else tuple(report["blocked"][0])
        path = least_cost_path(road_cost(tiles), points[0], target)
        if path.size == 0:
            return False
        lay_road(tiles, path)
    return check(tiles, points)["playable"]
