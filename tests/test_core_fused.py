"""``core.FusedStep`` (the faces' one-call step) computes exactly what its three parts compute apart,
and ``core.reset``'s caches never hand back a wrong or writable roster or arena."""
from __future__ import annotations

import numpy as np
import pytest

from envs import core
from envs.rewards import RewardConfig, unit_rewards
from envs.ruleset import apply_overrides, default_ruleset
from pcg import skirmish_map

BLUE = {"warrior": 3, "archer": 2, "healer": 1}
RED = {"knight": 2, "archer": 2, "warrior": 2}


@pytest.mark.parametrize("weights, terrain, k", [
    (RewardConfig(), None, 4),
    (RewardConfig(damage=-0.5, damage_taken=-0.25, kill=2.0, death=-3.0, win=7.0, loss=-5.0, draw=1.5), None, 3),
    (RewardConfig(damage=0.0, kill=0.0, win=0.0, loss=0.0), lambda seed: skirmish_map(seed, size=16 + seed % 3 * 2), 5),
])
def test_fused_step_equals_step_rewards_and_clipped_observe_bit_for_bit(weights, terrain, k):
    small = {"match.at_step_limit": "most_hp_left", "match.arena_width": 12, "match.arena_height": 12}
    params = core.compile_params(apply_overrides(default_ruleset(), small), k=k, max_steps=70)
    spec = core.observation_spec(params)
    seeds = [3, 4, 5, 6]
    fused_state = core.reset(params, BLUE, RED, seeds, terrain)
    apart = core.reset(params, BLUE, RED, seeds, terrain)
    bound = 0.75  # small enough that clipping bites on real features
    fused = core.FusedStep(params, spec, len(seeds), fused_state.n_units, weights.weights, bound)
    rng = np.random.default_rng(0)
    _, mask = core.observe(params, apart, spec)
    seen = {"killed": 0, "ended": 0, "clipped": 0, "invalid": 0}
    while not apart.done.all():
        score = rng.random(mask.shape)  # fight when possible, else mostly march on the enemy
        score[..., core.ATTACK0:] += 2.0
        score[:, apart.team[0] == core.BLUE, core.MOVE0 + 2] += 0.8
        score[:, apart.team[0] == core.RED, core.MOVE0 + 6] += 0.8
        acts = np.where(mask > 0, score, -1.0).argmax(-1)
        acts[:, ::5] = rng.integers(-2, spec.n_actions + 2, size=acts[:, ::5].shape)  # invalid codes hold
        seen["invalid"] += int(((acts < 0) | (acts >= spec.n_actions)).sum())
        fused.actions[:] = acts
        was_running = ~apart.done
        ev = core.step_inplace(params, apart, acts)
        want_rew = unit_rewards(weights, ev, apart.team[0], was_running)
        want_obs, mask = core.observe(params, apart, spec)
        got_obs, got_mask = fused(fused_state)
        for f in ("attack_target", "damage", "heal_target", "heal", "killed", "killer"):
            assert getattr(fused.events, f).tobytes() == getattr(ev, f).tobytes(), f
        assert fused.rewards.tobytes() == want_rew.tobytes()
        assert got_obs.tobytes() == np.clip(want_obs, -bound, bound).tobytes()
        assert got_mask.tobytes() == mask.tobytes()
        for f in core.fields(core.SkirmishState):
            assert getattr(fused_state, f.name).tobytes() == getattr(apart, f.name).tobytes(), f.name
        seen["killed"] += int(ev.killed.sum())
        seen["ended"] += int((ev.done & was_running).sum())
        seen["clipped"] += int((np.abs(want_obs) > bound).sum())
    assert seen["killed"] and seen["ended"] == len(seeds) and seen["clipped"] and seen["invalid"]


def test_fused_step_hands_out_new_arrays_and_refuses_a_state_of_another_shape():
    params = core.compile_params(default_ruleset(), max_steps=20)
    spec = core.observation_spec(params)
    state = core.reset(params, BLUE, RED, [0, 1])
    fused = core.FusedStep(params, spec, 2, state.n_units, RewardConfig().weights)
    first = fused(state)
    kept = [a.copy() for a in first]
    second = fused(state)
    assert not any(np.shares_memory(a, b) for a, b in zip(first, second))
    assert all(np.array_equal(a, b) for a, b in zip(first, kept))
    with pytest.raises(ValueError, match=r"steps 2 envs × 12 units, the state has \(1, 12\)"):
        fused(core.reset(params, BLUE, RED, [0]))


def test_fused_step_follows_arrays_swapped_into_its_state_and_another_state():
    """The kernel's arguments are boxed once; a state array replaced by hand, or another state, is seen."""
    params = core.compile_params(default_ruleset(), max_steps=20)
    spec = core.observation_spec(params)
    state = core.reset(params, BLUE, RED, [0, 1])
    fused = core.FusedStep(params, spec, 2, state.n_units, RewardConfig().weights)
    fused(state)  # boxes this state's arrays
    for swap in ("hp", "move_points", None):
        if swap:
            setattr(state, swap, getattr(state, swap) * 0.5)  # a new array, e.g. a scenario edit
        else:
            state = core.reset(params, BLUE, RED, [7, 8])
        apart = state.copy()
        fused.actions[:] = core.MOVE0 + 2
        got_obs, got_mask = fused(state)
        core.step_inplace(params, apart, fused.actions)
        want_obs, want_mask = core.observe(params, apart, spec)
        assert got_obs.tobytes() == want_obs.tobytes() and got_mask.tobytes() == want_mask.tobytes(), swap
        assert all(getattr(state, f.name).tobytes() == getattr(apart, f.name).tobytes()
                   for f in core.fields(core.SkirmishState)), swap
        assert fused.events.done is state.done
    for name in ("actions", "events", "rewards"):  # the boxed arguments hold these: filled in place, never rebound
        with pytest.raises(AttributeError):
            setattr(fused, name, getattr(fused, name))


def test_reset_remembers_checked_rosters_and_arenas_without_letting_bad_input_through():
    params = core.compile_params(default_ruleset())
    a = core.reset(params, BLUE, RED, [1])
    b = core.reset(params, dict(BLUE), dict(RED), [1])  # answered from the cache
    assert all(getattr(a, f.name).tobytes() == getattr(b, f.name).tobytes() for f in core.fields(core.SkirmishState))
    assert b.team.flags.writeable and b.utype.flags.writeable and b.terrain.flags.writeable
    with pytest.raises(ValueError, match="warrior"):  # 3.0 equals the cached 3 but is not a count
        core.reset(params, {**BLUE, "warrior": 3.0}, RED, [1])
    with pytest.raises(ValueError):
        core.reset(params, {**BLUE, "dragon": 1}, RED, [1])
    arena = core.resolve_terrain(params, None, [0])[0][0]
    assert not arena.flags.writeable  # shared by every reset of these params
