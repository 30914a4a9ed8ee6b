"""stable-baselines3 over ``skirmish_v0.vector_env``: every unit of every skirmish is one row of SB3's batch.

One policy drives both teams (self-play with parameter sharing), which is how SuperSuit hands a
PettingZoo environment to SB3, but with the action masks sb3-contrib's MaskablePPO needs::

    from sb3_contrib import MaskablePPO
    from envs import skirmish_v0
    from agents.rl_vector import SB3SkirmishVecEnv

    venv = SB3SkirmishVecEnv(skirmish_v0.vector_env(64, max_steps=200))
    MaskablePPO("MlpPolicy", venv).learn(100_000)

SB3 sees the flat ``observation`` vector of each row; ``action_masks()`` gives the legal actions.
A row whose unit died idles until its match ends (zero observation, only "hold" legal), so it
adds no policy gradient. Training against scripted bots and past snapshots is ``agents.rl_slots``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from stable_baselines3.common.vec_env import VecEnv

from agents.vec_rows import RowsInOneProcess
from envs.vector_face import SkirmishVectorEnv


class SB3SkirmishVecEnv(RowsInOneProcess, VecEnv):
    def __init__(self, venv: SkirmishVectorEnv):
        if not isinstance(venv, SkirmishVectorEnv):
            raise TypeError(f"expected a SkirmishVectorEnv (skirmish_v0.vector_env(...)), got {type(venv).__name__}")
        self.venv = venv
        super().__init__(venv.num_envs, venv.single_observation_space["observation"], venv.single_action_space)

    def reset(self) -> np.ndarray:
        seed = self._seeds[0] if self._seeds and self._seeds[0] is not None else None  # set by VecEnv.seed()
        obs, _ = self.venv.reset(seed=seed)
        self._reset_seeds()
        return obs["observation"]

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)

    def step_wait(self):
        obs, rewards, terminations, truncations, info = self.venv.step(self._actions)
        dones = terminations | truncations
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if "final_obs" in info:
            for r in np.flatnonzero(dones).tolist():
                infos[r]["terminal_observation"] = info["final_obs"][r]["observation"]
                # SB3 bootstraps the value of a row cut off by the step limit, not of one that ended
                infos[r]["TimeLimit.truncated"] = bool(truncations[r] and not terminations[r])
        return obs["observation"], rewards.astype(np.float32), dones, infos

    def action_masks(self) -> np.ndarray:
        return self.venv.action_masks()

    def close(self) -> None:
        self.venv.close()

    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        owner = self if hasattr(self, attr_name) else self.venv  # e.g. render_mode, asked during __init__
        return [getattr(owner, attr_name)] * len(self._indices(indices))
