"""Walking the world: move with the keys (or a scripted walk), talk to the villager next to you."""
from __future__ import annotations

from demos import ui_theme as ui
from demos.controls import KEY_BAR_WORLD
from demos.game_rules import check_quests
from demos.modes.base import Mode, Steer
from demos.terrain_renderer import TILE_PX


class WorldMode(Mode):
    name = "world"
    key_bar = KEY_BAR_WORLD

    def handle_event(self, event) -> None:
        import pygame

        app = self.app
        if event.type != pygame.KEYDOWN:
            return
        if event.key == pygame.K_ESCAPE:
            app.pause()
        elif event.key == pygame.K_e:
            npc = app.nearest_villager()
            if npc is not None:
                app.open_chat(npc)
        elif event.key == pygame.K_b:
            app.switch("watch")
        elif event.key == pygame.K_n:
            app.new_skirmish()
        elif event.key == pygame.K_m:
            app.toggle_minimap()

    def update(self, dt: float, steer: Steer) -> None:
        app = self.app
        dx, dy = steer.dx, steer.dy
        if dx or dy:
            app.autowalk = None  # the player's own keys win over a scripted walk
        elif app.autowalk is not None:
            d = app.autowalk.direction(app.player.x, app.player.y)
            if d is None:
                app.autowalk = None
            else:
                dx, dy = d
        app.player.move(dx, dy, dt, app.world.tiles, app.world.walkable, steer.run)
        for message in check_quests(app.player_state, app.player.x, app.player.y):
            app.hud.toast(message, app.now, color=ui.GOOD)
            app.sounds.play("quest")
            app.save_game()
        app.camera.follow(app.player.x * TILE_PX, app.player.y * TILE_PX, dt)

    def draw_over_hud(self, screen) -> None:
        near = self.app.nearest_villager()
        if near is not None:
            self.app.hud.draw_prompt(screen, f"[E] Talk to {near.name}, the {near.role}")
