"""Statistics a designer reads: win rates with 95% CIs, the matchup matrix, the balance
deviation, ratings, per-unit win contribution and dominance flags, each per skill tier.

Definitions (also in docs/designer-balance.md):
- A matchup's win rate is army A's share of the *decisive* matches (draws are counted and
  reported, not split); its 95% CI is the Wilson score interval (scipy `binomtest`).
- The balance deviation of a configuration is the mean, over its non-mirror matchups, of
  |win rate − 50%|, in percentage points; `max_deviation` is the worst matchup.
- Segments: "all" pools every tier and bot; each tier is its own segment; with several bots
  each bot is one too ("bot:<name>").
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass

import numpy as np
from scipy import optimize, special, stats


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


def wilson(successes: int, trials: int, level: float = 0.95) -> tuple[float, float, float]:
    """(estimate, low, high); an undefined rate (no trials) is (nan, 0, 1)."""
    if trials == 0:
        return float("nan"), 0.0, 1.0
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=level, method="wilson")
    return successes / trials, float(ci.low), float(ci.high)


def segments_of(rows: list[dict]) -> list[str]:
    tiers = list(dict.fromkeys(r["tier"] for r in rows))
    bots = list(dict.fromkeys(r["bot"] for r in rows))
    segs = ["all"] + tiers
    if len(bots) > 1:
        segs += [f"bot:{b}" for b in bots]
    return segs


def in_segment(row: dict, segment: str) -> bool:
    if segment == "all":
        return True
    if segment.startswith("bot:"):
        return row["bot"] == segment[4:]
    return row["tier"] == segment


def win_rates(rows: list[dict], segments: list[str] | None = None) -> list[WinRate]:
    """One WinRate per (configuration, matchup, segment), in first-seen order."""
    segments = segments or segments_of(rows)
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    names: dict[tuple, tuple[str, str, bool]] = {}
    for r in rows:
        col = {"a": 0, "b": 1, "draw": 2}[r["winner"]]
        mirror = r["army_a"] == r["army_b"]
        for seg in segments:
            if in_segment(r, seg):
                key = (r["config_id"], r["matchup"], seg)
                counts[key][col] += 1
                names[key] = (r["army_a"], r["army_b"], mirror)
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


def unit_contribution(rows: list[dict]) -> dict[str, dict]:
    """Per-unit win contribution in percentage points, with a 95% CI.

    A linear probability model over decisive matches: P(A wins) = 0.5 + sum_u beta_u *
    (share_A[u] - share_B[u]), where share is the unit's fraction of the army's unit count.
    beta_u is how many points of win rate an army made entirely of u gains over an army of
    the average unit. Shares sum to one on both sides, so the minimum-norm least-squares
    solution is the one with sum(beta) = 0 (the "average unit" is the reference).
    """
    dec = [r for r in rows if r["winner"] != "draw"]
    units = sorted({u for r in dec for u in list(r["a_units"]) + list(r["b_units"])})
    if len(units) < 2 or len(dec) < 3:
        return {}
    col = {u: i for i, u in enumerate(units)}
    x = np.zeros((len(dec), len(units)))
    for k, r in enumerate(dec):
        for side, sign in (("a_units", 1.0), ("b_units", -1.0)):
            total = sum(r[side].values()) or 1
            for u, c in r[side].items():
                x[k, col[u]] += sign * c / total
    y = np.array([1.0 if r["winner"] == "a" else 0.0 for r in dec]) - 0.5
    pinv = np.linalg.pinv(x)
    beta = pinv @ y
    resid = y - x @ beta
    dof = max(len(dec) - np.linalg.matrix_rank(x), 1)
    cov = pinv @ np.diag(resid**2) @ pinv.T * len(dec) / dof      # HC1 robust covariance
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    tq = stats.t.ppf(0.975, dof)
    return {u: {"points": float(100 * beta[i]), "ci_low": float(100 * (beta[i] - tq * se[i])),
                "ci_high": float(100 * (beta[i] + tq * se[i]))} for u, i in col.items()}


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


def analyse(rows: list[dict], configs, target: float, unit_armies: set[str] = frozenset()) -> dict:
    """Everything the report and summary.json show, for every configuration and segment."""
    segs = segments_of(rows)
    rates = win_rates(rows, segs)
    by_cfg_seg: dict[tuple, list[WinRate]] = defaultdict(list)
    for w in rates:
        by_cfg_seg[(w.config_id, w.segment)].append(w)
    out_cfgs = []
    for c in configs:
        crow = [r for r in rows if r["config_id"] == c.id]
        entry = {"id": c.id, "label": c.label, "params": c.as_dict(), "matches": len(crow), "segments": {}}
        for seg in segs:
            wr = by_cfg_seg.get((c.id, seg), [])
            seg_rows = [r for r in crow if in_segment(r, seg)]
            entry["segments"][seg] = {
                **deviation(wr),
                "win_rates": [w.to_dict() for w in wr],
                "ratings": ratings(wr),
                "unit_contribution": unit_contribution(seg_rows),
                "flags": dominance_flags(wr, target, unit_armies),
            }
        # Pooling tiers can hide opposite imbalances (novices lose what experts win): rank
        # configurations by the mean of their per-tier deviations.
        tier_devs = [entry["segments"][t]["deviation"] for t in segs if t != "all" and not t.startswith("bot:")]
        tier_devs = [d for d in tier_devs if d is not None]
        entry["tier_deviation"] = float(np.mean(tier_devs)) if tier_devs else entry["segments"]["all"]["deviation"]
        out_cfgs.append(entry)
    return {"segments": segs, "configs": out_cfgs, "rates": rates}
