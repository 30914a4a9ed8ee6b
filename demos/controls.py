"""Key bindings: one table used by the game, the help screen and the on-screen key bar."""
from __future__ import annotations

# (keys as shown, action) — the order is the order on the help screen.
CONTROLS: tuple[tuple[str, str], ...] = (
    ("WASD / arrows", "walk (hold Shift to run)"),
    ("E", "talk to the NPC next to you"),
    ("Enter", "send your line (while talking)"),
    ("Tab", "accept an NPC's offer (trade or quest), while talking"),
    ("B", "watch the skirmish on the battlefield / back to the player"),
    ("P", "on the battlefield: play a match yourself (pick the opponent, tier, adaptive)"),
    ("click / drag", "playing: select a unit / a box of units (Shift adds)"),
    ("1-4, 0", "playing: select all warriors, archers, knights, healers / the whole army"),
    ("right click", "playing: attack the enemy under the cursor, or move to that spot"),
    ("H / R", "playing: hold position / retreat to the rally point"),
    ("[ ]", "playing: slower / faster game (x1, x2, x4, x8)"),
    ("N", "start a new skirmish"),
    ("M", "show or hide the minimap"),
    ("F1", "help"),
    ("F12", "save a screenshot"),
    ("Esc", "leave the chat / pause menu (settings, save & quit)"),
)

KEY_BAR_WORLD = "WASD move  E talk  B battlefield  N new skirmish  M map  F1 help  Esc menu"
KEY_BAR_CHAT = "type, Enter send  Tab accept offer  Esc leave"
KEY_BAR_WATCH = "P play  R save replay  B back to player  N new skirmish  WASD pan  Esc menu"
KEY_BAR_PLAY_SETUP = "Up/Down choose  Left/Right change  Enter start  Esc back to watching"
KEY_BAR_PLAY = ("click/drag select  1-4 type  0 all  right click move/attack  H hold  R retreat  [ ] speed  "
                "WASD pan  B leave (a bot takes over)  Esc menu")
KEY_BAR_PLAY_OVER = "Enter play again  B back to the world  Esc menu"

#: Unit archetypes selected by the number keys while playing, in key order 1-4.
SELECT_TYPES = ("warrior", "archer", "knight", "healer")


def type_keys() -> dict[int, str]:
    """pygame key code -> the archetype that key selects."""
    import pygame

    return {pygame.K_1 + i: name for i, name in enumerate(SELECT_TYPES)}


def movement_keys():
    """pygame key codes for (left, right, up, down), each with its alternatives."""
    import pygame

    return (
        (pygame.K_LEFT, pygame.K_a),
        (pygame.K_RIGHT, pygame.K_d),
        (pygame.K_UP, pygame.K_w),
        (pygame.K_DOWN, pygame.K_s),
    )
