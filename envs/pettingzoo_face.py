"""PettingZoo face of the core: every unit is an agent (``ParallelEnv``; AEC via ``parallel_to_aec``).

Observations follow PettingZoo's action-mask convention: a ``Dict`` with ``"observation"`` (the
unit's flat egocentric float32 vector, layout in ``envs.spec.ObservationSpec``) and
``"action_mask"`` (int8, one entry per Discrete action). Agents are ``blue_0 .. blue_{n-1}``,
``red_0 ..``; a unit that dies is terminated that step and leaves ``agents``.

    from envs.pettingzoo_face import parallel_env, env
    penv = parallel_env()                      # default ruleset and teams
    aec = env()                                # AEC form
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from envs import core
from envs.render import FaceRenderer
from envs.rewards import RewardConfig, unit_rewards
from envs.ruleset import Ruleset, default_ruleset

#: observations are clipped to this magnitude (relative positions on maps up to ~1000 cells)
OBS_BOUND = 100.0


class SkirmishParallelEnv(ParallelEnv):
    metadata = {"name": "gameai_skirmish_v0", "render_modes": ["rgb_array", "human"], "render_fps": 8,
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
        team, _ = core.unit_roster(self.ruleset, self.blue, self.red)
        self._team = team
        counts = [0, 0]
        names = []
        for t in team:
            names.append(f"{'blue' if t == core.BLUE else 'red'}_{counts[t]}")
            counts[t] += 1
        self.possible_agents = names
        self._slot = {a: i for i, a in enumerate(names)}
        self._obs_space = spaces.Dict({
            "observation": spaces.Box(-OBS_BOUND, OBS_BOUND, shape=(self.obs_spec.size,), dtype=np.float32),
            "action_mask": spaces.MultiBinary(self.obs_spec.n_actions),
        })
        self._act_space = spaces.Discrete(self.obs_spec.n_actions)
        self.agents: list[str] = []
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
        self._observe()
        infos = {a: {} for a in self.agents}
        return self._obs_dict(self.agents), infos

    def step(self, actions: Mapping[str, Any]):
        if self.sim is None:
            raise RuntimeError("call reset() before step()")
        acts = np.zeros((1, len(self.possible_agents)), dtype=np.int64)
        for agent, a in actions.items():
            if agent in self._slot and agent in self.agents:
                acts[0, self._slot[agent]] = int(a)
        was_running = ~self.sim.done
        ev = core.step_inplace(self.params, self.sim, acts)
        rew = unit_rewards(self.rewards, ev, self._team, was_running)[0]
        self._observe()
        done = bool(self.sim.done[0])
        at_limit = done and int(self.sim.t[0]) >= self.params.max_steps and self.sim.alive[0].any() and \
            all(self.sim.alive[0, self._team == t].any() for t in (0, 1))
        current = self.agents
        rewards = {a: float(rew[self._slot[a]]) for a in current}
        terminations = {a: (bool(ev.killed[0, self._slot[a]]) or (done and not at_limit)) for a in current}
        truncations = {a: bool(at_limit and not ev.killed[0, self._slot[a]]) for a in current}
        infos = {a: {} for a in current}
        if done:
            winner = core.WINNER_NAMES[int(self.sim.winner[0])]
            for a in current:
                infos[a] = {"winner": winner, "steps": int(self.sim.t[0])}
        obs = self._obs_dict(current)
        self.agents = [a for a in current if not (terminations[a] or truncations[a])]
        if self.render_mode == "human":
            self.render()
        return obs, rewards, terminations, truncations, infos

    # --- observations ----------------------------------------------------------------------
    def _observe(self) -> None:
        obs, mask = core.observe(self.params, self.sim, self.obs_spec)
        self._obs = np.clip(obs[0], -OBS_BOUND, OBS_BOUND)
        self._mask = mask[0]

    def _obs_dict(self, agents) -> dict[str, dict[str, np.ndarray]]:
        return {a: {"observation": self._obs[self._slot[a]].copy(), "action_mask": self._mask[self._slot[a]].copy()}
                for a in agents}

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        return self._obs_dict([agent])[agent]

    # --- rendering -------------------------------------------------------------------------
    def render(self):
        return self._renderer.render(self.sim)

    def close(self) -> None:
        self._renderer.close()


def parallel_env(**kwargs) -> SkirmishParallelEnv:
    return SkirmishParallelEnv(**kwargs)


def env(**kwargs):
    """The AEC form (agents act one after another; the step resolves when all have acted)."""
    return parallel_to_aec(SkirmishParallelEnv(**kwargs))
