"""The one interface every bot implements, scripted or learned.

A policy drives one team in a batch of B environments. Each step it receives the team's
observations ``obs`` (B, U, D) float32 and action masks ``mask`` (B, U, A) int8 — exactly what
``envs.core.observe`` produces, sliced to the team's U unit slots — and returns actions (B, U)
ints. Slots of dead units (and finished environments) have a mask that only allows 0 (hold).

How a learned policy plugs into ``agents.arena.run_matches`` (or the Gymnasium face as the
opponent): write a class with these two methods, e.g. for a stable-baselines3 / sb3-contrib model
trained on the PettingZoo or Gymnasium face, whose per-unit observation is the same vector::

    class SB3Policy:
        def __init__(self, model): self.model = model
        def reset(self, spec, team, seeds): pass            # stateless; spec.size == obs dim
        def act(self, obs, mask):
            b, u, d = obs.shape
            flat = obs.reshape(b * u, d)
            acts, _ = self.model.predict(flat, action_masks=mask.reshape(b * u, -1).astype(bool),
                                         deterministic=True)
            return acts.reshape(b, u)

    run_matches(ruleset, blue, red, seeds, blue_bot=SB3Policy(model), red_bot="kite")

A policy that draws random numbers must draw them per environment from a stream seeded by that
environment's match seed (see ``env_generators``), so a match's result never depends on which
other matches share the batch.
"""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from envs.spec import DIRECTIONS, ObservationSpec


@runtime_checkable
class Policy(Protocol):
    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        """Start a batch: one match seed per environment; ``team`` is 0 (blue) or 1 (red)."""

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(B, U, D) observations and (B, U, A) masks -> (B, U) actions."""


def env_generators(seeds: Sequence[int], team: int, policy_seed: int = 0) -> list[np.random.Generator]:
    """One independent generator per environment, from (match seed, team, policy seed) alone."""
    return [np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(s), int(team), int(policy_seed)])))
            for s in seeds]


_UNIT_DIRS = DIRECTIONS / np.hypot(DIRECTIONS[:, 0], DIRECTIONS[:, 1])[:, None]


def move_along(vec: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The valid move action (1-8) closest in direction to ``vec`` (..., 2); hold (0) if none helps."""
    # elementwise, not a matrix product: BLAS may round differently for other batch shapes
    dots = vec[..., 0:1] * _UNIT_DIRS[:, 0] + vec[..., 1:2] * _UNIT_DIRS[:, 1]  # (..., 8)
    dots = np.where(mask[..., 1:9] > 0, dots, -np.inf)
    best = dots.argmax(-1)
    good = np.take_along_axis(dots, best[..., None], -1)[..., 0] > 1e-6
    return np.where(good, best + 1, 0)


def random_valid(mask: np.ndarray, rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """A uniformly random valid action per unit, drawn from each environment's own generator."""
    scores = np.stack([g.random(mask.shape[1:]) for g in rngs])
    return np.where(mask > 0, scores, -1.0).argmax(-1)
