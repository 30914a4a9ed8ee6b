"""Multinomial logistic regression fitted by L-BFGS from zeros: small, deterministic, numpy + scipy.

Used where a handful of labelled examples must weigh a few features (the speech-act model, the
benchmark's fluency judge) and where the same data must give the same weights in any process.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SoftmaxRegression:
    """Multinomial logistic regression: W (features, classes), b (classes)."""
    weights: np.ndarray
    bias: np.ndarray

    @staticmethod
    def fit(x: np.ndarray, y: np.ndarray, classes: int, l2: float = 1.0) -> "SoftmaxRegression":
        """Minimise mean cross-entropy + l2/2n |W|^2 with L-BFGS from zeros (deterministic)."""
        from scipy.optimize import minimize
        from scipy.special import log_softmax

        x = np.asarray(x, np.float64)
        n, d = x.shape
        onehot = np.eye(classes)[y]

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = theta[:d * classes].reshape(d, classes), theta[d * classes:]
            logp = log_softmax(x @ w + b, axis=1)
            err = (np.exp(logp) - onehot) / n
            value = -float((onehot * logp).sum()) / n + 0.5 * l2 / n * float((w * w).sum())
            grad = np.concatenate([(x.T @ err + l2 / n * w).ravel(), err.sum(0)])
            return value, grad

        res = minimize(loss, np.zeros(d * classes + classes), jac=True, method="L-BFGS-B",
                       options={"maxiter": 500})
        return SoftmaxRegression(res.x[:d * classes].reshape(d, classes).astype(np.float32),
                                 res.x[d * classes:].astype(np.float32))

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = np.asarray(x, np.float32) @ self.weights + self.bias
        z = z - z.max(-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(-1, keepdims=True)
