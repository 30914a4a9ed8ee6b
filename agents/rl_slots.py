"""Parameter sharing for stable-baselines3: a ``VecEnv`` whose slots are the learner's units.

SB3 sees ``n_slots`` independent single-agent environments. Behind them runs one pool of
skirmishes on the batched core (``envs.core``); each slot is bound to one live unit of the
learning team in one of those skirmishes. One policy therefore drives every unit of its team
(parameter sharing) and every live unit is one row of SB3's batch.

Dead units and finished matches — how the batch is kept full:

- When a unit dies, its slot's episode ends (``done=True``) and the slot becomes free. When a
  match ends, all its slots end (with the win/loss reward) and the match's pool entry is freed.
- As soon as at least one team's worth of slots is free, a new match starts on a fresh random
  map seed and its learner units are bound to free slots. So slots are re-assigned from dead
  units to the live units of other, newer matches: the pool runs as many matches as the slots
  can feed, not a fixed number.
- A free slot waiting for the next match (fewer free slots than a team has units) is *idle*: it
  sees zeros, its mask allows only "hold", its reward is 0 and every step is an episode end, so
  it carries no gradient to the policy and no value is bootstrapped through it. Idle slots are
  at most ``team size - 1`` of ``n_slots`` at any time (e.g. < 3% with 7 units and 256 slots);
  ``idle_fraction`` measures the real share.

The other team is played by an opponent from a ``League`` (scripted bots and frozen snapshots of
the learner), drawn per match. The learner plays blue or red with equal odds, so it learns both
sides. Training map seeds are drawn below ``HELD_OUT_SEED0``; evaluation uses seeds from there on,
so evaluation maps are never seen in training.

Reward per slot and step (the team's reward, shared by its units): the fraction of the enemy
team's starting hp removed this step minus the fraction of its own team's lost (heals count),
times ``shaping``; at the end of the match +1 for a win, -1 for a loss, 0 for a draw.
"""
from __future__ import annotations

from collections import deque
from dataclasses import fields
from typing import Any, Mapping, Protocol

import numpy as np

from envs import core
from envs.ruleset import Ruleset

# re-exported: the seed split is part of this module's contract (training draws below HELD_OUT_SEED0)
from agents.vec_rows import RowsInOneProcess  # noqa: E402
from agents.map_seeds import HELD_OUT_SEED0, held_out_seeds, terrain_for  # noqa: F401,E402

class Opponents(Protocol):
    """What the slot env needs from a league: draw an opponent, let it act, hear the result."""

    def sample(self, rng: np.random.Generator) -> str: ...

    def act(self, name: str, spec: core.ObservationSpec, obs: np.ndarray, mask: np.ndarray,
            rng: np.random.Generator) -> np.ndarray: ...

    def report(self, name: str, outcome: float) -> None: ...


def _vec_env_base():
    from stable_baselines3.common.vec_env import VecEnv

    return VecEnv


