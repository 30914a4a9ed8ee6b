"""Gymnasium face of the core: the learner commands one whole team, any policy drives the other.

The registered id ``gameai/Skirmish-v0`` lives one layer up, in ``agents.gym_env``, because
turning a bot *name* into a policy needs the bot registry, and envs must not import agents::

    import gymnasium, agents.gym_env
    env = gymnasium.make("gameai/Skirmish-v0", opponent="kite", opponent_tier="average")

Observation: the team's per-unit egocentric vectors, concatenated (U × D float32, dead units are
zeros). Action: ``MultiDiscrete([A] * U)``, one Discrete action per unit (invalid ones act as
hold). ``env.action_masks()`` returns the flat (U × A) boolean mask in sb3-contrib's MaskablePPO
convention; ``info["action_mask"]`` has it as a (U, A) int8 array. Rewards (``envs.rewards``)
are summed over the team. ``terminated`` when a team is wiped out; ``truncated`` at the step limit.
Here the opponent is any ``agents.policy.Policy`` object (``reset`` + ``act``) — a scripted bot or,
for self-play, a learned policy.
"""
from __future__ import annotations

from typing import Any, Mapping

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs import core
from envs.render import FaceRenderer
from envs.rewards import RewardConfig, unit_rewards
from envs.ruleset import TEAMS, Ruleset, default_ruleset

OBS_BOUND = 100.0


class SkirmishEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array", "human"], "render_fps": 8}

    def __init__(self, ruleset: Ruleset | str | None = None, *, team: str = "blue",
                 opponent: Any,
                 blue: Mapping[str, int] | None = None, red: Mapping[str, int] | None = None,
                 terrain: core.TerrainArg = None, max_steps: int | None = None, k: int = core.DEFAULT_K,
                 rewards: RewardConfig | Mapping[str, float] | None = None, render_mode: str | None = None):
        if isinstance(ruleset, str):
            from envs.ruleset import load_ruleset

            ruleset = load_ruleset(ruleset)
        self.ruleset = ruleset or default_ruleset()
        if team not in TEAMS:
            raise ValueError(f"team must be 'blue' or 'red', got {team!r}")
        self.team = TEAMS.index(team)
        self.blue = dict(blue or self.ruleset.teams["blue"])
        self.red = dict(red or self.ruleset.teams["red"])
        self.terrain = terrain
        self.params = core.compile_params(self.ruleset, k=k, max_steps=max_steps)
        self.obs_spec = core.observation_spec(self.params)
        self.rewards = RewardConfig.from_any(rewards)
        self.opponent = self._check_opponent(opponent)
        self._renderer = FaceRenderer(render_mode, self.metadata["render_fps"])
        self.render_mode = render_mode
        unit_team, _ = core.unit_roster(self.ruleset, self.blue, self.red)
        self._unit_team = unit_team
        self._mine = np.flatnonzero(unit_team == self.team)
        self._theirs = np.flatnonzero(unit_team != self.team)
        u, d, a = len(self._mine), self.obs_spec.size, self.obs_spec.n_actions
        self.observation_space = spaces.Box(-OBS_BOUND, OBS_BOUND, shape=(u * d,), dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(np.full(u, a, dtype=np.int64))
        self.sim: core.SkirmishState | None = None

    @staticmethod
    def _check_opponent(opponent: Any):
        if not (hasattr(opponent, "reset") and hasattr(opponent, "act")):
            raise TypeError(f"opponent must be a Policy with reset() and act(), got {opponent!r}; to name a bot, "
                            "use gymnasium.make('gameai/Skirmish-v0', opponent='kite') (from an uninstalled checkout, "
                            "'agents.gym_env:gameai/Skirmish-v0')")
        return opponent

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        match_seed = int(self.np_random.integers(0, 2**31 - 1))
        self.match_seed = match_seed
        self.sim = core.reset(self.params, self.blue, self.red, [match_seed], self.terrain)
        self.opponent.reset(self.obs_spec, 1 - self.team, [match_seed])
        self._observe()
        return self._my_obs(), self._info()

    def step(self, action):
        if self.sim is None:
            raise RuntimeError("call reset() before step()")
        act = np.asarray(action, dtype=np.int64).reshape(-1)
        if act.shape != (len(self._mine),):
            raise ValueError(f"expected {len(self._mine)} actions (one per unit), got shape {np.shape(action)}")
        acts = np.zeros((1, self.sim.n_units), dtype=np.int64)
        acts[0, self._mine] = act
        acts[0, self._theirs] = np.asarray(
            self.opponent.act(self._obs[:, self._theirs], self._mask[:, self._theirs])).reshape(-1)
        was_running = ~self.sim.done
        ev = core.step_inplace(self.params, self.sim, acts)
        reward = float(unit_rewards(self.rewards, ev, self._unit_team, was_running)[0, self._mine].sum())
        self._observe()
        done = bool(self.sim.done[0])
        both_alive = all(self.sim.alive[0, self._unit_team == t].any() for t in (0, 1))
        truncated = done and both_alive  # time ran out; the step-limit rule named a winner
        terminated = done and not truncated
        info = self._info()
        if done:
            info["winner"] = core.WINNER_NAMES[int(self.sim.winner[0])]
            info["steps"] = int(self.sim.t[0])
        if self.render_mode == "human":
            self.render()
        return self._my_obs(), reward, terminated, truncated, info

    def _observe(self) -> None:
        obs, mask = core.observe(self.params, self.sim, self.obs_spec)
        self._obs = np.clip(obs, -OBS_BOUND, OBS_BOUND)
        self._mask = mask

    def _my_obs(self) -> np.ndarray:
        return self._obs[0, self._mine].reshape(-1).copy()

    def _info(self) -> dict:
        return {"action_mask": self._mask[0, self._mine].copy()}

    def action_masks(self) -> np.ndarray:
        """Flat boolean mask (U × A) for sb3-contrib's MaskablePPO."""
        return self._mask[0, self._mine].reshape(-1).astype(bool)

    def render(self):
        return self._renderer.render(self.sim)

    def close(self) -> None:
        self._renderer.close()
