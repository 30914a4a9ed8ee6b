"""The panel before a played match: opponent bot, its tier, adaptive difficulty, start.

A small state machine fed with KEYDOWN events, like the menus: it returns "start" or "back"
and edits the session's `MatchChoice` in place.
"""
from __future__ import annotations

from demos import ui_theme as ui

ROWS = ("Opponent", "Tier", "Adaptive difficulty", "Squad judges orders", "Start")
PANEL_W, PANEL_H, ROW_H = 620, 376, 46


class MatchSetup:
    def __init__(self, session, bots: list[str]):
        self.session = session
        self.bots = bots
        self.index = len(ROWS) - 1  # on "Start": Enter plays at once with the last choice
        if session.choice.bot not in bots:
            session.choice.bot = bots[0]

    def handle_key(self, key: int) -> str | None:
        import pygame

        from demos.match_session import TIERS

        c = self.session.choice
        row = ROWS[self.index]
        if key == pygame.K_ESCAPE:
            return "back"
        if key in (pygame.K_UP, pygame.K_w):
            self.index = (self.index - 1) % len(ROWS)
        elif key in (pygame.K_DOWN, pygame.K_s, pygame.K_TAB):
            self.index = (self.index + 1) % len(ROWS)
        elif key in (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_a, pygame.K_d):
            step = -1 if key in (pygame.K_LEFT, pygame.K_a) else 1
            if row == "Opponent":
                c.bot = self.bots[(self.bots.index(c.bot) + step) % len(self.bots)]
            elif row == "Tier":
                c.tier = TIERS[(TIERS.index(c.tier) + step) % len(TIERS)]
            elif row == "Adaptive difficulty":
                c.adaptive = not c.adaptive
            elif row == "Squad judges orders":
                c.teaching = not c.teaching
        elif key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
            if row == "Adaptive difficulty":
                c.adaptive = not c.adaptive
            elif row == "Squad judges orders":
                c.teaching = not c.teaching
            else:
                return "start"
        return None

    def draw(self, screen) -> None:
        w, h = screen.get_size()
        x0, y0 = (w - PANEL_W) // 2, (h - PANEL_H) // 2
        ui.panel(screen, (x0, y0, PANEL_W, PANEL_H))
        ui.text(screen, "Play a match", (w // 2, y0 + 32), size=38, color=ui.ACCENT, center=True, bold=True)
        c, s = self.session.choice, self.session
        from agents.adaptive import DEFAULT_BOT as ladder_bot
        values = {
            "Opponent": ladder_bot if c.adaptive else c.bot,
            "Tier": "set by adaptive difficulty" if c.adaptive else c.tier,
            "Adaptive difficulty": ("on" + (f"   your rating {s.rating():.1f}" if s.rating() is not None else ""))
            if c.adaptive else "off",
            "Squad judges orders": "on: it may warn or refuse" if c.teaching else "off",
        }
        for i, row in enumerate(ROWS):
            y = y0 + 78 + i * ROW_H
            color = ui.ACCENT if i == self.index else ui.TEXT
            ui.text(screen, ("> " if i == self.index else "  ") + row, (x0 + 36, y), size=28, color=color)
            if row in values:
                changeable = i == self.index and not (row == "Tier" and c.adaptive)
                ui.text(screen, f"< {values[row]} >" if changeable else values[row], (x0 + 330, y), size=28,
                        color=color)
        ui.text(screen, "You command blue. Up/Down choose  Left/Right change  Enter start  Esc back",
                (w // 2, y0 + PANEL_H - 34), size=19, color=ui.MUTED, center=True)
