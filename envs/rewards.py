"""Reward weights for the learning faces: damage, kills, and the match outcome."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Mapping

import numpy as np

from envs import core
from envs.core import StepEvents


@dataclass(frozen=True)
class RewardConfig:
    """Per unit and step: ``damage`` × damage dealt + ``damage_taken`` × damage received (use a
    negative weight to penalize it) + ``kill`` × kills + ``death`` × (1 if it died); at the end of
    the match every unit of the team gets ``win``, ``loss`` or ``draw``."""

    damage: float = 0.01
    damage_taken: float = 0.0
    kill: float = 1.0
    death: float = 0.0
    win: float = 10.0
    loss: float = -10.0
    draw: float = 0.0

    @classmethod
    def from_any(cls, value: "RewardConfig | Mapping[str, Any] | None") -> "RewardConfig":
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, Mapping):
            raise ValueError(f"rewards must be a RewardConfig or a dict of weights, got {type(value).__name__}")
        names = [f.name for f in fields(cls)]
        for k, v in value.items():
            if k not in names:
                raise ValueError(f"unknown reward weight {k!r}; valid: {', '.join(names)}")
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"reward weight {k} must be a finite number, got {v!r}")
        return cls(**{k: float(v) for k, v in value.items()})

    @property
    def weights(self) -> tuple[float, ...]:
        """The weights in the core's order (``envs.core.REWARD_WEIGHTS``), as its reward phase takes them."""
        return core.reward_weights(self)


if tuple(f.name for f in fields(RewardConfig)) != core.REWARD_WEIGHTS:  # one list of terms, two places that name it
    raise RuntimeError(f"RewardConfig's fields {[f.name for f in fields(RewardConfig)]} differ from the core's "
                       f"reward terms {list(core.REWARD_WEIGHTS)}: update envs/core.py _Weights and _reward_phase")


def unit_rewards(cfg: RewardConfig, ev: StepEvents, team: np.ndarray, was_running: np.ndarray) -> np.ndarray:
    """(B, N) rewards for one step's events. ``team`` is the (N,) team code of each unit slot.

    The sum is the core's reward phase (``envs.core.unit_rewards``), the one the faces' fused
    step computes too, so every face pays out the same rewards to the bit.
    """
    return core.unit_rewards(cfg.weights, ev, team, was_running)
