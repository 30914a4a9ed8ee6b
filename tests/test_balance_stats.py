"""Statistics on rows with a known truth: CIs, deviation, matrix, ratings, flags, sensitivity."""
from __future__ import annotations

import math

import numpy as np
import pytest

from gameai.balance.design import Config
from gameai.balance.estimators import ols_hc1
from gameai.balance.rows import MatchRow
from gameai.balance.sensitivity import sensitivity
from gameai.balance.stats import (analyse, deviation, dominance_flags, matchup_matrix, ratings, unit_contribution,
                                  wilson, win_rates)
from gameai.balance.tally import SweepTally


def row(config="base", a="x", b="y", winner="a", tier="expert", bot="focus_fire", params=None, a_units=None,
        b_units=None, rep=0) -> MatchRow:
    return MatchRow(key=f"{config}/{a}/{b}/{tier}/{rep}", phase="sweep", config_id=config, params=params or {},
                    matchup=f"{a} vs {b}", army_a=a, army_b=b, bot=bot, tier=tier, rep=rep, a_side="blue", seed=rep,
                    map_seed=None, winner=winner, steps=10, a_units=a_units or {a: 3}, b_units=b_units or {b: 3})


def rows_for(a, b, wins_a, wins_b, draws=0, tier="expert", config="base", params=None):
    return [row(config, a, b, w, tier, params=params, rep=k)
            for k, w in enumerate(["a"] * wins_a + ["b"] * wins_b + ["draw"] * draws)]


# Wilson 95% intervals published in Newcombe (1998), "Two-sided confidence intervals for the
# single proportion", Statistics in Medicine 17:857-872, Table II (method 3, score interval).
NEWCOMBE_WILSON = [((81, 263), (0.2553, 0.3662)), ((15, 148), (0.0624, 0.1605)),
                   ((0, 20), (0.0, 0.1611)), ((1, 29), (0.0061, 0.1718))]


@pytest.mark.parametrize(("counts", "interval"), NEWCOMBE_WILSON)
def test_wilson_matches_published_intervals(counts, interval):
    k, n = counts
    p, lo, hi = wilson(k, n)
    assert p == k / n
    assert (round(lo, 4), round(hi, 4)) == interval


def test_wilson_by_hand_and_at_the_edges():
    # 30 of 50, z = 1.959964: centre (0.6 + z²/100) / (1 + z²/50) = 0.5928652,
    # half-width z·sqrt(0.6·0.4/50 + z²/10000) / (1 + z²/50) = 0.1310509.
    _, lo, hi = wilson(30, 50)
    assert lo == pytest.approx(0.5928652 - 0.1310509, abs=2e-7) and hi == pytest.approx(0.5928652 + 0.1310509, abs=2e-7)
    assert wilson(10, 10)[1:] == pytest.approx((0.7225, 1.0), abs=5e-5)     # all won: upper bound 1
    p, lo, hi = wilson(0, 0)                                                 # no trials: undefined rate,
    assert math.isnan(p) and (lo, hi) == (0.0, 1.0)                          # the interval excludes nothing
    with pytest.raises(ValueError, match="successes"):
        wilson(5, 3)


def test_grouped_hc1_equals_the_per_match_definition():
    """ols_hc1 on grouped counts == the textbook HC1 over one row per match (small n)."""
    rng = np.random.default_rng(1)
    xg = np.column_stack([np.ones(5), rng.normal(size=5), rng.normal(size=5)])
    count = np.array([7, 3, 12, 5, 9])
    y = rng.integers(0, 2, count.sum()).astype(float)
    x = np.repeat(xg, count, axis=0)
    starts = np.r_[0, np.cumsum(count)[:-1]]
    sum_y = np.add.reduceat(y, starts)
    fit = ols_hc1(xg, count, sum_y, sum_y)
    n, k = x.shape
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    e = y - x @ beta
    xtx_inv = np.linalg.inv(x.T @ x)
    cov = xtx_inv @ x.T @ np.diag(e ** 2) @ x @ xtx_inv * n / (n - k)
    assert fit.dof == n - k and fit.n == n
    np.testing.assert_allclose(fit.beta, beta, rtol=1e-10)
    np.testing.assert_allclose(fit.se, np.sqrt(np.diag(cov)), rtol=1e-10)


