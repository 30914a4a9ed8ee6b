"""The batched skirmish core: a pure ``step(params, state, actions) -> (state, events)``.

The state is a struct of arrays for B environments × N units (like gymnax/Craftax): positions,
hp, team, type, cooldown, alive, ... each an array with a leading (B, N) shape. One call advances
every unit of every environment. The Gymnasium/PettingZoo classes, the scripted bots and the
balance sweeps are all thin layers over these functions.

Rules of one step, in order (the per-agent reference in ``envs.reference`` implements the same):

1. **Attacks and heals**, simultaneous: every unit alive at the start of the step may attack the
   k-th nearest *visible* enemy (seen by any ally) or heal the k-th nearest ally, if its cooldown
   is 0 and the target is within range. Hit = max(damage - armor, damage * min_damage_fraction)
   × (1 - defence of the target's tile). A unit whose hp + heals - hits <= 0 dies; the kill goes
   to the attacker that hit it hardest this step (lowest index on a tie). Damage dealt is counted
   without overkill. Heals are capped at max hp.
2. **Movement**, units still alive, one at a time (index order on even steps, reverse order on
   odd ones, so neither team always moves first): a move adds the unit's speed to its move points;
   it enters the next cell when it has the cell's move cost. A cell must be inside the map,
   passable for the unit's type and free (one unit per cell). A blocked move, or any other action,
   resets the move points.
3. **Cooldowns** of living units tick down by one; the step counter advances; the match ends when a team has no
   unit left (both gone: draw) or at the step limit (ruleset ``match.at_step_limit``).

Actions (one int per unit): 0 hold, 1-8 move N, NE, E, SE, S, SW, W, NW (y grows downward),
``ATTACK0 + k`` attack the k-th nearest visible enemy, ``ATTACK0 + K + k`` heal the k-th nearest
ally. An action that is not valid (masked out) is treated as hold. Dead units never act.

The core is deterministic: randomness is only in ``reset`` (spawn cells, from each environment's
own seed) and in the bots. Each environment is computed independently of the others, so a match's
result never depends on which other matches share its batch.

Why numba: collisions and "one unit per cell" are sequential by nature, and the nearest-K
selection per unit is a small partial sort; in pure numpy both need B×N×N temporaries and many
passes. A compiled loop over the struct of arrays does it in one pass (figures against a
per-agent Python loop: benchmarks/bench_core.py). ``cache=True`` keeps the compile (~10-20 s) to
the first run on a machine.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping, Sequence

import numpy as np
from numba import njit

from envs.maps import MapError, builtin_arena, check_map
from envs.ruleset import AT_STEP_LIMIT, TEAMS, Ruleset, validate_composition
from envs.spec import (ATTACK0, BLUE, BLUE_WINS, DEFAULT_K, DIRECTIONS, DRAW, HOLD, MOVE0, PATCH_RADIUS,  # noqa: F401
                       RED, RED_WINS, RUNNING, STEP_SECONDS, WINNER_NAMES, ObservationSpec, n_actions)
from pcg.tiles import Tile

N_TILES = len(Tile)


@dataclass(frozen=True)
class CoreParams:
    """A ruleset compiled to lookup tables (indexed by unit type or tile id)."""

    ruleset: Ruleset
    k: int
    max_steps: int
    at_step_limit: int
    min_damage_fraction: float
    hp: np.ndarray
    damage: np.ndarray
    range2: np.ndarray   # int64: the largest squared cell distance within range (integer compares)
    range: np.ndarray
    speed: np.ndarray
    cooldown: np.ndarray
    armor: np.ndarray
    vision2: np.ndarray  # int64, as range2
    vision: np.ndarray
    heal: np.ndarray
    move_cost: np.ndarray
    defence: np.ndarray
    defined_tiles: np.ndarray
    passable: np.ndarray  # (types, tiles): terrain passable and not in the type's blocked_terrain

    @property
    def n_types(self) -> int:
        return len(self.hp)

    @property
    def n_actions(self) -> int:
        return n_actions(self.k)


def _reach2(radii) -> np.ndarray:
    """Squared cell distances are integers, so "within r" is d2 <= floor(r² + ε)."""
    return np.array([int(np.floor(r * r + 1e-9)) for r in radii], dtype=np.int64)


def compile_params(ruleset: Ruleset, *, k: int = DEFAULT_K, max_steps: int | None = None) -> CoreParams:
    units = list(ruleset.units.values())
    f64 = lambda vals: np.array(vals, dtype=np.float64)  # noqa: E731
    move_cost = np.ones(N_TILES, dtype=np.float64)
    defence = np.zeros(N_TILES, dtype=np.float64)
    defined = np.zeros(N_TILES, dtype=np.bool_)
    tile_ok = np.zeros(N_TILES, dtype=np.bool_)
    for t in ruleset.terrain.values():
        move_cost[t.tile_id], defence[t.tile_id] = t.move_cost, t.defence
        defined[t.tile_id], tile_ok[t.tile_id] = True, t.passable
    passable = np.tile(tile_ok, (len(units), 1))
    for i, u in enumerate(units):
        for name in u.blocked_terrain:
            passable[i, ruleset.terrain[name].tile_id] = False
    if k < 1:
        raise ValueError(f"k (nearest units observed) must be >= 1, got {k}")
    return CoreParams(
        ruleset=ruleset, k=int(k),
        max_steps=int(max_steps if max_steps is not None else ruleset.match.max_steps),
        at_step_limit=AT_STEP_LIMIT.index(ruleset.match.at_step_limit),
        min_damage_fraction=float(ruleset.match.min_damage_fraction),
        hp=f64([u.hp for u in units]), damage=f64([u.damage for u in units]),
        range2=_reach2([u.range for u in units]), range=f64([u.range for u in units]),
        speed=f64([u.speed for u in units]),
        cooldown=np.array([u.cooldown for u in units], dtype=np.int32), armor=f64([u.armor for u in units]),
        vision2=_reach2([u.vision for u in units]), vision=f64([u.vision for u in units]),
        heal=f64([u.heal for u in units]),
        move_cost=move_cost, defence=defence, defined_tiles=defined, passable=passable,
    )


@dataclass
class SkirmishState:
    """Struct of arrays: B environments × N units (blue units first, then red)."""

    x: np.ndarray            # (B, N) int32 cell column
    y: np.ndarray            # (B, N) int32 cell row
    hp: np.ndarray           # (B, N) float64
    team: np.ndarray         # (B, N) int8, 0 blue 1 red; blue slots always come first
    utype: np.ndarray        # (B, N) int32, index into ruleset.unit_names
    cooldown: np.ndarray     # (B, N) int32, steps until the next attack
    move_points: np.ndarray  # (B, N) float64
    alive: np.ndarray        # (B, N) bool
    terrain: np.ndarray      # (B, H, W) int16 tile ids, -1 outside this environment's map
    occupant: np.ndarray     # (B, H, W) int32 unit index, -1 empty
    map_w: np.ndarray        # (B,) int32
    map_h: np.ndarray        # (B,) int32
    t: np.ndarray            # (B,) int32 steps taken
    done: np.ndarray         # (B,) bool
    winner: np.ndarray       # (B,) int8: -1 running, 0 blue, 1 red, 2 draw
    start_hp: np.ndarray     # (B, 2) float64 team hp at the start, for the step-limit rule
    enemies: np.ndarray      # (B, N, K) int32 k nearest visible enemies (-1 none): derived, kept current
    allies: np.ndarray       # (B, N, K) int32 k nearest allies (-1 none)
    damage_dealt: np.ndarray  # (B, N) float64 running totals for the event log
    damage_taken: np.ndarray  # (B, N) float64
    healing_done: np.ndarray  # (B, N) float64
    kills: np.ndarray        # (B, N) int32
    death_step: np.ndarray   # (B, N) int32, -1 alive

    @property
    def n_envs(self) -> int:
        return self.hp.shape[0]

    @property
    def n_units(self) -> int:
        return self.hp.shape[1]

    def copy(self) -> "SkirmishState":
        return SkirmishState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


@dataclass
class StepEvents:
    """What happened in one step, per environment and unit (the event log is built from these)."""

    attack_target: np.ndarray  # (B, N) int32 unit hit by this unit, -1 none
    damage: np.ndarray         # (B, N) float64 damage this unit dealt (no overkill)
    heal_target: np.ndarray    # (B, N) int32
    heal: np.ndarray           # (B, N) float64 hp this unit restored
    killed: np.ndarray         # (B, N) bool died this step
    killer: np.ndarray         # (B, N) int32 who got the kill, -1 none
    done: np.ndarray           # (B,) bool match over (after this step)
    winner: np.ndarray         # (B,) int8


# ---------------------------------------------------------------------------------------------
# Kernels. All take flat arrays; each environment b is computed on its own.


_NO_UNIT = np.int64(2**62)


@njit(cache=True, inline="always")
def _top_k(i, lo, hi, al, d2, keys, out, b, k, seen, need_seen):
    """The k nearest living units j in [lo, hi) of unit i (ties: lower index first) into out[b, i].

    Branch-free: key = d2 * n + j orders by distance then index; k passes of a min-reduction
    over a team (~16 units) beat an insertion sort's unpredictable branches.
    """
    n = d2.shape[0]
    for j in range(lo, hi):
        ok = al[j] & (j != i) & (seen[j] | (not need_seen))
        keys[j] = d2[i, j] * n + j if ok else _NO_UNIT
    for q in range(k):
        best = _NO_UNIT
        for j in range(lo, hi):
            best = min(best, keys[j])
        if best == _NO_UNIT:
            out[b, i, q] = -1
        else:
            j = best % n
            out[b, i, q] = j
            keys[j] = _NO_UNIT


@njit(cache=True)
def _neighbours_env(b, x, y, alive, team, utype, vision2, enemies, allies, d2, seen, vis, keys):
    """k nearest visible enemies and k nearest allies of every unit of environment b.

    Ties in distance go to the lower unit index. An enemy is visible if any living unit of the
    other team has it within its vision radius (shared team sight). Unit slots hold blue units
    first, then red (``reset`` lays them out so), which lets each loop run over one team only.
    """
    n = x.shape[1]
    k = enemies.shape[2]
    xs = x[b]
    ys = y[b]
    al = alive[b]
    n_blue = 0
    for i in range(n):
        if team[b, i] == 0:
            n_blue += 1
        vis[i] = vision2[utype[b, i]]
        xi = xs[i]
        yi = ys[i]
        for j in range(n):  # the full matrix: contiguous rows vectorize, a symmetric fill does not
            dx = xs[j] - xi
            dy = ys[j] - yi
            d2[i, j] = dx * dx + dy * dy
    for j in range(n):  # seen[j]: some living enemy of j has j in sight (branch-free, vectorizes)
        lo, hi = (n_blue, n) if j < n_blue else (0, n_blue)
        hit = False
        for a in range(lo, hi):
            hit |= al[a] & (d2[j, a] <= vis[a])
        seen[j] = hit & al[j]
    for i in range(n):
        if not al[i]:
            for q in range(k):
                enemies[b, i, q] = -1
                allies[b, i, q] = -1
            continue
        if i < n_blue:
            _top_k(i, 0, n_blue, al, d2, keys, allies, b, k, seen, False)
            _top_k(i, n_blue, n, al, d2, keys, enemies, b, k, seen, True)
        else:
            _top_k(i, n_blue, n, al, d2, keys, allies, b, k, seen, False)
            _top_k(i, 0, n_blue, al, d2, keys, enemies, b, k, seen, True)


@njit(cache=True)
def _scratch(n, k):
    return np.empty((n, n), dtype=np.int64), np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.int64), \
        np.empty(n, dtype=np.int64)


@njit(cache=True)
def _neighbours(x, y, alive, team, utype, vision2, enemies, allies):
    d2, seen, vis, keys = _scratch(x.shape[1], enemies.shape[2])
    for b in range(x.shape[0]):
        _neighbours_env(b, x, y, alive, team, utype, vision2, enemies, allies, d2, seen, vis, keys)


@njit(cache=True)
def _step_kernel(actions, x, y, hp, team, utype, cooldown, move_points, alive, terrain, occupant,
                 map_w, map_h, t, done, winner, start_hp, enemies, allies,
                 damage_dealt, damage_taken, healing_done, kills, death_step,
                 p_hp, p_damage, p_range2, p_speed, p_cooldown, p_armor, p_vision2, p_heal,
                 p_move_cost, p_defence, p_passable, min_frac, max_steps, at_limit, dirs,
                 ev_attack_target, ev_damage, ev_heal_target, ev_heal, ev_killed, ev_killer):
    n_env, n = hp.shape
    k = enemies.shape[2]
    a_hi = 9 + k
    h_hi = 9 + 2 * k
    dmg_in = np.empty(n, dtype=np.float64)
    heal_in = np.empty(n, dtype=np.float64)
    best_hit = np.empty(n, dtype=np.float64)
    best_att = np.empty(n, dtype=np.int32)
    scale = np.empty(n, dtype=np.float64)
    raw_out = np.empty(n, dtype=np.float64)
    alive_n = np.zeros(2, dtype=np.int64)
    count_n = np.zeros(2, dtype=np.int64)
    hp_left = np.zeros(2, dtype=np.float64)
    d2, seen, vis, keys = _scratch(n, k)
    for b in range(n_env):
        for i in range(n):
            ev_attack_target[b, i] = -1
            ev_heal_target[b, i] = -1
            ev_killer[b, i] = -1
            ev_damage[b, i] = 0.0
            ev_heal[b, i] = 0.0
            ev_killed[b, i] = False
        if done[b]:
            continue
        dmg_in[:] = 0.0
        heal_in[:] = 0.0
        best_hit[:] = 0.0
        best_att[:] = -1
        scale[:] = 1.0
        raw_out[:] = 0.0
        # 1. attacks and heals, all decided on the state at the start of the step
        for i in range(n):
            if not alive[b, i]:
                continue
            a = actions[b, i]
            if a < 9 or a >= h_hi or cooldown[b, i] != 0:
                continue
            ut = utype[b, i]
            if a < a_hi:
                j = enemies[b, i, a - 9]
                if j < 0 or p_damage[ut] <= 0.0:
                    continue
                dx = x[b, j] - x[b, i]
                dy = y[b, j] - y[b, i]
                if dx * dx + dy * dy > p_range2[ut]:
                    continue
                dmg = p_damage[ut]
                hit = max(dmg - p_armor[utype[b, j]], dmg * min_frac)
                hit *= 1.0 - p_defence[terrain[b, y[b, j], x[b, j]]]
                dmg_in[j] += hit
                raw_out[i] = hit
                ev_attack_target[b, i] = j
                cooldown[b, i] = p_cooldown[ut]
                if hit > best_hit[j]:
                    best_hit[j] = hit
                    best_att[j] = i
            else:
                j = allies[b, i, a - a_hi]
                if j < 0 or p_heal[ut] <= 0.0 or hp[b, j] >= p_hp[utype[b, j]]:
                    continue
                dx = x[b, j] - x[b, i]
                dy = y[b, j] - y[b, i]
                if dx * dx + dy * dy > p_range2[ut]:
                    continue
                heal_in[j] += p_heal[ut]
                ev_heal_target[b, i] = j
                ev_heal[b, i] = p_heal[ut]
                cooldown[b, i] = p_cooldown[ut]
        # apply hits and heals together; deaths
        for j in range(n):
            if not alive[b, j] or (dmg_in[j] == 0.0 and heal_in[j] == 0.0):
                continue
            total = hp[b, j] + heal_in[j] - dmg_in[j]
            if total <= 0.0:
                scale[j] = (hp[b, j] + heal_in[j]) / dmg_in[j]
                damage_taken[b, j] += hp[b, j] + heal_in[j]
                hp[b, j] = 0.0
                alive[b, j] = False
                death_step[b, j] = t[b]
                occupant[b, y[b, j], x[b, j]] = -1
                ev_killed[b, j] = True
                ev_killer[b, j] = best_att[j]
                if best_att[j] >= 0:
                    kills[b, best_att[j]] += 1
            else:
                damage_taken[b, j] += dmg_in[j]
                hp[b, j] = min(total, p_hp[utype[b, j]])
        for i in range(n):
            j = ev_attack_target[b, i]
            if j >= 0:
                eff = raw_out[i] * scale[j]
                ev_damage[b, i] = eff
                damage_dealt[b, i] += eff
            if ev_heal_target[b, i] >= 0:
                healing_done[b, i] += ev_heal[b, i]
        # 2. movement, one unit at a time; alternate the order so neither team always goes first
        for q in range(n):
            i = q if t[b] % 2 == 0 else n - 1 - q
            if not alive[b, i]:
                continue
            a = actions[b, i]
            if a < 1 or a > 8:
                move_points[b, i] = 0.0
                continue
            nx = x[b, i] + dirs[a - 1, 0]
            ny = y[b, i] + dirs[a - 1, 1]
            if nx < 0 or ny < 0 or nx >= map_w[b] or ny >= map_h[b]:
                move_points[b, i] = 0.0
                continue
            tile = terrain[b, ny, nx]
            ut = utype[b, i]
            if tile < 0 or not p_passable[ut, tile] or occupant[b, ny, nx] >= 0:
                move_points[b, i] = 0.0
                continue
            move_points[b, i] += p_speed[ut]
            cost = p_move_cost[tile]
            if move_points[b, i] + 1e-9 >= cost:
                move_points[b, i] -= cost
                if move_points[b, i] < 0.0:
                    move_points[b, i] = 0.0
                occupant[b, y[b, i], x[b, i]] = -1
                occupant[b, ny, nx] = i
                x[b, i] = nx
                y[b, i] = ny
        # 3. cooldowns, clock, end of match
        for i in range(n):
            if alive[b, i] and cooldown[b, i] > 0:  # the dead are inert: even their clocks stop
                cooldown[b, i] -= 1
        t[b] += 1
        alive_n[:] = 0
        count_n[:] = 0
        hp_left[:] = 0.0
        for i in range(n):
            count_n[team[b, i]] += 1
            if alive[b, i]:
                alive_n[team[b, i]] += 1
                hp_left[team[b, i]] += hp[b, i]
        if alive_n[0] == 0 and alive_n[1] == 0:
            winner[b] = 2
        elif alive_n[0] == 0:
            winner[b] = 1
        elif alive_n[1] == 0:
            winner[b] = 0
        elif t[b] >= max_steps:
            if at_limit == 0:
                winner[b] = 2
            else:
                if at_limit == 1:
                    s0 = hp_left[0] / start_hp[b, 0]
                    s1 = hp_left[1] / start_hp[b, 1]
                else:
                    s0 = alive_n[0] / count_n[0]
                    s1 = alive_n[1] / count_n[1]
                winner[b] = 0 if s0 > s1 else (1 if s1 > s0 else 2)
        if winner[b] >= 0:
            done[b] = True
        _neighbours_env(b, x, y, alive, team, utype, p_vision2, enemies, allies, d2, seen, vis, keys)


@njit(cache=True)
def _observe_kernel(x, y, hp, team, utype, cooldown, alive, terrain, occupant, map_w, map_h, t, done,
                    enemies, allies, p_hp, p_damage, p_range2, p_range, p_speed, p_cooldown, p_armor, p_vision,
                    p_heal, p_defence, p_passable, max_steps, dirs, scales, patch_r, obs, mask):
    n_env, n = hp.shape
    k = enemies.shape[2]
    n_types = p_hp.shape[0]
    hp_s, dmg_s, pos_s, cd_s, arm_s, heal_s = scales[0], scales[1], scales[2], scales[3], scales[4], scales[5]
    own = 13 + n_types
    e_off = own
    a_off = e_off + 8 * k
    p_off = a_off + 6 * k
    side = 2 * patch_r + 1
    for b in range(n_env):
        for i in range(n):
            for f in range(obs.shape[2]):
                obs[b, i, f] = 0.0
            for f in range(mask.shape[2]):
                mask[b, i, f] = 0
            mask[b, i, 0] = 1
            if not alive[b, i] or done[b]:
                continue
            ut = utype[b, i]
            xi = x[b, i]
            yi = y[b, i]
            ready = cooldown[b, i] == 0
            obs[b, i, 0] = hp[b, i] / p_hp[ut]
            obs[b, i, 1] = p_hp[ut] / hp_s
            obs[b, i, 2] = p_damage[ut] / dmg_s
            obs[b, i, 3] = p_range[ut] / pos_s
            obs[b, i, 4] = p_speed[ut]
            obs[b, i, 5] = 1.0 if ready else 0.0
            obs[b, i, 6] = cooldown[b, i] / cd_s
            obs[b, i, 7] = p_armor[ut] / arm_s
            obs[b, i, 8] = p_vision[ut] / pos_s
            obs[b, i, 9] = p_heal[ut] / heal_s
            obs[b, i, 10] = p_defence[terrain[b, yi, xi]]
            obs[b, i, 11] = ((map_w[b] - 1) / 2.0 - xi) / pos_s
            obs[b, i, 12] = ((map_h[b] - 1) / 2.0 - yi) / pos_s
            obs[b, i, 13 + ut] = 1.0
            for q in range(k):
                j = enemies[b, i, q]
                if j < 0:
                    continue
                dx = x[b, j] - xi
                dy = y[b, j] - yi
                d2 = dx * dx + dy * dy
                uj = utype[b, j]
                o = e_off + 8 * q
                obs[b, i, o] = 1.0
                obs[b, i, o + 1] = dx / pos_s
                obs[b, i, o + 2] = dy / pos_s
                obs[b, i, o + 3] = np.sqrt(d2) / pos_s
                obs[b, i, o + 4] = hp[b, j] / p_hp[uj]
                in_mine = d2 <= p_range2[ut]
                obs[b, i, o + 5] = 1.0 if in_mine else 0.0
                obs[b, i, o + 6] = 1.0 if d2 <= p_range2[uj] else 0.0
                obs[b, i, o + 7] = p_damage[uj] / dmg_s
                if ready and in_mine and p_damage[ut] > 0.0:
                    mask[b, i, 9 + q] = 1
            for q in range(k):
                j = allies[b, i, q]
                if j < 0:
                    continue
                dx = x[b, j] - xi
                dy = y[b, j] - yi
                d2 = dx * dx + dy * dy
                uj = utype[b, j]
                o = a_off + 6 * q
                obs[b, i, o] = 1.0
                obs[b, i, o + 1] = dx / pos_s
                obs[b, i, o + 2] = dy / pos_s
                obs[b, i, o + 3] = np.sqrt(d2) / pos_s
                obs[b, i, o + 4] = hp[b, j] / p_hp[uj]
                obs[b, i, o + 5] = 1.0 if p_heal[uj] > 0.0 else 0.0
                if (ready and p_heal[ut] > 0.0 and d2 <= p_range2[ut] and hp[b, j] < p_hp[uj]):
                    mask[b, i, 9 + k + q] = 1
            for d in range(8):
                nx = xi + dirs[d, 0]
                ny = yi + dirs[d, 1]
                if nx >= 0 and ny >= 0 and nx < map_w[b] and ny < map_h[b]:
                    tile = terrain[b, ny, nx]
                    if tile >= 0 and p_passable[ut, tile] and occupant[b, ny, nx] < 0:
                        mask[b, i, 1 + d] = 1
            for py in range(side):
                for px in range(side):
                    cx = xi + px - patch_r
                    cy = yi + py - patch_r
                    o = p_off + 3 * (py * side + px)
                    if cx < 0 or cy < 0 or cx >= map_w[b] or cy >= map_h[b]:
                        continue
                    tile = terrain[b, cy, cx]
                    if tile < 0:
                        continue
                    obs[b, i, o] = 1.0 if p_passable[ut, tile] else 0.0
                    obs[b, i, o + 1] = 1.0 if occupant[b, cy, cx] >= 0 else 0.0
                    obs[b, i, o + 2] = p_defence[tile]


# ---------------------------------------------------------------------------------------------
# Observation layout (shared by the faces and the bots)


def observation_spec(params: CoreParams, patch_radius: int = PATCH_RADIUS) -> ObservationSpec:
    scales = (float(params.hp.max()), max(float(params.damage.max()), 1.0), 10.0,
              float(params.cooldown.max()), max(float(params.armor.max()), 1.0), max(float(params.heal.max()), 1.0))
    return ObservationSpec(k=params.k, n_types=params.n_types, patch_radius=patch_radius, scales=scales)


# ---------------------------------------------------------------------------------------------
# Public functions


TerrainArg = Any  # None, an H×W grid, a map with .tiles/.spawns, or a callable seed -> either


def _map_and_spawns(obj, defined: np.ndarray, source: str) -> tuple[np.ndarray, dict[int, tuple[int, int]] | None]:
    """A grid, or a map object with ``.tiles`` (and optional ``.spawns`` of (team, x, y)), e.g. a pcg GameMap."""
    if hasattr(obj, "tiles"):
        grid = check_map(obj.tiles, defined, source)
        spawns = {int(sp.team): (int(sp.x), int(sp.y)) for sp in getattr(obj, "spawns", ()) or () if sp.team in (0, 1)}
        return grid, (spawns if len(spawns) == 2 else None)
    return check_map(obj, defined, source), None


def resolve_terrain(params: CoreParams, terrain: TerrainArg, seeds: Sequence[int]) -> list[tuple]:
    """One checked (grid, spawn points or None) per seed: the built-in arena, one fixed map, or ``terrain(seed)``.

    A map is an H×W grid of tile ids, or an object with ``.tiles`` and ``.spawns`` (a
    ``pcg.GameMap``): then each team gathers around its spawn point instead of its map edge.
    """
    m = params.ruleset.match
    if terrain is None:
        grid = check_map(builtin_arena(m.arena_width, m.arena_height), params.defined_tiles, "built-in arena")
        return [(grid, None)] * len(seeds)
    if callable(terrain):
        return [_map_and_spawns(terrain(int(s)), params.defined_tiles, f"terrain({int(s)})") for s in seeds]
    return [_map_and_spawns(terrain, params.defined_tiles, "terrain")] * len(seeds)


def unit_roster(ruleset: Ruleset, blue: Mapping[str, int], red: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(team, type) per unit slot: blue units first, then red, each in ruleset unit order."""
    comps = {"blue": validate_composition(ruleset, blue, "blue", "<blue composition>", budget=None),
             "red": validate_composition(ruleset, red, "red", "<red composition>", budget=None)}
    team, utype = [], []
    for ti, name in enumerate(TEAMS):
        for ui, unit in enumerate(ruleset.unit_names):
            n = comps[name].get(unit, 0)
            team += [ti] * n
            utype += [ui] * n
    return np.array(team, dtype=np.int8), np.array(utype, dtype=np.int32)


