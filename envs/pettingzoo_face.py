"""PettingZoo face of the core: every unit is an agent (``ParallelEnv``; AEC through PettingZoo's converter).

Made through the versioned module, as PettingZoo environments are::

    from envs import skirmish_v0
    penv = skirmish_v0.parallel_env()          # default ruleset and teams
    aec = skirmish_v0.env()                    # AEC form

Observations follow PettingZoo's action-mask convention: a ``Dict`` with ``"observation"`` (the
unit's flat egocentric float32 vector, layout in ``envs.spec.ObservationSpec``) and
``"action_mask"`` (int8, one entry per Discrete action). Agents are ``blue_0 .. blue_{n-1}``,
``red_0 ..``; a unit that dies is terminated that step and leaves ``agents``.

Why it is fast: one kernel call (``core.FusedStep``) steps every unit, pays the rewards and writes
every unit's clipped observation into fresh arrays, and the per-agent dicts are built with
``dict(zip(...))`` over lists that numpy produced for all agents at once. Each step's observation
arrays are new, so an observation an agent kept from an earlier step is never overwritten (each
agent's entry is a view of a row of that step's arrays).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from envs import core
from envs.render import FaceRenderer
from envs.rewards import RewardConfig
from envs.ruleset import Ruleset, default_ruleset

#: observations are clipped to this magnitude (relative positions on maps up to ~1000 cells)
OBS_BOUND = 100.0


def agent_names(team: np.ndarray) -> list[str]:
    """``blue_0 .. blue_{n-1}, red_0 ..`` for the roster's (N,) team codes (blue slots come first)."""
    counts = [0, 0]
    names = []
    for t in team.tolist():
        names.append(f"{'blue' if t == core.BLUE else 'red'}_{counts[t]}")
        counts[t] += 1
    return names


def agent_spaces(spec: core.ObservationSpec) -> tuple[spaces.Dict, spaces.Discrete]:
    """One agent's observation space (PettingZoo's action-mask Dict) and action space."""
    obs = spaces.Dict({
        "observation": spaces.Box(-OBS_BOUND, OBS_BOUND, shape=(spec.size,), dtype=np.float32),
        "action_mask": spaces.MultiBinary(spec.n_actions),
    })
    return obs, spaces.Discrete(spec.n_actions)


def observe_clipped(params: core.CoreParams, state: core.SkirmishState,
                    spec: core.ObservationSpec) -> tuple[np.ndarray, np.ndarray]:
    """(B, N, D) observations clipped to ``OBS_BOUND`` and (B, N, A) masks, in arrays made for this call."""
    obs, mask = core.observe(params, state, spec)
    obs.clip(-OBS_BOUND, OBS_BOUND, out=obs)
    return obs, mask


def at_step_limit(params: core.CoreParams, state: core.SkirmishState, team: np.ndarray) -> np.ndarray:
    """(B,) bool: the match ended because time ran out (both teams still stand), not by a wipe-out."""
    alive = state.alive
    return state.done & (state.t >= params.max_steps) & alive[:, team == core.BLUE].any(1) & \
        alive[:, team == core.RED].any(1)


