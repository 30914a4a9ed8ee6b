"""A real consumer of the vector face: sb3-contrib's MaskablePPO learns through ``SB3SkirmishVecEnv``."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from envs.skirmish_v0 import vector_env

SMALL = {"blue": {"warrior": 2, "archer": 1}, "red": {"warrior": 1, "knight": 1, "healer": 1}}


def test_maskable_ppo_learns_a_few_steps_and_only_takes_legal_actions():
    torch = pytest.importorskip("torch")
    from sb3_contrib import MaskablePPO

    from agents.rl_vector import SB3SkirmishVecEnv

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SB3 finds everything it asks of an environment
        venv = SB3SkirmishVecEnv(vector_env(4, max_steps=20, **SMALL))
    assert venv.num_envs == 24 and venv.observation_space.shape == (venv.venv.obs_spec.size,)
    model = MaskablePPO("MlpPolicy", venv, n_steps=32, batch_size=192, n_epochs=2, seed=0, device="cpu")
    before = [p.detach().clone() for p in model.policy.parameters()]
    model.learn(total_timesteps=2 * 32 * venv.num_envs)
    assert model.num_timesteps == 2 * 32 * venv.num_envs
    assert any(not torch.equal(a, b) for a, b in zip(before, model.policy.parameters())), "no update happened"
    buf = model.rollout_buffer  # every action taken in the last rollout was legal under its mask
    acts = buf.actions.reshape(-1).astype(np.int64)
    masks = buf.action_masks.reshape(len(acts), -1)
    assert masks[np.arange(len(acts)), acts].all()
    obs = venv.reset()
    act, _ = model.predict(obs, action_masks=venv.action_masks())
    assert act.shape == (venv.num_envs,) and venv.action_masks()[np.arange(venv.num_envs), act].all()


def test_terminal_observations_and_truncation_flags_reach_sb3():
    from agents.rl_vector import SB3SkirmishVecEnv

    venv = SB3SkirmishVecEnv(vector_env(2, max_steps=5, **SMALL))
    venv.seed(9)
    venv.reset()
    for _ in range(5):  # holding still, nobody dies: the step limit ends both matches at step 5
        obs, rew, dones, infos = venv.step(np.zeros(venv.num_envs, dtype=np.int64))
    assert dones.all() and rew.dtype == np.float32
    assert all(i["TimeLimit.truncated"] and i["terminal_observation"].shape == obs.shape[1:] for i in infos)
    with pytest.raises(TypeError, match="expected a SkirmishVectorEnv"):
        SB3SkirmishVecEnv(object())
