"""The Gymnasium face: registered id, gymnasium's and stable-baselines3's check_env, opponents, render."""
from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import agents.gym_env  # noqa: F401  (registers gameai/Skirmish-v0)
from agents.gym_env import make_skirmish_env as SkirmishEnv

ROOT = Path(__file__).resolve().parents[1]


def test_gymnasium_check_env():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checker warning fails the test
        env = gymnasium.make("gameai/Skirmish-v0", max_steps=60, render_mode="rgb_array")
        check_env(env.unwrapped, skip_render_check=False)


def test_sb3_check_env():
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checker warning fails the test
        sb3_check_env(SkirmishEnv(max_steps=60), warn=True)


@pytest.mark.parametrize("make", [
    "gymnasium.make('agents.gym_env:gameai/Skirmish-v0', max_steps=20)",  # Gymnasium imports the named module
    # the form Gymnasium 1.x documents for third-party packages (as ale_py does): import, register_envs, bare id
    "gymnasium.register_envs(importlib.import_module('agents.gym_env')) or gymnasium.make('gameai/Skirmish-v0', "
    "max_steps=20)",
])
def test_make_in_a_fresh_process_with_only_gymnasium_imported(make):
    """Without the installed .pth hook (tests/test_gym_hook.py), the two ways Gymnasium 1.x users reach a package's id."""
    code = (f"import importlib, sys, gymnasium; env = {make}; "
            "obs, info = env.reset(seed=0); print(env.spec.id, obs.shape, env.unwrapped.opponent is not None)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    size = 7 * SkirmishEnv().obs_spec.size  # the default teams have 7 units a side
    assert out.stdout.strip() == f"gameai/Skirmish-v0 ({size},) True"


def test_registering_is_cheap_and_idempotent():
    """Importing the registering module loads no kernels, bots, SB3 or torch; registering twice is harmless."""
    code = ("import sys, warnings; warnings.simplefilter('error'); import gymnasium, agents.gym_env; "
            "agents.gym_env.register_envs(); "
            "print([m for m in ('envs.core', 'numba', 'agents.scripted', 'stable_baselines3', 'torch') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_import_envs_does_not_import_gymnasium_or_pettingzoo():
    code = ("import sys, envs, envs.core, envs.ruleset; "
            "print(any(m.split('.')[0] in ('gymnasium', 'pettingzoo', 'pygame') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_rgb_array_render_needs_no_pygame():
    code = ("import sys, gymnasium, agents.gym_env; env = gymnasium.make('gameai/Skirmish-v0', render_mode='rgb_array'); "
            "env.reset(seed=0); frame = env.render(); print(frame.shape, frame.dtype, 'pygame' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(384, 384, 3) uint8 False"


def test_episode_against_each_opponent_kind():
    class Idle:
        def reset(self, spec, team, seeds):
            pass

        def act(self, obs, mask):
            return np.zeros(obs.shape[:2], dtype=np.int64)

    for opponent in ("kite", Idle()):
        env = gymnasium.make("gameai/Skirmish-v0", opponent=opponent, opponent_tier="novice", max_steps=120)
        obs, info = env.reset(seed=5)
        assert env.observation_space.contains(obs)
        done = False
        while not done:
            mask = info["action_mask"]
            act = np.where(mask[:, 9:13].any(1), 9 + mask[:, 9:13].argmax(1), 3)  # attack, else march east
            obs, reward, terminated, truncated, info = env.step(act)
            done = terminated or truncated
        assert info["winner"] in ("blue", "red", "draw") and 0 < info["steps"] <= 120
        if not isinstance(opponent, str):
            assert info["winner"] == "blue", "an idle opponent loses"


def test_same_seed_same_episode_and_masks_for_maskable_ppo():
    def rollout():
        env = SkirmishEnv(opponent="focus_fire", opponent_tier="average", max_steps=40)
        obs, _ = env.reset(seed=11)
        env.action_space.seed(0)
        out = [obs]
        for _ in range(40):
            m = env.action_masks()
            assert m.dtype == bool and m.shape == (7 * env.obs_spec.n_actions,)
            obs, r, te, tr, _ = env.step(env.action_space.sample())
            out.append(obs)
            if te or tr:
                break
        return np.stack(out)

    assert np.array_equal(rollout(), rollout())


def test_red_learner_and_bad_arguments():
    env = SkirmishEnv(team="red", blue={"archer": 2}, red={"warrior": 3})
    obs, info = env.reset(seed=0)
    assert env.action_space.shape == (3,) and info["action_mask"].shape[0] == 3
    with pytest.raises(ValueError, match="team must be 'blue' or 'red'"):
        SkirmishEnv(team="green")
    with pytest.raises(ValueError, match="expected 3 actions"):
        env.step([0, 0])
    with pytest.raises(TypeError, match="opponent must be a Policy"):
        SkirmishEnv(opponent=3)
