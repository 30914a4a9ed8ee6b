"""The HUD: gold and quests, the skirmish score, toasts, the key bar, fps.

Pure drawing from plain values the app passes in; it keeps only the fading toasts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from demos import ui_theme as ui


@dataclass
class Toast:
    text: str
    until: float
    color: tuple[int, int, int] = ui.TEXT


@dataclass
class Hud:
    toasts: list[Toast] = field(default_factory=list)

    def toast(self, text: str, now: float, seconds: float = 4.0, color=ui.TEXT) -> None:
        self.toasts.append(Toast(text, now + seconds, color))
        self.toasts = self.toasts[-4:]

    def draw_player(self, screen, gold: int, inventory: dict[str, int], quests: list[str], place: str) -> None:
        ui.panel(screen, (12, 12, 330, 74 + 22 * len(quests)), radius=6)
        ui.text(screen, place, (24, 20), size=26, color=ui.ACCENT, bold=True)
        items = ", ".join(f"{k.replace('_', ' ')} x{v}" for k, v in sorted(inventory.items())) or "nothing yet"
        ui.text(screen, f"Gold {gold}   Pack: {items}"[:48], (24, 48), size=20)
        for i, q in enumerate(quests):
            ui.text(screen, f"Quest: {q}"[:46], (24, 70 + 22 * i), size=20, color=ui.GOOD)

    def draw_score(self, screen, title: str, teams: list[tuple[str, int, int, tuple[int, int, int]]],
                   wins: list[int], status: str) -> None:
        """teams: (label, alive, kills, colour) per team; wins: skirmishes won per team."""
        w = screen.get_width()
        box_w = 120 + 190 * len(teams)
        x0 = (w - box_w) // 2
        ui.panel(screen, (x0, 10, box_w, 78), radius=6)
        ui.text(screen, title, (w // 2, 24), size=22, color=ui.MUTED, center=True)
        for i, (label, alive, kills, color) in enumerate(teams):
            x = x0 + 30 + i * 190 + (60 if i else 0)
            ui.text(screen, f"{label}  {wins[i]}", (x, 38), size=28, color=color, bold=True)
            ui.text(screen, f"alive {alive}  kills {kills}", (x, 64), size=20)
        if len(teams) == 2:
            ui.text(screen, "vs", (x0 + box_w // 2, 52), size=26, color=ui.MUTED, center=True)
        ui.text(screen, status, (w // 2, 100), size=22, color=ui.ACCENT, center=True)

    def draw_toasts(self, screen, now: float) -> None:
        self.toasts = [t for t in self.toasts if t.until > now]
        w, h = screen.get_size()
        for i, t in enumerate(reversed(self.toasts)):
            ui.text(screen, t.text, (w // 2, h // 2 - 140 - 30 * i), size=28, color=t.color, center=True, bold=True)

    def draw_key_bar(self, screen, keys: str, fps: float | None = None) -> None:
        w, h = screen.get_size()
        ui.panel(screen, (0, h - 28, w, 28), radius=0)
        ui.text(screen, keys, (12, h - 23), size=20, color=ui.MUTED)
        if fps is not None:
            ui.text(screen, f"{fps:4.0f} fps", (w - 90, h - 23), size=20, color=ui.MUTED)

    def draw_prompt(self, screen, message: str) -> None:
        w, h = screen.get_size()
        f = ui.font(26)
        tw = f.size(message)[0] + 30
        ui.panel(screen, ((w - tw) // 2, h - 110, tw, 40), radius=6)
        ui.text(screen, message, (w // 2, h - 90), size=26, color=ui.ACCENT, center=True)
