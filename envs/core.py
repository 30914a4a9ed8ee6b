"""The batched skirmish core: a pure ``step(params, state, actions) -> (state, events)``.

The state is a struct of arrays for B environments × N units (like gymnax/Craftax): positions,
hp, team, type, cooldown, alive, ... each an array with a leading (B, N) shape. One call advances
every unit of every environment. The Gymnasium/PettingZoo classes, the scripted bots and the
balance sweeps are all thin layers over these functions.

Rules of one step, in order (the per-agent reference in ``envs.reference`` implements the same).
``_step_kernel`` is these phases, one function each, called in this order over the batch:

1. **Attacks and heals**, simultaneous: every unit alive at the start of the step may attack the
   k-th nearest *visible* enemy (seen by any ally) or heal the k-th nearest ally, if its cooldown
   is 0 and the target is within range (``_attack_phase``, ``_healing_phase``: both decide on the
   state at the start of the step and only sum what lands). Hit = max(damage - armor, damage *
   min_damage_fraction) × (1 - defence of the target's tile). Hits and heals land together
   (``_death_phase``): a unit whose hp + heals - hits <= 0 dies; the kill goes to the attacker
   that hit it hardest this step (lowest index on a tie). Heals are capped at max hp. Damage dealt
   is counted without overkill (``_credit_phase``, the event log's totals).
2. **Movement** (``_movement_phase``), units still alive, one at a time (index order on even steps,
   reverse order on odd ones, so neither team always moves first): a move adds the unit's speed to
   its move points; it enters the next cell when it has the cell's move cost. A cell must be inside
   the map, passable for the unit's type and free (one unit per cell). A blocked move, or any other
   action, resets the move points.
3. **Clock** (``_clock_phase``): cooldowns of living units tick down by one; the step counter
   advances; the match ends when a team has no unit left (both gone: draw) or at the step limit
   (ruleset ``match.at_step_limit``).
4. **Targeting** (``_targeting_phase``): each unit's k nearest visible enemies and k nearest allies,
   which the next step's attack and heal actions point at.

``FusedStep`` runs these phases, then ``_reward_phase`` (the learning faces' rewards) and the
observation pass, in one kernel call: what the PettingZoo and vector faces call once per step.

The kernels take grouped arguments, not loose arrays: the state, the rules (``CoreParams``), the
codes (actions, winners), the events and, for ``observe``, the observation layout, each a
namedtuple with the names of the fields it comes from. Every action code and observation offset
comes from ``envs.spec`` (``ObservationSpec``, the description of the layout); the observation
kernel's feature positions are constants derived from ``_WRITES`` here and checked against it.

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

from collections import namedtuple
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from operator import attrgetter, is_
from typing import Any, Mapping, Sequence

import numpy as np
from numba import njit, types
from numba.experimental import structref

from envs.maps import MapError, builtin_arena, check_map
from envs.ruleset import AT_STEP_LIMIT, TEAMS, Ruleset, validate_composition
from envs.spec import (ATTACK0, BLUE, BLUE_WINS, DEFAULT_K, DIRECTIONS, DRAW, HOLD, MOVE0, PATCH_RADIUS,  # noqa: F401
                       LATEST_LAYOUT, RED, RED_WINS, RUNNING, STAT_CAP, STAT_REFS, STEP_SECONDS, WINNER_NAMES,
                       ObservationSpec, heal0, n_actions)
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
# Kernel arguments. A kernel takes a few groups instead of dozens of loose arrays: the state, the
# rules, the step's events, the codes (actions, winners, step-limit rules) and, for observations,
# the layout. Each group is a namedtuple whose fields carry the names of the dataclass or spec
# entry they come from, so a phase says what it reads by name: ``hp, alive = s.hp, s.alive``.
# Groups cross into numba as plain tuples and are named again inside the kernel: numba types a
# plain tuple in C on every call but a namedtuple in Python (~10 µs a call, measured).
# Codes and offsets are arguments, not numba globals: a cached kernel keeps a global's value from
# the time it was compiled and would not notice an edit to envs/spec.py.

_State = namedtuple("_State", [f.name for f in fields(SkirmishState)])
_Events = namedtuple("_Events", ["attack_target", "damage", "heal_target", "heal", "killed", "killer"])
_Rules = namedtuple("_Rules", ["hp", "damage", "range2", "range", "speed", "cooldown", "armor", "vision2", "vision",
                               "heal", "move_cost", "defence", "passable", "directions", "min_damage_fraction",
                               "max_steps", "at_step_limit"])
_Codes = namedtuple("_Codes", ["hold", "move0", "attack0", "heal0", "end",  # actions: heal0 = attack0 + k, end = A
                               "running", "blue_wins", "red_wins", "draw",  # state.winner
                               "limit_draw", "limit_hp",  # CoreParams.at_step_limit; any other: most units left
                               "blue"])  # state.team of the blue side
#: The reward weights of ``envs.rewards.RewardConfig``, by name, as ``_reward_phase`` takes them.
_Weights = namedtuple("_Weights", ["damage", "damage_taken", "kill", "death", "win", "loss", "draw"])
REWARD_WEIGHTS = _Weights._fields
#: The features _observe_kernel writes, per block, in the order envs/spec.py lists them.
_WRITES = {
    "own": ("hp", "max_hp", "damage", "range", "speed", "ready", "cooldown", "armor", "vision", "heal", "defence",
            "center_dx", "center_dy", "type"),  # ObservationSpec.OWN_<NAME>
    "enemy": ("present", "dx", "dy", "dist", "hp", "in_my_range", "in_its_range", "damage"),
    "ally": ("present", "dx", "dy", "dist", "hp", "is_healer"),
    "patch": ("passable", "occupied", "defence"),
    "stats": ("hp", "damage", "range", "speed", "cooldown", "armor", "heal", "defence"),  # layout 2 only
}
# Where each feature sits inside its block (and how wide a slot is): compile-time constants of the
# kernel, as a run-time layout made observe ~15% slower (measured). They are computed from _WRITES
# in this file, so a change recompiles the cached kernel, and _spec_mismatch holds them to
# envs/spec.py (at import and for every spec observe is given).
_Positions = namedtuple("_Positions", [f"{block}_{f}" for block, names in _WRITES.items() for f in names] +
                        ["enemy_stride", "ally_stride", "patch_stride", "stats_stride"])
_AT = _Positions(*[pos for names in _WRITES.values() for pos in range(len(names))],
                 len(_WRITES["enemy"]), len(_WRITES["ally"]), len(_WRITES["patch"]), len(_WRITES["stats"]))
_SCALES = ("hp_scale", "damage_scale", "pos_scale", "cooldown_scale", "armor_scale", "heal_scale")  # spec.scales
# What depends on the spec's k, unit types and patch radius travels at run time.
# stats_offset is -1 in layout 1 (no stats section); the stat_* are envs.spec.STAT_REFS, by name.
_STAT_REFS = tuple(f"stat_{name}" for name in _WRITES["stats"] if name != "defence")
_ObsLayout = namedtuple("_ObsLayout", ["enemy_offset", "ally_offset", "patch_offset", "patch_radius", *_SCALES,
                                       "stats_offset", *_STAT_REFS, "stat_cap"])


def _spec_mismatch(spec) -> str | None:
    """Why the kernel cannot fill ``spec``'s layout, or None if it can."""
    own = sorted((getattr(spec, name), name[4:].lower()) for name in dir(spec) if name.startswith("OWN_"))
    listed = {"own": tuple(name for _, name in own), "enemy": tuple(spec.ENEMY_FEATURES),
              "ally": tuple(spec.ALLY_FEATURES), "patch": tuple(spec.PATCH_FEATURES),
              "stats": tuple(spec.STATS_FEATURES)}
    if [pos for pos, _ in own] != list(range(len(own))):
        return f"its OWN_* positions {own} are not 0, 1, 2, ..."
    for block, names in listed.items():
        if names != _WRITES[block]:
            return (f"it lists {block} features {list(names)} but the observation kernel writes "
                    f"{list(_WRITES[block])}, in that order: update _WRITES and _observe_kernel in envs/core.py")
    return None


