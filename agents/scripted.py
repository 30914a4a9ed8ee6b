"""Scripted bots: distinct strategies, vectorized over the whole batch with numpy.

Each strategy reads only the egocentric observation and action mask of its units (the same
inputs a learned bot gets), so scripted and learned bots are interchangeable. Skill tiers
(reaction delay, decision noise, APM cap) wrap any strategy: see ``agents.tiers``.

Strategies (``BOTS``):

- ``focus_fire``  attack the weakest enemy in range (nearest on ties); otherwise close in on the
  nearest visible enemy; with none in sight, head for the map centre.
- ``kite``        ranged units shoot when ready and step back out of the enemy's reach while
  reloading, keeping their range advantage; melee units fight as in focus_fire.
- ``retreat``     retreat-and-protect: units below 35% hp fall back towards their allies, away from
  the enemy; healthy units move to cover a badly hurt ally and strike the weakest attacker.
- ``random``      a uniformly random valid action (a baseline, and a smoke test for masks).

Healers in every strategy heal the most hurt ally in range first, and otherwise stay near allies.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from agents.policy import env_generators, move_along, random_valid
from envs.spec import ATTACK0, ObservationSpec

LOW_HP = 0.35
RANGED = 2.5  # cells: units reaching further than this kite


class _Features:
    """Named views of a team's observation batch (all (B, U) or (B, U, K))."""

    def __init__(self, spec: ObservationSpec, obs: np.ndarray, mask: np.ndarray):
        k, ps = spec.k, spec.pos_scale
        self.k = k
        self.alive = obs[..., spec.OWN_HP] > 0
        self.hp = obs[..., spec.OWN_HP]
        self.range = obs[..., spec.OWN_RANGE] * ps
        self.is_healer = obs[..., spec.OWN_HEAL] > 0
        self.ready = obs[..., spec.OWN_READY] > 0
        self.center = np.stack([obs[..., spec.OWN_CENTER_DX], obs[..., spec.OWN_CENTER_DY]], -1)
        e = spec.enemies(obs)
        a = spec.allies(obs)
        self.e_present, self.e_vec, self.e_dist, self.e_hp = e[..., 0] > 0, e[..., 1:3], e[..., 3] * ps, e[..., 4]
        self.e_threat = e[..., 6] > 0  # I am inside this enemy's range
        self.a_present, self.a_vec, self.a_dist, self.a_hp = a[..., 0] > 0, a[..., 1:3], a[..., 3] * ps, a[..., 4]
        self.can_attack = mask[..., ATTACK0:ATTACK0 + k] > 0
        self.can_heal = mask[..., ATTACK0 + k:ATTACK0 + 2 * k] > 0
        self.mask = mask

    # --- building blocks, each (B, U) -----------------------------------------------------
    def attack_weakest(self) -> tuple[np.ndarray, np.ndarray]:
        """(has_target, action): weakest attackable enemy; slots are nearest-first, so ties go to the nearest."""
        score = np.where(self.can_attack, self.e_hp, np.inf)
        return self.can_attack.any(-1), ATTACK0 + score.argmin(-1)

    def heal_most_hurt(self, below: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        ok = self.can_heal & (self.a_hp < below)
        score = np.where(ok, self.a_hp, np.inf)
        return ok.any(-1), ATTACK0 + self.k + score.argmin(-1)

    def nearest_enemy_or_centre(self) -> np.ndarray:
        return np.where(self.e_present[..., :1], self.e_vec[..., 0, :], self.center)


# A strategy returns a Plan: (action, vector). Where action == MOVE the unit steps along vector;
# resolving every move in one pass at the end keeps the bots cheap on big batches.
MOVE = -1
Plan = tuple[np.ndarray, np.ndarray]
_STILL = np.zeros(2)


def do(action) -> Plan:
    return np.asarray(action), _STILL


def go(vec: np.ndarray) -> Plan:
    return np.full(vec.shape[:-1], MOVE), vec


def pick(cond: np.ndarray, a: Plan, b: Plan) -> Plan:
    return np.where(cond, a[0], b[0]), np.where(cond[..., None], a[1], b[1])


def advance(f: _Features) -> Plan:
    """Towards the nearest visible enemy, else towards the map centre (where fights happen)."""
    return go(f.nearest_enemy_or_centre())


def away_from_nearest_enemy(f: _Features) -> Plan:
    return go(-f.e_vec[..., 0, :])


def healer(f: _Features) -> Plan:
    """Heal the most hurt ally in reach; else step back from threats, go to the most hurt ally in
    view, or keep close behind the nearest one (chipping in with an attack when safe)."""
    has_heal, heal = f.heal_most_hurt()
    has_att, att = f.attack_weakest()
    hurt = f.a_present & (f.a_hp < 0.95)
    slot = np.where(hurt, f.a_hp, np.inf).argmin(-1)
    to_hurt = np.take_along_axis(f.a_vec, slot[..., None, None], -2)[..., 0, :]
    far_from_ally = f.a_present[..., 0] & (f.a_dist[..., 0] > 2.0)
    threatened = f.e_present[..., 0] & f.e_threat[..., 0]
    idle = pick(has_att, do(att), pick(f.a_present[..., 0], do(0), advance(f)))
    return pick(has_heal, do(heal), pick(threatened, away_from_nearest_enemy(f), pick(
        hurt.any(-1), go(to_hurt), pick(far_from_ally, go(f.a_vec[..., 0, :]), idle))))


def focus_fire(f: _Features) -> Plan:
    has_att, att = f.attack_weakest()
    return pick(f.is_healer, healer(f), pick(has_att, do(att), advance(f)))


def kite(f: _Features) -> Plan:
    has_att, att = f.attack_weakest()
    melee = pick(has_att, do(att), advance(f))
    near = f.e_present[..., 0]
    too_close = near & (f.e_threat[..., 0] | (f.e_dist[..., 0] < 0.6 * f.range))
    out_of_range = near & (f.e_dist[..., 0] > f.range)
    ranged = pick(has_att & f.ready, do(att),
                  pick(too_close, away_from_nearest_enemy(f), pick(out_of_range | ~near, advance(f), do(0))))
    return pick(f.is_healer, healer(f), pick(f.range > RANGED, ranged, melee))


def retreat(f: _Features) -> Plan:
    has_att, att = f.attack_weakest()
    near = f.e_present[..., 0]
    # fall back: away from the nearest enemy, pulled towards the nearest ally
    away = -f.e_vec[..., 0, :] / np.maximum(np.hypot(f.e_vec[..., 0, 0], f.e_vec[..., 0, 1])[..., None], 1e-6)
    to_ally = np.where(f.a_present[..., :1], f.a_vec[..., 0, :], 0.0)
    fall_back = go(away + 0.5 * to_ally)
    low = f.alive & (f.hp < LOW_HP) & near & (f.e_threat[..., 0] | (f.e_dist[..., 0] < 3.0))
    # protect: go to the most hurt visible ally below half hp
    hurt = f.a_present & (f.a_hp < 0.5)
    slot = np.where(hurt, f.a_hp, np.inf).argmin(-1)
    hurt_vec = np.take_along_axis(f.a_vec, slot[..., None, None], -2)[..., 0, :]
    far = np.take_along_axis(f.a_dist, slot[..., None], -1)[..., 0] > 1.5
    protect = pick(hurt.any(-1) & far, go(hurt_vec), advance(f))
    fighter = pick(low, fall_back, pick(has_att, do(att), protect))
    return pick(f.is_healer, pick(low, fall_back, healer(f)), fighter)


Strategy = Callable[[_Features], Plan]


class ScriptedPolicy:
    """A deterministic strategy as a ``Policy``; the skill tier is applied by ``agents.tiers``.

    Steering is greedy (towards the goal, around single blocked cells). A unit that makes no
    progress towards its goal for ``STUCK_STEPS`` steps (a lake or ridge in the way) follows the
    obstacle sideways for ``DETOUR_STEPS`` steps, alternating sides on each new attempt: a simple
    bug-style wall follower, kept per environment so results stay batch-independent.
    """

    STUCK_STEPS = 4
    DETOUR_STEPS = 12

    def __init__(self, name: str, strategy: Strategy):
        self.name = name
        self.strategy = strategy
        self.spec: ObservationSpec | None = None

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        self.spec = spec
        self._nav = None  # (best distance, steps without progress, detour steps left, side), made on first act

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.spec is None:
            raise RuntimeError(f"{self.name}: call reset(spec, team, seeds) before act()")
        action, vec = self.strategy(_Features(self.spec, obs, mask))
        shape = mask.shape[:-1]
        action = np.broadcast_to(action, shape)
        vec = np.broadcast_to(vec, shape + (2,))
        act = np.where(action == MOVE, move_along(self._steer(action == MOVE, vec), mask), action)
        # a last guard: whatever the rules above picked must be allowed, or the unit holds
        ok = np.take_along_axis(mask, act[..., None], -1)[..., 0] > 0
        return np.where(ok, act, 0).astype(np.int64)

    def _steer(self, moving: np.ndarray, vec: np.ndarray) -> np.ndarray:
        """The goal vector, or a sideways one for units on a detour around an obstacle."""
        if self._nav is None:
            side = np.where(np.arange(moving.shape[1]) % 2 == 0, 1.0, -1.0)
            self._nav = (np.full(moving.shape, np.inf), np.zeros(moving.shape, np.int64),
                         np.zeros(moving.shape, np.int64), np.broadcast_to(side, moving.shape).copy())
        best, since, detour, side = self._nav
        dist = np.hypot(vec[..., 0], vec[..., 1])
        pursuing = moving & (dist > 0.1)  # more than a cell from the goal (obs distances are cells / 10)
        improved = dist < best - 0.05
        best[:] = np.where(pursuing & improved, dist, np.where(pursuing, best, np.inf))
        since[:] = np.where(pursuing & ~improved, since + 1, 0)
        start = pursuing & (since >= self.STUCK_STEPS) & (detour == 0)
        side[:] = np.where(start, -side, side)
        detour[:] = np.where(start, self.DETOUR_STEPS, detour)
        best[:] = np.where(start, np.inf, best)
        on_detour = pursuing & (detour > 0)
        unit = vec / np.maximum(dist, 1e-9)[..., None]
        sideways = np.stack([-side * unit[..., 1], side * unit[..., 0]], -1) + 0.25 * unit
        detour[:] = np.where(pursuing, np.maximum(detour - 1, 0), 0)
        return np.where(on_detour[..., None], sideways, vec)


class RandomPolicy:
    """Uniformly random valid actions, each environment from its own seeded stream."""

    name = "random"

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.rngs: list[np.random.Generator] = []

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        self.rngs = env_generators(seeds, team, self.seed)

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return random_valid(mask, self.rngs).astype(np.int64)


#: name -> strategy. Add a bot by adding a function of the features here.
STRATEGIES: dict[str, Strategy] = {"focus_fire": focus_fire, "kite": kite, "retreat": retreat}
#: the bot registry: name -> what it does (``make_policy(name, tier)`` builds one).
BOTS: dict[str, str] = {
    "focus_fire": "attack the weakest enemy in range, else close in on the nearest",
    "kite": "ranged units shoot, then step back out of reach while reloading",
    "retreat": "hurt units fall back to allies; healthy ones cover the most hurt ally",
    "random": "uniformly random valid actions (baseline)",
}


def base_policy(name: str, seed: int = 0):
    if name == "random":
        return RandomPolicy(seed)
    if name not in STRATEGIES:
        raise ValueError(f"unknown bot {name!r}; available bots: {', '.join(BOTS)}")
    return ScriptedPolicy(name, STRATEGIES[name])
