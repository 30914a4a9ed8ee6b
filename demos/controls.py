"""Key bindings: one table used by the game, the help screen and the on-screen key bar."""
from __future__ import annotations

# (keys as shown, action) — the order is the order on the help screen.
CONTROLS: tuple[tuple[str, str], ...] = (
    ("WASD / arrows", "walk (hold Shift to run)"),
    ("E", "talk to the NPC next to you"),
    ("Enter", "send your line (while talking)"),
    ("Tab", "accept an NPC's offer (trade or quest), while talking"),
    ("B", "watch the skirmish on the battlefield / back to the player"),
    ("N", "start a new skirmish"),
    ("M", "show or hide the minimap"),
    ("F1", "help"),
    ("F12", "save a screenshot"),
    ("Esc", "leave the chat / pause menu (settings, save & quit)"),
)

KEY_BAR_WORLD = "WASD move  E talk  B battlefield  N new skirmish  M map  F1 help  Esc menu"
KEY_BAR_CHAT = "type, Enter send  Tab accept offer  Esc leave"
KEY_BAR_WATCH = "B back to player  N new skirmish  WASD pan  Esc menu"


def movement_keys():
    """pygame key codes for (left, right, up, down), each with its alternatives."""
    import pygame

    return (
        (pygame.K_LEFT, pygame.K_a),
        (pygame.K_RIGHT, pygame.K_d),
        (pygame.K_UP, pygame.K_w),
        (pygame.K_DOWN, pygame.K_s),
    )