if _spec_mismatch(ObservationSpec):
    raise RuntimeError("envs/spec.py and envs/core.py disagree on the observation layout: "
                       f"{_spec_mismatch(ObservationSpec)}")

# Per-step temporaries: which environments play this step, per (environment, unit) sums of hits
# and heals, and the targeting phase's buffers (reused environment after environment).
_Scratch = namedtuple("_Scratch", ["active", "dmg_in", "heal_in", "best_hit", "best_att", "scale", "raw_out",
                                   "d2", "seen", "vis", "keys"])


# attrgetter builds the group in C: a Python loop over the fields cost more than the one-env step itself
_state_args = attrgetter(*_State._fields)
_events_args = attrgetter(*_Events._fields)


def _rules_args(params: CoreParams) -> tuple:
    """The rules group, built once per CoreParams (its arrays are the params' own, so it never goes stale)."""
    cached = params.__dict__.get("_rules_args")
    if cached is None:
        p = params
        cached = (p.hp, p.damage, p.range2, p.range, p.speed, p.cooldown, p.armor, p.vision2, p.vision, p.heal,
                  p.move_cost, p.defence, p.passable, DIRECTIONS, p.min_damage_fraction, p.max_steps,
                  p.at_step_limit)
        params.__dict__["_rules_args"] = cached  # frozen dataclass: a cache, not a field
    return cached


@lru_cache(maxsize=None)
def _codes_args(k: int) -> tuple:
    return (HOLD, MOVE0, ATTACK0, heal0(k), n_actions(k), RUNNING, BLUE_WINS, RED_WINS, DRAW,
            AT_STEP_LIMIT.index("draw"), AT_STEP_LIMIT.index("most_hp_left"), BLUE)


@lru_cache(maxsize=64)
def _layout_args(spec: ObservationSpec) -> tuple:
    """The block offsets, patch radius and scales of ``spec``: the part of the layout known at run time."""
    why = _spec_mismatch(spec)
    if why:
        raise RuntimeError(f"the observation kernel cannot fill this ObservationSpec: {why}")
    stats_offset = spec.stats_offset if spec.version >= 2 else -1
    return (spec.enemy_offset, spec.ally_offset, spec.patch_offset, spec.patch_radius, *spec.scales, stats_offset,
            *(float(STAT_REFS[name[5:]]) for name in _STAT_REFS), float(STAT_CAP))


# ---------------------------------------------------------------------------------------------
# Step phases. A phase runs over every environment still running when the step began
# (``tmp.active``); environments are independent, so phase by phase over the batch gives the
# same result as environment by environment. Why groups go in once per call, and why each phase
# binds the arrays it reads to local names first: numba increfs every array in a tuple handed to
# a function, and reading a field of a group inside a loop can leave an incref/decref pair per
# iteration. Per unit, either costs more than the rule itself (measured: observe 15× slower, step 2×).


_NO_UNIT = np.int64(2**62)


@njit(cache=True)
def _scratch(b_n, n):
    """Per-step temporaries: per environment and unit, plus the targeting phase's per-environment buffers."""
    return _Scratch(np.ones(b_n, dtype=np.bool_), np.zeros((b_n, n)), np.zeros((b_n, n)), np.zeros((b_n, n)),
                    np.full((b_n, n), -1, dtype=np.int32), np.ones((b_n, n)), np.zeros((b_n, n)),
                    np.empty((n, n), dtype=np.int64), np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.int64),
                    np.empty(n, dtype=np.int64))


@njit(cache=True)
def _clear_events(s, ev, tmp):
    """No event yet; remember which environments this step plays (those not over before it)."""
    done, active = s.done, tmp.active
    attack_target, heal_target, killer, damage, heal, killed = (ev.attack_target, ev.heal_target, ev.killer,
                                                                ev.damage, ev.heal, ev.killed)
    for b in range(done.shape[0]):
        active[b] = not done[b]
        for i in range(damage.shape[1]):
            attack_target[b, i] = -1
            heal_target[b, i] = -1
            killer[b, i] = -1
            damage[b, i] = 0.0
            heal[b, i] = 0.0
            killed[b, i] = False


@njit(cache=True)
def _attack_phase(actions, s, r, c, ev, tmp):
    """Rule 1, attacks: a ready unit hits the chosen visible enemy if it is in range.

    Decided on the state at the start of the step: hits are only summed here and land in
    _death_phase, so no attacker's hit depends on another's.
    """
    x, y, alive, cooldown, utype, enemies, terrain = s.x, s.y, s.alive, s.cooldown, s.utype, s.enemies, s.terrain
    damage, armor, range2, defence, reload, min_frac = (r.damage, r.armor, r.range2, r.defence, r.cooldown,
                                                        r.min_damage_fraction)
    dmg_in, raw_out, best_hit, best_att, target = tmp.dmg_in, tmp.raw_out, tmp.best_hit, tmp.best_att, ev.attack_target
    for b in range(x.shape[0]):
        if not tmp.active[b]:
            continue
        for i in range(x.shape[1]):
            a = actions[b, i]
            if not alive[b, i] or a < c.attack0 or a >= c.heal0 or cooldown[b, i] != 0:
                continue
            ut = utype[b, i]
            j = enemies[b, i, a - c.attack0]
            if j < 0 or damage[ut] <= 0.0:
                continue
            dx = x[b, j] - x[b, i]
            dy = y[b, j] - y[b, i]
            if dx * dx + dy * dy > range2[ut]:
                continue
            dmg = damage[ut]
            hit = max(dmg - armor[utype[b, j]], dmg * min_frac)
            hit *= 1.0 - defence[terrain[b, y[b, j], x[b, j]]]
            dmg_in[b, j] += hit
            raw_out[b, i] = hit
            target[b, i] = j
            cooldown[b, i] = reload[ut]
            if hit > best_hit[b, j]:  # the kill goes to the hardest hit, the lowest index on a tie
                best_hit[b, j] = hit
                best_att[b, j] = i


