"""`MapView`: a designer's map as the simulation core sees it, per archetype.

The checks all need the same facts: which cells each unit type may stand on (the ruleset's
``passable[type, tile]``), which cells it can walk to from each team's spawn, and how many steps
that takes. Movement rules come from envs/core.py: a unit steps to one of its 8 neighbours; a
cell must be passable for its type; entering it costs the tile's ``move_cost`` out of move points
that grow by the unit's ``speed`` each step (leftovers carry over). So a walk's time in steps is
the sum of ``move_cost / speed`` over the cells entered, and because passability belongs to
cells, not to moves, every walk can be walked back: there are no one-way moves in this core.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from envs import core
from envs.maps import check_map
from envs.ruleset import TEAMS
from pcg.gamemap import GameMap, Place
from pcg.tiles import TILE_NAMES

#: 8-neighbour connectivity, as the core moves.
EIGHT = np.ones((3, 3), dtype=bool)
_OFFSETS = [(dx, dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dx or dy]


class PlaytestInputError(ValueError):
    """A map that cannot be playtested with this ruleset (the message names the map and the fix)."""


@dataclass
class MapView:
    name: str
    gm: GameMap
    params: core.CoreParams
    grid: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        try:
            self.grid = check_map(self.gm.tiles, self.params.defined_tiles, self.name)
        except ValueError as exc:
            raise PlaytestInputError(str(exc)) from None
        teams = {sp.team for sp in self.gm.spawns}
        if not {0, 1} <= teams:
            how = ("a CSV or PNG grid holds tiles only: draw the map in Tiled with a 'spawns' object layer"
                   if not teams and self.name.lower().endswith((".csv", ".png")) else
                   "add them as points in the Tiled 'spawns' object layer")
            raise PlaytestInputError(f"{self.name}: the map needs a spawn for team 0 (blue) and team 1 (red), "
                                     f"it has {sorted(teams) or 'none'}; {how} (docs/pcg.md: designers' maps)")
        h, w = self.grid.shape
        for t in (0, 1):
            x, y = self.spawn(t)
            if not (0 <= x < w and 0 <= y < h):
                raise PlaytestInputError(f"{self.name}: the {TEAMS[t]} spawn ({x}, {y}) is outside the {w}×{h} map")
            if not self.passable[:, y, x].any():
                raise PlaytestInputError(f"{self.name}: the {TEAMS[t]} spawn ({x}, {y}) is on "
                                         f"{TILE_NAMES[int(self.grid[y, x])]}, which no unit of this ruleset can "
                                         "enter; move it onto walkable ground")

    # --- the map -------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self.grid.shape

    @property
    def unit_names(self) -> tuple[str, ...]:
        return self.params.ruleset.unit_names

    def spawn(self, team: int) -> tuple[int, int]:
        sp = next(s for s in self.gm.spawns if s.team == team)
        return int(sp.x), int(sp.y)

    @cached_property
    def passable(self) -> np.ndarray:
        """(types, H, W) bool: cells each unit type may stand on."""
        return self.params.passable[:, self.grid]

    @property
    def places(self) -> list[Place]:
        """Places units should be able to walk to: resources and settlements (landmarks like peaks may sit on rock)."""
        return list(self.gm.resources) + list(self.gm.settlements)

    @cached_property
    def centre(self) -> tuple[int, int]:
        """The map's centre cell (the map's own, else the middle), moved to the nearest cell most types can enter."""
        h, w = self.shape
        cx, cy = self.gm.centre if self.gm.centre is not None else (w // 2, h // 2)
        ok = self.passable.sum(0) >= max(1, self.passable.shape[0] // 2 + 1) if self.passable.shape[0] > 1 \
            else self.passable[0]
        if ok[cy, cx] or not ok.any():
            return int(cx), int(cy)
        ys, xs = np.nonzero(ok)
        i = int(np.argmin((xs - cx) ** 2 + (ys - cy) ** 2 + 1e-6 * (ys * w + xs)))
        return int(xs[i]), int(ys[i])

    # --- per archetype -------------------------------------------------------------------------
    def start_cell(self, utype: int, team: int) -> tuple[int, int] | None:
        """Where a unit of ``utype`` starts: the nearest cell to the team's spawn it may stand on (as core.reset)."""
        ok = self.passable[utype]
        if not ok.any():
            return None
        sx, sy = self.spawn(team)
        ys, xs = np.nonzero(ok)
        i = int(np.argmin((xs - sx) ** 2 + (ys - sy) ** 2))
        return int(xs[i]), int(ys[i])

    @cached_property
    def components(self) -> np.ndarray:
        """(types, H, W) int: 8-connected region label of each cell per type (0: cannot stand there)."""
        return np.stack([ndimage.label(p, structure=EIGHT)[0] for p in self.passable])

    def reach(self, utype: int, team: int) -> np.ndarray:
        """(H, W) bool: cells a unit of ``utype`` can walk to from ``team``'s spawn."""
        start = self.start_cell(utype, team)
        if start is None:
            return np.zeros(self.shape, dtype=bool)
        lab = self.components[utype]
        return lab == lab[start[1], start[0]]

    def walk_time(self, utype: int, sources: list[tuple[int, int]]) -> np.ndarray:
        """(H, W) steps a unit of ``utype`` needs to walk from the nearest source to each cell (inf: never)."""
        h, w = self.shape
        ok = self.passable[utype].ravel()
        step = self.params.move_cost[self.grid].ravel() / max(float(self.params.speed[utype]), 1e-9)
        rows, cols, wts = [], [], []
        idx = np.arange(h * w).reshape(h, w)
        for dx, dy in _OFFSETS:
            src = idx[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)].ravel()
            dst = idx[max(0, dy):h - max(0, -dy), max(0, dx):w - max(0, -dx)].ravel()
            keep = ok[src] & ok[dst]
            rows.append(src[keep])
            cols.append(dst[keep])
            wts.append(step[dst[keep]])
        graph = coo_matrix((np.concatenate(wts), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(h * w, h * w)).tocsr()
        starts = [y * w + x for x, y in sources if 0 <= x < w and 0 <= y < h and ok[y * w + x]]
        if not starts:
            return np.full(self.shape, np.inf)
        return dijkstra(graph, indices=starts, min_only=True).reshape(h, w)

    def shortest_routes(self, utype: int) -> np.ndarray:
        """(H, W) bool: cells on some quickest walk of ``utype`` between the two spawns."""
        a = self.walk_time(utype, [self.start_cell(utype, 0)])
        b = self.walk_time(utype, [self.start_cell(utype, 1)])
        step = self.params.move_cost[self.grid] / max(float(self.params.speed[utype]), 1e-9)
        through = a + b - step  # a and b both count entering the cell itself
        ok = np.isfinite(through)
        if not ok.any():
            return ok
        return ok & (through <= through[ok].min() * (1 + 1e-9) + 1e-9)

    def near(self, reach: np.ndarray, cell: tuple[int, int]) -> bool:
        """Whether a walker over ``reach`` can stand on ``cell`` or next to it (places may sit on rock)."""
        x, y = cell
        h, w = self.shape
        return bool(reach[max(0, y - 1):min(h, y + 2), max(0, x - 1):min(w, x + 2)].any())


def swapped_spawns(gm: GameMap) -> GameMap:
    """The same map with teams 0 and 1 trading spawn points (for side-swapped matches)."""
    from dataclasses import replace

    from pcg.gamemap import Spawn

    swap = {0: 1, 1: 0}
    return replace(gm, spawns=[Spawn(swap.get(s.team, s.team), s.x, s.y) for s in gm.spawns])
