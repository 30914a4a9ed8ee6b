"""A wall follower's memory, replayed from what a unit saw a step late and what it did: an input of the recurrent clone.

Why (measured on the dev split of kite@average, docs/designer-bots.md): a scripted player steers
like a bug-style wall follower (``agents.scripted.ScriptedPolicy``): after ``STUCK_STEPS`` steps
without getting half a cell closer to its goal it walks sideways for ``DETOUR_STEPS`` steps,
alternating sides. Half of what the recurrent clone still missed fell on that memory (its first
steps at a detour's start agreed 37% of the time), and ``agents.clone_input.Progress`` counts
progress on the *current* frame and only while the unit moved. A tiered player decides on the
frame before, and a unit whose every allowed step leads away from its goal (a corner, the start of
a match) holds while still *trying* to go there: its stuck count keeps rising. This memory counts
as such a player would: on the previous frame (what a player with a one-step reaction saw), a hold
with no allowed step closer counting as trying. It is not the bot's state (the clone does not know
what the unit intended, only what it did), but it tells when a walk around is due and how long
one has lasted; the network learns what to do with it.

The per-unit numbers (``SIZE``): steps without progress (/6, capped), whether that is the last
step before a walk around would start, steps of the walk around left (/12) and whether one is on,
whether the goal is closer than the best so far, whether a walk around starts if the unit keeps
trying now, whether it walks around if it keeps trying, whether an odd number of walks around were
started and whether none was, whether the goal is over a cell away, whether this is the walk
around's last step, and whether no allowed step gets closer to the goal.
"""
from __future__ import annotations

import numpy as np

from agents.clone_input import goal_vector
from envs.spec import HOLD, ObservationSpec

#: steps without progress before a walk around starts, and its length (as agents.scripted's wall follower)
STUCK_STEPS = 4
DETOUR_STEPS = 12
SIZE = 12


class SteeringMemory:
    """Step by step (``inputs`` with the previous frame, then ``taken`` with the unit's action), any leading shape."""

    def __init__(self, spec: ObservationSpec, pos_scale: float):
        self.spec = spec
        self.cell = 1.0 / pos_scale  # one cell in observed distance units
        self.best = self.since = self.detour = self.started = None
        self._step = None  # this step's (distance, improved, far, blocked), until ``taken``

    def inputs(self, prev_obs: np.ndarray, prev_mask: np.ndarray) -> np.ndarray:
        """(..., SIZE) for the frame a step before this one (..., D) and its mask (the first frame at the start)."""
        from agents.policy import move_along

        spec = self.spec
        vec, near = goal_vector(spec, prev_obs)
        dist = np.hypot(vec[..., 0], vec[..., 1])
        if self.best is None:
            self.best = np.full(dist.shape, np.inf)
            self.since = np.zeros(dist.shape)
            self.detour = np.zeros(dist.shape)
            self.started = np.zeros(dist.shape)
        improved = dist < self.best - 0.5 * self.cell
        far = dist > self.cell
        blocked = move_along(vec, prev_mask) == HOLD
        would_start = far & ~improved & (self.since + 1 >= STUCK_STEPS) & (self.detour == 0)
        self._step = (dist, improved, far, blocked)
        return np.stack([
            np.minimum(self.since, 6) / 6, self.since >= STUCK_STEPS - 1, self.detour / DETOUR_STEPS,
            self.detour > 0, improved, would_start, (self.detour > 0) | would_start, self.started % 2 == 1,
            self.started == 0, far, self.detour == 1, blocked], -1).astype(np.float32)

    def taken(self, action: np.ndarray) -> None:
        dist, improved, far, blocked = self._step
        action = np.asarray(action)
        trying = (((action >= 1) & (action <= 8)) | ((action == HOLD) & blocked)) & far
        self.best = np.where(trying & improved, dist, np.where(trying, self.best, np.inf))
        self.since = np.where(trying & ~improved, self.since + 1, 0)
        start = trying & (self.since >= STUCK_STEPS) & (self.detour == 0)
        self.started = self.started + start
        self.detour = np.where(start, DETOUR_STEPS, self.detour)
        self.best = np.where(start, np.inf, self.best)
        self.detour = np.where(trying, np.maximum(self.detour - 1, 0), 0)