@njit(cache=True)
def _healing_phase(actions, s, r, c, ev, tmp):
    """Rule 1, heals: a ready healer restores hp to the chosen hurt ally in range (lands with the hits)."""
    x, y, hp, alive, cooldown, utype, allies = s.x, s.y, s.hp, s.alive, s.cooldown, s.utype, s.allies
    heal, max_hp, range2, reload = r.heal, r.hp, r.range2, r.cooldown
    heal_in, target, healed = tmp.heal_in, ev.heal_target, ev.heal
    for b in range(x.shape[0]):
        if not tmp.active[b]:
            continue
        for i in range(x.shape[1]):
            a = actions[b, i]
            if not alive[b, i] or a < c.heal0 or a >= c.end or cooldown[b, i] != 0:
                continue
            ut = utype[b, i]
            j = allies[b, i, a - c.heal0]
            if j < 0 or heal[ut] <= 0.0 or hp[b, j] >= max_hp[utype[b, j]]:
                continue
            dx = x[b, j] - x[b, i]
            dy = y[b, j] - y[b, i]
            if dx * dx + dy * dy > range2[ut]:
                continue
            heal_in[b, j] += heal[ut]
            target[b, i] = j
            healed[b, i] = heal[ut]
            cooldown[b, i] = reload[ut]


@njit(cache=True)
def _death_phase(s, r, ev, tmp):
    """Rule 1, resolution: hits and heals land together; a unit left with hp + heals - hits <= 0 dies.

    The dead free their cells and their killers score. ``tmp.scale`` keeps the share of each
    hit on a dying unit that was not overkill, for _credit_phase.
    """
    x, y, hp, alive, utype, occupant, t = s.x, s.y, s.hp, s.alive, s.utype, s.occupant, s.t
    damage_taken, death_step, kills, max_hp = s.damage_taken, s.death_step, s.kills, r.hp
    dmg_in, heal_in, scale, best_att, killed, killer = (tmp.dmg_in, tmp.heal_in, tmp.scale, tmp.best_att,
                                                        ev.killed, ev.killer)
    for b in range(x.shape[0]):
        if not tmp.active[b]:
            continue
        for j in range(x.shape[1]):
            if not alive[b, j] or (dmg_in[b, j] == 0.0 and heal_in[b, j] == 0.0):
                continue
            total = hp[b, j] + heal_in[b, j] - dmg_in[b, j]
            if total <= 0.0:
                scale[b, j] = (hp[b, j] + heal_in[b, j]) / dmg_in[b, j]
                damage_taken[b, j] += hp[b, j] + heal_in[b, j]
                hp[b, j] = 0.0
                alive[b, j] = False
                death_step[b, j] = t[b]
                occupant[b, y[b, j], x[b, j]] = -1
                killed[b, j] = True
                killer[b, j] = best_att[b, j]
                if best_att[b, j] >= 0:
                    kills[b, best_att[b, j]] += 1
            else:
                damage_taken[b, j] += dmg_in[b, j]
                hp[b, j] = min(total, max_hp[utype[b, j]])  # heals are capped at max hp


@njit(cache=True)
def _credit_phase(s, ev, tmp):
    """The event log's totals: damage dealt (without overkill) and healing done, per unit."""
    damage_dealt, healing_done, raw_out, scale = s.damage_dealt, s.healing_done, tmp.raw_out, tmp.scale
    attack_target, damage, heal_target, heal = ev.attack_target, ev.damage, ev.heal_target, ev.heal
    for b in range(damage.shape[0]):
        if not tmp.active[b]:
            continue
        for i in range(damage.shape[1]):
            j = attack_target[b, i]
            if j >= 0:
                dealt = raw_out[b, i] * scale[b, j]
                damage[b, i] = dealt
                damage_dealt[b, i] += dealt
            if heal_target[b, i] >= 0:
                healing_done[b, i] += heal[b, i]


@njit(cache=True)
def _movement_phase(actions, s, r, c, tmp):
    """Rule 2: survivors move one at a time, index order on even steps and reverse order on odd ones.

    A move adds the unit's speed to its move points; the unit enters the cell once it has the
    cell's move cost. A blocked move, or any other action, resets the move points.
    """
    x, y, alive, utype, move_points, t = s.x, s.y, s.alive, s.utype, s.move_points, s.t
    terrain, occupant, map_w, map_h = s.terrain, s.occupant, s.map_w, s.map_h
    dirs, passable, speed, move_cost = r.directions, r.passable, r.speed, r.move_cost
    n = x.shape[1]
    for b in range(x.shape[0]):
        if not tmp.active[b]:
            continue
        for q in range(n):
            i = q if t[b] % 2 == 0 else n - 1 - q
            if not alive[b, i]:
                continue
            a = actions[b, i]
            if a < c.move0 or a >= c.move0 + dirs.shape[0]:
                move_points[b, i] = 0.0
                continue
            nx = x[b, i] + dirs[a - c.move0, 0]
            ny = y[b, i] + dirs[a - c.move0, 1]
            ut = utype[b, i]
            # the cell must be inside the map, passable for the unit's type and free (as in _mask_moves)
            if nx < 0 or ny < 0 or nx >= map_w[b] or ny >= map_h[b]:
                move_points[b, i] = 0.0
                continue
            tile = terrain[b, ny, nx]
            if tile < 0 or not passable[ut, tile] or occupant[b, ny, nx] >= 0:
                move_points[b, i] = 0.0
                continue
            move_points[b, i] += speed[ut]
            cost = move_cost[tile]
            if move_points[b, i] + 1e-9 >= cost:
                move_points[b, i] -= cost
                if move_points[b, i] < 0.0:
                    move_points[b, i] = 0.0
                occupant[b, y[b, i], x[b, i]] = -1
                occupant[b, ny, nx] = i
                x[b, i] = nx
                y[b, i] = ny


