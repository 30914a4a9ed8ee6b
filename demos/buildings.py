"""Village houses: placed around each settlement tile, drawn as little cottages, solid to walk into.

pcg marks a settlement with its centre tile; the demo grows a hamlet around it so a village
reads as a village. Placement is seeded (same seed, same houses) and keeps lanes open:
houses stand at least two tiles apart and never next to a villager's spot or on a road.
"""
from __future__ import annotations

import numpy as np

from pcg.tiles import Tile

HOUSES_PER_VILLAGE = 7
ROOFS = ((150, 60, 45), (120, 80, 50), (90, 90, 110), (160, 110, 60))


def place_houses(tiles: np.ndarray, walkable: np.ndarray, settlements, keep_free: list[tuple[int, int]],
                 seed: int) -> list[tuple[int, int, int]]:
    """(x, y, style) per house; `keep_free` are tiles (villagers, spawn) houses must not crowd."""
    rng = np.random.default_rng([int(seed), 0xB0A5E])
    rows, cols = tiles.shape
    busy = np.isin(tiles, [int(Tile.ROAD), int(Tile.BRIDGE), int(Tile.SETTLEMENT)])
    houses: list[tuple[int, int, int]] = []
    for town in settlements:
        cands = [(town.x + dx, town.y + dy) for dx in range(-5, 6) for dy in range(-5, 6)
                 if 2 <= max(abs(dx), abs(dy)) <= 5]
        cands = [(x, y) for x, y in cands if 0 <= x < cols and 0 <= y < rows and walkable[y, x] and not busy[y, x]]
        rng.shuffle(cands)
        placed = 0
        for x, y in cands:
            if placed == HOUSES_PER_VILLAGE:
                break
            if any(abs(x - fx) + abs(y - fy) < 2 for fx, fy in keep_free):
                continue
            if any(max(abs(x - hx), abs(y - hy)) < 2 for hx, hy, _ in houses):
                continue
            houses.append((x, y, int(rng.integers(len(ROOFS)))))
            placed += 1
    return houses


def house_sprites(tile_px: int):
    """One cottage surface per roof colour: walls, a door, a pitched roof."""
    import pygame

    sprites = []
    for roof in ROOFS:
        s = pygame.Surface((tile_px, tile_px), pygame.SRCALPHA)
        t = tile_px
        pygame.draw.rect(s, (225, 205, 165), (2, t // 2 - 1, t - 4, t // 2))
        pygame.draw.rect(s, (60, 40, 30), (2, t // 2 - 1, t - 4, t // 2), width=1)
        pygame.draw.rect(s, (90, 60, 35), (t // 2 - 2, t - 6, 4, 5))
        pygame.draw.polygon(s, roof, [(0, t // 2), (t // 2, 1), (t - 1, t // 2)])
        pygame.draw.polygon(s, (40, 25, 20), [(0, t // 2), (t // 2, 1), (t - 1, t // 2)], width=1)
        sprites.append(s)
    return sprites
