"""The player and the villagers: positions in tiles, terrain-aware walking, and their sprites.

Movement is continuous (tiles per second) with per-axis collision against blocked tiles, so
the player slides along a river bank instead of sticking to it. Terrain sets the pace:
roads are quick, forests and swamps slow.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from pcg.tiles import Tile

SPEED_FACTOR = {Tile.ROAD: 1.35, Tile.BRIDGE: 1.35, Tile.SETTLEMENT: 1.2, Tile.FOREST: 0.75,
                Tile.SWAMP: 0.6, Tile.SNOW: 0.7, Tile.HILLS: 0.85, Tile.DESERT: 0.9}
WALK_SPEED = 5.0  # tiles per second
RUN_FACTOR = 1.8
TALK_RANGE = 1.9  # tiles


def walkable_mask(tiles: np.ndarray) -> np.ndarray:
    """Where the player and villagers may stand: pcg's shared passability rule."""
    from pcg.tiles import passable_mask

    return passable_mask(tiles)


@dataclass
class Walker:
    x: float
    y: float
    facing: tuple[float, float] = (0.0, 1.0)
    moving: bool = False
    step_phase: float = 0.0

    def move(self, dx: float, dy: float, dt: float, tiles: np.ndarray, walkable: np.ndarray, run: bool = False) -> None:
        """Move along (dx, dy) (any length; normalised), sliding along blocked tiles."""
        n = math.hypot(dx, dy)
        self.moving = n > 1e-6
        if not self.moving:
            return
        dx, dy = dx / n, dy / n
        self.facing = (dx, dy)
        rows, cols = tiles.shape
        here = Tile(int(tiles[min(max(int(self.y), 0), rows - 1), min(max(int(self.x), 0), cols - 1)]))
        speed = WALK_SPEED * SPEED_FACTOR.get(here, 1.0) * (RUN_FACTOR if run else 1.0)
        step = speed * dt
        self.step_phase += step * 2.2
        for axis in (0, 1):
            nx = self.x + (dx * step if axis == 0 else 0.0)
            ny = self.y + (dy * step if axis == 1 else 0.0)
            tx, ty = int(nx), int(ny)
            if 0 <= tx < cols and 0 <= ty < rows and walkable[ty, tx]:
                self.x, self.y = nx, ny


@dataclass
class Villager:
    """An NPC standing in its village; its words come from the dialogue engine via its persona id."""

    npc_id: str
    name: str
    role: str
    settlement: str
    x: float
    y: float
    color: tuple[int, int, int] = (200, 160, 90)
    phase: float = 0.0  # idle bob, desynchronised per villager

    def distance_to(self, x: float, y: float) -> float:
        return math.hypot(self.x - x, self.y - y)


def walk_cost(tiles: np.ndarray) -> np.ndarray:
    """Seconds-per-tile style cost for route finding: roads cheap, swamps dear, blocked tiles infinite."""
    factor = np.ones(int(tiles.max()) + 1)
    for tile, f in SPEED_FACTOR.items():
        if int(tile) < len(factor):
            factor[int(tile)] = f
    cost = 1.0 / factor[tiles]
    cost[~walkable_mask(tiles)] = np.inf
    return cost


def find_path(cost: np.ndarray, start: tuple[int, int], goal: tuple[int, int]) -> list[tuple[int, int]] | None:
    """Quickest tile route (x, y) from start to goal with pcg's A*, or None when unreachable."""
    from pcg.paths import least_cost_path

    rows, cols = cost.shape
    if not (0 <= goal[0] < cols and 0 <= goal[1] < rows) or not np.isfinite(cost[goal[1], goal[0]]):
        return None
    path = least_cost_path(cost, start, goal)
    return [(int(x), int(y)) for x, y in path] if len(path) else None


@dataclass
class AutoWalk:
    """Follows a tile path by steering, the way a player holding the arrow keys would."""

    waypoints: list[tuple[float, float]] = field(default_factory=list)
    stop_within: float = 0.0

    def direction(self, x: float, y: float) -> tuple[float, float] | None:
        while self.waypoints:
            wx, wy = self.waypoints[0]
            last = len(self.waypoints) == 1
            reach = max(self.stop_within, 0.15) if last else 0.35
            if math.hypot(wx - x, wy - y) <= reach:
                self.waypoints.pop(0)
                continue
            return wx - x, wy - y
        return None


def draw_person(screen, cx: int, cy: int, body, size: int = 16, bob: float = 0.0, outline=(20, 20, 20),
                facing: tuple[float, float] = (0, 1)) -> None:
    """A small top-down figure: shadow, cloak, head; scaled to the tile size."""
    import pygame

    r = size // 2
    by = cy + int(bob)
    pygame.draw.ellipse(screen, (0, 0, 0, 90), (cx - r, cy + r - 4, 2 * r, 7))
    pygame.draw.circle(screen, outline, (cx, by), r + 1)
    pygame.draw.circle(screen, body, (cx, by), r)
    hx, hy = cx + int(facing[0] * 3), by - r // 2 + int(facing[1] * 2)
    pygame.draw.circle(screen, outline, (hx, hy), r // 2 + 2)
    pygame.draw.circle(screen, (238, 200, 160), (hx, hy), r // 2 + 1)
