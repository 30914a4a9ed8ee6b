"""`learned_bot_check = true`: fine-tune the learned bot on a sweep's most extreme configurations."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from gameai.balance.spec import SpecError, parse_spec

BASE = {"name": "check", "params": {"units.archer.range": {"range": [3.0, 7.0], "steps": 3}},
        "matchups": {"equal_cost": ["archer", "warrior"]}}


def _spec(play: dict):
    return parse_spec({**BASE, "play": play})


def test_spec_key_defaults_off_and_is_validated():
    assert _spec({"bots": ["ppo"]}).learned_bot_check is False
    s = _spec({"bots": ["ppo", "focus_fire"], "learned_bot_check": True, "learned_check_steps": 5000})
    assert s.learned_bot_check and s.learned_check_steps == 5000
    with pytest.raises(SpecError, match="true or false"):
        _spec({"bots": ["ppo"], "learned_bot_check": "yes"})
    with pytest.raises(SpecError, match="needs a learned bot"):
        _spec({"bots": ["focus_fire"], "learned_bot_check": True})
    with pytest.raises(SpecError, match="learned_check_steps"):
        _spec({"bots": ["ppo"], "learned_bot_check": True, "learned_check_steps": 0})


def test_extreme_configs_are_the_ends_of_the_ranges():
    from gameai.balance.learned_check import extreme_configs

    spec = _spec({"bots": ["ppo"]})
    configs = [SimpleNamespace(index=i, overrides=(("units.archer.range", v),)) for i, v in enumerate([3.0, 5.0, 7.0])]
    configs.append(SimpleNamespace(index=3, overrides=()))  # the base ruleset is never "extreme"
    picked = extreme_configs(spec, configs, 2)
    assert [c.index for c in picked] == [0, 2]


def test_check_fine_tunes_and_reports_verdict_shifts(tmp_path):
    from gameai.balance.design import build_design
    from gameai.balance.learned_check import learned_bot_check

    spec = parse_spec({**BASE, "play": {"bots": ["ppo"], "learned_bot_check": True}})
    configs = build_design(spec)
    out = learned_bot_check(spec, configs, tmp_path, n_configs=1, steps=2_048, seeds=2, log=lambda m: None,
                            n_slots=64, n_steps=32, batch_size=512)
    assert out["bots"] == ["ppo"] and len(out["rows"]) == 1
    row = out["rows"][0]
    assert row["overrides"] in ({"units.archer.range": 3.0}, {"units.archer.range": 7.0})
    assert 0 <= row["win_rate"] <= 1 and 0 <= row["win_rate_tuned"] <= 1
    assert row["shift_points"] == pytest.approx(100 * (row["win_rate_tuned"] - row["win_rate"]))
    assert out["max_abs_shift_points"] == abs(row["shift_points"])
