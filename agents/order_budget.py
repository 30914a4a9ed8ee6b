"""An order budget: a team changes at most ``apm`` unit orders per minute of game time.

A token bucket per environment: ``apm / 60 * STEP_SECONDS`` tokens a step, at most four steps'
worth (and at least one token) saved up. A unit whose wanted action differs from the one it keeps
(its last action, or hold when that is no longer allowed) spends a token; when the tokens run out,
the rest of the team keeps its orders. Units are served in an order that rotates every step, so no
unit is always first.

Used by the skill tiers (``agents.tiers``: a human's limit on orders), by a behaviour clone that
plays at its player's pace (``agents.clone_policy``), and, run over a recording, to find the
tightest budget a player's orders fit in (``fit_apm``) and the decisions it may have held
(``held_decisions``).
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from envs.spec import HOLD, STEP_SECONDS

#: how many steps' worth of tokens the bucket saves up
SAVED_STEPS = 4


def kept_actions(prev: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """What each unit does without a new order: ``prev`` where the rules still allow it, else hold."""
    ok = np.take_along_axis(mask, prev[..., None], -1)[..., 0] > 0
    return np.where(ok, prev, HOLD)


class OrderBudget:
    """The token bucket of ``n_envs`` teams, stepped once per game step."""

    def __init__(self, apm: float, n_envs: int):
        if not apm > 0:
            raise ValueError(f"an order budget needs apm > 0 (got {apm!r})")
        self.apm = float(apm)
        self.rate = self.apm / 60.0 * STEP_SECONDS
        self.limit = max(1.0, SAVED_STEPS * self.rate)
        self.tokens = np.zeros(n_envs)
        self.t = 0

    def refill(self) -> np.ndarray:
        """Start a step: a step's worth of tokens more, up to the limit; the whole tokens (B,) it can grant."""
        self.tokens = np.minimum(self.tokens + self.rate, self.limit)
        return np.floor(self.tokens)

    def spend(self, changes: np.ndarray) -> None:
        """End a step that made ``changes`` (B,) order changes."""
        self.tokens -= changes
        self.t += 1

    def serving_order(self, u_n: int) -> np.ndarray:
        """This step's unit order: it rotates every step, so no unit is always served first."""
        return (np.arange(u_n) + self.t) % u_n

    def grant(self, intent: np.ndarray, kept: np.ndarray, alive: np.ndarray,
              spent: np.ndarray | None = None) -> np.ndarray:
        """``intent`` (B, U) where this step's tokens allow it, ``kept`` elsewhere; then spend the granted
        changes, or ``spent`` (B,) changes when scoring a recording (the changes the player really made)."""
        available = self.refill()
        wants = (intent != kept) & alive
        order = self.serving_order(intent.shape[1])
        used = np.cumsum(wants[:, order], axis=1)
        granted_rot = wants[:, order] & (used <= available[:, None])
        granted = np.empty_like(granted_rot)
        granted[:, order] = granted_rot
        self.spend(granted.sum(1) if spent is None else spent)
        return np.where(granted, intent, kept)


def _changes(action: np.ndarray, mask: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """(T, U): the steps where a unit's recorded action is a new order (not the one it kept)."""
    prev = np.vstack([np.full_like(action[:1], HOLD), action[:-1]])
    return (action != kept_actions(prev, mask)) & alive


def held_decisions(action: np.ndarray, mask: np.ndarray, alive: np.ndarray, apm: float) -> np.ndarray:
    """(T, U): the recorded decisions that may be a budget's hold rather than the player's choice.

    On a step where the player's changes used every token, a unit served after the last granted one
    (in the budget's rotating order) that kept its order may have wanted another: its recorded action
    says nothing of what it wanted. A clone does not learn from those (``agents.imitate``)."""
    t_n, u_n = action.shape
    changed = _changes(action, mask, alive)
    budget = OrderBudget(apm, 1)
    held = np.zeros((t_n, u_n), bool)
    for t in range(t_n):
        available = budget.refill()[0]
        made = int(changed[t].sum())
        if made >= available:
            order = budget.serving_order(u_n)
            served = changed[t][order]
            after = np.arange(u_n) > (np.flatnonzero(served).max() if served.any() else -1)
            held[t, order] = after & ~served & alive[t][order]
        budget.spend(made)
    return held


def fits(changes: np.ndarray, apm: float) -> bool:
    """Whether every recording's changes per step (``changes`` (N, T): one row per team-match, zero after
    its end) stay within an ``apm`` budget."""
    budget = OrderBudget(apm, len(changes))
    for made in changes.T:
        if (made > budget.refill()).any():
            return False
        budget.spend(made)
    return True


def fit_apm(recordings: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]], high: float = 6000.0) -> float | None:
    """The tightest budget the recorded orders fit in: the lowest apm whose bucket every recorded change fits.

    ``recordings``: (action (T, U), mask (T, U, A), alive (T, U)) per team-match. For a player who was
    held by a budget this is that budget (to a millionth); for one who never was, the pace of their
    busiest bursts. None when not even ``high`` fits (orders faster than any human gives) or when the
    player never changed an order (nothing to fit)."""
    per_step = [_changes(a, m, live).sum(1) for a, m, live in recordings]
    changes = np.zeros((len(per_step), max((len(p) for p in per_step), default=0)))
    for row, made in zip(changes, per_step):
        row[:len(made)] = made
    if not changes.any() or not fits(changes, high):
        return None
    low = 0.0
    while high - low > 1e-6 * high:  # feasibility rises with apm: bisect on it
        mid = (low + high) / 2
        low, high = (low, mid) if fits(changes, mid) else (mid, high)
    return high