@njit(cache=True)
def _clock_phase(s, r, c, tmp):
    """Rule 3: cooldowns tick, the clock advances, the match ends when a team is gone or time is up."""
    hp, alive, cooldown, team, t, winner, done, start_hp = s.hp, s.alive, s.cooldown, s.team, s.t, s.winner, s.done, \
        s.start_hp
    alive_n = np.zeros(2, dtype=np.int64)  # per team: 0 blue, 1 red
    count_n = np.zeros(2, dtype=np.int64)
    hp_left = np.zeros(2, dtype=np.float64)
    for b in range(hp.shape[0]):
        if not tmp.active[b]:
            continue
        for i in range(hp.shape[1]):
            if alive[b, i] and cooldown[b, i] > 0:  # the dead are inert: even their clocks stop
                cooldown[b, i] -= 1
        t[b] += 1
        alive_n[:] = 0
        count_n[:] = 0
        hp_left[:] = 0.0
        for i in range(hp.shape[1]):
            count_n[team[b, i]] += 1
            if alive[b, i]:
                alive_n[team[b, i]] += 1
                hp_left[team[b, i]] += hp[b, i]
        if alive_n[0] == 0 and alive_n[1] == 0:
            winner[b] = c.draw
        elif alive_n[0] == 0:
            winner[b] = c.red_wins
        elif alive_n[1] == 0:
            winner[b] = c.blue_wins
        elif t[b] >= r.max_steps:
            if r.at_step_limit == c.limit_draw:
                winner[b] = c.draw
            else:
                if r.at_step_limit == c.limit_hp:
                    share0 = hp_left[0] / start_hp[b, 0]
                    share1 = hp_left[1] / start_hp[b, 1]
                else:
                    share0 = alive_n[0] / count_n[0]
                    share1 = alive_n[1] / count_n[1]
                winner[b] = c.blue_wins if share0 > share1 else (c.red_wins if share1 > share0 else c.draw)
        if winner[b] != c.running:
            done[b] = True


@njit(cache=True, inline="always")
def _top_k(i, lo, hi, al, d2, keys, out, b, k, seen, need_seen, shift):
    """The k nearest living units j in [lo, hi) of unit i (ties: lower index first) into out[b, i].

    Branch-free: key = d2 * 2**shift + j (2**shift >= n) orders by distance then index, and the
    unit comes back with a mask, not a division; k passes of a min-reduction over a team
    (~16 units) beat an insertion sort's unpredictable branches.
    """
    low = (np.int64(1) << shift) - 1
    for j in range(lo, hi):
        ok = al[j] & (j != i) & (seen[j] | (not need_seen))
        keys[j] = (d2[i, j] << shift) | j if ok else _NO_UNIT
    for q in range(k):
        best = _NO_UNIT
        for j in range(lo, hi):
            best = min(best, keys[j])
        if best == _NO_UNIT:
            out[b, i, q] = -1
        else:
            j = best & low
            out[b, i, q] = j
            keys[j] = _NO_UNIT


@njit(cache=True, inline="always")
def _top_4(i, lo, hi, al, d2, out, b, seen, need_seen, shift):
    """``_top_k`` for k = 4 (DEFAULT_K) in one pass: the four smallest keys stay in registers, each
    key goes in by a branch-free min/max insertion (targeting of a 32-unit environment ~25% faster
    than four min passes). Keys are distinct, so it picks the same units in the same order."""
    low = (np.int64(1) << shift) - 1
    b0 = _NO_UNIT
    b1 = _NO_UNIT
    b2 = _NO_UNIT
    b3 = _NO_UNIT
    for j in range(lo, hi):
        ok = al[j] & (j != i) & (seen[j] | (not need_seen))
        key = (d2[i, j] << shift) | j if ok else _NO_UNIT
        up = max(b0, key)
        b0 = min(b0, key)
        up2 = max(b1, up)
        b1 = min(b1, up)
        up3 = max(b2, up2)
        b2 = min(b2, up2)
        b3 = min(b3, up3)
    out[b, i, 0] = -1 if b0 == _NO_UNIT else b0 & low
    out[b, i, 1] = -1 if b1 == _NO_UNIT else b1 & low
    out[b, i, 2] = -1 if b2 == _NO_UNIT else b2 & low
    out[b, i, 3] = -1 if b3 == _NO_UNIT else b3 & low


@njit(cache=True)
def _targeting_phase(s, r, tmp):
    """The k nearest visible enemies and k nearest allies of every unit: what attack and heal actions point at.

    Ties in distance go to the lower unit index. An enemy is visible if any living unit of the
    other team has it within its vision radius (shared team sight). Unit slots hold blue units
    first, then red (``reset`` lays them out so), which lets each loop run over one team only.
    """
    x, y, alive, team, utype, enemies, allies, vision2 = s.x, s.y, s.alive, s.team, s.utype, s.enemies, s.allies, \
        r.vision2
    d2, seen, vis, keys = tmp.d2, tmp.seen, tmp.vis, tmp.keys
    n = x.shape[1]
    k = enemies.shape[2]
    shift = np.int64(0)  # the smallest power of two >= n: keys pack (distance, unit) as d2 << shift | j
    while (np.int64(1) << shift) < n:
        shift += 1
    for b in range(x.shape[0]):
        if not tmp.active[b]:
            continue
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
            mine, theirs = (0, n_blue), (n_blue, n)
            if i >= n_blue:
                mine, theirs = theirs, mine
            if k == 4:
                _top_4(i, mine[0], mine[1], al, d2, allies, b, seen, False, shift)
                _top_4(i, theirs[0], theirs[1], al, d2, enemies, b, seen, True, shift)
            else:
                _top_k(i, mine[0], mine[1], al, d2, keys, allies, b, k, seen, False, shift)
                _top_k(i, theirs[0], theirs[1], al, d2, keys, enemies, b, k, seen, True, shift)


@njit(cache=True)
def _targeting_kernel(state, rules):
    """Only the targeting phase, for every environment (after ``reset`` or hand edits)."""
    s, r = _State(*state), _Rules(*rules)
    _targeting_phase(s, r, _scratch(s.hp.shape[0], s.hp.shape[1]))


@njit(cache=True)
def _step_phases(actions, s, r, c, ev, tmp):
    """One step of every environment: the phases in the order of the rules (module docstring)."""
    _clear_events(s, ev, tmp)
    _attack_phase(actions, s, r, c, ev, tmp)
    _healing_phase(actions, s, r, c, ev, tmp)
    _death_phase(s, r, ev, tmp)
    _credit_phase(s, ev, tmp)
    _movement_phase(actions, s, r, c, tmp)
    _clock_phase(s, r, c, tmp)
    _targeting_phase(s, r, tmp)


