"""The same skirmish rules written the usual way: one Python object per unit, a loop per agent.

This is the peer the batched core is measured against (benchmarks/bench_core.py) and its test
oracle: started from the same spawn and fed the same actions, it must reach the same state
(tests/test_core_reference.py). It is written for clarity, from the ruleset's own records,
sharing no code with the numba kernels; only the action numbering is shared.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.ruleset import AT_STEP_LIMIT, Ruleset, UnitType
from envs.spec import ATTACK0, DIRECTIONS


@dataclass
class Unit:
    index: int
    team: int
    kind: UnitType
    x: int
    y: int
    hp: float
    cooldown: int = 0
    move_points: float = 0.0
    alive: bool = True
    damage_dealt: float = 0.0
    damage_taken: float = 0.0
    kills: int = 0

    def dist2(self, other: "Unit") -> int:
        return (self.x - other.x) ** 2 + (self.y - other.y) ** 2

    def reaches(self, other: "Unit") -> bool:
        return self.dist2(other) <= self.kind.range ** 2 + 1e-9


class ReferenceSkirmish:
    """One match, stepped unit by unit."""

    def __init__(self, ruleset: Ruleset, grid: np.ndarray, units: list[Unit], *, k: int = 4,
                 max_steps: int | None = None):
        self.rules = ruleset
        self.grid = [[int(v) for v in row] for row in np.asarray(grid)]
        self.h, self.w = len(self.grid), len(self.grid[0])
        self.units = units
        self.k = k
        self.max_steps = max_steps or ruleset.match.max_steps
        self.t = 0
        self.done = False
        self.winner = -1
        self.terrain_by_id = {t.tile_id: t for t in ruleset.terrain.values()}
        self.start_hp = [sum(u.hp for u in units if u.team == team) for team in (0, 1)]
        self.occupied = {(u.x, u.y): u for u in units if u.alive}

    @classmethod
    def from_core(cls, params, state, env: int = 0) -> "ReferenceSkirmish":
        """A copy of environment ``env`` of a core state (same spawn, same everything)."""
        kinds = list(params.ruleset.units.values())
        h, w = int(state.map_h[env]), int(state.map_w[env])
        units = [Unit(index=i, team=int(state.team[env, i]), kind=kinds[int(state.utype[env, i])],
                      x=int(state.x[env, i]), y=int(state.y[env, i]), hp=float(state.hp[env, i]),
                      cooldown=int(state.cooldown[env, i]), move_points=float(state.move_points[env, i]),
                      alive=bool(state.alive[env, i]))
                 for i in range(state.n_units)]
        sim = cls(params.ruleset, state.terrain[env, :h, :w], units, k=params.k, max_steps=params.max_steps)
        sim.t = int(state.t[env])
        sim.start_hp = [float(v) for v in state.start_hp[env]]
        return sim

    # --- the agent's view ------------------------------------------------------------------
    def visible(self) -> list[set[int]]:
        """Per team, the indices of the enemy units some living unit of that team can see."""
        seen: list[set[int]] = [set(), set()]
        for o in self.units:
            if not o.alive:
                continue
            reach = o.kind.vision ** 2 + 1e-9
            for u in self.units:
                if u.alive and u.team != o.team and o.dist2(u) <= reach:
                    seen[o.team].add(u.index)
        return seen

    def nearest(self, unit: Unit, visible: list[set[int]] | None = None) -> tuple[list[Unit], list[Unit]]:
        """The k nearest visible enemies and k nearest allies (ties: lower index first)."""
        visible = self.visible() if visible is None else visible
        others = [o for o in self.units if o.alive and o is not unit]
        enemies = [o for o in others if o.team != unit.team and o.index in visible[unit.team]]
        allies = [o for o in others if o.team == unit.team]
        key = lambda o: (unit.dist2(o), o.index)  # noqa: E731
        return sorted(enemies, key=key)[:self.k], sorted(allies, key=key)[:self.k]

    def can_enter(self, unit: Unit, x: int, y: int) -> bool:
        if not (0 <= x < self.w and 0 <= y < self.h):
            return False
        terrain = self.terrain_by_id[self.grid[y][x]]
        if not terrain.passable or terrain.name in unit.kind.blocked_terrain:
            return False
        return (x, y) not in self.occupied

    # --- one step --------------------------------------------------------------------------
    def step(self, actions: list[int]) -> None:
        if self.done:
            return
        k = self.k
        visible = self.visible()
        targets = {u.index: self.nearest(u, visible) for u in self.units if u.alive}
        hits: dict[int, list[tuple[Unit, float]]] = {}
        heals: dict[int, float] = {}
        for u in self.units:  # attacks and heals, decided on the state at the start of the step
            a = actions[u.index]
            if not u.alive or u.cooldown != 0 or not ATTACK0 <= a < ATTACK0 + 2 * k:
                continue
            enemies, allies = targets[u.index]
            slot = a - ATTACK0
            if slot < k:
                if slot >= len(enemies) or u.kind.damage <= 0:
                    continue
                target = enemies[slot]
                if not u.reaches(target):
                    continue
                tile = self.terrain_by_id[self.grid[target.y][target.x]]
                dmg = u.kind.damage
                hit = max(dmg - target.kind.armor, dmg * self.rules.match.min_damage_fraction) * (1.0 - tile.defence)
                hits.setdefault(target.index, []).append((u, hit))
                u.cooldown = u.kind.cooldown
            else:
                slot -= k
                if slot >= len(allies) or u.kind.heal <= 0:
                    continue
                target = allies[slot]
                if target.hp >= target.kind.hp or not u.reaches(target):
                    continue
                heals[target.index] = heals.get(target.index, 0.0) + u.kind.heal
                u.cooldown = u.kind.cooldown
        for target in self.units:
            if not target.alive or (target.index not in hits and target.index not in heals):
                continue
            incoming = 0.0
            for _, hit in hits.get(target.index, []):
                incoming += hit
            healed = heals.get(target.index, 0.0)
            total = target.hp + healed - incoming
            scale = 1.0
            if total <= 0.0:
                scale = (target.hp + healed) / incoming
                target.damage_taken += target.hp + healed
                target.hp = 0.0
                target.alive = False
                del self.occupied[(target.x, target.y)]
                best = max(hits[target.index], key=lambda p: (p[1], -p[0].index))
                if best[1] > 0:
                    best[0].kills += 1
            else:
                target.damage_taken += incoming
                target.hp = min(total, target.kind.hp)
            for attacker, hit in hits.get(target.index, []):
                attacker.damage_dealt += hit * scale
        order = self.units if self.t % 2 == 0 else list(reversed(self.units))
        for u in order:  # movement, one unit at a time
            if not u.alive:
                continue
            a = actions[u.index]
            if not 1 <= a <= 8:
                u.move_points = 0.0
                continue
            dx, dy = (int(v) for v in DIRECTIONS[a - 1])
            nx, ny = u.x + dx, u.y + dy
            if not self.can_enter(u, nx, ny):
                u.move_points = 0.0
                continue
            u.move_points += u.kind.speed
            cost = self.terrain_by_id[self.grid[ny][nx]].move_cost
            if u.move_points + 1e-9 >= cost:
                u.move_points = max(u.move_points - cost, 0.0)
                del self.occupied[(u.x, u.y)]
                u.x, u.y = nx, ny
                self.occupied[(nx, ny)] = u
        for u in self.units:
            if u.alive and u.cooldown > 0:
                u.cooldown -= 1
        self.t += 1
        self._check_end()

    def _check_end(self) -> None:
        alive = [sum(1 for u in self.units if u.alive and u.team == t) for t in (0, 1)]
        if alive[0] == 0 and alive[1] == 0:
            self.winner = 2
        elif alive[0] == 0:
            self.winner = 1
        elif alive[1] == 0:
            self.winner = 0
        elif self.t >= self.max_steps:
            rule = AT_STEP_LIMIT.index(self.rules.match.at_step_limit)
            if rule == 0:
                self.winner = 2
            else:
                if rule == 1:
                    share = [sum(u.hp for u in self.units if u.alive and u.team == t) / self.start_hp[t]
                             for t in (0, 1)]
                else:
                    share = [alive[t] / sum(1 for u in self.units if u.team == t) for t in (0, 1)]
                self.winner = 0 if share[0] > share[1] else (1 if share[1] > share[0] else 2)
        self.done = self.winner >= 0
