"""Sensitivity: how much each swept parameter moves each matchup's win rate.

For each matchup and segment, a linear probability model is fitted over its decisive matches
across all configurations: 1{A wins} = b0 + sum_k b_k * param_k. b_k is the change in win
rate (percentage points) per unit change of parameter k, with every other swept parameter
held fixed; its 95% CI uses heteroskedasticity-robust (HC1) standard errors, as a binary
outcome calls for. `over_range` = b_k times the parameter's swept range: the effect of
going from the lowest to the highest swept value, comparable across parameters.
Written with numpy/scipy because statsmodels is not a dependency; it is a dozen lines.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from scipy import stats

from gameai.balance.stats import in_segment, segments_of


def _ols_hc1(x: np.ndarray, y: np.ndarray):
    n, k = x.shape
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    meat = (x * resid[:, None] ** 2).T @ x
    dof = max(n - k, 1)
    cov = xtx_inv @ meat @ xtx_inv * n / dof
    return beta, np.sqrt(np.clip(np.diag(cov), 0, None)), dof


def sensitivity(rows: list[dict], param_keys: list[str], ranges: dict[str, tuple[float, float]]) -> list[dict]:
    """One entry per (matchup, segment, parameter) with slope, CI and effect over the range."""
    if not param_keys:
        return []
    out = []
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for seg in segments_of(rows):
        for r in rows:
            if r["winner"] != "draw" and r["army_a"] != r["army_b"] and in_segment(r, seg):
                groups[(r["matchup"], seg)].append(r)
    for (matchup, seg), grp in groups.items():
        # Rows of the base configuration carry no overrides: they sit at the base value,
        # which the spec's base ruleset provides through `ranges[...]["base"]` when known.
        x = np.ones((len(grp), len(param_keys) + 1))
        ok = True
        for j, k in enumerate(param_keys):
            base = ranges.get(k, {}).get("base")
            col = [r["params"].get(k, base) for r in grp]
            if any(v is None for v in col):
                ok = False
                break
            x[:, j + 1] = col
        if not ok or len(grp) < len(param_keys) + 2:
            continue
        y = np.array([1.0 if r["winner"] == "a" else 0.0 for r in grp])
        varies = x[:, 1:].std(axis=0) > 0
        beta, se, dof = _ols_hc1(x, y)
        tq = stats.t.ppf(0.975, dof)
        for j, k in enumerate(param_keys):
            if not varies[j]:
                continue
            b, s = beta[j + 1], se[j + 1]
            lo, hi = ranges[k]["low"], ranges[k]["high"]
            span = hi - lo
            out.append({
                "matchup": matchup, "segment": seg, "param": k,
                "per_unit": float(100 * b), "ci_low": float(100 * (b - tq * s)), "ci_high": float(100 * (b + tq * s)),
                "over_range": float(100 * b * span), "over_range_ci": [float(100 * (b - tq * s) * span),
                                                                       float(100 * (b + tq * s) * span)],
                "significant": bool(not math.isnan(s) and (b - tq * s > 0 or b + tq * s < 0)),
                "matches": len(grp),
            })
    return out


def param_ranges(spec, configs) -> dict[str, dict]:
    """Swept range of each parameter, and its value in the base ruleset (for base-config rows)."""
    out = {}
    base = spec.base_ruleset.to_dict()
    for p in spec.params:
        node = base
        for part in p.key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        base_val = node if isinstance(node, (int, float)) and not isinstance(node, bool) else None
        vals = [v for v in (dict(c.overrides).get(p.key, base_val) for c in configs) if v is not None]
        out[p.key] = {"low": float(min(vals)) if vals else float("nan"),
                      "high": float(max(vals)) if vals else float("nan"), "base": base_val}
    return out