@njit(cache=True)
def _step_kernel(actions, state, rules, codes, events):
    s, r, c, ev = _State(*state), _Rules(*rules), _Codes(*codes), _Events(*events)
    _step_phases(actions, s, r, c, ev, _scratch(s.hp.shape[0], s.hp.shape[1]))


@njit(cache=True)
def _reward_phase(w, c, team, done, winner, ev, was_running, out):
    """Per unit: the weighted sum of what it dealt, took, killed and whether it died, plus the outcome
    for every unit when its match ended this step (``envs.rewards.RewardConfig``; ``w`` its weights).

    Terms are added one at a time, in that order; a term whose weight is 0 (or, for kills and the
    outcome, with no such event in the batch) is skipped. ``unit_rewards`` and ``FusedStep`` both
    run this phase, so every face pays the same rewards to the bit.
    """
    damage, killed, killer, attack_target = ev.damage, ev.killed, ev.killer, ev.attack_target
    b_n, n = damage.shape
    any_killed = False
    any_ended = False
    for b in range(b_n):
        any_ended |= was_running[b] and done[b]
        for i in range(n):
            out[b, i] = w.damage * damage[b, i]
            any_killed |= killed[b, i]
    if w.damage_taken != 0.0:
        taken = np.zeros(n)
        for b in range(b_n):
            taken[:] = 0.0
            for i in range(n):  # summed in unit order: the order of the events
                if attack_target[b, i] >= 0:
                    taken[attack_target[b, i]] += damage[b, i]
            for j in range(n):
                out[b, j] += w.damage_taken * taken[j]
    if w.kill != 0.0 and any_killed:
        kills = np.zeros(n)
        for b in range(b_n):
            kills[:] = 0.0
            for i in range(n):
                if killed[b, i] and killer[b, i] >= 0:
                    kills[killer[b, i]] += 1.0
            for j in range(n):
                out[b, j] += w.kill * kills[j]
    if w.death != 0.0:
        for b in range(b_n):
            for i in range(n):
                out[b, i] += w.death * (1.0 if killed[b, i] else 0.0)
    if any_ended:
        for b in range(b_n):
            ended = was_running[b] and done[b]
            for i in range(n):
                mine, theirs = (c.blue_wins, c.red_wins) if team[b, i] == c.blue else (c.red_wins, c.blue_wins)
                if not ended:
                    outcome = 0.0
                elif winner[b] == mine:
                    outcome = w.win
                elif winner[b] == theirs:
                    outcome = w.loss
                elif winner[b] == c.draw:
                    outcome = w.draw
                else:
                    outcome = 0.0
                out[b, i] += outcome


@njit(cache=True)
def _rewards_kernel(weights, codes, team, done, winner, events, was_running, out):
    _reward_phase(_Weights(*weights), _Codes(*codes), team, done, winner, _Events(*events), was_running, out)


@njit(cache=True)
def _clip(obs, bound):
    """Clip in place to [-bound, bound] (NaN stays NaN, as with np.clip)."""
    flat = obs.reshape(-1)
    hi = obs.dtype.type(bound)  # in the array's own precision: the comparisons stay float32 and vectorize
    lo = -hi
    for f in range(flat.shape[0]):
        v = flat[f]
        v = hi if v > hi else v  # selects, not branches (SIMD); NaN fails both and stays
        flat[f] = lo if v < lo else v


@njit(cache=True)
def _step_observe_kernel(actions, state, rules, codes, events, layout, obs, mask, bound, weights, rewards):
    """One step, then its rewards and the new observations (clipped to ``bound``): a face's whole step in one call."""
    s, r, c, ev, L, w = _State(*state), _Rules(*rules), _Codes(*codes), _Events(*events), _ObsLayout(*layout), \
        _Weights(*weights)
    tmp = _scratch(s.hp.shape[0], s.hp.shape[1])
    _step_phases(actions, s, r, c, ev, tmp)
    _reward_phase(w, c, s.team, s.done, s.winner, ev, tmp.active, rewards)  # tmp.active: who played this step
    _observe_phase(s, r, c, L, obs, mask)
    _clip(obs, bound)


# ---------------------------------------------------------------------------------------------
# Observation kernel: one pass over the units, each unit's vector written block by block
# (ObservationSpec) while its row is in cache. One loop, not a function per block: a second
# pass over the batch's observations costs more than the block itself.


@njit(cache=True)
def _observe_kernel(state, rules, codes, layout, obs, mask):
    _observe_phase(_State(*state), _Rules(*rules), _Codes(*codes), _ObsLayout(*layout), obs, mask)


@njit(cache=True, inline="always")
def _stat(v, ref, cap):
    """A unit stat on the layout-2 scale: log2(1 + v / ref), clipped to [0, cap] (see envs.spec.STAT_REFS)."""
    f = np.log2(1.0 + max(v, 0.0) / ref)
    return cap if f > cap else f


@njit(cache=True, inline="always")
def _stats_slot(obs, b, i, o, ut, tile_defence, max_hp, damage, reach, speed, cooldown_of, armor, heal, L):
    """Layout 2: one observed unit's type stats and its tile's defence, at ``o`` in unit i's vector."""
    cap = L.stat_cap
    obs[b, i, o + _AT.stats_hp] = _stat(max_hp[ut], L.stat_hp, cap)
    obs[b, i, o + _AT.stats_damage] = _stat(damage[ut], L.stat_damage, cap)
    obs[b, i, o + _AT.stats_range] = _stat(reach[ut], L.stat_range, cap)
    obs[b, i, o + _AT.stats_speed] = _stat(speed[ut], L.stat_speed, cap)
    obs[b, i, o + _AT.stats_cooldown] = _stat(cooldown_of[ut], L.stat_cooldown, cap)
    obs[b, i, o + _AT.stats_armor] = _stat(armor[ut], L.stat_armor, cap)
    obs[b, i, o + _AT.stats_heal] = _stat(heal[ut], L.stat_heal, cap)
    obs[b, i, o + _AT.stats_defence] = min(max(tile_defence, 0.0), 1.0)


