"""Walking the world: move with the keys (or a scripted walk), talk to the villager next to you."""
from __future__ import annotations

from demos import ui_theme as ui
from demos.actors import TALK_RANGE, AutoWalk, find_path
from demos.controls import KEY_BAR_WORLD
from demos.game_rules import check_quests
from demos.modes.base import Mode, Steer
from demos.terrain_renderer import TILE_PX


class WorldMode(Mode):
    name = "world"
    key_bar = KEY_BAR_WORLD

    def __init__(self, app):
        super().__init__(app)
        self.autowalk: AutoWalk | None = None  # a walk along a path (scripts, tests), until a key is pressed

    def exit(self) -> None:
        self.autowalk = None

    def walk_to_npc(self, name: str | None) -> None:
        """Walk to the nearest villager (whose name contains ``name``, if given) until in talking range."""
        app = self.app
        candidates = [v for v in app.world.villagers if name is None or name.lower() in v.name.lower()]
        if not candidates:
            app.log(f"walk_to: no villager named {name!r}")
            return
        target = min(candidates, key=lambda v: v.distance_to(app.player.x, app.player.y))
        self._walk(target.x, target.y, stop_within=TALK_RANGE * 0.6)

    def walk_to(self, x: float, y: float) -> None:
        self._walk(x, y, stop_within=0.2)

    def _walk(self, x: float, y: float, stop_within: float) -> None:
        app = self.app
        path = find_path(app.world.walk_cost, (int(app.player.x), int(app.player.y)), (int(x), int(y)))
        if path is None:
            app.log(f"walk_to: no walkable path to ({x:.0f}, {y:.0f})")
            self.autowalk = None
            return
        points = [(tx + 0.5, ty + 0.5) for tx, ty in path[1:]] + [(x, y)]
        self.autowalk = AutoWalk(points, stop_within=stop_within)

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
            self.autowalk = None  # the player's own keys win over a scripted walk
        elif self.autowalk is not None:
            d = self.autowalk.direction(app.player.x, app.player.y)
            if d is None:
                self.autowalk = None
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
