"""Property tests (hypothesis) on the core: hp bounds, inert dead units, one unit per cell, determinism."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.arena import run_matches
from envs import core
from envs.ruleset import apply_overrides, default_ruleset

ROOT = Path(__file__).resolve().parents[1]
R = default_ruleset()
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

rulesets = st.fixed_dictionaries({
    "units.warrior.damage": st.floats(0, 200), "units.archer.armor": st.floats(0, 50),
    "units.healer.heal": st.floats(0, 300), "units.knight.hp": st.floats(1, 500),
    "units.archer.range": st.floats(1, 12), "units.warrior.speed": st.floats(0.05, 1),
    "units.knight.cooldown": st.integers(1, 5), "match.min_damage_fraction": st.floats(0, 1),
    "terrain.forest.defence": st.floats(0, 0.99),
})
compositions = st.dictionaries(st.sampled_from(R.unit_names), st.integers(1, 4), min_size=1)


def _run(overrides, blue, red, seeds, n_steps, action_seed):
    """Step random actions (valid or not) and yield (state before, state after, events) each step."""
    r = apply_overrides(R, overrides)
    params = core.compile_params(r)
    spec = core.observation_spec(params)
    state = core.reset(params, blue, red, seeds)
    rng = np.random.default_rng(action_seed)
    for _ in range(n_steps):
        _, mask = core.observe(params, state, spec)
        # mostly valid actions with a bias to fighting, plus some arbitrary (possibly invalid) ones
        score = np.where(mask > 0, rng.random(mask.shape) + (np.arange(spec.n_actions) >= core.ATTACK0), -1.0)
        actions = np.where(rng.random(state.hp.shape) < 0.2, rng.integers(0, spec.n_actions, state.hp.shape),
                           score.argmax(-1))
        before = state
        state, ev = core.step(params, state, actions)
        yield params, before, state, ev, actions


@SETTINGS
@given(overrides=rulesets, blue=compositions, red=compositions,
       seeds=st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=3), action_seed=st.integers(0, 2**16))
def test_hp_stays_within_zero_and_max(overrides, blue, red, seeds, action_seed):
    for params, _, s, _, _ in _run(overrides, blue, red, seeds, 40, action_seed):
        max_hp = params.hp[s.utype]
        assert (s.hp >= 0).all() and (s.hp <= max_hp).all()
        assert np.array_equal(s.alive, s.hp > 0)


@SETTINGS
@given(overrides=rulesets, blue=compositions, red=compositions, seed=st.integers(0, 2**31 - 1),
       action_seed=st.integers(0, 2**16))
def test_dead_units_never_act_or_take_damage(overrides, blue, red, seed, action_seed):
    for _, before, s, ev, _ in _run(overrides, blue, red, [seed], 60, action_seed):
        dead = ~before.alive
        assert (ev.attack_target[dead] == -1).all() and (ev.heal_target[dead] == -1).all()
        assert not np.isin(np.flatnonzero(dead[0]), ev.attack_target[0]).any(), "nobody hits a dead unit"
        assert not np.isin(np.flatnonzero(dead[0]), ev.heal_target[0]).any()
        for name in ("x", "y", "hp", "cooldown", "damage_taken", "damage_dealt", "kills"):
            assert np.array_equal(getattr(s, name)[dead], getattr(before, name)[dead]), name
        assert not s.alive[dead].any(), "nobody comes back"


@SETTINGS
@given(blue=compositions, red=compositions, seed=st.integers(0, 2**31 - 1), action_seed=st.integers(0, 2**16))
def test_one_living_unit_per_cell_on_passable_ground(blue, red, seed, action_seed):
    for params, _, s, _, _ in _run({}, blue, red, [seed], 40, action_seed):
        live = np.flatnonzero(s.alive[0])
        cells = set(zip(s.x[0, live].tolist(), s.y[0, live].tolist()))
        assert len(cells) == len(live)
        tiles = s.terrain[0, s.y[0, live], s.x[0, live]]
        assert params.passable[s.utype[0, live], tiles].all()
        occ = np.argwhere(s.occupant[0] >= 0)
        assert len(occ) == len(live) and all(s.occupant[0, y, x] in live for y, x in occ)


def _digest(results) -> str:
    return hashlib.sha256(json.dumps([r.to_dict() for r in results], sort_keys=True).encode()).hexdigest()


@settings(max_examples=8, deadline=None)
@given(seeds=st.lists(st.integers(0, 10**6), min_size=1, max_size=4, unique=True),
       bots=st.sampled_from([("focus_fire", "kite"), ("retreat", "random"), ("kite", "kite")]),
       tiers=st.sampled_from([("novice", "expert"), ("average", "novice")]))
def test_same_seed_identical_event_logs_and_independent_of_the_batch(seeds, bots, tiers):
    kw = dict(blue_bot=bots[0], red_bot=bots[1], blue_tier=tiers[0], red_tier=tiers[1], max_steps=120)
    batch = run_matches(R, R.teams["blue"], R.teams["red"], seeds, **kw)
    again = run_matches(R, R.teams["blue"], R.teams["red"], seeds, **kw)
    assert _digest(batch) == _digest(again)
    single = run_matches(R, R.teams["blue"], R.teams["red"], [seeds[-1]], **kw)
    assert _digest(single) == _digest(batch[-1:])


def test_same_seed_identical_event_logs_across_processes():
    code = ("import hashlib, json; from agents.arena import run_matches; from envs.ruleset import default_ruleset; "
            "r = default_ruleset(); res = run_matches(r, r.teams['blue'], r.teams['red'], [3, 14, 15], "
            "blue_bot='kite', red_bot='retreat', blue_tier='novice', record_attacks=True); "
            "print(hashlib.sha256(json.dumps([x.to_dict() for x in res], sort_keys=True).encode()).hexdigest())")
    outs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           timeout=120).stdout.strip() for _ in range(2)]
    here = run_matches(R, R.teams["blue"], R.teams["red"], [3, 14, 15], blue_bot="kite", red_bot="retreat",
                       blue_tier="novice", record_attacks=True)
    assert outs[0] == outs[1] == _digest(here)
