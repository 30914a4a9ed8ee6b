"""Oracle: the batched core and the per-agent reference loop reach the same states from the same actions."""
from __future__ import annotations

import numpy as np
import pytest

from envs import core
from envs.reference import ReferenceSkirmish
from envs.ruleset import apply_overrides, default_ruleset


def assert_same(params, state, refs, step):
    for b, ref in enumerate(refs):
        u = ref.units
        ctx = f"env {b}, step {step}"
        assert state.x[b].tolist() == [v.x for v in u], ctx
        assert state.y[b].tolist() == [v.y for v in u], ctx
        assert state.alive[b].tolist() == [v.alive for v in u], ctx
        assert state.cooldown[b].tolist() == [v.cooldown for v in u], ctx
        assert state.kills[b].tolist() == [v.kills for v in u], ctx
        np.testing.assert_allclose(state.hp[b], [v.hp for v in u], rtol=1e-12, atol=1e-12, err_msg=ctx)
        np.testing.assert_allclose(state.move_points[b], [v.move_points for v in u], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(state.damage_dealt[b], [v.damage_dealt for v in u], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(state.damage_taken[b], [v.damage_taken for v in u], rtol=1e-12, atol=1e-12)
        assert (int(state.t[b]), bool(state.done[b]), int(state.winner[b])) == (ref.t, ref.done, ref.winner), ctx
        for v in u:  # the nearest lists the next step's actions refer to
            if v.alive and not ref.done:
                enemies, allies = ref.nearest(v)
                want_e = [o.index for o in enemies] + [-1] * (params.k - len(enemies))
                want_a = [o.index for o in allies] + [-1] * (params.k - len(allies))
                assert state.enemies[b, v.index].tolist() == want_e, ctx
                assert state.allies[b, v.index].tolist() == want_a, ctx


@pytest.mark.parametrize("overrides, mode, k", [
    ({}, "valid", core.DEFAULT_K),
    ({"match.at_step_limit": "most_units_left", "units.knight.speed": 1.0}, "any", core.DEFAULT_K),
    ({"match.min_damage_fraction": 0.5, "units.healer.heal": 30.0, "units.archer.range": 2.9}, "valid", core.DEFAULT_K),
    ({}, "valid", 3),  # the nearest lists for k != 4 take the general path of the targeting phase
])
def test_core_matches_the_per_agent_reference(overrides, mode, k):
    r = apply_overrides(default_ruleset(), {"match.max_steps": 150, **overrides})
    params = core.compile_params(r, k=k)
    spec = core.observation_spec(params)
    seeds = [0, 1, 2, 3]
    state = core.reset(params, r.teams["blue"], r.teams["red"], seeds)
    refs = [ReferenceSkirmish.from_core(params, state, b) for b in range(len(seeds))]
    rng = np.random.default_rng(42)
    towards = np.where(state.team[0] == core.BLUE, 3, 7)  # walk east / west so the armies meet
    for step in range(150):
        assert_same(params, state, refs, step)
        if state.done.all():
            break
        _, mask = core.observe(params, state, spec)
        if mode == "valid":  # prefer attacks and heals, else march, with some random valid moves
            score = rng.random(mask.shape) + mask * 1.0
            score[..., core.ATTACK0:] += 2.0
            score[..., :][np.arange(len(seeds))[:, None], np.arange(state.n_units)[None, :], towards] += 1.2
            actions = np.where(mask > 0, score, -1).argmax(-1)
        else:  # any action at all, valid or not: invalid ones must act as hold in both
            actions = rng.integers(0, spec.n_actions, size=state.hp.shape)
            actions[:, ::3] = towards[::3]
        state, _ = core.step(params, state, actions)
        for b, ref in enumerate(refs):
            ref.step(actions[b].tolist())
    assert state.done.any(), "the scenario should reach the end of some matches"
    assert (state.kills.sum() > 0), "and involve fighting"