class UnitSlotVecEnv(RowsInOneProcess, _vec_env_base()):
    """``n_slots`` learner units across a pool of skirmishes, as one SB3 ``VecEnv``."""

    render_mode = None

    def __init__(self, ruleset: Ruleset, opponents: Opponents, n_slots: int = 256, *, map_size: int | None = 32,
                 blue: Mapping[str, int] | None = None, red: Mapping[str, int] | None = None,
                 seed: int = 0, max_steps: int | None = None, shaping: float = 1.0, obs_layout: int = 1,
                 draws: Any = None, matches_per_draw: int = 128):
        """``draws`` (an ``agents.rl_randomize.RuleDraws``): the pool plays a drawn ruleset and drawn armies
        for ``matches_per_draw`` matches, waits for them to end (the core steps one ruleset per pool), then
        draws the next; ``ruleset``, ``blue`` and ``red`` are then only the first draw's shape check."""
        import gymnasium as gym

        self.n_slots_check = n_slots
        self.max_steps = max_steps
        self.obs_layout = int(obs_layout)
        self.opponents = opponents
        self.map_size = map_size
        self.terrain = terrain_for(map_size)
        self.shaping = float(shaping)
        self.rng = np.random.default_rng(seed)
        self.draws = draws
        self.matches_per_draw = int(matches_per_draw)
        self.started_this_draw = 0
        self.rulesets_drawn = 0
        if draws is not None:
            ruleset, blue, red = draws.draw(self.rng)
            self.rulesets_drawn = 1
        self._set_rules(ruleset, blue, red)
        self.first_spec = self.spec
        obs_space = gym.spaces.Box(-np.inf, np.inf, shape=(self.spec.size,), dtype=np.float32)
        super().__init__(n_slots, obs_space, gym.spaces.Discrete(self.spec.n_actions))
        self.n_pool = n_slots  # worst case: one surviving learner unit per match
        self._actions = np.zeros(n_slots, dtype=np.int64)
        self.stats = {"matches": 0, "wins": 0, "losses": 0, "draws": 0, "slot_steps": 0, "idle_slot_steps": 0}
        self.recent: deque[float] = deque(maxlen=200)  # learner's score in the last matches

    def _set_rules(self, ruleset: Ruleset, blue: Mapping[str, int] | None, red: Mapping[str, int] | None) -> None:
        self.params = core.compile_params(ruleset, max_steps=self.max_steps)
        self.spec = core.observation_spec(self.params, version=self.obs_layout)
        if getattr(self, "first_spec", self.spec).size != self.spec.size:
            raise ValueError("a drawn ruleset changed the observation size (unit types must stay the same)")
        self.blue = dict(blue if blue is not None else ruleset.teams["blue"])
        self.red = dict(red if red is not None else ruleset.teams["red"])
        team, _ = core.unit_roster(ruleset, self.blue, self.red)
        self.team_idx = {0: np.flatnonzero(team == core.BLUE), 1: np.flatnonzero(team == core.RED)}
        if min(len(v) for v in self.team_idx.values()) == 0:
            raise ValueError("both teams need at least one unit to train")
        if self.n_slots_check < max(len(v) for v in self.team_idx.values()):
            raise ValueError(f"n_slots={self.n_slots_check} is smaller than a team "
                             f"({max(len(v) for v in self.team_idx.values())} units); use more slots")

    # ---- pool management -------------------------------------------------------------------
    def _new_pool(self) -> None:
        probe = core.reset(self.params, self.blue, self.red, [0], self.terrain)
        h = w = self.map_size or max(self.params.ruleset.match.arena_height, self.params.ruleset.match.arena_width)
        h, w = max(h, probe.terrain.shape[1]), max(w, probe.terrain.shape[2])
        b = self.n_pool

        def grow(a: np.ndarray, name: str) -> np.ndarray:
            if name in ("terrain", "occupant"):
                return np.full((b, h, w), -1, dtype=a.dtype)
            return np.repeat(a[:1], b, axis=0).copy()

        self.state = core.SkirmishState(**{f.name: grow(getattr(probe, f.name), f.name) for f in fields(probe)})
        self.state.done[:] = True  # free entries are "finished" and empty: the kernels skip them
        self.state.alive[:] = False
        self.active = np.zeros(b, dtype=bool)
        self.learner_team = np.zeros(b, dtype=np.int8)
        self.opponent = np.empty(b, dtype=object)
        self.match_seed = np.zeros(b, dtype=np.int64)
        self.slot_env = np.full(self.num_envs, -1, dtype=np.int64)
        self.slot_unit = np.zeros(self.num_envs, dtype=np.int64)
        self.hp_team = np.zeros((b, 2))
        self.obs_all = np.zeros((b, probe.n_units, self.spec.size), dtype=np.float32)
        self.mask_all = np.zeros((b, probe.n_units, self.spec.n_actions), dtype=np.int8)

    def _start_match(self, b: int) -> None:
        seed = int(self.rng.integers(0, HELD_OUT_SEED0))
        new = core.reset(self.params, self.blue, self.red, [seed], self.terrain)
        s = self.state
        for f in fields(new):
            src, dst = getattr(new, f.name), getattr(s, f.name)
            if f.name in ("terrain", "occupant"):
                dst[b] = -1
                dst[b, :src.shape[1], :src.shape[2]] = src[0]
            else:
                dst[b] = src[0]
        self.active[b] = True
        self.started_this_draw += 1
        self.match_seed[b] = seed
        self.learner_team[b] = int(self.rng.integers(0, 2))
        self.opponent[b] = self.opponents.sample(self.rng)
        self.hp_team[b] = s.start_hp[b]
        free = np.flatnonzero(self.slot_env < 0)
        units = self.team_idx[int(self.learner_team[b])]
        self.slot_env[free[:len(units)]] = b
        self.slot_unit[free[:len(units)]] = units

    def _fill(self) -> None:
        """Start matches while a whole team's worth of slots is free (and, randomising, the draw lasts)."""
        if self.draws is not None and self.started_this_draw >= self.matches_per_draw:
            if self.active.any():
                return  # this draw's last matches play on; their slots' neighbours idle until the next draw
            ruleset, blue, red = self.draws.draw(self.rng)
            self.rulesets_drawn += 1
            self._set_rules(ruleset, blue, red)
            self._new_pool()
            self.started_this_draw = 0
        while True:
            if self.draws is not None and self.started_this_draw >= self.matches_per_draw:
                return
            n_free = int((self.slot_env < 0).sum())
            idle_envs = np.flatnonzero(~self.active)
            if len(idle_envs) == 0:
                return
            # the team of the next match is drawn in _start_match; both teams must fit
            if n_free < max(len(v) for v in self.team_idx.values()):
                return
            self._start_match(int(idle_envs[0]))

    def _observe(self) -> np.ndarray:
        core.observe(self.params, self.state, self.spec, out=(self.obs_all, self.mask_all))
        bound = self.slot_env >= 0
        obs = np.zeros((self.num_envs, self.spec.size), dtype=np.float32)
        obs[bound] = self.obs_all[self.slot_env[bound], self.slot_unit[bound]]
        self._masks = np.zeros((self.num_envs, self.spec.n_actions), dtype=bool)
        self._masks[:, 0] = True
        self._masks[bound] = self.mask_all[self.slot_env[bound], self.slot_unit[bound]] > 0
        return obs

    # ---- VecEnv API --------------------------------------------------------------------------
    def reset(self) -> np.ndarray:
        self.stats = dict.fromkeys(self.stats, 0)
        self.recent.clear()
        self.started_this_draw = 0
        self._new_pool()
        self._fill()
        return self._observe()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)

    def step_wait(self):
        s = self.state
        n_units = s.n_units
        acts = np.zeros((self.n_pool, n_units), dtype=np.int64)
        bound = self.slot_env >= 0
        acts[self.slot_env[bound], self.slot_unit[bound]] = self._actions[bound]
        self._opponents_act(acts)
        core.step_inplace(self.params, s, acts)

        hp_now = np.stack([np.where(s.alive[:, self.team_idx[t]], s.hp[:, self.team_idx[t]], 0.0).sum(1)
                           for t in (0, 1)], axis=1)
        lost = (self.hp_team - hp_now) / s.start_hp  # (B, 2) fraction of own start hp lost this step
        self.hp_team = hp_now
        lt = self.learner_team.astype(np.int64)
        ar = np.arange(self.n_pool)
        team_reward = self.shaping * (lost[ar, 1 - lt] - lost[ar, lt])
        ended = self.active & s.done
        outcome = np.zeros(self.n_pool)
        outcome[ended & (s.winner == lt)] = 1.0
        outcome[ended & (s.winner == 1 - lt)] = -1.0

        rewards = np.zeros(self.num_envs, dtype=np.float32)
        dones = np.ones(self.num_envs, dtype=bool)  # idle slots: every step ends
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        e, u = self.slot_env[bound], self.slot_unit[bound]
        rewards[bound] = team_reward[e] + outcome[e]
        dones[bound] = ~s.alive[e, u] | ended[e]
        for i in np.flatnonzero(bound & dones):
            infos[i]["terminal_observation"] = np.zeros(self.spec.size, dtype=np.float32)
        self.stats["slot_steps"] += self.num_envs
        self.stats["idle_slot_steps"] += int((~bound).sum())

        for b in np.flatnonzero(ended):
            win = int(s.winner[b])
            score = 1.0 if win == lt[b] else (0.0 if win == 1 - lt[b] else 0.5)
            self.opponents.report(str(self.opponent[b]), score)
            self.stats["matches"] += 1
            self.stats["wins" if score == 1.0 else "losses" if score == 0.0 else "draws"] += 1
            self.recent.append(score)
            self.active[b] = False
        # free the slots of dead units and finished matches, then refill from new matches
        self.slot_env[np.flatnonzero(bound)[dones[bound]]] = -1
        self._fill()
        return self._observe(), rewards, dones, infos

    def _opponents_act(self, acts: np.ndarray) -> None:
        """Each league opponent acts once per step for all its matches (both sides in one batch when
        the teams are the same size: the bots see egocentric observations, so sides mix freely)."""
        live = np.flatnonzero(self.active)
        if len(live) == 0:
            return
        opp_team = 1 - self.learner_team[live]
        names = self.opponent[live]
        same_size = len(self.team_idx[0]) == len(self.team_idx[1])
        groups = (None,) if same_size else (0, 1)
        for name in sorted(set(names)):
            for t in groups:
                pick = (names == name) if t is None else (names == name) & (opp_team == t)
                envs = live[pick]
                if len(envs) == 0:
                    continue
                if t is None:
                    idx = np.stack([self.team_idx[0], self.team_idx[1]])[opp_team[pick]]  # (E, U)
                else:
                    idx = np.broadcast_to(self.team_idx[t], (len(envs), len(self.team_idx[t])))
                o = self.obs_all[envs[:, None], idx]
                m = self.mask_all[envs[:, None], idx]
                a = np.asarray(self.opponents.act(name, self.spec, o, m, self.rng), dtype=np.int64)
                ok = np.take_along_axis(m, a[..., None], -1)[..., 0] > 0
                acts[envs[:, None], idx] = np.where(ok, a, 0)

    def teacher_actions(self, bot: str) -> np.ndarray:
        """What the scripted ``bot`` would do in every slot now (for imitation warm starts)."""
        from agents.scripted import base_policy

        pol = base_policy(bot)
        acts = np.zeros(self.obs_all.shape[:2], dtype=np.int64)
        live = np.flatnonzero(self.active)
        for t in (0, 1):
            envs = live[self.learner_team[live] == t]
            if len(envs) == 0:
                continue
            idx = self.team_idx[t]
            pol.reset(self.spec, t, [0] * len(envs))
            acts[envs[:, None], idx[None, :]] = pol.act(self.obs_all[envs][:, idx], self.mask_all[envs][:, idx])
        out = np.zeros(self.num_envs, dtype=np.int64)
        bound = self.slot_env >= 0
        out[bound] = acts[self.slot_env[bound], self.slot_unit[bound]]
        return out

    @property
    def recent_score(self) -> float:
        """The learner's mean score (win 1, draw 0.5) over its last 200 matches."""
        return float(np.mean(self.recent)) if self.recent else 0.0

    def action_masks(self) -> np.ndarray:
        return self._masks

    @property
    def idle_fraction(self) -> float:
        """Share of slot-steps spent idle (waiting for a free team's worth of slots) so far."""
        return self.stats["idle_slot_steps"] / max(1, self.stats["slot_steps"])

    def close(self) -> None:
        pass