@njit(cache=True)
def _observe_phase(s, r, c, L, obs, mask):
    x, y, hp, alive, cooldown, utype, done = s.x, s.y, s.hp, s.alive, s.cooldown, s.utype, s.done
    enemies, allies, terrain, occupant, map_w, map_h = s.enemies, s.allies, s.terrain, s.occupant, s.map_w, s.map_h
    max_hp, damage, reach, range2, speed, armor, vision, heal = (r.hp, r.damage, r.range, r.range2, r.speed, r.armor,
                                                                 r.vision, r.heal)
    defence, passable, dirs, cooldown_of = r.defence, r.passable, r.directions, r.cooldown
    pos_s = L.pos_scale
    so = L.stats_offset  # -1: layout 1, no stats section
    n_k = enemies.shape[2]
    side = 2 * L.patch_radius + 1
    for b in range(x.shape[0]):
        for i in range(x.shape[1]):
            for f in range(obs.shape[2]):
                obs[b, i, f] = 0.0
            for f in range(mask.shape[2]):
                mask[b, i, f] = 0
            mask[b, i, c.hold] = 1  # the dead and the finished see zeros and may only hold
            if not alive[b, i] or done[b]:
                continue
            ut = utype[b, i]
            xi = x[b, i]
            yi = y[b, i]
            ready = cooldown[b, i] == 0
            # own block: my type's stats (scaled), readiness, my tile's defence, the way to the centre, my type
            obs[b, i, _AT.own_hp] = hp[b, i] / max_hp[ut]
            obs[b, i, _AT.own_max_hp] = max_hp[ut] / L.hp_scale
            obs[b, i, _AT.own_damage] = damage[ut] / L.damage_scale
            obs[b, i, _AT.own_range] = reach[ut] / pos_s
            obs[b, i, _AT.own_speed] = speed[ut]
            obs[b, i, _AT.own_ready] = 1.0 if ready else 0.0
            obs[b, i, _AT.own_cooldown] = cooldown[b, i] / L.cooldown_scale
            obs[b, i, _AT.own_armor] = armor[ut] / L.armor_scale
            obs[b, i, _AT.own_vision] = vision[ut] / pos_s
            obs[b, i, _AT.own_heal] = heal[ut] / L.heal_scale
            obs[b, i, _AT.own_defence] = defence[terrain[b, yi, xi]]
            obs[b, i, _AT.own_center_dx] = ((map_w[b] - 1) / 2.0 - xi) / pos_s
            obs[b, i, _AT.own_center_dy] = ((map_h[b] - 1) / 2.0 - yi) / pos_s
            obs[b, i, _AT.own_type + ut] = 1.0
            if so >= 0:
                _stats_slot(obs, b, i, so, ut, defence[terrain[b, yi, xi]], max_hp, damage, reach, speed, cooldown_of,
                            armor, heal, L)
            # enemy slots, nearest visible first; attacking slot q is allowed if I am ready, armed and in range
            for q in range(enemies.shape[2]):
                j = enemies[b, i, q]
                if j < 0:
                    continue
                dx = x[b, j] - xi
                dy = y[b, j] - yi
                d2 = dx * dx + dy * dy
                uj = utype[b, j]
                in_mine = d2 <= range2[ut]
                o = L.enemy_offset + _AT.enemy_stride * q
                obs[b, i, o + _AT.enemy_present] = 1.0
                obs[b, i, o + _AT.enemy_dx] = dx / pos_s
                obs[b, i, o + _AT.enemy_dy] = dy / pos_s
                obs[b, i, o + _AT.enemy_dist] = np.sqrt(d2) / pos_s
                obs[b, i, o + _AT.enemy_hp] = hp[b, j] / max_hp[uj]
                obs[b, i, o + _AT.enemy_in_my_range] = 1.0 if in_mine else 0.0
                obs[b, i, o + _AT.enemy_in_its_range] = 1.0 if d2 <= range2[uj] else 0.0
                obs[b, i, o + _AT.enemy_damage] = damage[uj] / L.damage_scale
                if so >= 0:
                    _stats_slot(obs, b, i, so + _AT.stats_stride * (1 + q), uj, defence[terrain[b, y[b, j], x[b, j]]],
                                max_hp, damage, reach, speed, cooldown_of, armor, heal, L)
                if ready and in_mine and damage[ut] > 0.0:
                    mask[b, i, c.attack0 + q] = 1
            # ally slots, nearest first; healing slot q is allowed if I am a ready healer and it is hurt and in range
            for q in range(allies.shape[2]):
                j = allies[b, i, q]
                if j < 0:
                    continue
                dx = x[b, j] - xi
                dy = y[b, j] - yi
                d2 = dx * dx + dy * dy
                uj = utype[b, j]
                o = L.ally_offset + _AT.ally_stride * q
                obs[b, i, o + _AT.ally_present] = 1.0
                obs[b, i, o + _AT.ally_dx] = dx / pos_s
                obs[b, i, o + _AT.ally_dy] = dy / pos_s
                obs[b, i, o + _AT.ally_dist] = np.sqrt(d2) / pos_s
                obs[b, i, o + _AT.ally_hp] = hp[b, j] / max_hp[uj]
                obs[b, i, o + _AT.ally_is_healer] = 1.0 if heal[uj] > 0.0 else 0.0
                if so >= 0:
                    _stats_slot(obs, b, i, so + _AT.stats_stride * (1 + n_k + q), uj,
                                defence[terrain[b, y[b, j], x[b, j]]], max_hp, damage, reach, speed, cooldown_of,
                                armor, heal, L)
                if ready and heal[ut] > 0.0 and d2 <= range2[ut] and hp[b, j] < max_hp[uj]:
                    mask[b, i, c.heal0 + q] = 1
            # moves: the next cell that way is inside the map, passable for my type and free (as in _movement_phase)
            for d in range(dirs.shape[0]):
                nx = xi + dirs[d, 0]
                ny = yi + dirs[d, 1]
                if nx >= 0 and ny >= 0 and nx < map_w[b] and ny < map_h[b]:
                    tile = terrain[b, ny, nx]
                    if tile >= 0 and passable[ut, tile] and occupant[b, ny, nx] < 0:
                        mask[b, i, c.move0 + d] = 1
            # terrain patch, row by row: passable for my type, occupied, defence (zeros off the map)
            for py in range(side):
                for px in range(side):
                    cx = xi + px - L.patch_radius
                    cy = yi + py - L.patch_radius
                    if cx < 0 or cy < 0 or cx >= map_w[b] or cy >= map_h[b]:
                        continue
                    tile = terrain[b, cy, cx]
                    if tile < 0:
                        continue
                    o = L.patch_offset + _AT.patch_stride * (py * side + px)
                    obs[b, i, o + _AT.patch_passable] = 1.0 if passable[ut, tile] else 0.0
                    obs[b, i, o + _AT.patch_occupied] = 1.0 if occupant[b, cy, cx] >= 0 else 0.0
                    obs[b, i, o + _AT.patch_defence] = defence[tile]

# ---------------------------------------------------------------------------------------------
# Observation layout (shared by the faces and the bots)


