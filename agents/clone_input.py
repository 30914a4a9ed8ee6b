"""What a behaviour clone sees: the env's observation plus a short memory of its own.

A recorded player's action is not a function of the current observation alone: a tiered player
decides on what it saw a reaction delay ago, keeps its previous order when out of APM, and a
scripted bot steers with a memory (stuck counter, detour side). The clone therefore gets, per
unit, the last ``frames`` observations (newest first), with ``masks`` each one's action mask
too (which moves and targets were allowed then: the player decided under those), and one-hot
codes of its own last ``prev_actions`` actions (newest first). Before the first step the history
is padded the way a tier's is: the first observation repeated, and "hold" as the previous action.

The layout is built only from the observation vector the env gives, so it works for any
observation layout of the same size (the clone file records the size it was trained on).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.spec import HOLD


@dataclass(frozen=True)
class CloneInput:
    frames: int        # observations stacked: the current one and frames - 1 earlier ones
    prev_actions: int  # own previous actions, one-hot each
    obs_size: int      # the env's observation size per unit
    n_actions: int
    masks: bool = False  # each stacked frame carries its action mask as well

    def __post_init__(self):
        if self.frames < 1 or self.prev_actions < 0 or self.obs_size < 1 or self.n_actions < 1:
            raise ValueError(f"bad clone input layout {self}: frames >= 1, prev_actions >= 0, sizes >= 1")

    @property
    def size(self) -> int:
        frame = self.obs_size + (self.n_actions if self.masks else 0)
        return self.frames * frame + self.prev_actions * self.n_actions

    def frame(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.concatenate([obs, mask], -1).astype(np.float32) if self.masks else obs.astype(np.float32)

    def sequence(self, obs: np.ndarray, mask: np.ndarray, action: np.ndarray) -> np.ndarray:
        """(T, U, size) inputs for a recorded sequence: obs (T, U, D), masks (T, U, A), the actions taken (T, U).

        Row t holds frame t, t-1, ... and the one-hot actions taken at t-1, t-2, ... (teacher
        forcing: the recorded actions stand in for the clone's own)."""
        t_n = len(obs)
        idx = np.arange(t_n)
        frames = self.frame(obs, mask)
        parts = [frames[np.maximum(idx - j, 0)] for j in range(self.frames)]
        eye = np.eye(self.n_actions, dtype=np.float32)
        for j in range(1, self.prev_actions + 1):
            past = np.where((idx - j >= 0)[:, None], action[np.maximum(idx - j, 0)], HOLD)
            parts.append(eye[past])
        return np.concatenate(parts, -1).astype(np.float32)


class InputHistory:
    """The same layout built step by step while playing (one per team, batch of environments)."""

    def __init__(self, layout: CloneInput):
        self.layout = layout
        self.obs: list[np.ndarray] = []     # newest first, at most frames
        self.actions: list[np.ndarray] = []  # newest first, at most prev_actions

    def inputs(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(B, U, size) for this step's observations (B, U, D) and masks; then call ``taken`` with the actions."""
        lay = self.layout
        self.obs = [lay.frame(obs, mask)] + self.obs[:lay.frames - 1]
        frames = self.obs + [self.obs[-1]] * (lay.frames - len(self.obs))  # pad: the first obs repeated
        hold = np.full(obs.shape[:-1], HOLD, dtype=np.int64)
        acts = self.actions + [hold] * (lay.prev_actions - len(self.actions))
        eye = np.eye(lay.n_actions, dtype=np.float32)
        return np.concatenate(frames + [eye[a] for a in acts], -1)

    def taken(self, action: np.ndarray) -> None:
        if self.layout.prev_actions:
            self.actions = [np.asarray(action, dtype=np.int64).copy()] + self.actions[:self.layout.prev_actions - 1]
