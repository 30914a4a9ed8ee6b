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

    def grant(self, intent: np.ndarray, kept: np.ndarray, alive: np.ndarray,
              spent: np.ndarray | None = None) -> np.ndarray:
        """``intent`` (B, U) where this step's tokens allow it, ``kept`` elsewhere; then spend the granted
        changes, or ``spent`` (B,) changes when scoring a recording (the changes the player really made)."""
        u_n = intent.shape[1]
        self.tokens = np.minimum(self.tokens + self.rate, self.limit)
        wants = (intent != kept) & alive
        order = (np.arange(u_n) + self.t) % u_n  # rotate who is served first
        used = np.cumsum(wants[:, order], axis=1)
        granted_rot = wants[:, order] & (used <= np.floor(self.tokens)[:, None])
        granted = np.empty_like(granted_rot)
        granted[:, order] = granted_rot
        self.tokens -= granted.sum(1) if spent is None else spent
        self.t += 1
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
        tokens = min(budget.tokens[0] + budget.rate, budget.limit)
        made = int(changed[t].sum())
        if made >= np.floor(tokens):
            order = (np.arange(u_n) + t) % u_n
            served = changed[t][order]
            after = np.arange(u_n) > (np.flatnonzero(served).max() if served.any() else -1)
            held[t, order] = after & ~served & alive[t][order]
        budget.tokens[0] = tokens - made
    return held


def fits(changes_per_step: Iterable[np.ndarray], apm: float) -> bool:
    """Whether every recording's changes per step (one (T,) array per team-match) stay within an ``apm`` budget."""
    rate = apm / 60.0 * STEP_SECONDS
    limit = max(1.0, SAVED_STEPS * rate)
    for made in changes_per_step:
        tokens = 0.0
        for n in made.tolist():
            tokens = min(tokens + rate, limit)
            if n > np.floor(tokens):
                return False
            tokens -= n
    return True


def fit_apm(recordings: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]], high: float = 6000.0) -> float | None:
    """The tightest budget the recorded orders fit in: the lowest apm whose bucket every recorded change fits.

    ``recordings``: (action (T, U), mask (T, U, A), alive (T, U)) per team-match. For a player who was
    held by a budget this is that budget (to a millionth); for one who never was, the pace of their
    busiest bursts. None when not even ``high`` fits (orders faster than any human gives) or when the
    player never changed an order (nothing to fit)."""
    per_step = [_changes(a, m, live).sum(1) for a, m, live in recordings]
    if not any(made.any() for made in per_step) or not fits(per_step, high):
        return None
    low = 0.0
    while high - low > 1e-6 * high:  # feasibility rises with apm: bisect on it
        mid = (low + high) / 2
        low, high = (low, mid) if fits(per_step, mid) else (mid, high)
    return high
