"""Observation layout versions: v2 adds every observed unit's stats on fixed, bounded scales."""
from __future__ import annotations

import numpy as np
import pytest

from envs import core
from envs.ruleset import default_ruleset
from envs.rewards import RewardConfig
from envs.spec import STAT_CAP, STAT_REFS, ObservationSpec

R = default_ruleset()
BLUE, RED = {"warrior": 2, "archer": 2, "healer": 1}, {"knight": 2, "archer": 2, "healer": 1}


def _observe(ruleset, version, seeds=(1, 2, 3)):
    p = core.compile_params(ruleset)
    spec = core.observation_spec(p, version=version)
    state = core.reset(p, BLUE, RED, list(seeds))
    obs, mask = core.observe(p, state, spec)
    return spec, obs, mask, state


def test_layout_1_is_a_prefix_of_layout_2():
    s1, o1, m1, _ = _observe(R, 1)
    s2, o2, m2, _ = _observe(R, 2)
    assert s1.version == 1 and s2.version == 2
    assert s2.size == s1.size + len(ObservationSpec.STATS_FEATURES) * (1 + 2 * s1.k)
    assert np.array_equal(o1, o2[..., :s1.size]) and np.array_equal(m1, m2)


def test_stats_section_reads_each_observed_units_numbers():
    spec, obs, _, state = _observe(R, 2)
    stats = spec.stats(obs)  # (B, N, 1 + 2K, 8)
    names = R.unit_names
    own = stats[0, 0, 0]
    u = R.units[names[state.utype[0, 0]]]
    assert own[0] == pytest.approx(np.log2(1 + u.hp / STAT_REFS["hp"]), rel=1e-6)
    assert own[2] == pytest.approx(np.log2(1 + u.range / STAT_REFS["range"]), rel=1e-6)
    # an ally slot carries the ally's stats (enemies are out of sight at the start); empty slots read zeros
    k = spec.k
    allies = spec.allies(obs)
    present = allies[0, 0, :, 0] > 0
    assert present.any()
    j = state.allies[0, 0, 0]
    dmg = R.units[names[state.utype[0, j]]].damage
    assert stats[0, 0, 1 + k, 1] == pytest.approx(np.log2(1 + dmg / STAT_REFS["damage"]), rel=1e-6)
    for q in np.flatnonzero(~present):
        assert not stats[0, 0, 1 + k + q].any()
    assert not stats[0, 0, 1:1 + k].any()  # no enemy in sight: enemy slots empty


def test_out_of_range_stats_stay_finite_and_bounded():
    """Stats far outside anything trained on (x0.02 and x50 of default) still give finite values in [0, cap],
    and x0.25..x4 (the range a designer tries) keeps order without touching the cap."""
    values = {}
    for factor in (0.02, 0.25, 1.0, 4.0, 50.0):
        edits = {}
        for name, u in R.units.items():
            edits[f"units.{name}.hp"] = u.hp * factor
            edits[f"units.{name}.damage"] = u.damage * factor
            edits[f"units.{name}.armor"] = u.armor * factor
            edits[f"units.{name}.range"] = max(1.0, u.range * factor)
            edits[f"units.{name}.cooldown"] = max(1, int(round(u.cooldown * factor)))
            if u.heal:
                edits[f"units.{name}.heal"] = u.heal * factor
        spec, obs, _, _ = _observe(R.with_values(edits), 2)
        st = spec.stats(obs)
        assert np.isfinite(obs).all()
        assert (st >= 0).all() and (st <= STAT_CAP).all()
        values[factor] = st[0, 0, 0]
    own_hp = [values[f][0] for f in (0.02, 0.25, 1.0, 4.0, 50.0)]
    assert own_hp == sorted(own_hp) and len(set(own_hp)) == 5  # ordered, still telling values apart
    assert values[4.0][0] < STAT_CAP and values[0.25][0] > 0


def test_fused_step_writes_the_same_layout_2_observations():
    p = core.compile_params(R)
    spec = core.observation_spec(p, version=2)
    a = core.reset(p, BLUE, RED, [5, 6])
    b = a.copy()
    actions = np.zeros((2, a.n_units), dtype=np.int64)
    fused = core.FusedStep(p, spec, 2, a.n_units, core.reward_weights(RewardConfig()), bound=10.0)
    fused.actions[:] = actions
    obs_f, _ = fused(a)
    core.step_inplace(p, b, actions)
    obs_o, _ = core.observe(p, b, spec)
    assert np.array_equal(obs_f, np.clip(obs_o, -10.0, 10.0))


def test_unknown_layout_version_is_refused():
    with pytest.raises(ValueError, match="layout version"):
        core.observation_spec(core.compile_params(R), version=3)
    with pytest.raises(ValueError, match="no stats section"):
        core.observation_spec(core.compile_params(R)).stats(np.zeros((1, 148)))


class _FakePolicy:
    def __init__(self, size, n_actions):
        import gymnasium as gym

        self.observation_space = gym.spaces.Box(-1, 1, shape=(size,))
        self.action_space = gym.spaces.Discrete(n_actions)

    def set_training_mode(self, mode):
        pass


class _FakeModel:
    def __init__(self, size, n_actions, layout=None):
        self.policy = _FakePolicy(size, n_actions)
        if layout is not None:
            self.gameai_obs_layout = layout


def test_model_and_environment_layout_mismatch_is_a_clear_error():
    from agents.rl_policy import LearnedPolicy, ModelFileError

    p = core.compile_params(R)
    s1, s2 = core.observation_spec(p), core.observation_spec(p, version=2)
    v2_bot = LearnedPolicy(_FakeModel(s2.size, s2.n_actions, layout=2))
    with pytest.raises(ModelFileError, match=r"layout v2.*layout v1"):
        v2_bot.check_spec(s1)
    v2_bot.check_spec(s2)
    old_bot = LearnedPolicy(_FakeModel(s1.size, s1.n_actions))  # saved before layouts had versions: v1
    assert old_bot.obs_layout == 1
    with pytest.raises(ModelFileError, match=r"layout v1.*layout v2"):
        old_bot.check_spec(s2)


def test_shipped_ppo_still_reads_layout_1_and_plays_against_a_layout_2_bot():
    from agents import make_policy, run_matches

    ppo = make_policy("ppo")
    assert ppo.obs_layout == 1
    res = run_matches(R, R.teams["blue"], R.teams["red"], [11, 12], blue_bot=ppo, red_bot="focus_fire")
    assert all(r.winner in ("blue", "red", "draw") for r in res)


def test_shipped_generalist_reads_layout_2_and_is_a_sweep_bot():
    from agents import make_policy
    from agents.pretrained import LEARNED_BOTS
    from gameai.balance.spec import parse_spec

    assert "ppo_general" in LEARNED_BOTS
    bot = make_policy("ppo_general", "average", seed=1)
    assert bot.obs_layout == 2
    spec = parse_spec({"name": "g", "params": {"units.archer.range": [4.0, 6.0]},
                       "matchups": {"equal_cost": ["archer", "warrior"]}, "play": {"bots": ["ppo_general", "ppo"]}})
    assert spec.bots == ("ppo_general", "ppo")
    from agents import run_matches

    res = run_matches(R, R.teams["blue"], R.teams["red"], [3], blue_bot=bot, red_bot=make_policy("ppo"))
    assert res[0].winner in ("blue", "red", "draw")
