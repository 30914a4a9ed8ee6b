"""The mode interface: enter/exit, handle_event, update, draw, and the key bar it shows."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Steer:
    """This frame's movement keys (held, or held by a script): a direction and whether to run."""

    dx: float = 0.0
    dy: float = 0.0
    run: bool = False


class Mode:
    """One mode of the game. The app owns the world and the shared services; a mode reads and drives them."""

    name = ""
    key_bar = ""

    def __init__(self, app):
        self.app = app

    def enter(self) -> None:
        """Called when the app switches to this mode."""

    def exit(self) -> None:
        """Called when the app switches away from this mode."""

    def handle_event(self, event) -> None:
        """One pygame event the app did not take itself (quit, overlays, F1, F12 are the app's)."""

    def update(self, dt: float, steer: Steer) -> None:
        """Advance this mode by dt seconds (the world and the battlefield advance in the app)."""

    def draw(self, screen) -> None:
        """Draw what this mode adds over the world (after the world, before the HUD)."""

    def draw_over_hud(self, screen) -> None:
        """Draw what must sit over the HUD (panels, prompts)."""
