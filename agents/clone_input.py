"""What a behaviour clone sees: the env's observation plus a short memory of its own.

A recorded player's action is not a function of the current observation alone: a tiered player
decides on what it saw a reaction delay ago, keeps its previous order when out of APM, and a
scripted bot steers with a memory (stuck counter, detour side). The clone therefore gets, per
unit, the last ``frames`` observations (newest first), with ``masks`` each one's action mask
too (which moves and targets were allowed then: the player decided under those), and one-hot
codes of its own last ``prev_actions`` actions (newest first). Before the first step the history
is padded the way a tier's is: the first observation repeated, and "hold" as the previous action.

With ``features`` each stacked frame also carries **derived features**: numbers any player reads
off the screen, computed from that frame's observation and action mask, that a scripted rule (or
a person) decides on but a small network only approximates from the raw vector (measured on a dev
split: ``benchmarks/imitation_confusion.py``): the nearest enemy's distance as a share of the
unit's range (with the thresholds "too close" < 0.6 and "out of range" > 1), whether the weapon is
ready, the allowed step (one-hot of hold + 8 directions) that best approaches the nearest enemy
(the map centre with none in view), the one that best steps away from it, the one towards the
nearest ally, and one-hots of the weakest enemy in reach, the nearest enemy in reach and the most
hurt ally in healing reach (slots of the nearest-K lists). They need the observation's own-block
size, so a layout with features records the ruleset's number of unit types.

Without ``features`` the layout is built only from the observation vector the env gives, so it
works for any observation layout of the same size (the clone file records the size it was trained on).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.spec import ATTACK0, HOLD, ObservationSpec

#: derived features per frame: nearest-enemy range ratio and its two thresholds, ready, 5 steps (9 each)
FEATURE_HEAD = 4 + 5 * 9
#: progress memory: steps since the goal distance last fell by each of these many cells (while moving) ...
PROGRESS_CELLS = (0.25, 0.5, 1.0)
PROGRESS_CAP = 16  # ... and moves in a row around the goal (neither towards nor away), counted up to this
PROGRESS_SIZE = len(PROGRESS_CELLS) + 1 + 2  # + the side of the last move around (left, right)


@dataclass(frozen=True)
class CloneInput:
    frames: int        # observations stacked: the current one and frames - 1 earlier ones
    prev_actions: int  # own previous actions, one-hot each
    obs_size: int      # the env's observation size per unit
    n_actions: int
    masks: bool = False  # each stacked frame carries its action mask as well
    features: bool = False  # each stacked frame carries the derived features (``derived_features``)
    n_types: int = 0     # the ruleset's unit types (where the enemy slots start); needed with features
    pos_scale: float = 0.0  # cells per observed distance unit (the ruleset's); needed with features

    def __post_init__(self):
        if self.frames < 1 or self.prev_actions < 0 or self.obs_size < 1 or self.n_actions < 1:
            raise ValueError(f"bad clone input layout {self}: frames >= 1, prev_actions >= 0, sizes >= 1")
        if self.features:
            k = self.k
            if k < 1 or self.n_actions != ATTACK0 + 2 * k:
                raise ValueError(f"bad clone input layout {self}: {self.n_actions} actions is not "
                                 f"{ATTACK0} + 2K for derived features")
            if not self.pos_scale > 0:
                raise ValueError(f"bad clone input layout {self}: derived features need the position scale (> 0)")
            if self.n_types < 1 or self._spec().patch_offset > self.obs_size:
                raise ValueError(f"bad clone input layout {self}: {self.n_types} unit types and K={k} do not fit "
                                 f"observations of size {self.obs_size}")

    @property
    def k(self) -> int:
        return (self.n_actions - ATTACK0) // 2

    @property
    def feature_size(self) -> int:
        return FEATURE_HEAD + 3 * self.k if self.features else 0

    @property
    def size(self) -> int:
        frame = self.obs_size + (self.n_actions if self.masks else 0) + self.feature_size
        return self.frames * frame + self.prev_actions * self.n_actions + (PROGRESS_SIZE if self.features else 0)

    def _spec(self) -> ObservationSpec:
        # offsets only: the features are ratios and directions, free of the ruleset's scales
        return ObservationSpec(k=self.k, n_types=self.n_types, patch_radius=0, scales=(1.0,) * 6)

    def frame(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        parts = [obs.astype(np.float32)]
        if self.masks:
            parts.append(mask.astype(np.float32))
        if self.features:
            parts.append(derived_features(self._spec(), obs, mask))
        return np.concatenate(parts, -1) if len(parts) > 1 else parts[0]

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
        if self.features:
            prog = Progress(self)
            rows = []
            for t in range(t_n):
                rows.append(prog.inputs(obs[t], mask[t]))
                prog.taken(action[t])
            parts.append(np.stack(rows))
        return np.concatenate(parts, -1).astype(np.float32)


class InputHistory:
    """The same layout built step by step while playing (one per team, batch of environments)."""

    def __init__(self, layout: CloneInput):
        self.layout = layout
        self.obs: list[np.ndarray] = []     # newest first, at most frames
        self.actions: list[np.ndarray] = []  # newest first, at most prev_actions
        self.progress = Progress(layout) if layout.features else None

    def inputs(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(B, U, size) for this step's observations (B, U, D) and masks; then call ``taken`` with the actions."""
        lay = self.layout
        self.obs = [lay.frame(obs, mask)] + self.obs[:lay.frames - 1]
        frames = self.obs + [self.obs[-1]] * (lay.frames - len(self.obs))  # pad: the first obs repeated
        hold = np.full(obs.shape[:-1], HOLD, dtype=np.int64)
        acts = self.actions + [hold] * (lay.prev_actions - len(self.actions))
        eye = np.eye(lay.n_actions, dtype=np.float32)
        extra = [self.progress.inputs(obs, mask)] if self.progress is not None else []
        return np.concatenate(frames + [eye[a] for a in acts] + extra, -1)

    def taken(self, action: np.ndarray) -> None:
        if self.progress is not None:
            self.progress.taken(action)
        if self.layout.prev_actions:
            self.actions = [np.asarray(action, dtype=np.int64).copy()] + self.actions[:self.layout.prev_actions - 1]


