"""Statistics on rows with a known truth: CIs, deviation, matrix, ratings, flags, sensitivity."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from gameai.balance.design import Config
from gameai.balance.sensitivity import sensitivity
from gameai.balance.stats import (analyse, deviation, dominance_flags, matchup_matrix, ratings, unit_contribution,
                                  wilson, win_rates)


def rows_for(a, b, wins_a, wins_b, draws=0, tier="expert", config="base", params=None):
    out = []
    for k, w in enumerate(["a"] * wins_a + ["b"] * wins_b + ["draw"] * draws):
        out.append({"config_id": config, "matchup": f"{a} vs {b}", "army_a": a, "army_b": b, "bot": "focus_fire",
                    "tier": tier, "winner": w, "a_units": {a: 3}, "b_units": {b: 3}, "params": params or {}})
    return out


def test_wilson_interval_is_scipys():
    p, lo, hi = wilson(30, 50)
    ci = sps.binomtest(30, 50).proportion_ci(method="wilson")
    assert p == 0.6 and (lo, hi) == pytest.approx((ci.low, ci.high))
    assert math.isnan(wilson(0, 0)[0])


def test_draws_are_counted_but_not_in_the_win_rate():
    (w,) = win_rates(rows_for("x", "y", 6, 2, draws=4), ["all"])
    assert (w.wins_a, w.wins_b, w.draws, w.n) == (6, 2, 4, 12)
    assert w.win_rate == 0.75


def test_planted_dominant_army_is_flagged_and_a_fair_mirror_is_not():
    rows = (rows_for("x", "y", 45, 5) + rows_for("x", "z", 40, 10) + rows_for("y", "z", 26, 24)
            + rows_for("y", "y", 25, 25))
    rates = win_rates(rows, ["all"])
    flags = dominance_flags(rates, 0.03, unit_armies={"x", "y", "z"})
    dom = [f for f in flags if f["flag"] == "dominant"]
    assert [f["army"] for f in dom] == ["x"] and dom[0]["kind"] == "unit" and dom[0]["min_ci_low"] > 0.5
    imb = {f["matchup"] for f in flags if f["flag"] == "imbalanced_matchup"}
    assert imb == {"x vs y", "x vs z"}
    mirror = next(w for w in rates if w.mirror)
    assert mirror.ci_low < 0.5 < mirror.ci_high
    d = deviation(rates)
    assert d["matchups"] == 3 and d["deviation"] == pytest.approx((40 + 30 + 2) / 3)
    armies, m = matchup_matrix(rates)
    i, j = armies.index("x"), armies.index("y")
    assert m[i, j] == 0.9 and m[j, i] == pytest.approx(0.1)
    r = ratings(rates)
    assert r["x"] - max(r["y"], r["z"]) > 200        # x wins 85% of its games; y and z are close
    assert np.mean(list(r.values())) == pytest.approx(1500)
    contrib = unit_contribution(rows)
    assert contrib["x"]["ci_low"] > 0 and contrib["z"]["points"] < 0


def test_per_tier_segments_are_separate():
    rows = rows_for("x", "y", 10, 10, tier="novice") + rows_for("x", "y", 18, 2, tier="expert")
    out = analyse(rows, [Config(0, ())], 0.03)
    segs = out["configs"][0]["segments"]
    assert out["segments"] == ["all", "novice", "expert"]
    assert segs["novice"]["win_rates"][0]["win_rate"] == 0.5
    assert segs["expert"]["win_rates"][0]["win_rate"] == 0.9
    assert segs["all"]["win_rates"][0]["n"] == 40
    assert any(f["flag"] == "dominant" for f in segs["expert"]["flags"])
    assert not any(f["flag"] == "dominant" for f in segs["novice"]["flags"])


def test_sensitivity_recovers_a_known_slope_within_its_ci():
    rng = np.random.default_rng(0)
    rows = []
    for dmg in np.linspace(6, 14, 9):
        p = 0.5 + 0.04 * (dmg - 10)     # +4 points per unit of damage; hp has no effect
        for hp in (80, 120):
            wins = rng.binomial(400, p)
            rows += rows_for("x", "y", wins, 400 - wins, config=f"c{dmg}-{hp}",
                             params={"units.x.damage": float(dmg), "units.x.hp": hp})
    ranges = {"units.x.damage": {"low": 6, "high": 14, "base": 10}, "units.x.hp": {"low": 80, "high": 120, "base": 100}}
    out = {e["param"]: e for e in sensitivity(rows, ["units.x.damage", "units.x.hp"], ranges) if e["segment"] == "all"}
    dmg = out["units.x.damage"]
    assert dmg["ci_low"] < 4.0 < dmg["ci_high"] and dmg["significant"]
    assert dmg["over_range"] == pytest.approx(dmg["per_unit"] * 8)
    hp = out["units.x.hp"]
    assert hp["ci_low"] < 0 < hp["ci_high"]
