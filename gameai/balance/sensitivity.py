"""Sensitivity: how much each swept parameter moves each matchup's win rate.

For each matchup and segment, a linear probability model is fitted over its decisive matches
across all configurations: 1{A wins} = b0 + sum_k b_k * param_k. b_k is the change in win
rate (percentage points) per unit change of parameter k, with every other swept parameter
held fixed; its 95% CI uses heteroskedasticity-robust (HC1) standard errors, as a binary
outcome calls for. `over_range` = b_k times the parameter's swept range: the effect of
going from the lowest to the highest swept value, comparable across parameters.

All matches of one configuration share their regressors (its parameter values), so each
fit runs on per-configuration counts of decisive matches and A-wins (`estimators.ols_hc1`),
taken from the sweep's tally: no per-match matrix is built.
"""
from __future__ import annotations

import math

import numpy as np

from gameai.balance.estimators import figure, ols_hc1
from gameai.balance.stats import Rows, in_segment, segments_of
from gameai.balance.tally import SweepTally


def sensitivity(rows: Rows, param_keys: list[str], ranges: dict[str, dict]) -> list[dict]:
    """One entry per (matchup, segment, parameter) with slope, CI and effect over the range."""
    if not param_keys:
        return []
    tally = SweepTally.of(rows)
    # (matchup, segment) -> config id -> [A wins, decisive matches], in the order of the
    # first decisive match of each (as the per-match fit listed them).
    groups: dict[tuple, dict[str, list[int]]] = {}
    for seg in segments_of(tally):
        for key in tally.decisive_order:
            c = tally.cells[key]
            if not c.mirror and in_segment(c, seg):
                g = groups.setdefault((c.matchup, seg), {}).setdefault(c.config_id, [0, 0])
                g[0] += c.wins_a
                g[1] += c.decisive
    out = []
    for (matchup, seg), per_cfg in groups.items():
        # Rows of the base configuration carry no overrides: they sit at the base value,
        # which the spec's base ruleset provides through `ranges[...]["base"]` when known.
        x = np.ones((len(per_cfg), len(param_keys) + 1))
        ok = True
        for j, k in enumerate(param_keys):
            base = ranges.get(k, {}).get("base")
            col = [tally.params[cfg].get(k, base) for cfg in per_cfg]
            if any(v is None for v in col):
                ok = False
                break
            x[:, j + 1] = col
        n_matches = sum(n for _, n in per_cfg.values())
        if not ok or n_matches < len(param_keys) + 2:
            continue
        wins = np.array([w for w, _ in per_cfg.values()], float)
        n = np.array([m for _, m in per_cfg.values()], float)
        varies = [len(set(x[:, j + 1])) > 1 for j in range(len(param_keys))]
        fit = ols_hc1(x, n, wins, wins)           # y = 1{A wins}: y and y^2 both sum to the wins
        tq = fit.t_quantile()
        for j, k in enumerate(param_keys):
            if not varies[j]:
                continue
            b, s = fit.beta[j + 1], fit.se[j + 1]
            lo, hi = ranges[k]["low"], ranges[k]["high"]
            span = hi - lo
            out.append({
                "matchup": matchup, "segment": seg, "param": k,
                "per_unit": figure(100 * b), "ci_low": figure(100 * (b - tq * s)),
                "ci_high": figure(100 * (b + tq * s)),
                "over_range": figure(100 * b * span), "over_range_ci": [figure(100 * (b - tq * s) * span),
                                                                        figure(100 * (b + tq * s) * span)],
                "significant": bool(not math.isnan(s) and (b - tq * s > 0 or b + tq * s < 0)),
                "matches": n_matches,
            })
    return out


def param_ranges(spec, configs) -> dict[str, dict]:
    """Swept range of each parameter, and its value in the base ruleset (for base-config rows)."""
    out = {}
    for p in spec.params:
        base_val = spec.base_ruleset.get(p.key)
        base_val = base_val if isinstance(base_val, (int, float)) and not isinstance(base_val, bool) else None
        vals = [v for v in (dict(c.overrides).get(p.key, base_val) for c in configs) if v is not None]
        out[p.key] = {"low": float(min(vals)) if vals else float("nan"),
                      "high": float(max(vals)) if vals else float("nan"), "base": base_val}
    return out
