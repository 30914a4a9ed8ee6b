"""The PettingZoo face passes PettingZoo's own conformance tests, and behaves as documented."""
from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from envs.pettingzoo_face import env, parallel_env


def test_parallel_api():
    parallel_api_test(parallel_env(max_steps=80), num_cycles=300)


def test_aec_api_via_parallel_to_aec():
    api_test(env(max_steps=80), num_cycles=300)


def test_seed():
    seed_test(lambda: env(max_steps=60), num_cycles=100)
    parallel_seed_test(lambda: parallel_env(max_steps=60), num_cycles=100)


def test_spaces_and_action_mask_convention():
    e = parallel_env()
    obs, infos = e.reset(seed=0)
    assert e.agents == e.possible_agents and e.agents[0] == "blue_0" and e.agents[-1] == "red_6"
    for agent, o in obs.items():
        space = e.observation_space(agent)
        assert set(o) == {"observation", "action_mask"} and space.contains(o)
        assert o["observation"].dtype == np.float32 and o["action_mask"].dtype == np.int8
        assert o["action_mask"].shape == (e.action_space(agent).n,) and o["action_mask"][0] == 1


def test_dead_agents_leave_and_rewards_follow_the_config():
    e = parallel_env(rewards={"damage": 1.0, "kill": 0.0, "win": 0.0, "loss": 0.0})
    obs, _ = e.reset(seed=3)
    total_reward, total_damage = 0.0, 0.0
    seen_death = False
    while e.agents:
        # attack whenever possible, else walk towards the enemy side
        acts = {}
        for a, o in obs.items():
            m = o["action_mask"]
            acts[a] = int(9 + np.argmax(m[9:13])) if m[9:13].any() else (3 if a.startswith("blue") else 7)
        before = set(e.agents)
        obs, rew, term, trunc, infos = e.step(acts)
        total_reward += sum(rew.values())
        total_damage += float(e.sim.damage_dealt.sum()) - total_damage
        dead = {a for a in before if term[a] and not e.sim.done[0]}
        if dead:
            seen_death = True
            assert not dead & set(e.agents)
    assert seen_death
    assert total_reward == pytest.approx(float(e.sim.damage_dealt.sum()))
    assert all("winner" in i for i in infos.values())


def test_rgb_array_render_is_numpy():
    e = parallel_env(render_mode="rgb_array")
    e.reset(seed=1)
    frame = e.render()
    assert frame.shape == (24 * 16, 24 * 16, 3) and frame.dtype == np.uint8


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="render_mode must be one of"):
        parallel_env(render_mode="ascii")
    with pytest.raises(ValueError, match="unknown reward weight 'gold'"):
        parallel_env(rewards={"gold": 1.0})
