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
#: Observation layout versions. 1: the ruleset-relative layout the shipped ``ppo`` bot was trained
#: on. 2: layout 1 followed by a stats section (``ObservationSpec.STATS_FEATURES``) giving every
#: observed unit's numbers on fixed scales, so one policy can read any ruleset's numbers.
LAYOUT_VERSIONS = (1, 2)
LATEST_LAYOUT = 2
#: Reference value of each unit stat in the v2 stats section (about the default ruleset's typical
#: value). A stat v is observed as log2(1 + v / ref), clipped to [0, STAT_CAP]: 0 stays 0 (no heal,
#: no armor), ref reads 1, ×0.25 reads 0.32 and ×4 reads 2.32, and anything up to ×15 stays below
#: the cap, so a designer's unseen numbers stay finite, ordered and bounded.
STAT_REFS = {"hp": 100.0, "damage": 10.0, "range": 3.0, "speed": 0.7, "cooldown": 2.0, "armor": 3.0, "heal": 10.0}
STAT_CAP = 4.0


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
    me, occupied, defence). Distances are in cells / ``pos_scale``. The scales of layout 1 are the
    ruleset's own largest values, so it reads numbers relative to the ruleset it runs on.

    Layout ``version`` 2 appends a stats section: for the unit itself, then each of the K enemy
    slots, then each of the K ally slots, its type's hp, damage, range, speed, cooldown, armor,
    heal (each log2(1 + v / STAT_REFS[stat]), clipped to [0, STAT_CAP]) and the defence of the tile
    it stands on (a fraction, as the ruleset gives it). Empty slots read zeros. Layout 1 is a
    prefix of layout 2, so a v2 observation cut at ``size`` of the v1 spec is the v1 observation.
    """

    k: int
    n_types: int
    patch_radius: int
    scales: tuple[float, ...]  # hp, damage, pos, cooldown, armor, heal
    version: int = 1

    OWN_HP, OWN_MAX_HP, OWN_DAMAGE, OWN_RANGE, OWN_SPEED, OWN_READY, OWN_COOLDOWN = 0, 1, 2, 3, 4, 5, 6
    OWN_ARMOR, OWN_VISION, OWN_HEAL, OWN_DEFENCE, OWN_CENTER_DX, OWN_CENTER_DY = 7, 8, 9, 10, 11, 12
    OWN_TYPE = 13  # the unit-type one-hot starts here
    ENEMY_FEATURES = ("present", "dx", "dy", "dist", "hp", "in_my_range", "in_its_range", "damage")
    ALLY_FEATURES = ("present", "dx", "dy", "dist", "hp", "is_healer")
    PATCH_FEATURES = ("passable", "occupied", "defence")
    STATS_FEATURES = ("hp", "damage", "range", "speed", "cooldown", "armor", "heal", "defence")

    def __post_init__(self):
        if self.version not in LAYOUT_VERSIONS:
            raise ValueError(f"observation layout version must be one of {LAYOUT_VERSIONS}, got {self.version!r}")

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
    def stats_offset(self) -> int:
        """Where the v2 stats section starts (the end of layout 1), whatever the version."""
        return self.patch_offset + len(self.PATCH_FEATURES) * (2 * self.patch_radius + 1) ** 2

    @property
    def stats_slots(self) -> int:
        """Units in the stats section: myself, K enemies, K allies (0 in layout 1)."""
        return 1 + 2 * self.k if self.version >= 2 else 0

    @property
    def size(self) -> int:
        return self.stats_offset + len(self.STATS_FEATURES) * self.stats_slots

    def stats(self, obs: np.ndarray) -> np.ndarray:
        """(..., 1 + 2K, len(STATS_FEATURES)) view of the stats section (layout 2 only)."""
        if self.version < 2:
            raise ValueError("observation layout 1 has no stats section")
        return obs[..., self.stats_offset:self.size].reshape(
            obs.shape[:-1] + (self.stats_slots, len(self.STATS_FEATURES)))

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
