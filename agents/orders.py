"""The order layer: a commander's orders (move, attack, hold, retreat) as per-step core actions.

A human in the demo, a script, or a squad AI gives orders to units; :class:`OrderPolicy` turns
them into core actions every step. It is a :class:`~agents.policy.Policy` like any other, so the
arena, the demo and the sweeps drive a human's army with the same code as a bot's: units without
an order are played by a fallback bot (``focus_fire`` by default; ``None`` holds them in place).

Orders, per unit:

- ``move`` to a cell: walk there along the cheapest path for the unit's type, without stopping
  to fight. A group sent to one cell gathers around it.
- ``attack`` an enemy unit: chase it along paths and strike it whenever it is in range and the
  unit is ready; the order ends when the target dies.
- ``hold``: stay put and strike the weakest enemy in range (heal, for healers).
- ``retreat``: walk back to the team's rally point (where the team started, unless a cell is
  given) without fighting.

Orders need the map and where units are, which a unit's egocentric observation does not carry,
so the driver hands the live core state to :meth:`OrderPolicy.bind` (``agents.arena`` does it for
any policy that has ``bind``). Paths are flow fields: one shortest-path tree per goal cell and
unit type, by ``scipy.sparse.csgraph.dijkstra`` over the 8-neighbour grid with the ruleset's
move costs, shared by every unit heading there. Each step a unit takes the free neighbour that
is nearest the goal, so units queue behind each other at a chokepoint instead of stopping dead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from agents.policy import Policy
from envs.spec import ATTACK0, DIRECTIONS, HOLD, MOVE0, ObservationSpec

ORDER_KINDS = ("move", "attack", "hold", "retreat")


class OrderError(ValueError):
    """An order that cannot be carried out (dead unit, another team's unit, unreachable cell …)."""


@dataclass(frozen=True)
class Order:
    """One unit's standing order. ``cell`` is (x, y) for move/retreat; ``target`` an enemy slot for attack."""

    kind: str
    cell: tuple[int, int] | None = None
    target: int | None = None
    group: int = 1  # units sent to the same cell together: they gather within a radius that fits them all


class OrderPolicy:
    """Drive one team by orders; units without one are played by ``fallback``."""

    name = "orders"

    def __init__(self, fallback: Policy | str | None = "focus_fire", tier: str = "expert", seed: int = 0):
        if isinstance(fallback, str):
            from agents import make_policy

            fallback = make_policy(fallback, tier, seed)
        self.fallback = fallback
        self.params = None
        self.state = None
        self.spec: ObservationSpec | None = None
        self.team = 0
        self._orders: dict[tuple[int, int], Order] = {}
        self._fields: dict[tuple[int, int, tuple[int, int]], np.ndarray] = {}
        self._rally: dict[int, tuple[int, int]] = {}

    # --- the Policy interface -------------------------------------------------------------
    def bind(self, params, state) -> None:
        """The compiled ruleset and the live core state (stepped in place by the driver)."""
        self.params, self.state = params, state
        self._fields.clear()

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        self.spec, self.team = spec, int(team)
        self._orders.clear()
        if self.state is not None:
            self._find_rally_points()
        if self.fallback is not None:
            self.fallback.reset(spec, team, seeds)

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.state is None:
            raise OrderError("OrderPolicy needs the core state: the driver must call bind(params, state) "
                             "(agents.arena.run_matches does)")
        if self.fallback is not None:
            actions = np.asarray(self.fallback.act(obs, mask)).copy()
        else:
            actions = np.zeros(mask.shape[:2], dtype=np.int64)
        slots = self._slots()
        for (b, i), order in list(self._orders.items()):
            u = int(np.searchsorted(slots, i))
            if not self.state.alive[b, i] or self.state.done[b]:
                del self._orders[(b, i)]
                actions[b, u] = HOLD
                continue
            act = self._carry_out(b, i, order, obs[b, u], mask[b, u])
            if act is None:  # done: the order is fulfilled; stand and defend until the next one
                del self._orders[(b, i)]
                act = _strike(obs[b, u], mask[b, u], self.spec)
            actions[b, u] = act
        return actions

    # --- giving orders ----------------------------------------------------------------------
    def order(self, env: int, units: Sequence[int], kind: str, *, cell: tuple[int, int] | None = None,
              target: int | None = None) -> None:
        """Give ``units`` (core unit slots of this team) in environment ``env`` one order."""
        st = self._bound()
        if kind not in ORDER_KINDS:
            raise OrderError(f"unknown order {kind!r}; orders are {', '.join(ORDER_KINDS)}")
        if not 0 <= env < st.n_envs:
            raise OrderError(f"environment {env} does not exist (the batch has {st.n_envs})")
        units = [int(u) for u in units]
        if not units:
            raise OrderError("an order needs at least one unit")
        for u in units:
            if not 0 <= u < st.n_units or st.team[env, u] != self.team:
                raise OrderError(f"unit {u} is not one of this team's units")
            if not st.alive[env, u]:
                raise OrderError(f"unit {u} is dead and cannot take orders")
        if kind == "attack":
            if target is None or not 0 <= int(target) < st.n_units or st.team[env, int(target)] == self.team:
                raise OrderError(f"attack needs an enemy unit as target, got {target!r}")
            if not st.alive[env, int(target)]:
                raise OrderError(f"unit {target} is already dead")
            new = Order("attack", target=int(target))
        elif kind == "hold":
            new = Order("hold")
        else:
            if cell is None:
                if kind == "move":
                    raise OrderError("move needs a cell (x, y)")
                cell = self._rally_point(env)
            cell = (int(cell[0]), int(cell[1]))
            if not (0 <= cell[0] < st.map_w[env] and 0 <= cell[1] < st.map_h[env]):
                raise OrderError(f"cell {cell} is outside the {st.map_w[env]}×{st.map_h[env]} map")
            for u in units:
                if not np.isfinite(self._field(env, u, cell)[st.y[env, u], st.x[env, u]]):
                    name = self.params.ruleset.unit_names[st.utype[env, u]]
                    raise OrderError(f"unit {u} (a {name}) cannot reach cell {cell} from where it stands")
            new = Order(kind, cell=cell, group=len(units))
        for u in units:
            self._orders[(env, u)] = new

    def cancel(self, env: int, units: Sequence[int]) -> None:
        for u in units:
            self._orders.pop((env, int(u)), None)

    def order_of(self, env: int, unit: int) -> Order | None:
        return self._orders.get((env, int(unit)))

    # --- carrying orders out ----------------------------------------------------------------
    def _carry_out(self, b: int, i: int, order: Order, obs: np.ndarray, mask: np.ndarray) -> int | None:
        """This step's action for unit i of environment b, or None once the order is fulfilled."""
        st = self.state
        if order.kind == "hold":
            return _strike(obs, mask, self.spec)
        if order.kind == "attack":
            j = order.target
            if not st.alive[b, j]:
                return None
            slots = np.flatnonzero(st.enemies[b, i] == j)
            if len(slots) and mask[ATTACK0 + slots[0]]:
                return ATTACK0 + int(slots[0])
            return self._step_towards(b, i, (int(st.x[b, j]), int(st.y[b, j])), mask, radius=0)
        radius = int(np.ceil(np.sqrt(order.group))) - 1 if order.group > 1 else 0
        return self._step_towards(b, i, order.cell, mask, radius)

    def _step_towards(self, b: int, i: int, goal: tuple[int, int], mask: np.ndarray, radius: int) -> int | None:
        st = self.state
        x, y = int(st.x[b, i]), int(st.y[b, i])
        if max(abs(x - goal[0]), abs(y - goal[1])) <= radius:
            return None
        field = self._field(b, i, goal)
        here = field[y, x]
        best, best_d = HOLD, here
        for d, (dx, dy) in enumerate(DIRECTIONS):
            nx, ny = x + int(dx), y + int(dy)
            if mask[MOVE0 + d] and field[ny, nx] < best_d - 1e-9:
                best, best_d = MOVE0 + d, field[ny, nx]
        if best == HOLD and (not np.isfinite(here) or self._blocked_by_arrived_ally(b, x, y, field)):
            return None  # packed in behind allies already there: as close as this unit gets
        return best

    def _blocked_by_arrived_ally(self, b: int, x: int, y: int, field: np.ndarray) -> bool:
        """A cell nearer the goal holds an ally with no order left (it arrived, or stands idle)."""
        st = self.state
        for dx, dy in DIRECTIONS:
            nx, ny = x + int(dx), y + int(dy)
            if 0 <= nx < field.shape[1] and 0 <= ny < field.shape[0] and field[ny, nx] < field[y, x]:
                j = st.occupant[b, ny, nx]
                if j >= 0 and st.team[b, j] == self.team and (b, int(j)) not in self._orders:
                    return True
        return False

    def _field(self, b: int, i: int, goal: tuple[int, int]) -> np.ndarray:
        """Cost to reach ``goal`` from every cell for unit i's type (inf where it cannot)."""
        ut = int(self.state.utype[b, i])
        key = (b, ut, goal)
        if key not in self._fields:
            if len(self._fields) > 512:
                self._fields.clear()
            self._fields[key] = flow_field(self._terrain(b), self.params.passable[ut], self.params.move_cost, goal)
        return self._fields[key]

    def _terrain(self, b: int) -> np.ndarray:
        st = self.state
        return st.terrain[b, :st.map_h[b], :st.map_w[b]]

    def _rally_point(self, b: int) -> tuple[int, int]:
        return self._rally[b]

    def _find_rally_points(self) -> None:
        """Where the team stands at the start: the cell of its unit nearest the units' mean position."""
        st = self.state
        for b in range(st.n_envs):
            mine = np.flatnonzero(st.team[b] == self.team)
            cx, cy = st.x[b, mine].mean(), st.y[b, mine].mean()
            k = mine[np.argmin((st.x[b, mine] - cx) ** 2 + (st.y[b, mine] - cy) ** 2)]
            self._rally[b] = (int(st.x[b, k]), int(st.y[b, k]))

    def _slots(self) -> np.ndarray:
        return np.flatnonzero(self.state.team[0] == self.team)

    def _bound(self):
        if self.state is None:
            raise OrderError("bind(params, state) the policy to a running match before giving orders")
        return self.state


class HoldGroundPolicy:
    """Every unit stands its ground and strikes (heals the most hurt ally in reach, else hits the
    weakest enemy in range): the fallback for a commanded army's units between orders, so a
    player's idle units defend themselves instead of wandering off after a bot's plan."""

    name = "hold_ground"

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        self.spec = spec

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        actions = np.full(mask.shape[:2], HOLD, dtype=np.int64)
        for b, u in zip(*np.nonzero(mask[..., ATTACK0:].any(-1))):
            actions[b, u] = _strike(obs[b, u], mask[b, u], self.spec)
        return actions


def _strike(obs: np.ndarray, mask: np.ndarray, spec: ObservationSpec) -> int:
    """Stand still: heal the most hurt ally in reach, else hit the weakest enemy in range, else hold."""
    k = spec.k
    heal_ok = mask[ATTACK0 + k:ATTACK0 + 2 * k] > 0
    if heal_ok.any():
        return ATTACK0 + k + int(np.where(heal_ok, spec.allies(obs)[:, 4], np.inf).argmin())
    hit_ok = mask[ATTACK0:ATTACK0 + k] > 0
    if hit_ok.any():
        return ATTACK0 + int(np.where(hit_ok, spec.enemies(obs)[:, 4], np.inf).argmin())
    return HOLD


def flow_field(terrain: np.ndarray, passable: np.ndarray, move_cost: np.ndarray,
               goal: tuple[int, int]) -> np.ndarray:
    """(H, W) cost of the cheapest walk from each cell to ``goal`` (entering a cell costs its move cost).

    ``terrain`` holds tile ids, ``passable[tile]`` and ``move_cost[tile]`` come from the compiled
    ruleset for one unit type. Cells the type cannot stand on, or cannot reach the goal from, are
    inf. Moves go to any of the 8 neighbours, as in the core.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    h, w = terrain.shape
    ok = passable[np.clip(terrain, 0, None)] & (terrain >= 0)
    cost = move_cost[np.clip(terrain, 0, None)]
    idx = np.arange(h * w).reshape(h, w)
    rows, cols, weights = [], [], []
    for dx, dy in DIRECTIONS:
        ys = slice(max(0, -dy), h - max(0, dy))
        xs = slice(max(0, -dx), w - max(0, dx))
        yd = slice(max(0, dy), h - max(0, -dy))
        xd = slice(max(0, dx), w - max(0, -dx))
        both = ok[ys, xs] & ok[yd, xd]
        # edge dest -> src with the cost of entering dest, so one Dijkstra from the goal gives every src's cost
        rows.append(idx[yd, xd][both])
        cols.append(idx[ys, xs][both])
        weights.append(cost[yd, xd][both])
    graph = coo_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))),
                       shape=(h * w, h * w)).tocsr()
    gx, gy = goal
    if not ok[gy, gx]:
        return np.full((h, w), np.inf)
    dist = dijkstra(graph, directed=True, indices=int(idx[gy, gx]))
    return dist.reshape(h, w)