def reset(params: CoreParams, blue: Mapping[str, int], red: Mapping[str, int], seeds: Sequence[int],
          terrain: TerrainArg = None) -> SkirmishState:
    """A fresh batch, one environment per seed. Spawn cells come from each seed's own generator.

    Blue spawns in the left quarter of the map, red in the right quarter, on random free cells
    its units can stand on.
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("reset needs at least one seed")
    maps = resolve_terrain(params, terrain, seeds)
    grids = [g for g, _ in maps]
    team, utype = unit_roster(params.ruleset, blue, red)
    b_n, n = len(seeds), len(team)
    h_max = max(g.shape[0] for g in grids)
    w_max = max(g.shape[1] for g in grids)
    terr = np.full((b_n, h_max, w_max), -1, dtype=np.int16)
    occ = np.full((b_n, h_max, w_max), -1, dtype=np.int32)
    x = np.zeros((b_n, n), dtype=np.int32)
    y = np.zeros((b_n, n), dtype=np.int32)
    map_h = np.array([g.shape[0] for g in grids], dtype=np.int32)
    map_w = np.array([g.shape[1] for g in grids], dtype=np.int32)
    for b, (seed, (grid, spawns)) in enumerate(zip(seeds, maps)):
        h, w = grid.shape
        terr[b, :h, :w] = grid
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        zone = max(2, w // 4)
        for ti in (BLUE, RED):
            if spawns is None:  # the team's map edge: the left or right quarter, in random order
                cols = np.arange(0, zone) if ti == BLUE else np.arange(w - zone, w)
                cells = np.array([(cx, cy) for cx in cols for cy in range(h)], dtype=np.int32)
                cells = cells[rng.permutation(len(cells))]
                where = f"the {'left' if ti == BLUE else 'right'} {zone} columns"
            else:  # around the map's spawn point: nearest cells first, ties in random order
                cells = np.array([(cx, cy) for cx in range(w) for cy in range(h)], dtype=np.int32)
                cells = cells[rng.permutation(len(cells))]
                sx, sy = spawns[ti]
                d2 = (cells[:, 0] - sx) ** 2 + (cells[:, 1] - sy) ** 2
                cells = cells[np.argsort(d2, kind="stable")]
                where = f"around its spawn point ({sx}, {sy})"
            free = np.ones(len(cells), dtype=bool)
            free &= occ[b, cells[:, 1], cells[:, 0]] < 0
            for i in np.flatnonzero(team == ti):
                ok = free & params.passable[utype[i], grid[cells[:, 1], cells[:, 0]]]
                if not ok.any():
                    raise MapError(f"map for seed {seed}: no free cell left for a "
                                   f"{params.ruleset.unit_names[utype[i]]} of the {TEAMS[ti]} team ({where}); "
                                   "use a map with more open ground there or a smaller team")
                c = int(np.argmax(ok))
                free[c] = False
                x[b, i], y[b, i] = cells[c]
                occ[b, cells[c, 1], cells[c, 0]] = i
    hp = np.tile(params.hp[utype], (b_n, 1))
    k = params.k
    state = SkirmishState(
        x=x, y=y, hp=hp, team=np.tile(team, (b_n, 1)), utype=np.tile(utype, (b_n, 1)),
        cooldown=np.zeros((b_n, n), dtype=np.int32), move_points=np.zeros((b_n, n)),
        alive=np.ones((b_n, n), dtype=np.bool_), terrain=terr, occupant=occ, map_w=map_w, map_h=map_h,
        t=np.zeros(b_n, dtype=np.int32), done=np.zeros(b_n, dtype=np.bool_),
        winner=np.full(b_n, RUNNING, dtype=np.int8),
        start_hp=np.stack([hp[:, team == BLUE].sum(1), hp[:, team == RED].sum(1)], axis=1),
        enemies=np.full((b_n, n, k), -1, dtype=np.int32), allies=np.full((b_n, n, k), -1, dtype=np.int32),
        damage_dealt=np.zeros((b_n, n)), damage_taken=np.zeros((b_n, n)), healing_done=np.zeros((b_n, n)),
        kills=np.zeros((b_n, n), dtype=np.int32), death_step=np.full((b_n, n), -1, dtype=np.int32),
    )
    _neighbours(state.x, state.y, state.alive, state.team, state.utype, params.vision2, state.enemies, state.allies)
    return state


def step_inplace(params: CoreParams, state: SkirmishState, actions: np.ndarray) -> StepEvents:
    """Advance ``state`` by one step in place (the fast path); returns the step's events."""
    b_n, n = state.hp.shape
    acts = np.ascontiguousarray(actions, dtype=np.int64)
    if acts.shape != (b_n, n):
        raise ValueError(f"actions must have shape (n_envs, n_units) = {(b_n, n)}, got {acts.shape}")
    ev = StepEvents(
        attack_target=np.empty((b_n, n), dtype=np.int32), damage=np.empty((b_n, n)),
        heal_target=np.empty((b_n, n), dtype=np.int32), heal=np.empty((b_n, n)),
        killed=np.empty((b_n, n), dtype=np.bool_), killer=np.empty((b_n, n), dtype=np.int32),
        done=state.done, winner=state.winner,
    )
    p = params
    s = state
    _step_kernel(acts, s.x, s.y, s.hp, s.team, s.utype, s.cooldown, s.move_points, s.alive, s.terrain, s.occupant,
                 s.map_w, s.map_h, s.t, s.done, s.winner, s.start_hp, s.enemies, s.allies,
                 s.damage_dealt, s.damage_taken, s.healing_done, s.kills, s.death_step,
                 p.hp, p.damage, p.range2, p.speed, p.cooldown, p.armor, p.vision2, p.heal,
                 p.move_cost, p.defence, p.passable, p.min_damage_fraction, p.max_steps, p.at_step_limit,
                 DIRECTIONS, ev.attack_target, ev.damage, ev.heal_target, ev.heal, ev.killed, ev.killer)
    ev.done = state.done.copy()
    ev.winner = state.winner.copy()
    return ev


