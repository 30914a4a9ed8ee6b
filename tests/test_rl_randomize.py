"""Domain-randomised self-play (``gameai train --randomize``) and fine-tuning per ruleset (``--init``)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agents.rl_randomize import RandomizeError, RuleDraws, StatRange, default_ranges, fingerprint
from envs.ruleset import default_ruleset

R = default_ruleset()
ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(n_slots=64, n_steps=32, batch_size=512, map_size=16, imitate_steps=8_000, imitate_epochs=3,
             snapshot_every=2_048, checkpoint_every=2_048, eval_seeds=0, groups=4, matches_per_draw=8, obs_layout=2)


def test_default_ranges_are_half_to_double_within_the_rulesets_bounds():
    ranges = {r.key: r for r in default_ranges(R)}
    assert ranges["units.archer.hp"].low == pytest.approx(35.0) and ranges["units.archer.hp"].high == pytest.approx(140.0)
    assert ranges["units.warrior.speed"].high == 1.0  # speed is at most 1 cell a step
    assert ranges["units.warrior.range"].low == 1.0  # range at least 1 cell
    assert ranges["units.knight.cooldown"].integer and ranges["units.knight.cooldown"].low >= 1
    assert "units.archer.heal" not in ranges  # a zero stat is a role, not a number to scale


def test_draws_are_seeded_within_ranges_and_budget():
    d = RuleDraws.default(R)
    a = [d.draw(np.random.default_rng(3)) for _ in range(2)]
    assert a[0][0].to_dict() == a[1][0].to_dict() and a[0][1:] == a[1][1:]
    rng = np.random.default_rng(0)
    for _ in range(20):
        ruleset, blue, red = d.draw(rng)
        for r in d.ranges:
            assert r.low - 1e-9 <= ruleset.get(r.key) <= r.high + 1e-9
        assert 0 < ruleset.team_cost(blue) <= ruleset.match.budget and 0 < ruleset.team_cost(red) <= ruleset.match.budget


def test_single_unit_share_buys_unit_matrix_armies_and_zero_keeps_old_draws():
    from envs.ruleset import equal_cost_army

    mixed, none, all_single = (RuleDraws(R, default_ranges(R), base_share=0.0, single_unit_share=s) for s in (0.0, 0.0, 1.0))
    # a share of 0 draws exactly what the draws drew before the option existed (old runs still reproduce)
    assert [mixed.draw(np.random.default_rng(i))[1:] for i in range(5)] == \
        [none.draw(np.random.default_rng(i))[1:] for i in range(5)]
    assert fingerprint(mixed) == fingerprint(RuleDraws(R, default_ranges(R), base_share=0.0))
    assert fingerprint(all_single)["single_unit_share"] == 1.0
    rng, seen = np.random.default_rng(1), set()
    for _ in range(40):
        ruleset, blue, red = all_single.draw(rng)
        for army in (blue, red):
            (unit, count), = army.items()  # one archetype a side
            seen.add(unit)
            spare = ruleset.match.budget - ruleset.team_cost(army)
            assert 0 <= spare and count >= 1 and spare < ruleset.match.budget  # within the budget
            assert count <= equal_cost_army(ruleset, unit)[unit]  # at most the full-budget unit-matrix army
    assert seen == set(R.unit_names)  # every archetype is drawn
    half = RuleDraws(R, default_ranges(R), base_share=0.0, single_unit_share=0.5)
    rng = np.random.default_rng(2)
    singles = sum(len(b) == 1 and len(r) == 1 for _, b, r in (half.draw(rng) for _ in range(200)))
    assert 70 <= singles <= 150  # about half (random mixes are seldom single-unit on both sides)


@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan")])
def test_bad_single_unit_share_is_explained(share):
    with pytest.raises(RandomizeError, match="single_unit_share"):
        RuleDraws(R, default_ranges(R), single_unit_share=share)


@pytest.mark.parametrize("ranges, message", [
    ((), "no ranges"),
    ((StatRange("units.archer.range", 5.0, 3.0),), "empty range"),
    ((StatRange("units.archer.speed", 0.5, 3.0),), "outside what the ruleset allows"),
    ((StatRange("units.archer.hp", -5.0, 10.0),), "outside what the ruleset allows"),
    ((StatRange("units.dragon.hp", 1.0, 2.0),), "not a ruleset number"),
    ((StatRange("match.at_step_limit", 1.0, 2.0),), "not a number"),
])
def test_bad_ranges_are_explained(ranges, message):
    with pytest.raises(RandomizeError, match=message):
        RuleDraws(R, ranges)


def test_bad_spec_range_from_a_file_is_a_clear_cli_error(tmp_path, capsys, monkeypatch):
    from gameai.cli.main import main

    spec = tmp_path / "s.toml"
    spec.write_text('name = "x"\n[params]\n"units.archer.speed" = { range = [0.5, 3.0] }\n'
                    '[matchups]\nequal_cost = ["archer", "warrior"]\n')
    monkeypatch.chdir(tmp_path)
    for args, message in [(["--randomize", str(spec)], "units.archer.speed"),
                          (["--randomize", "missing.toml"], "missing.toml"),
                          (["--init", "missing.zip"], "no such model file"),
                          (["--randomize", "default", "--matches-per-draw", "0"], "matches_per_draw"),
                          (["--randomize", "default", "--single-unit-share", "2"], "single_unit_share"),
                          (["--single-unit-share", "0.3"], "needs --randomize")]:
        assert main(["train", "--steps", "100", "--out", "x.zip", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (args, err)


@pytest.fixture(scope="module")
def randomized(tmp_path_factory):
    from agents.rl_train import TrainConfig, train

    d = RuleDraws.default(R)
    out = tmp_path_factory.mktemp("rand") / "gen.zip"
    cfg = TrainConfig(steps=8_192, out=str(out), seed=0, randomize=fingerprint(d), **SMALL)
    result = train(cfg, R, progress=False, log=lambda m: None, draws=d)
    return out, result


def test_short_randomised_run_beats_random_on_an_unseen_ruleset(randomized):
    from agents import make_policy
    from agents.map_seeds import held_out_seeds
    from agents.rl_eval import head_to_head, wilson
    from agents.rl_policy import LearnedPolicy, load_model, model_layout

    out, result = randomized
    assert model_layout(load_model(out)) == 2
    assert result.rulesets_drawn >= SMALL["groups"]  # each slot group draws its first ruleset at the start
    assert json.loads(out.with_suffix(".json").read_text())["rulesets_drawn_this_session"] == result.rulesets_drawn
    # a ruleset from another seed stream than training's (training draws from the slot envs' own seeds)
    draws = RuleDraws(R, default_ranges(R), base_share=0.0)
    unseen = R.with_values(draws.draw_values(np.random.default_rng([2**31, 99])))
    teams = unseen.teams  # the same army on both sides: a fair test of play, not of the draw
    r = head_to_head(unseen, lambda: LearnedPolicy(out), lambda: make_policy("random"), held_out_seeds(12),
                     map_size=16, blue=teams["blue"], red=teams["red"])
    assert wilson(r["wins"], r["matches"])[0] > 0.5, r


def test_randomised_training_is_reproducible(tmp_path):
    import torch

    from agents.rl_policy import load_model
    from agents.rl_train import TrainConfig, train

    d = RuleDraws.default(R)
    small = {**SMALL, "n_slots": 32, "groups": 2, "imitate_steps": 1_024, "imitate_epochs": 1}
    nets = []
    for i in range(2):
        cfg = TrainConfig(steps=2_048, out=str(tmp_path / f"d{i}.zip"), seed=5, randomize=fingerprint(d), **small)
        train(cfg, R, progress=False, log=lambda m: None, draws=d)
        nets.append(load_model(cfg.out).policy.state_dict())
    assert all(torch.equal(nets[0][k], nets[1][k]) for k in nets[0])


def test_fine_tune_starts_from_the_init_model_and_keeps_its_layout(randomized, tmp_path):
    from agents.rl_finetune import fine_tune
    from agents.rl_policy import ModelFileError, load_model, model_layout

    out, _ = randomized
    target = R.with_values({"units.archer.range": 8.0})
    small = {k: v for k, v in SMALL.items() if k not in ("obs_layout", "groups", "matches_per_draw")}
    res = fine_tune(out, target, 2_048, seed=1, out=tmp_path / "spec.zip", log=lambda m: None,
                    **{**small, "imitate_steps": 1_024})
    assert res.steps >= 2_048 and model_layout(load_model(tmp_path / "spec.zip")) == 2
    with pytest.raises(ModelFileError, match="no such model file"):
        fine_tune(tmp_path / "missing.zip", target, 1_024, out=tmp_path / "x.zip")


def test_scripted_eval_loads_no_rl_stack():
    code = ("import sys; from gameai.cli.main import main; "
            "rc = main(['eval', '--bots', 'kite,focus_fire', '--seeds', '1', '--map-size', '16']); "
            "print('RL', rc, sorted(m for m in ('stable_baselines3', 'sb3_contrib', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert "RL 0 []" in out.stdout, out.stdout + out.stderr
