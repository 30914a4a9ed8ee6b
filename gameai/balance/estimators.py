"""The estimators every balance figure is built from, one copy each: the Wilson interval of a
win rate, least squares with heteroskedasticity-robust (HC1) standard errors on grouped
data, and the rounding of least-squares figures in the outputs.

Least squares here always runs on *grouped* data: one row of the design matrix per distinct
regressor vector (an army pairing, a configuration), with the number of matches it stands
for and the sum and sum of squares of their outcomes. These are sufficient statistics for
the coefficients and for HC1, so memory depends on the number of distinct rows, never on
the number of matches. Written with numpy/scipy because statsmodels is not a dependency.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Decimals kept for least-squares figures in summary.json (in win-rate points, so 1e-6
#: points). Their last bits depend on floating-point summation order (grouped counts vs one
#: row per match, BLAS blocking), which would otherwise make equal fits print differently.
FIGURE_DECIMALS = 6


def wilson(successes: int, trials: int, level: float = 0.95) -> tuple[float, float, float]:
    """(estimate, low, high) of a proportion with its Wilson score interval.

    The interval is `agents.rl_eval.wilson`'s (scipy `binomtest`'s arithmetic): the one implementation,
    kept in `agents` because the bots' evaluation needs it and `agents` cannot import
    `gameai`. With no trials the rate is undefined: (nan, 0.0, 1.0), the interval that
    excludes nothing, as there.
    """
    from agents.rl_eval import wilson as wilson_interval

    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"wilson: need 0 <= successes <= trials, got {successes} of {trials}")
    low, high = wilson_interval(successes, trials, level)
    return (successes / trials if trials else float("nan")), low, high


def figure(v: float) -> float:
    """A least-squares figure as written to the outputs (see FIGURE_DECIMALS); a figure that
    rounds to zero is 0.0, never -0.0 (whose sign would be rounding noise)."""
    return round(float(v), FIGURE_DECIMALS) + 0.0


@dataclass(frozen=True)
class LinearFit:
    beta: np.ndarray        # coefficients (minimum-norm solution when the design is rank-deficient)
    se: np.ndarray          # HC1 standard errors
    dof: int                # matches minus the rank of the design
    n: int                  # matches

    def t_quantile(self, level: float = 0.95) -> float:
        return float(stats.t.ppf(0.5 + level / 2, self.dof))


def ols_hc1(x: np.ndarray, count: np.ndarray, sum_y: np.ndarray, sum_y2: np.ndarray) -> LinearFit:
    """Least squares with HC1 robust covariance, from grouped data.

    Row g of `x` stands for count[g] matches with outcomes y summing to sum_y[g] and squares
    summing to sum_y2[g]. The result equals the fit over one row per match:
    beta = X^+ y, cov = (X'X)^+ X' diag(e^2) X (X'X)^+ * n / (n - rank X).
    The fit runs on the count-weighted rows sqrt(count) * x, which have the same singular
    values as the per-match X (no squaring of its condition number), and the HC1 "meat"
    X' diag(e^2) X sums each group's squared residuals, sum over the group of (y - x b)^2
    = sum_y2 - 2 (x b) sum_y + count (x b)^2.
    """
    x = np.asarray(x, float)
    count = np.asarray(count, float)
    sum_y = np.asarray(sum_y, float)
    sum_y2 = np.asarray(sum_y2, float)
    if x.ndim != 2 or not (len(x) == len(count) == len(sum_y) == len(sum_y2)):
        raise ValueError("ols_hc1: x must be groups × regressors, with one count and sums per group")
    keep = count > 0
    x, count, sum_y, sum_y2 = x[keep], count[keep], sum_y[keep], sum_y2[keep]
    n = int(round(count.sum()))
    root = np.sqrt(count)
    xw = x * root[:, None]
    p = np.linalg.pinv(xw)
    beta = p @ (sum_y / root)
    fit = x @ beta
    e2 = np.clip(sum_y2 - 2 * fit * sum_y + count * fit**2, 0, None)
    meat = (x * e2[:, None]).T @ x
    bread = p @ p.T                                        # (X'X)^+
    dof = max(n - int(np.linalg.matrix_rank(xw)), 1)
    cov = bread @ meat @ bread * n / dof
    return LinearFit(beta, np.sqrt(np.clip(np.diag(cov), 0, None)), dof, n)