def step(params: CoreParams, state: SkirmishState, actions: np.ndarray) -> tuple[SkirmishState, StepEvents]:
    """Pure step: returns a new state and the step's events; ``state`` is left unchanged."""
    new = state.copy()
    return new, step_inplace(params, new, actions)


def observe(params: CoreParams, state: SkirmishState, spec: ObservationSpec | None = None,
            out: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Egocentric observations (B, N, D) float32 and action masks (B, N, A) int8 for every unit.

    Dead units (and finished environments) see zeros and may only hold.
    """
    spec = spec or observation_spec(params)
    b_n, n = state.hp.shape
    if out is None:
        obs = np.empty((b_n, n, spec.size), dtype=np.float32)
        mask = np.empty((b_n, n, spec.n_actions), dtype=np.int8)
    else:
        obs, mask = out
    s, p = state, params
    _observe_kernel(s.x, s.y, s.hp, s.team, s.utype, s.cooldown, s.alive, s.terrain, s.occupant, s.map_w, s.map_h,
                    s.t, s.done, s.enemies, s.allies, p.hp, p.damage, p.range2, p.range, p.speed, p.cooldown,
                    p.armor, p.vision, p.heal, p.defence, p.passable, p.max_steps, DIRECTIONS,
                    np.array(spec.scales, dtype=np.float64), spec.patch_radius, obs, mask)
    return obs, mask


def refresh(params: CoreParams, state: SkirmishState) -> SkirmishState:
    """Recompute the derived arrays (occupancy, nearest lists) after editing x, y, alive or hp by hand.

    For setting up scenarios (tests, tutorials, the demo world). Raises MapError if two live
    units share a cell or a unit stands outside its map or on a cell it cannot enter.
    """
    if (np.diff(state.team.astype(np.int64), axis=1) < 0).any() or not np.isin(state.team, (BLUE, RED)).all():
        raise ValueError("unit slots must hold blue units (team 0) first, then red (team 1)")
    state.occupant[:] = -1
    for b, i in zip(*np.nonzero(state.alive)):
        cx, cy = int(state.x[b, i]), int(state.y[b, i])
        if not (0 <= cx < state.map_w[b] and 0 <= cy < state.map_h[b]):
            raise MapError(f"env {b}: unit {i} at ({cx}, {cy}) is outside the {state.map_w[b]}×{state.map_h[b]} map")
        if not params.passable[state.utype[b, i], state.terrain[b, cy, cx]]:
            raise MapError(f"env {b}: unit {i} at ({cx}, {cy}) stands on terrain it cannot enter")
        if state.occupant[b, cy, cx] >= 0:
            raise MapError(f"env {b}: units {state.occupant[b, cy, cx]} and {i} share cell ({cx}, {cy})")
        state.occupant[b, cy, cx] = i
    _neighbours(state.x, state.y, state.alive, state.team, state.utype, params.vision2, state.enemies, state.allies)
    return state


def select(state: SkirmishState, envs: np.ndarray | Sequence[int]) -> SkirmishState:
    """The sub-batch of the given environments (a copy)."""
    idx = np.asarray(envs)
    return replace(state, **{f.name: getattr(state, f.name)[idx].copy() for f in fields(state)})
