"""The parameter-sharing VecEnv: every live learner unit is a slot, dead slots are re-used, masks hold."""
from __future__ import annotations

import numpy as np
import pytest

from agents.league import League
from agents.rl_slots import HELD_OUT_SEED0, UnitSlotVecEnv, held_out_seeds
from envs.ruleset import default_ruleset

R = default_ruleset()


def make_env(n_slots=32, seed=0, map_size=16):
    return UnitSlotVecEnv(R, League(), n_slots, map_size=map_size, seed=seed)


def random_actions(masks, rng):
    return np.where(masks, rng.random(masks.shape), -1).argmax(-1)


def test_slots_bind_live_learner_units_and_are_reused():
    env = make_env()
    obs = env.reset()
    team_size = len(env.team_idx[0])
    assert obs.shape == (32, env.spec.size) and env.action_masks().shape == (32, env.spec.n_actions)
    rng = np.random.default_rng(0)
    rebinds = 0
    for _ in range(250):
        masks = env.action_masks()
        assert masks[:, 0].all()  # hold is always allowed
        prev = env.slot_env.copy(), env.slot_unit.copy()
        obs, rew, done, infos = env.step(random_actions(masks, rng))
        bound = env.slot_env >= 0
        # every bound slot is a live unit of the learner's team in a running match, and no unit has two slots
        e, u = env.slot_env[bound], env.slot_unit[bound]
        assert env.active[e].all() and env.state.alive[e, u].all()
        assert (env.state.team[e, u] == env.learner_team[e]).all()
        assert len(set(zip(e.tolist(), u.tolist()))) == bound.sum()
        # the observation of a bound slot is its unit's own, idle slots see zeros and may only hold
        assert np.array_equal(obs[bound], env.obs_all[e, u])
        assert not obs[~bound].any() and not env.action_masks()[~bound, 1:].any()
        idle_before = prev[0] < 0  # idle during this step: no reward, every step an episode end
        assert done[idle_before].all() and not rew[idle_before].any()
        # a slot whose unit survived and whose match runs on keeps its unit
        kept = (prev[0] >= 0) & ~done
        assert np.array_equal(env.slot_env[kept], prev[0][kept]) and np.array_equal(env.slot_unit[kept], prev[1][kept])
        rebinds += int(((prev[0] >= 0) & done & bound).sum())
        # idle slots never reach a whole team: a free team's worth starts a new match at once
        assert (~bound).sum() < team_size or (~env.active).sum() == 0
    assert env.stats["matches"] > 0 and rebinds > 0
    assert env.idle_fraction < team_size / 32


def test_same_seed_same_rollout():
    runs = []
    for _ in range(2):
        env = make_env(seed=5)
        obs = env.reset()
        rng = np.random.default_rng(1)
        total = 0.0
        for _ in range(60):
            obs, rew, done, _ = env.step(random_actions(env.action_masks(), rng))
            total += float(rew.sum())
        runs.append((obs.copy(), total, env.match_seed.copy()))
    assert np.array_equal(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1]
    assert np.array_equal(runs[0][2], runs[1][2])


def test_training_seeds_never_held_out():
    env = make_env(seed=3)
    env.reset()
    for _ in range(300):
        env.step(random_actions(env.action_masks(), np.random.default_rng(0)))
    assert (env.match_seed[env.active] < HELD_OUT_SEED0).all()
    assert min(held_out_seeds(5)) >= HELD_OUT_SEED0


def test_win_reward_reaches_the_slots():
    """A match that ends hands +1/-1 (plus shaping) to the slots of its surviving learner units."""
    env = make_env(n_slots=7, map_size=0)
    env.reset()
    b = int(env.slot_env[0])
    lt = int(env.learner_team[b])
    enemy = env.team_idx[1 - lt]
    env.state.alive[b, enemy] = False  # the enemy team is wiped out by hand
    env.state.hp[b, enemy] = 0.0
    from envs import core

    core.refresh(env.params, env.state)
    _, rew, done, _ = env.step(np.zeros(7, dtype=np.int64))
    assert done.all() and env.stats["wins"] == 1
    assert (rew >= 1.0).all()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="smaller than a team"):
        make_env(n_slots=3)