def test_tally_does_not_depend_on_chunking():
    rows = (rows_for("x", "y", 6, 2, draws=1) + rows_for("x", "z", 3, 5, tier="novice")
            + rows_for("y", "z", 4, 4, config="c1", params={"p": 1.0}))
    whole = analyse(rows, [Config(0, ())], 0.05)
    chunked = SweepTally()
    for i in range(0, len(rows), 3):
        chunked.update(rows[i:i + 3])
    assert analyse(chunked, [Config(0, ())], 0.05)["configs"] == whole["configs"]
    assert chunked.matches == len(rows) and chunked.config_matches == {"base": 17, "c1": 8}


def test_wilson_is_scipys_binomtest_interval_bit_for_bit():
    """The closed form must print the same summary.json figures as scipy's binomtest did."""
    from scipy.stats import binomtest

    from agents.rl_eval import wilson as interval

    for n in [1, 2, 3, 7, 19, 50, 263, 1000, 10007]:
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            for level in (0.9, 0.95, 0.99):
                ci = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
                assert interval(k, n, level) == (float(ci.low), float(ci.high)), (k, n, level)
    assert interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="0 <= wins <= n"):
        interval(5, 4)


def test_stored_records_counted_a_run_at_a_time_give_the_row_by_row_tally():
    """add_records counts each run of equal columns at once; order and counts must be add()'s."""
    from gameai.balance.rows import RecordDecoder

    draw_first = [row("c0", "x", "y", "draw", rep=0)] + rows_for("x", "y", 2, 3, config="c0")
    rows = (rows_for("y", "z", 0, 0, draws=2, config="c1", params={"p": 2.0}) + draw_first
            + rows_for("x", "z", 3, 1, tier="novice", config="c1", params={"p": 2.0})
            + [row("c0", "x", "y", "a", a_units={"x": 2}, rep=9), row("c0", "x", "y", "b", rep=10)]
            + rows_for("y", "z", 1, 4, draws=1, config="c1", params={"p": 2.0}))
    by_row = SweepTally(rows)
    by_run = SweepTally()
    for i in range(0, len(rows), 4):                    # chunks cut runs in two, as the store's do
        by_run.add_records([r.record() for r in rows[i:i + 4]], RecordDecoder())

    def state(t):
        return ([(k, c.wins_a, c.wins_b, c.draws) for k, c in t.cells.items()], list(t.decisive_order),
                list(t.pairings.items()), t.params, list(t.config_matches.items()), t.matches)

    assert state(by_run) == state(by_row)
    assert by_row.pairings[("c0", "focus_fire", "expert", (("x", 2),), (("y", 3),))] == [1, 1]


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
    assert sum(c["points"] for c in contrib.values()) == pytest.approx(0, abs=1e-5)   # the average unit is 0


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


def test_unit_contribution_equals_the_per_match_fit():
    """The grouped fit gives the figures of the per-match linear model it replaced."""
    rng = np.random.default_rng(3)
    comps = [{"x": 3}, {"y": 3}, {"x": 1, "z": 2}, {"y": 2, "z": 1}, {"x": 2, "y": 1}]
    rows = []
    for k in range(400):
        a, b = comps[rng.integers(len(comps))], comps[rng.integers(len(comps))]
        edge = 0.1 * (a.get("x", 0) - b.get("x", 0)) - 0.05 * (a.get("z", 0) - b.get("z", 0))
        winner = "draw" if rng.random() < 0.05 else ("a" if rng.random() < 0.5 + edge else "b")
        rows.append(row(winner=winner, a_units=a, b_units=b, rep=k))
    got = unit_contribution(rows)
    dec = [r for r in rows if r.decisive]
    units = sorted({u for r in dec for u in list(r.a_units) + list(r.b_units)})
    x = np.zeros((len(dec), len(units)))
    for i, r in enumerate(dec):
        for side, sign in ((r.a_units, 1.0), (r.b_units, -1.0)):
            for u, c in side.items():
                x[i, units.index(u)] += sign * c / sum(side.values())
    y = np.array([r.winner == "a" for r in dec], float) - 0.5
    pinv = np.linalg.pinv(x)
    beta = pinv @ y
    e = y - x @ beta
    dof = len(dec) - np.linalg.matrix_rank(x)
    se = np.sqrt(np.diag(pinv @ np.diag(e ** 2) @ pinv.T * len(dec) / dof))
    from scipy import stats as sps
    tq = sps.t.ppf(0.975, dof)
    for i, u in enumerate(units):
        assert got[u]["points"] == pytest.approx(100 * beta[i], abs=2e-6)
        assert got[u]["ci_low"] == pytest.approx(100 * (beta[i] - tq * se[i]), abs=2e-6)
