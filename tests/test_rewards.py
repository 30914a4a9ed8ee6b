"""Reward weights: ``unit_rewards`` credits every event to the right unit, in every term."""
from __future__ import annotations

import numpy as np

from envs import core
from envs.maps import builtin_arena
from envs.rewards import RewardConfig, unit_rewards
from envs.ruleset import default_ruleset


def test_unit_rewards_equal_a_per_event_sum():
    cfg = RewardConfig(damage=0.5, damage_taken=-0.25, kill=2.0, death=-3.0, win=10.0, loss=-7.0, draw=1.0)
    params = core.compile_params(default_ruleset(), max_steps=80)
    team, _ = core.unit_roster(params.ruleset, {"warrior": 3, "healer": 1}, {"archer": 2, "knight": 2})
    state = core.reset(params, {"warrior": 3, "healer": 1}, {"archer": 2, "knight": 2}, range(6), builtin_arena(10, 10))
    rng = np.random.default_rng(0)
    seen = {"kill": 0, "ended": 0}
    while not state.done.all():
        _, mask = core.observe(params, state)
        acts = np.where(mask[..., 9:13].any(-1), 9 + mask[..., 9:13].argmax(-1),
                        np.argmax(mask * rng.random(mask.shape), -1))
        was_running = ~state.done
        ev = core.step_inplace(params, state, acts)
        got = unit_rewards(cfg, ev, team, was_running)
        want = np.zeros_like(got)
        for b in range(state.n_envs):
            for i in range(state.n_units):
                want[b, i] += cfg.damage * ev.damage[b, i] + cfg.death * ev.killed[b, i]
                if ev.attack_target[b, i] >= 0:
                    want[b, ev.attack_target[b, i]] += cfg.damage_taken * ev.damage[b, i]
                if ev.killed[b, i] and ev.killer[b, i] >= 0:
                    want[b, ev.killer[b, i]] += cfg.kill
                    seen["kill"] += 1
            if ev.done[b] and was_running[b]:
                seen["ended"] += 1
                w = ev.winner[b]
                for i in range(state.n_units):
                    mine = core.BLUE_WINS if team[i] == core.BLUE else core.RED_WINS
                    want[b, i] += cfg.draw if w == core.DRAW else cfg.win if w == mine else cfg.loss
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert seen["kill"] > 0 and seen["ended"] == 6
