"""Statistics a designer reads: win rates with 95% CIs, the matchup matrix, the balance
deviation, ratings, per-unit win contribution and dominance flags, each per skill tier.

Definitions (also in docs/designer-balance.md):
- A matchup's win rate is army A's share of the *decisive* matches (draws are counted and
  reported, not split); its 95% CI is the Wilson score interval (`estimators.wilson`).
- The balance deviation of a configuration is the mean, over its non-mirror matchups, of
  |win rate − 50%|, in percentage points; `max_deviation` is the worst matchup.
- Segments: "all" pools every tier and bot; each tier is its own segment; with several bots
  each bot is one too ("bot:<name>").

Every function takes match rows (any iterable of `MatchRow`) or a `SweepTally` of them:
the figures come from the tally's counts, so a sweep of any size is read once, in chunks.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Iterable

import numpy as np
from scipy import optimize, special

from gameai.balance.estimators import figure, ols_hc1, wilson
from gameai.balance.rows import MatchRow
from gameai.balance.tally import Cell, SweepTally

#: What every statistic accepts: match rows (read once) or their tally.
Rows = Iterable[MatchRow] | SweepTally

__all__ = ["WinRate", "wilson", "segments_of", "in_segment", "win_rates", "deviation", "matchup_matrix", "ratings",
           "unit_contribution", "dominance_flags", "analyse"]


@dataclass
class WinRate:
    config_id: str
    matchup: str
    army_a: str
    army_b: str
    segment: str
    wins_a: int
    wins_b: int
    draws: int
    n: int
    win_rate: float        # A's share of decisive matches (nan if none)
    ci_low: float
    ci_high: float
    mirror: bool

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def segments_of(rows: Rows) -> list[str]:
    tally = SweepTally.of(rows)
    bots = tally.bots()
    segs = ["all"] + tally.tiers()
    if len(bots) > 1:
        segs += [f"bot:{b}" for b in bots]
    return segs


def in_segment(row: "MatchRow | Cell", segment: str) -> bool:
    return bot_tier_in_segment(row.bot, row.tier, segment)


def bot_tier_in_segment(bot: str, tier: str, segment: str) -> bool:
    if segment == "all":
        return True
    if segment.startswith("bot:"):
        return bot == segment[4:]
    return tier == segment


def win_rates(rows: Rows, segments: list[str] | None = None) -> list[WinRate]:
    """One WinRate per (configuration, matchup, segment), in first-seen order."""
    tally = SweepTally.of(rows)
    segments = segments or segments_of(tally)
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    names: dict[tuple, tuple[str, str, bool]] = {}
    for c in tally.cells.values():
        for seg in segments:
            if in_segment(c, seg):
                key = (c.config_id, c.matchup, seg)
                acc = counts[key]
                acc[0] += c.wins_a
                acc[1] += c.wins_b
                acc[2] += c.draws
                names[key] = (c.army_a, c.army_b, c.mirror)
    out = []
    for key, (wa, wb, dr) in counts.items():
        a, b, mirror = names[key]
        p, lo, hi = wilson(wa, wa + wb)
        out.append(WinRate(key[0], key[1], a, b, key[2], wa, wb, dr, wa + wb + dr, p, lo, hi, mirror))
    return out


def deviation(rates: list[WinRate]) -> dict:
    """Balance deviation over the non-mirror matchups of one configuration and segment."""
    devs = [abs(w.win_rate - 0.5) * 100 for w in rates if not w.mirror and not math.isnan(w.win_rate)]
    if not devs:
        return {"deviation": None, "max_deviation": None, "matchups": 0}
    return {"deviation": float(np.mean(devs)), "max_deviation": float(np.max(devs)), "matchups": len(devs)}


def matchup_matrix(rates: list[WinRate]) -> tuple[list[str], np.ndarray]:
    """Armies and M[i, j] = win rate of army i against army j (one configuration and segment)."""
    armies = list(dict.fromkeys([w.army_a for w in rates] + [w.army_b for w in rates]))
    idx = {a: i for i, a in enumerate(armies)}
    m = np.full((len(armies), len(armies)), np.nan)
    for w in rates:
        i, j = idx[w.army_a], idx[w.army_b]
        m[i, j] = w.win_rate
        if i != j:
            m[j, i] = 1 - w.win_rate
    return armies, m


def ratings(rates: list[WinRate]) -> dict[str, float]:
    """Bradley-Terry ratings of the armies on the Elo scale (mean 1500), from decisive matches.

    Maximum likelihood via scipy, with a weak prior (one virtual win and loss against an
    average opponent) so that an army that never lost still gets a finite rating. Unlike
    sequential Elo, the result does not depend on match order.
    """
    pairs = [w for w in rates if not w.mirror]
    armies = list(dict.fromkeys([w.army_a for w in pairs] + [w.army_b for w in pairs]))
    if not armies:
        return {}
    idx = {a: i for i, a in enumerate(armies)}
    ia = np.array([idx[w.army_a] for w in pairs])
    ib = np.array([idx[w.army_b] for w in pairs])
    wa = np.array([w.wins_a for w in pairs], float)
    wb = np.array([w.wins_b for w in pairs], float)

    def nll(theta):
        d = theta[ia] - theta[ib]
        value = (wa * np.logaddexp(0, -d) + wb * np.logaddexp(0, d)).sum()
        value += (np.logaddexp(0, -theta) + np.logaddexp(0, theta)).sum()     # prior
        dd = -wa * special.expit(-d) + wb * special.expit(d)
        grad = np.tanh(theta / 2)                                             # prior's gradient
        np.add.at(grad, ia, dd)
        np.add.at(grad, ib, -dd)
        return value, grad

    theta = optimize.minimize(nll, np.zeros(len(armies)), jac=True, method="L-BFGS-B").x
    theta -= theta.mean()
    return {a: float(1500 + 400 / math.log(10) * theta[idx[a]]) for a in armies}


def unit_contribution(rows: Rows, config_id: str | None = None, segment: str = "all") -> dict[str, dict]:
    """Per-unit win contribution in percentage points, with a 95% CI (of one configuration and
    segment; every configuration pooled when `config_id` is None).

    A linear probability model over decisive matches: P(A wins) = 0.5 + sum_u beta_u *
    (share_A[u] - share_B[u]), where share is the unit's fraction of the army's unit count.
    beta_u is how many points of win rate an army made entirely of u gains over an army of
    the average unit. Shares sum to one on both sides, so the minimum-norm least-squares
    solution is the one with sum(beta) = 0 (the "average unit" is the reference). Matches
    with the same two compositions share one regressor row, so the fit runs on those
    pairings' counts (HC1 standard errors, `estimators.ols_hc1`).
    """
    tally = SweepTally.of(rows)
    groups: dict[tuple, list[int]] = {}
    for (cfg, bot, tier, a_units, b_units), (wins, n) in tally.pairings.items():
        if (config_id is None or cfg == config_id) and bot_tier_in_segment(bot, tier, segment):
            g = groups.setdefault((a_units, b_units), [0, 0])
            g[0] += wins
            g[1] += n
    units = sorted({u for a_units, b_units in groups for u, _ in a_units + b_units})
    decisive = sum(n for _, n in groups.values())
    if len(units) < 2 or decisive < 3:
        return {}
    col = {u: i for i, u in enumerate(units)}
    x = np.zeros((len(groups), len(units)))
    for k, (a_units, b_units) in enumerate(groups):
        for side, sign in ((a_units, 1.0), (b_units, -1.0)):
            total = sum(c for _, c in side) or 1
            for u, c in side:
                x[k, col[u]] += sign * c / total
    wins = np.array([w for w, _ in groups.values()], float)
    n = np.array([m for _, m in groups.values()], float)
    # y = 1{A wins} - 0.5: its sum over a pairing is wins - n/2, its squares sum to n/4.
    fit = ols_hc1(x, n, wins - 0.5 * n, 0.25 * n)
    tq = fit.t_quantile()
    return {u: {"points": figure(100 * fit.beta[i]), "ci_low": figure(100 * (fit.beta[i] - tq * fit.se[i])),
                "ci_high": figure(100 * (fit.beta[i] + tq * fit.se[i]))} for u, i in col.items()}


def dominance_flags(rates: list[WinRate], target: float, unit_armies: set[str] = frozenset()) -> list[dict]:
    """Flags for one configuration and segment.

    - dominant: an army whose win-rate CI lies above 50% against every opponent it met;
    - underpowered: one whose CI lies below 50% against every opponent;
    - imbalanced matchup: a matchup whose CI lies wholly outside 50% ± target.
    """
    flags = []
    pairs = [w for w in rates if not w.mirror and not math.isnan(w.win_rate)]
    armies = list(dict.fromkeys([w.army_a for w in pairs] + [w.army_b for w in pairs]))
    for army in armies:
        seen = []
        for w in pairs:
            if w.army_a == army:
                seen.append((w.army_b, w.win_rate, w.ci_low, w.ci_high, w.n))
            elif w.army_b == army:
                seen.append((w.army_a, 1 - w.win_rate, 1 - w.ci_high, 1 - w.ci_low, w.n))
        against = {o: {"win_rate": p, "ci_low": lo, "ci_high": hi, "matches": n} for o, p, lo, hi, n in seen}
        kind = "unit" if army in unit_armies else "composition"
        if seen and all(lo > 0.5 for _, _, lo, _, _ in seen):
            flags.append({"flag": "dominant", "kind": kind, "army": army, "min_ci_low": min(s[2] for s in seen),
                          "mean_win_rate": float(np.mean([s[1] for s in seen])), "against": against})
        elif seen and all(hi < 0.5 for _, _, _, hi, _ in seen):
            flags.append({"flag": "underpowered", "kind": kind, "army": army, "max_ci_high": max(s[3] for s in seen),
                          "mean_win_rate": float(np.mean([s[1] for s in seen])), "against": against})
    for w in pairs:
        if w.ci_low > 0.5 + target or w.ci_high < 0.5 - target:
            flags.append({"flag": "imbalanced_matchup", "matchup": w.matchup, "win_rate": w.win_rate,
                          "ci_low": w.ci_low, "ci_high": w.ci_high, "matches": w.n, "target": target})
    return flags


def analyse(rows: Rows, configs, target: float, unit_armies: set[str] = frozenset()) -> dict:
    """Everything the report and summary.json show, for every configuration and segment."""
    tally = SweepTally.of(rows)
    segs = segments_of(tally)
    rates = win_rates(tally, segs)
    by_cfg_seg: dict[tuple, list[WinRate]] = defaultdict(list)
    for w in rates:
        by_cfg_seg[(w.config_id, w.segment)].append(w)
    out_cfgs = []
    for c in configs:
        entry = {"id": c.id, "label": c.label, "params": c.as_dict(), "matches": tally.config_matches.get(c.id, 0),
                 "segments": {}}
        for seg in segs:
            wr = by_cfg_seg.get((c.id, seg), [])
            entry["segments"][seg] = {
                **deviation(wr),
                "win_rates": [w.to_dict() for w in wr],
                "ratings": ratings(wr),
                "unit_contribution": unit_contribution(tally, c.id, seg),
                "flags": dominance_flags(wr, target, unit_armies),
            }
        # Pooling tiers can hide opposite imbalances (novices lose what experts win): rank
        # configurations by the mean of their per-tier deviations.
        tier_devs = [entry["segments"][t]["deviation"] for t in segs if t != "all" and not t.startswith("bot:")]
        tier_devs = [d for d in tier_devs if d is not None]
        entry["tier_deviation"] = float(np.mean(tier_devs)) if tier_devs else entry["segments"]["all"]["deviation"]
        out_cfgs.append(entry)
    return {"segments": segs, "configs": out_cfgs, "rates": rates, "tally": tally}
