"""The minimap: the whole map at a glance, with villages, the battlefield, the player and the view.

The terrain image is made once (one pixel per tile, numpy colour lookup, smooth-scaled);
each frame only the markers are drawn on top.
"""
from __future__ import annotations

import numpy as np

from demos import ui_theme as ui
from pcg.tiles import TILE_COLORS


class Minimap:
    def __init__(self, tiles: np.ndarray, size_px: int = 200):
        import pygame

        rows, cols = tiles.shape
        lut = np.zeros((max(TILE_COLORS) + 1, 3), dtype=np.uint8)
        for tid, rgb in TILE_COLORS.items():
            lut[int(tid)] = rgb
        rgb = lut[tiles]  # (rows, cols, 3)
        scale = size_px / max(rows, cols)
        self.size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
        self.scale = scale
        base = pygame.surfarray.make_surface(np.ascontiguousarray(rgb.transpose(1, 0, 2)))
        self.image = pygame.transform.smoothscale(base, self.size)

    def draw(self, screen, topleft: tuple[int, int], player_xy, view_rect_tiles, settlements, battlefield=None,
             quest_targets=()) -> None:
        import pygame

        x0, y0 = topleft
        w, h = self.size
        ui.panel(screen, (x0 - 6, y0 - 6, w + 12, h + 12), radius=6)
        screen.blit(self.image, (x0, y0))
        s = self.scale
        if battlefield is not None:
            bx, by, bw, bh = battlefield
            pygame.draw.rect(screen, ui.BAD, (x0 + bx * s, y0 + by * s, max(3, bw * s), max(3, bh * s)), width=2)
        for sx, sy in settlements:
            pygame.draw.rect(screen, (255, 240, 200), (x0 + sx * s - 2, y0 + sy * s - 2, 5, 5))
        for tx, ty in quest_targets:
            pygame.draw.circle(screen, ui.ACCENT, (x0 + tx * s, y0 + ty * s), 4, width=2)
        vx, vy, vw, vh = view_rect_tiles
        pygame.draw.rect(screen, (255, 255, 255), (x0 + vx * s, y0 + vy * s, vw * s, vh * s), width=1)
        px, py = player_xy
        pygame.draw.circle(screen, (0, 0, 0), (x0 + px * s, y0 + py * s), 4)
        pygame.draw.circle(screen, ui.PLAYER_TEXT, (x0 + px * s, y0 + py * s), 3)
