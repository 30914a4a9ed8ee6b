"""Watching the battlefield: pan over the bots' skirmish, start a new one, or step in and play."""
from __future__ import annotations

from demos.controls import KEY_BAR_WATCH
from demos.modes.base import Mode, Steer

#: Camera pan speed over the battlefield, screen pixels per second.
PAN_SPEED_PX = 600.0


class WatchMode(Mode):
    name = "watch"
    key_bar = KEY_BAR_WATCH

    def __init__(self, app):
        super().__init__(app)
        self.pan = [0.0, 0.0]

    def enter(self) -> None:
        self.pan = [0.0, 0.0]

    def handle_event(self, event) -> None:
        import pygame

        app = self.app
        if event.type != pygame.KEYDOWN:
            return
        if event.key == pygame.K_ESCAPE:
            app.pause()
        elif event.key == pygame.K_b:
            app.switch("world")
        elif event.key == pygame.K_n:
            app.new_skirmish()
        elif event.key == pygame.K_m:
            app.toggle_minimap()
        elif event.key == pygame.K_p:
            app.switch("play")
        elif event.key == pygame.K_r:
            app.save_watched_replay()

    def update(self, dt: float, steer: Steer) -> None:
        app = self.app
        app.player.moving = False
        self.pan[0] += steer.dx * PAN_SPEED_PX * dt
        self.pan[1] += steer.dy * PAN_SPEED_PX * dt
        bx, by = app.skirmish.center_px()
        app.camera.follow(bx + self.pan[0], by + self.pan[1], dt)

    def draw_over_hud(self, screen) -> None:
        if self.app.skirmish.played and self.app.skirmish.ended_at is None and self.app.skirmish.takeover:
            t = self.app.skirmish.takeover
            self.app.hud.draw_prompt(screen, f"{t['bot']} is finishing your match (you left at step {t['step']})")
        else:
            self.app.hud.draw_prompt(screen, "[P] Play: command the blue army yourself")
