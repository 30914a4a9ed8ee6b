"""The action and observation layout shared by the core, its faces and every bot (numpy only).

Kept apart from ``envs.core`` (which compiles numba kernels) so bots and the CLI can read the
layout without loading the simulation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: (dx, dy) of move actions 1..8.
DIRECTIONS = np.array([(0, -1), (1, -1), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1)], dtype=np.int32)
HOLD = 0
MOVE0 = 1
ATTACK0 = 9
BLUE, RED = 0, 1
#: winner codes in ``state.winner``
RUNNING, BLUE_WINS, RED_WINS, DRAW = -1, 0, 1, 2
WINNER_NAMES = {BLUE_WINS: "blue", RED_WINS: "red", DRAW: "draw"}
#: game time of one step, for APM caps and human-readable durations
STEP_SECONDS = 0.5
DEFAULT_K = 4
PATCH_RADIUS = 2


def heal0(k: int = DEFAULT_K) -> int:
    """Action code of "heal the nearest ally": heals follow the K attack actions."""
    return ATTACK0 + k


def n_actions(k: int = DEFAULT_K) -> int:
    return heal0(k) + k


@dataclass(frozen=True)
class ObservationSpec:
    """Where each feature sits in a unit's flat observation vector, and how it is scaled.

    Own block: hp_frac, max_hp, damage, range, speed, ready, cooldown, armor, vision, heal,
    tile defence, dx/dy to the map centre, then a one-hot of the unit type. Then K enemy slots
    (present, dx, dy, dist, hp_frac, in_my_range, me_in_its_range, its_damage), K ally slots
    (present, dx, dy, dist, hp_frac, is_healer), and a (2P+1)² terrain patch of (passable for
    me, occupied, defence). Distances are in cells / ``pos_scale``.
    """

    k: int
    n_types: int
    patch_radius: int
    scales: tuple[float, ...]  # hp, damage, pos, cooldown, armor, heal

    OWN_HP, OWN_MAX_HP, OWN_DAMAGE, OWN_RANGE, OWN_SPEED, OWN_READY, OWN_COOLDOWN = 0, 1, 2, 3, 4, 5, 6
    OWN_ARMOR, OWN_VISION, OWN_HEAL, OWN_DEFENCE, OWN_CENTER_DX, OWN_CENTER_DY = 7, 8, 9, 10, 11, 12
    OWN_TYPE = 13  # the unit-type one-hot starts here
    ENEMY_FEATURES = ("present", "dx", "dy", "dist", "hp", "in_my_range", "in_its_range", "damage")
    ALLY_FEATURES = ("present", "dx", "dy", "dist", "hp", "is_healer")
    PATCH_FEATURES = ("passable", "occupied", "defence")

    @property
    def pos_scale(self) -> float:
        return self.scales[2]

    @property
    def own_size(self) -> int:
        return self.OWN_TYPE + self.n_types

    @property
    def enemy_offset(self) -> int:
        return self.own_size

    @property
    def ally_offset(self) -> int:
        return self.enemy_offset + len(self.ENEMY_FEATURES) * self.k

    @property
    def patch_offset(self) -> int:
        return self.ally_offset + len(self.ALLY_FEATURES) * self.k

    @property
    def size(self) -> int:
        return self.patch_offset + len(self.PATCH_FEATURES) * (2 * self.patch_radius + 1) ** 2

    @property
    def n_actions(self) -> int:
        return n_actions(self.k)

    def enemies(self, obs: np.ndarray) -> np.ndarray:
        """(..., K, len(ENEMY_FEATURES)) view of the enemy slots."""
        return self._slots(obs, self.enemy_offset, len(self.ENEMY_FEATURES))

    def allies(self, obs: np.ndarray) -> np.ndarray:
        """(..., K, len(ALLY_FEATURES)) view of the ally slots."""
        return self._slots(obs, self.ally_offset, len(self.ALLY_FEATURES))

    def _slots(self, obs: np.ndarray, offset: int, width: int) -> np.ndarray:
        return obs[..., offset:offset + width * self.k].reshape(obs.shape[:-1] + (self.k, width))