def observation_spec(params: CoreParams, patch_radius: int = PATCH_RADIUS, version: int = 1) -> ObservationSpec:
    """The observation layout for ``params``; ``version`` 2 adds every observed unit's stats (envs.spec)."""
    scales = (float(params.hp.max()), max(float(params.damage.max()), 1.0), 10.0,
              float(params.cooldown.max()), max(float(params.armor.max()), 1.0), max(float(params.heal.max()), 1.0))
    return ObservationSpec(k=params.k, n_types=params.n_types, patch_radius=patch_radius, scales=scales,
                           version=int(version))


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
    if terrain is None:
        return [(_builtin_arena(params), None)] * len(seeds)
    if callable(terrain):
        return [_map_and_spawns(terrain(int(s)), params.defined_tiles, f"terrain({int(s)})") for s in seeds]
    return [_map_and_spawns(terrain, params.defined_tiles, "terrain")] * len(seeds)


def _builtin_arena(params: CoreParams) -> np.ndarray:
    """The ruleset's built-in arena, checked once per CoreParams (read-only: every reset shares it)."""
    grid = params.__dict__.get("_arena")
    if grid is None:
        m = params.ruleset.match
        grid = check_map(builtin_arena(m.arena_width, m.arena_height), params.defined_tiles, "built-in arena")
        grid.setflags(write=False)
        params.__dict__["_arena"] = grid  # frozen dataclass: a cache, not a field
    return grid


def _roster(params: CoreParams, blue: Mapping[str, int], red: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """``unit_roster``, remembered per CoreParams for the compositions it has checked (a face resets often)."""
    cache = params.__dict__.setdefault("_rosters", {})
    key = None
    try:  # with the types: 3.0 equals 3 but is not a valid count
        key = tuple((side, name, type(v), v) for side, comp in (("blue", blue), ("red", red))
                    for name, v in comp.items())
        return cache[key]
    except (TypeError, AttributeError, KeyError):  # unhashable or odd input: check it the long way
        pass
    team, utype = unit_roster(params.ruleset, blue, red)
    team.setflags(write=False)
    utype.setflags(write=False)
    if key is not None and len(cache) < 64:
        try:
            cache[key] = team, utype
        except TypeError:
            pass
    return team, utype


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


def _cells(cols: np.ndarray, h: int) -> np.ndarray:
    """(len(cols) * h, 2) int32 cells (x, y): column by column, rows top to bottom within a column."""
    return np.column_stack([np.repeat(cols, h), np.tile(np.arange(h), len(cols))]).astype(np.int32)


@njit(cache=True)
def _place_team(cells, slots, utype, grid, passable, occ, x, y):
    """Each unit slot in turn on the first of ``cells`` that is free and passable for its type.

    Returns the first slot left without a cell, or -1 when all stand.
    """
    for i in slots:
        placed = False
        for c in range(cells.shape[0]):
            cx, cy = cells[c, 0], cells[c, 1]
            if occ[cy, cx] < 0 and passable[utype[i], grid[cy, cx]]:
                x[i], y[i], occ[cy, cx] = cx, cy, i
                placed = True
                break
        if not placed:
            return i
    return -1


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
    team, utype = _roster(params, blue, red)
    b_n, n = len(seeds), len(team)
    h_max = max(g.shape[0] for g in grids)
    w_max = max(g.shape[1] for g in grids)
    terr = np.full((b_n, h_max, w_max), -1, dtype=np.int16)
    occ = np.full((b_n, h_max, w_max), -1, dtype=np.int32)
    x = np.zeros((b_n, n), dtype=np.int32)
    y = np.zeros((b_n, n), dtype=np.int32)
    map_h = np.array([g.shape[0] for g in grids], dtype=np.int32)
    map_w = np.array([g.shape[1] for g in grids], dtype=np.int32)
    team_slots = (np.flatnonzero(team == BLUE), np.flatnonzero(team == RED))
    for b, (seed, (grid, spawns)) in enumerate(zip(seeds, maps)):
        h, w = grid.shape
        terr[b, :h, :w] = grid
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        zone = max(2, w // 4)
        for ti in (BLUE, RED):
            if spawns is None:  # the team's map edge: the left or right quarter, in random order
                cells = _cells(np.arange(0, zone) if ti == BLUE else np.arange(w - zone, w), h)
                cells = cells[rng.permutation(len(cells))]
            else:  # around the map's spawn point: nearest cells first, ties in random order
                cells = _cells(np.arange(w), h)
                cells = cells[rng.permutation(len(cells))]
                sx, sy = spawns[ti]
                d2 = (cells[:, 0] - sx) ** 2 + (cells[:, 1] - sy) ** 2
                cells = cells[np.argsort(d2, kind="stable")]
            stuck = _place_team(cells, team_slots[ti], utype, grid, params.passable, occ[b], x[b], y[b])
            if stuck >= 0:
                where = (f"the {'left' if ti == BLUE else 'right'} {zone} columns" if spawns is None
                         else f"around its spawn point ({spawns[ti][0]}, {spawns[ti][1]})")
                raise MapError(f"map for seed {seed}: no free cell left for a "
                               f"{params.ruleset.unit_names[utype[stuck]]} of the {TEAMS[ti]} team ({where}); "
                               "use a map with more open ground there or a smaller team")
    hp = np.tile(params.hp[utype], (b_n, 1))
    k = params.k
    state = SkirmishState(
        x=x, y=y, hp=hp, team=np.tile(team, (b_n, 1)), utype=np.tile(utype, (b_n, 1)),
        cooldown=np.zeros((b_n, n), dtype=np.int32), move_points=np.zeros((b_n, n)),
        alive=np.ones((b_n, n), dtype=np.bool_), terrain=terr, occupant=occ, map_w=map_w, map_h=map_h,
        t=np.zeros(b_n, dtype=np.int32), done=np.zeros(b_n, dtype=np.bool_),
        winner=np.full(b_n, RUNNING, dtype=np.int8),
        start_hp=np.repeat(np.stack([hp[:1, team_slots[BLUE]].sum(1), hp[:1, team_slots[RED]].sum(1)], axis=1), b_n, 0),
        enemies=np.full((b_n, n, k), -1, dtype=np.int32), allies=np.full((b_n, n, k), -1, dtype=np.int32),
        damage_dealt=np.zeros((b_n, n)), damage_taken=np.zeros((b_n, n)), healing_done=np.zeros((b_n, n)),
        kills=np.zeros((b_n, n), dtype=np.int32), death_step=np.full((b_n, n), -1, dtype=np.int32),
    )
    _targeting_kernel(_state_args(state), _rules_args(params))
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
    _step_kernel(acts, _state_args(state), _rules_args(params), _codes_args(params.k),
                 _events_args(ev))
    ev.done = state.done.copy()
    ev.winner = state.winner.copy()
    return ev


def new_events(n_envs: int, n_units: int) -> StepEvents:
    """Event arrays for a kernel to fill step after step (``done`` and ``winner`` are set by whoever fills them)."""
    return StepEvents(
        attack_target=np.empty((n_envs, n_units), dtype=np.int32), damage=np.empty((n_envs, n_units)),
        heal_target=np.empty((n_envs, n_units), dtype=np.int32), heal=np.empty((n_envs, n_units)),
        killed=np.empty((n_envs, n_units), dtype=np.bool_), killer=np.empty((n_envs, n_units), dtype=np.int32),
        done=np.empty(0, dtype=np.bool_), winner=np.empty(0, dtype=np.int8),
    )


def reward_weights(weights: Mapping[str, float] | Any) -> tuple[float, ...]:
    """The weights ``FusedStep`` and ``unit_rewards`` take, by name (``REWARD_WEIGHTS``),
    from a mapping or an object with those attributes (``envs.rewards.RewardConfig``)."""
    get = weights.__getitem__ if isinstance(weights, Mapping) else lambda name: getattr(weights, name)
    return tuple(float(get(name)) for name in REWARD_WEIGHTS)


def unit_rewards(weights: Sequence[float], ev: StepEvents, team: np.ndarray, was_running: np.ndarray) -> np.ndarray:
    """(B, N) rewards of one step's events: per unit, ``damage`` × damage dealt + ``damage_taken`` ×
    damage received + ``kill`` × kills + ``death`` × (1 if it died), and at the end of a match that
    was running, ``win``, ``loss`` or ``draw`` for every unit of the team (``weights`` in
    ``REWARD_WEIGHTS`` order, see ``reward_weights``; ``team`` the (N,) or (B, N) team codes)."""
    b_n, n = ev.damage.shape
    out = np.empty((b_n, n))
    _rewards_kernel(weights, _codes_args(DEFAULT_K),  # only winner and team codes are read
                    np.broadcast_to(team, (b_n, n)), np.asarray(ev.done, dtype=np.bool_),
                    np.asarray(ev.winner, dtype=np.int8), _events_args(ev),
                    np.broadcast_to(np.asarray(was_running, dtype=np.bool_), (b_n,)), out)
    return out


@structref.register
class _FusedArgsType(types.StructRef):
    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(t)) for name, t in fields)


