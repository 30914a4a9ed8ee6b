"""The PettingZoo face (``envs.skirmish_v0``) passes PettingZoo's own conformance tests, and behaves as documented."""
from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from envs import core
from envs.rewards import RewardConfig, unit_rewards
from envs.skirmish_v0 import env, parallel_env, raw_env


# PettingZoo's own suites raise AssertionError on any breach of the API; each test also counts the
# core steps it drove, since a suite run on an env that ended at once would prove nothing.


@pytest.fixture()
def core_steps(monkeypatch):
    calls = []
    real = core.FusedStep.__call__  # the face's one kernel call per step
    monkeypatch.setattr(core.FusedStep, "__call__", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_parallel_api(core_steps):
    parallel_api_test(parallel_env(max_steps=80), num_cycles=300)
    assert len(core_steps) >= 80


def test_aec_api_via_parallel_to_aec(core_steps):
    api_test(env(max_steps=80), num_cycles=300)
    api_test(raw_env(max_steps=80), num_cycles=100)
    assert len(core_steps) >= 80


def test_seed():
    seed_test(lambda: env(max_steps=60), num_cycles=100)
    parallel_seed_test(lambda: parallel_env(max_steps=60), num_cycles=100)
    a, b = parallel_env(max_steps=60), parallel_env(max_steps=60)
    assert a.reset(seed=7)[0]["blue_0"]["observation"].tolist() == b.reset(seed=7)[0]["blue_0"]["observation"].tolist()


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


def test_step_matches_the_core_and_kept_observations_stay_unchanged():
    """The fast face hands out exactly what the core computes, and a stored observation is never overwritten."""
    e = parallel_env(max_steps=50)
    obs, _ = e.reset(seed=7)
    sim = core.reset(e.params, e.blue, e.red, [e.match_seed])
    rng = np.random.default_rng(1)
    kept = []
    while e.agents:
        acts = {a: int(np.flatnonzero(o["action_mask"])[rng.integers(o["action_mask"].sum())]) for a, o in obs.items()}
        kept.append((obs, {a: (o["observation"].copy(), o["action_mask"].copy()) for a, o in obs.items()}))
        full = np.zeros((1, sim.n_units), dtype=np.int64)
        for a, v in acts.items():
            full[0, e.possible_agents.index(a)] = v
        before = list(e.agents)
        was_running = ~sim.done
        ev = core.step_inplace(e.params, sim, full)
        want_rew = unit_rewards(RewardConfig(), ev, sim.team[0], was_running)[0]
        want_obs, want_mask = core.observe(e.params, sim, e.obs_spec)
        obs, rew, term, trunc, infos = e.step(acts)
        assert list(obs) == list(rew) == list(term) == list(trunc) == list(infos) == before
        for a in before:
            i = e.possible_agents.index(a)
            assert rew[a] == want_rew[i]
            if not sim.done[0]:
                assert term[a] == bool(ev.killed[0, i]) and not trunc[a]
            assert np.array_equal(obs[a]["observation"], np.clip(want_obs[0, i], -100, 100))
            assert np.array_equal(obs[a]["action_mask"], want_mask[0, i])
            assert type(rew[a]) is float and type(term[a]) is bool and type(trunc[a]) is bool
        assert e.agents == [a for a in before if not (term[a] or trunc[a])]
    for old_obs, copies in kept:  # every observation handed out is still what it was
        for a, (o, m) in copies.items():
            assert np.array_equal(old_obs[a]["observation"], o) and np.array_equal(old_obs[a]["action_mask"], m)


def test_actions_for_agents_that_left_are_ignored_and_bad_actions_are_refused():
    e = parallel_env(max_steps=40)
    e.reset(seed=0)
    all_hold = dict.fromkeys(e.possible_agents, 0)
    e.step(all_hold)  # every possible agent, alive or not, may be given an action
    with pytest.raises(ValueError, match="unknown agent 'green_0'"):
        e.step({"green_0": 0})
    with pytest.raises(ValueError, match=r"action for blue_1 must be in 0\.\.16, got 17"):
        e.step({"blue_0": 0, "blue_1": 17})
    for bad in (None, 2.5, True, "3"):
        with pytest.raises(ValueError, match=f"action for blue_0 must be an int, got {bad!r}"):
            e.step({"blue_0": bad})
    e.step({"blue_0": np.int64(3), "red_0": 4})  # numpy ints are ints
    with pytest.raises(RuntimeError, match="call reset"):
        parallel_env().step({})
