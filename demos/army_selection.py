"""Which of the player's units are selected: a click, a drag box, or all of one type.

Positions are where the units are drawn this frame (`SkirmishView.screen_xy`), so what the
player clicks is what they see; before the first draw, the units' cells are used.
"""
from __future__ import annotations

import numpy as np

from demos.terrain_renderer import TILE_PX

#: A click picks a unit whose drawn centre is at most this far away (screen pixels).
PICK_RADIUS_PX = TILE_PX * 0.8
#: A left-button press that moves less than this is a click, not a drag box.
DRAG_THRESHOLD_PX = 6


def unit_screen_xy(view, camera) -> tuple[np.ndarray, np.ndarray]:
    if view.screen_xy is not None and len(view.screen_xy[0]) == view.state.n_units:
        return view.screen_xy
    px = np.array([view.cell_to_screen(camera, x, y)[0] for x, y in zip(view.state.x[0], view.state.y[0])])
    py = np.array([view.cell_to_screen(camera, x, y)[1] for x, y in zip(view.state.x[0], view.state.y[0])])
    return px, py


def living(view, team: int) -> np.ndarray:
    slots = view.idx[team]
    return slots[view.state.alive[0, slots]]


def pick(view, camera, pos: tuple[int, int], team: int) -> int | None:
    """The living unit of ``team`` under the screen point, or None."""
    px, py = unit_screen_xy(view, camera)
    slots = living(view, team)
    if not len(slots):
        return None
    d2 = (px[slots] - pos[0]) ** 2 + (py[slots] - pos[1]) ** 2
    k = int(np.argmin(d2))
    return int(slots[k]) if d2[k] <= PICK_RADIUS_PX ** 2 else None


def in_box(view, camera, a: tuple[int, int], b: tuple[int, int], team: int) -> list[int]:
    """Living units of ``team`` drawn inside the screen rectangle with corners a and b."""
    px, py = unit_screen_xy(view, camera)
    slots = living(view, team)
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    inside = (px[slots] >= x0) & (px[slots] <= x1) & (py[slots] >= y0) & (py[slots] <= y1)
    return [int(s) for s in slots[inside]]


def of_type(view, team: int, unit_type: str) -> list[int]:
    """Every living unit of ``team`` of one archetype (empty if the ruleset has no such type)."""
    names = view.ruleset.unit_names
    if unit_type not in names:
        return []
    slots = living(view, team)
    return [int(s) for s in slots[view.state.utype[0, slots] == names.index(unit_type)]]
