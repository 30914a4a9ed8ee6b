"""Pause, help and settings screens drawn over the (frozen) world.

Menus are small state machines fed with KEYDOWN events; they return an action string the
app acts on ("resume", "quit", "apply") so the menus know nothing of the game.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from demos import ui_theme as ui
from demos.controls import CONTROLS
from demos.settings import BACKENDS, Settings


def _dim(screen) -> None:
    import pygame

    shade = pygame.Surface(screen.get_size(), pygame.SRCALPHA)
    shade.fill((0, 0, 0, 150))
    screen.blit(shade, (0, 0))


@dataclass
class PauseMenu:
    items: tuple[str, ...] = ("Resume", "Help", "Settings", "Save and quit")
    index: int = 0

    def handle_key(self, key: int) -> str | None:
        import pygame

        if key in (pygame.K_UP, pygame.K_w):
            self.index = (self.index - 1) % len(self.items)
        elif key in (pygame.K_DOWN, pygame.K_s):
            self.index = (self.index + 1) % len(self.items)
        elif key == pygame.K_ESCAPE:
            return "resume"
        elif key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
            return ("resume", "help", "settings", "quit")[self.index]
        return None

    def draw(self, screen) -> None:
        _dim(screen)
        w, h = screen.get_size()
        ui.panel(screen, (w // 2 - 200, h // 2 - 150, 400, 300))
        ui.text(screen, "Paused", (w // 2, h // 2 - 110), size=44, color=ui.ACCENT, center=True, bold=True)
        for i, label in enumerate(self.items):
            color = ui.ACCENT if i == self.index else ui.TEXT
            mark = "> " if i == self.index else "  "
            ui.text(screen, mark + label, (w // 2, h // 2 - 40 + i * 42), size=32, color=color, center=True)
        ui.text(screen, "Up/Down choose   Enter select   Esc resume", (w // 2, h // 2 + 125), size=20,
                color=ui.MUTED, center=True)


@dataclass
class HelpScreen:
    def handle_key(self, key: int) -> str | None:
        return "back"

    def draw(self, screen) -> None:
        _dim(screen)
        w, h = screen.get_size()
        row_h = min(34, (h - 150) // len(CONTROLS))  # the list grows with the play mode's keys: fit the screen
        box_w, box_h = 860, 120 + row_h * len(CONTROLS)
        x0, y0 = (w - box_w) // 2, (h - box_h) // 2
        ui.panel(screen, (x0, y0, box_w, box_h))
        ui.text(screen, "How to play", (w // 2, y0 + 34), size=40, color=ui.ACCENT, center=True, bold=True)
        for i, (keys, action) in enumerate(CONTROLS):
            y = y0 + 70 + i * row_h
            ui.text(screen, keys, (x0 + 40, y), size=24, color=ui.ACCENT)
            ui.text(screen, action, (x0 + 230, y), size=24)
        ui.text(screen, "Walk into a village, find someone with a name over their head and press E. "
                "Press any key to go back.", (w // 2, y0 + box_h - 26), size=19, color=ui.MUTED, center=True)


@dataclass
class SettingsScreen:
    """Edit a copy of the settings; 'apply' hands it back, Esc discards."""

    current: Settings
    draft: Settings = field(init=False)
    index: int = 0
    rows: tuple[str, ...] = ("Seed", "Model backend", "Volume", "Apply", "Cancel")

    def __post_init__(self) -> None:
        self.draft = replace(self.current)

    def handle_key(self, key: int, unicode: str = "") -> str | None:
        import pygame

        row = self.rows[self.index]
        if key == pygame.K_ESCAPE:
            return "cancel"
        if key in (pygame.K_UP,):
            self.index = (self.index - 1) % len(self.rows)
        elif key in (pygame.K_DOWN, pygame.K_TAB):
            self.index = (self.index + 1) % len(self.rows)
        elif key in (pygame.K_LEFT, pygame.K_RIGHT):
            step = -1 if key == pygame.K_LEFT else 1
            if row == "Seed":
                self.draft.seed = (self.draft.seed + step) % 2**31
            elif row == "Model backend":
                i = BACKENDS.index(self.draft.backend)
                self.draft.backend = BACKENDS[(i + step) % len(BACKENDS)]
            elif row == "Volume":
                self.draft.volume = round(min(1.0, max(0.0, self.draft.volume + 0.1 * step)), 1)
        elif row == "Seed" and unicode.isdigit():
            self.draft.seed = int(f"{self.draft.seed}{unicode}"[-9:])
        elif row == "Seed" and key == pygame.K_BACKSPACE:
            self.draft.seed = int(str(self.draft.seed)[:-1] or 0)
        elif row == "Seed" and key == pygame.K_r:
            self.draft.seed = random.randrange(2**31)
        elif key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
            if row == "Apply":
                return "apply"
            if row == "Cancel":
                return "cancel"
        return None

    def draw(self, screen) -> None:
        _dim(screen)
        w, h = screen.get_size()
        x0, y0 = w // 2 - 300, h // 2 - 190
        ui.panel(screen, (x0, y0, 600, 380))
        ui.text(screen, "Settings", (w // 2, y0 + 36), size=40, color=ui.ACCENT, center=True, bold=True)
        values = {
            "Seed": f"{self.draft.seed}" + ("   (new world)" if self.draft.seed != self.current.seed else ""),
            "Model backend": self.draft.backend,
            "Volume": f"{int(round(self.draft.volume * 100))}%  " + "#" * int(round(self.draft.volume * 10)),
        }
        for i, row in enumerate(self.rows):
            y = y0 + 80 + i * 46
            color = ui.ACCENT if i == self.index else ui.TEXT
            ui.text(screen, ("> " if i == self.index else "  ") + row, (x0 + 40, y), size=30, color=color)
            if row in values:
                ui.text(screen, values[row], (x0 + 300, y), size=30, color=color)
        ui.text(screen, "Up/Down choose  Left/Right change  digits type a seed  R random seed",
                (w // 2, y0 + 340), size=19, color=ui.MUTED, center=True)