class SkirmishParallelEnv(ParallelEnv):
    metadata = {"name": "skirmish_v0", "render_modes": ["rgb_array", "human"], "render_fps": 8,
                "is_parallelizable": True}

    def __init__(self, ruleset: Ruleset | None = None, *, blue: Mapping[str, int] | None = None,
                 red: Mapping[str, int] | None = None, terrain: core.TerrainArg = None,
                 max_steps: int | None = None, k: int = core.DEFAULT_K,
                 rewards: RewardConfig | Mapping[str, float] | None = None, render_mode: str | None = None):
        self.ruleset = ruleset or default_ruleset()
        self.blue = dict(blue or self.ruleset.teams["blue"])
        self.red = dict(red or self.ruleset.teams["red"])
        self.terrain = terrain
        self.params = core.compile_params(self.ruleset, k=k, max_steps=max_steps)
        self.obs_spec = core.observation_spec(self.params)
        self.rewards = RewardConfig.from_any(rewards)
        self._renderer = FaceRenderer(render_mode, self.metadata["render_fps"])
        self.render_mode = render_mode
        self._team, _ = core.unit_roster(self.ruleset, self.blue, self.red)
        self.possible_agents = agent_names(self._team)
        self._slot = {a: i for i, a in enumerate(self.possible_agents)}
        self._obs_space, self._act_space = agent_spaces(self.obs_spec)
        self._n_units = len(self.possible_agents)
        self._fused = core.FusedStep(self.params, self.obs_spec, 1, self._n_units, self.rewards.weights, OBS_BOUND)
        # the one environment's rows of the fused step's buffers, made once (a view costs ~0.1 µs a step)
        self._action_row, self._killed_row = self._fused.actions[0], self._fused.events.killed[0]
        self._reward_row = self._fused.rewards[0]
        self.agents: list[str] = []
        self._live = np.arange(0)  # unit slots of self.agents, in the same order
        self.sim: core.SkirmishState | None = None  # the core's struct of arrays, one environment
        self._seeds: np.random.Generator | None = None

    def observation_space(self, agent: str) -> spaces.Space:
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Space:
        return self._act_space

    # --- lifecycle -------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None):
        """A new match. ``seed`` fixes it; without one, the next seed comes from the last seeded stream."""
        if seed is not None or self._seeds is None:
            self._seeds = np.random.default_rng(seed)
        match_seed = int(self._seeds.integers(0, 2**31 - 1))
        self.sim = core.reset(self.params, self.blue, self.red, [match_seed], self.terrain)
        self.match_seed = match_seed
        self.agents = list(self.possible_agents)
        self._live = np.arange(len(self.agents))
        self._observe()
        return self._obs_dict(self.agents, self._obs, self._mask), {a: {} for a in self.agents}

    def step(self, actions: Mapping[str, Any]):
        sim = self.sim
        if sim is None:
            raise RuntimeError("call reset() before step()")
        fused, row = self._fused, self._action_row
        current, live = self.agents, self._live
        all_live = len(current) == self._n_units
        if actions:
            vals = list(actions.values())
            self._check_values(actions, vals)
            if list(actions) == current:  # the usual call: one action per live agent, in agent order
                if all_live:
                    row[:] = vals
                else:
                    row[live] = vals  # the dead's slots keep old values: the core never acts for the dead
            else:  # agents without an action hold; actions of agents that already left are ignored
                row[:] = 0
                row[self._slots(actions)] = vals
        else:
            row[:] = 0
        # one kernel call steps, pays the rewards and observes into new arrays
        obs, mask = fused(sim)
        self._obs, self._mask = obs, mask = obs[0], mask[0]

        # Everything per agent comes out of numpy as one list; dicts are zipped from those lists.
        killed, rew = self._killed_row, self._reward_row
        if not all_live:
            killed, rew, obs, mask = killed[live], rew[live], obs[live], mask[live]
        gone = killed.tolist()
        if sim.done[0]:
            limit = bool(at_step_limit(self.params, sim, self._team)[0])
            term = gone if limit else [True] * len(current)
            trunc = (~killed).tolist() if limit else [False] * len(current)
            gone = [True] * len(current)
            info = {"winner": core.WINNER_NAMES[int(sim.winner[0])], "steps": int(sim.t[0])}
            infos = {a: dict(info) for a in current}
            truncations, terminations = dict(zip(current, trunc)), dict(zip(current, term))
        else:
            infos = {a: {} for a in current}
            truncations = dict.fromkeys(current, False)
            terminations = dict(zip(current, gone)) if True in gone else truncations.copy()  # most steps: no death
        result = ({a: {"observation": o, "action_mask": m} for a, o, m in zip(current, obs, mask)},
                  dict(zip(current, rew.tolist())), terminations, truncations, infos)
        if True in gone:
            self._live = live[np.logical_not(gone)]
            self.agents = [a for a, g in zip(current, gone) if not g]
        if self.render_mode == "human":
            self.render()
        return result

    def _slots(self, actions: Mapping[str, Any]) -> list[int]:
        try:
            return [self._slot[a] for a in actions]
        except KeyError as e:
            raise ValueError(f"unknown agent {e.args[0]!r} in actions; agents are "
                             f"{self.possible_agents[0]} .. {self.possible_agents[-1]}") from None

    def _check_values(self, actions: Mapping[str, Any], vals: list) -> None:
        """Each action an int in 0..A-1 (checked on the Python list: cheaper than numpy for a few dozen)."""
        n = self.obs_spec.n_actions
        if set(map(type, vals)) != {int}:  # numpy ints are fine too; floats, bools and None are not
            for agent, v in actions.items():
                if not isinstance(v, (int, np.integer)) or isinstance(v, (bool, np.bool_)):
                    raise ValueError(f"action for {agent} must be an int, got {v!r}")
        if min(vals) < 0 or max(vals) >= n:
            agent, v = next((a, v) for a, v in actions.items() if not 0 <= v < n)
            raise ValueError(f"action for {agent} must be in 0..{n - 1}, got {v}")

    # --- observations ----------------------------------------------------------------------
    def _observe(self) -> None:
        obs, mask = observe_clipped(self.params, self.sim, self.obs_spec)
        self._obs, self._mask = obs[0], mask[0]

    @staticmethod
    def _obs_dict(agents: list[str], obs: np.ndarray, mask: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """Per-agent views of this step's (fresh) arrays, one row each."""
        return {a: {"observation": o, "action_mask": m} for a, o, m in zip(agents, obs, mask)}

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        """The agent's latest observation (a copy)."""
        i = self._slot[agent]
        return {"observation": self._obs[i].copy(), "action_mask": self._mask[i].copy()}

    # --- rendering -------------------------------------------------------------------------
    def render(self):
        return self._renderer.render(self.sim)

    def close(self) -> None:
        self._renderer.close()
