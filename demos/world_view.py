"""Drawing the world around the player: place names, houses, villagers and the player themself.

Terrain is drawn by the chunk renderer and the battlefield by `SkirmishView`; this draws what
lives on the land, in the order the eye reads it (names under people, people over houses).
"""
from __future__ import annotations

import math

from demos import ui_theme as ui
from demos.actors import draw_person
from demos.buildings import house_sprites
from demos.terrain_renderer import TILE_PX

NAME_TAG_RANGE = 9  # tiles: villagers nearer the player than this show their name
SETTLEMENT_LABEL_RISE, LANDMARK_LABEL_RISE = 5.2, 1.2  # tiles above the place: clear of houses and people
SETTLEMENT_LABEL_SIZE, LANDMARK_LABEL_SIZE = 30, 22
SETTLEMENT_LABEL_COLOR, LANDMARK_LABEL_COLOR, LABEL_SHADOW = (255, 246, 220), (230, 230, 255), (0, 0, 0)
LABEL_MARGIN_PX = 200, 40  # labels this far off screen may still reach into it
PLAYER_COLOR, PLAYER_OUTLINE = (60, 110, 220), (255, 255, 255)
VILLAGER_BOB_PX, VILLAGER_BOB_RATE = 1.5, 2.0  # villagers sway on the spot, each at its own phase
PLAYER_STEP_BOB_PX = 2.5


class WorldView:
    def __init__(self, world):
        self.world = world
        self.house_sprites = house_sprites(TILE_PX)
        self.labels = []
        for places, rise, size, bold, color in (
                (world.settlements, SETTLEMENT_LABEL_RISE, SETTLEMENT_LABEL_SIZE, True, SETTLEMENT_LABEL_COLOR),
                (world.landmarks, LANDMARK_LABEL_RISE, LANDMARK_LABEL_SIZE, False, LANDMARK_LABEL_COLOR)):
            for place in places:  # settlements first: they win when labels would overlap
                x = place.x + 0.5 if places is world.settlements else place.x
                self.labels.append((x, place.y - rise, ui.font(size, bold).render(place.name, True, color),
                                    ui.font(size, bold).render(place.name, True, LABEL_SHADOW)))

    def draw_labels(self, screen, off) -> None:
        """Settlement names first, then landmarks; a label that would overlap one already drawn is skipped."""
        taken = []
        mx, my = LABEL_MARGIN_PX
        w, h = screen.get_size()
        for wx, wy, surf, shadow in self.labels:
            sx, sy = wx * TILE_PX - off[0], wy * TILE_PX - off[1]
            if -mx < sx < w + mx and -my < sy < h + my:
                r = surf.get_rect(center=(sx, sy))
                if r.collidelist(taken) >= 0:
                    continue
                taken.append(r.inflate(8, 4))
                screen.blit(shadow, r.move(2, 2))
                screen.blit(surf, r)

    def draw_people(self, screen, cam, now: float, player, player_state, near=None) -> None:
        """Houses, villagers (names when close, `!` when they have work), then the player on top."""
        world = self.world
        for hx, hy, style in world.houses:
            if cam.visible(hx * TILE_PX, hy * TILE_PX):
                screen.blit(self.house_sprites[style], cam.to_screen(hx * TILE_PX, hy * TILE_PX))
        for v in world.villagers:
            px, py = v.x * TILE_PX, v.y * TILE_PX
            if not cam.visible(px, py):
                continue
            sx, sy = cam.to_screen(px, py)
            bob = math.sin(now * VILLAGER_BOB_RATE + v.phase) * VILLAGER_BOB_PX
            draw_person(screen, sx, sy, v.color, size=TILE_PX + 2, bob=bob)
            if v.distance_to(player.x, player.y) < NAME_TAG_RANGE:
                ui.text(screen, v.name, (sx, sy - 22), size=20, color=ui.ACCENT if v is near else ui.TEXT,
                        center=True)
            ps = player_state
            if any(q not in ps.active_quests and q not in ps.done_quests for q in world.quests.get(v.npc_id, {})):
                ui.text(screen, "!", (sx + 10, sy - 14), size=26, color=ui.ACCENT, center=True, bold=True)
        px, py = cam.to_screen(player.x * TILE_PX, player.y * TILE_PX)
        bob = abs(math.sin(player.step_phase)) * -PLAYER_STEP_BOB_PX if player.moving else 0.0
        draw_person(screen, px, py, PLAYER_COLOR, size=TILE_PX + 4, bob=bob, outline=PLAYER_OUTLINE,
                    facing=player.facing)