class Progress:
    """The progress memory of a layout with features, step by step: is the unit getting anywhere?

    Per unit: how many steps since its distance to its goal (the nearest enemy, or the map centre
    with none in view) last fell by 0.25, 0.5 and 1 cell below its best, counted while it keeps
    moving (a step without a move starts over); and how many moves in a row went *around* the goal
    (neither the step towards it nor the one away), with the side of the last one. A player who
    finds the way blocked walks around; these say for how long it has been blocked and circling,
    which no short stack of frames shows."""

    def __init__(self, layout: CloneInput):
        self.spec = layout._spec()
        self.cells = np.asarray(PROGRESS_CELLS) / layout.pos_scale  # in observed distance units
        self.best = self.since = self.around = self.side = None
        self.dist = self.goal = self.away = None  # this step's, until ``taken``

    def inputs(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(..., PROGRESS_SIZE) for this step's observations (..., D) and masks (history up to the last action)."""
        spec = self.spec
        vec, near = goal_vector(spec, obs)
        from agents.policy import move_along

        dist = np.hypot(vec[..., 0], vec[..., 1])
        if self.best is None:
            shape = dist.shape
            self.best = np.repeat(dist[..., None], len(self.cells), -1)
            self.since = np.zeros(shape + (len(self.cells),))
            self.around = np.zeros(shape)
            self.side = np.zeros(shape, dtype=np.int64)  # 0 none, 1 left, 2 right
        else:
            improved = dist[..., None] < self.best - self.cells
            moving = self.moved[..., None]
            self.best = np.where(~moving | improved, dist[..., None], self.best)
            self.since = np.where(~moving | improved, 0, self.since + 1)
        self.goal = move_along(vec, mask)
        self.away = np.where(near, move_along(-vec, mask), HOLD)
        side = np.eye(3, dtype=np.float32)[self.side][..., 1:]
        return np.concatenate([np.minimum(self.since, PROGRESS_CAP) / PROGRESS_CAP,
                               np.minimum(self.around, PROGRESS_CAP)[..., None] / PROGRESS_CAP, side],
                              -1).astype(np.float32)

    def taken(self, action: np.ndarray) -> None:
        action = np.asarray(action)
        self.moved = (action >= 1) & (action <= 8)
        around = self.moved & (action != self.goal) & (action != self.away)
        turn = (action - self.goal) % 8  # eighths of a turn from the goal step (1-3 one side, 5-7 the other)
        self.around = np.where(around, self.around + 1, 0)
        self.side = np.where(around & (self.goal >= 1), np.where(turn < 4, 1, 2), np.where(around, self.side, 0))


def goal_vector(spec: ObservationSpec, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vector, seen): where a unit steers, towards its nearest visible enemy or else the map
    centre, and whether an enemy is in sight (the goal of agents.scripted's strategies)."""
    e = spec.enemies(obs)
    near = e[..., 0, 0] > 0
    centre = np.stack([obs[..., spec.OWN_CENTER_DX], obs[..., spec.OWN_CENTER_DY]], -1)
    return np.where(near[..., None], e[..., 0, 1:3], centre), near


def _step_one_hot(vec: np.ndarray, mask: np.ndarray, want: np.ndarray) -> np.ndarray:
    """(..., 9) one-hot of the allowed step (1-8) best along ``vec``; of hold (0) where none helps or not ``want``."""
    from agents.policy import move_along

    step = np.where(want, move_along(vec, mask), HOLD)
    return np.eye(9, dtype=np.float32)[step]


def derived_features(spec: ObservationSpec, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(..., FEATURE_HEAD + 3K) derived features of observations (..., D) with their masks (..., A).

    Only positions in the layout are used (no scales): distances enter as a share of the unit's own
    range, directions as the allowed step along them."""
    obs = np.asarray(obs, dtype=np.float32)
    mask = np.asarray(mask)
    k = spec.k
    e, a = spec.enemies(obs), spec.allies(obs)
    near = e[..., 0, 0] > 0
    rng = obs[..., spec.OWN_RANGE]
    ratio = np.where(near, e[..., 0, 3] / np.maximum(rng, 1e-6), 0.0)
    ratio = np.minimum(ratio, 4.0)
    to_enemy = goal_vector(spec, obs)[0]
    ally = a[..., 0, 0] > 0
    yes = np.ones(near.shape, dtype=bool)
    can_attack = mask[..., ATTACK0:ATTACK0 + k] > 0
    can_heal = mask[..., ATTACK0 + k:ATTACK0 + 2 * k] > 0
    eye = np.eye(k + 1, dtype=np.float32)  # the last column stands for "none": dropped below

    def slot_one_hot(ok: np.ndarray, score: np.ndarray) -> np.ndarray:
        slot = np.where(ok.any(-1), np.where(ok, score, np.inf).argmin(-1), k)
        return eye[slot][..., :k]

    hurt_ok = can_heal & (a[..., 4] < 0.95)
    return np.concatenate([
        np.stack([ratio, near & (ratio < 0.6), near & (ratio > 1.0), obs[..., spec.OWN_READY] > 0], -1)
        .astype(np.float32),
        _step_one_hot(to_enemy, mask, yes),
        _step_one_hot(-e[..., 0, 1:3], mask, near),
        _step_one_hot(a[..., 0, 1:3], mask, ally),
        _step_one_hot(np.stack([-to_enemy[..., 1], to_enemy[..., 0]], -1), mask, yes),  # around it, one side
        _step_one_hot(np.stack([to_enemy[..., 1], -to_enemy[..., 0]], -1), mask, yes),  # and the other
        slot_one_hot(can_attack, e[..., 4]),                                   # weakest in reach
        slot_one_hot(can_attack, np.broadcast_to(np.arange(k, dtype=np.float32), can_attack.shape)),  # nearest
        slot_one_hot(hurt_ok, a[..., 4]),                                      # most hurt in healing reach
    ], -1).astype(np.float32)
