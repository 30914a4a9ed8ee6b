"""``SentryPolicy``: every unit holds its cell and attacks the nearest enemy in range.

What a player does with an exploit spot: park a unit there and let it shoot. The playtest uses
it to confirm exploits by playing them (an archer on a ledge, a knight on a fortress tile)
against the normal bots, instead of trusting geometry alone.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from envs.spec import ATTACK0, ObservationSpec


class SentryPolicy:
    """Hold position; attack the nearest visible enemy whenever the rules allow (else hold)."""

    name = "sentry"

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        self.spec = spec

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.where(mask[..., ATTACK0] > 0, ATTACK0, 0).astype(np.int64)