class _FusedArgs(structref.StructRefProxy):
    """Every argument of ``_step_observe_kernel`` but the step's two new output arrays, boxed once.

    Why: handing numba a tuple costs ~0.1 µs per array in it on every call (typing and unboxing),
    ~45 arrays for this kernel; a boxed struct crosses as one pointer. It is built by numba's typed
    constructor, so its field types are checked once, when it is made.
    """


structref.define_proxy(_FusedArgs, _FusedArgsType, ["actions", "state", "rules", "codes", "events", "layout",
                                                     "bound", "weights", "rewards"])


@njit(cache=True)
def _new_fused_args(actions, state, rules, codes, events, layout, bound, weights, rewards):
    """``_FusedArgs(...)`` through a cached function: the proxy's own constructor compiles anew in every process."""
    return _FusedArgs(actions, state, rules, codes, events, layout, bound, weights, rewards)


@njit(cache=True)
def _fused_kernel(args, obs, mask):
    _step_observe_kernel(args.actions, args.state, args.rules, args.codes, args.events, args.layout, obs, mask,
                         args.bound, args.weights, args.rewards)


class FusedStep:
    """``step_inplace``, the step's ``unit_rewards`` and ``observe`` (clipped to ±``bound``) in one kernel call.

    For a face that steps one small batch many times: handing the groups of arrays to numba costs
    about as much as stepping 32 units, so one call instead of three, with every argument boxed
    once (``_FusedArgs``; again only when the state's arrays change, e.g. after a reset). Fill
    ``actions`` (B, N) in place and call it with the state; it returns this step's observations and
    masks in new arrays (never overwritten later) and leaves the step's events in ``events`` and
    rewards in ``rewards``, both refilled in place by the next call.
    """

    def __init__(self, params: CoreParams, spec: ObservationSpec, n_envs: int, n_units: int,
                 weights: Sequence[float], bound: float = np.inf):
        self._actions = np.zeros((n_envs, n_units), dtype=np.int64)
        self._events = new_events(n_envs, n_units)
        self._rewards = np.zeros((n_envs, n_units))
        self._shape = (n_envs, n_units)
        self._obs_shape, self._mask_shape = (n_envs, n_units, spec.size), (n_envs, n_units, spec.n_actions)
        self._groups = (_rules_args(params), _codes_args(params.k), _events_args(self._events), _layout_args(spec))
        self._weights, self._bound = tuple(float(w) for w in weights), float(bound)
        self._state_arrays: tuple = ()  # the state arrays the boxed arguments hold (compared by identity)
        self._args: _FusedArgs | None = None

    # read-only: the boxed arguments hold these very arrays, so they are filled in place, never rebound
    actions = property(lambda self: self._actions, doc="(B, N) int64 actions for the next call, filled in place")
    events = property(lambda self: self._events, doc="the last call's StepEvents (refilled by the next call)")
    rewards = property(lambda self: self._rewards, doc="(B, N) the last call's rewards (refilled by the next call)")

    def __call__(self, state: SkirmishState) -> tuple[np.ndarray, np.ndarray]:
        arrays = _state_args(state)
        if len(arrays) != len(self._state_arrays) or not all(map(is_, arrays, self._state_arrays)):
            self._box(state, arrays)  # a new state, or an array of it replaced: box the arguments again
        obs, mask = np.empty(self._obs_shape, np.float32), np.empty(self._mask_shape, np.int8)
        _fused_kernel(self._args, obs, mask)
        return obs, mask

    def _box(self, state: SkirmishState, arrays: tuple) -> None:
        if state.hp.shape != self._shape:
            raise ValueError(f"this FusedStep steps {self._shape[0]} envs × {self._shape[1]} units, "
                             f"the state has {state.hp.shape}")
        rules, codes, events, layout = self._groups
        self._args = _new_fused_args(self._actions, arrays, rules, codes, events, layout, self._bound, self._weights,
                                self._rewards)
        self._state_arrays = arrays
        self._events.done, self._events.winner = state.done, state.winner


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
    _observe_kernel(_state_args(state), _rules_args(params), _codes_args(params.k), _layout_args(spec), obs, mask)
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
    _targeting_kernel(_state_args(state), _rules_args(params))
    return state


def select(state: SkirmishState, envs: np.ndarray | Sequence[int]) -> SkirmishState:
    """The sub-batch of the given environments (a copy)."""
    idx = np.asarray(envs)
    return replace(state, **{f.name: getattr(state, f.name)[idx].copy() for f in fields(state)})