class SlotGroupsVecEnv(RowsInOneProcess, _vec_env_base()):
    """Several ``UnitSlotVecEnv`` side by side as one SB3 ``VecEnv`` (slots concatenated in order).

    For domain randomisation: each group plays its own drawn ruleset, so when one group waits for
    its last matches before a new draw, only its slots idle, not the whole batch.
    """

    render_mode = None

    def __init__(self, groups: list[UnitSlotVecEnv]):
        if not groups:
            raise ValueError("SlotGroupsVecEnv needs at least one group")
        self.groups = groups
        self.bounds = np.cumsum([0] + [g.num_envs for g in groups])
        super().__init__(int(self.bounds[-1]), groups[0].observation_space, groups[0].action_space)

    def _cat(self, parts):
        return np.concatenate(parts)

    def reset(self) -> np.ndarray:
        return self._cat([g.reset() for g in self.groups])

    def step_async(self, actions: np.ndarray) -> None:
        a = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)
        for g, lo, hi in zip(self.groups, self.bounds[:-1], self.bounds[1:]):
            g.step_async(a[lo:hi])

    def step_wait(self):
        outs = [g.step_wait() for g in self.groups]
        infos = [info for o in outs for info in o[3]]
        return self._cat([o[0] for o in outs]), self._cat([o[1] for o in outs]), self._cat([o[2] for o in outs]), infos

    def action_masks(self) -> np.ndarray:
        return self._cat([g.action_masks() for g in self.groups])

    def teacher_actions(self, bot: str) -> np.ndarray:
        return self._cat([g.teacher_actions(bot) for g in self.groups])

    @property
    def slot_env(self) -> np.ndarray:
        """>= 0 where a slot is bound to a live unit (as ``UnitSlotVecEnv.slot_env``; pool ids per group)."""
        return self._cat([g.slot_env for g in self.groups])

    @property
    def stats(self) -> dict[str, int]:
        return {k: sum(g.stats[k] for g in self.groups) for k in self.groups[0].stats}

    @property
    def rulesets_drawn(self) -> int:
        return sum(g.rulesets_drawn for g in self.groups)

    @property
    def recent_score(self) -> float:
        scores = [s for g in self.groups for s in g.recent]
        return float(np.mean(scores)) if scores else 0.0

    @property
    def idle_fraction(self) -> float:
        st = self.stats
        return st["idle_slot_steps"] / max(1, st["slot_steps"])

    def close(self) -> None:
        pass
