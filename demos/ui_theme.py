"""Shared look of the demo's UI: fonts, colours, translucent panels, wrapped text.

pygame's bundled default font is used so the demo needs no font files and renders the same
on every machine (headless screenshots included).
"""
from __future__ import annotations

import functools

PANEL = (18, 22, 30, 215)
PANEL_EDGE = (200, 180, 120)
TEXT = (236, 232, 220)
MUTED = (170, 168, 160)
ACCENT = (250, 204, 92)
PLAYER_TEXT = (150, 210, 255)
GOOD = (130, 220, 120)
BAD = (240, 110, 100)
TEAM_COLORS = ((70, 140, 255), (235, 80, 70), (90, 210, 120), (230, 200, 60))


@functools.cache
def font(size: int, bold: bool = False):
    import pygame

    if not pygame.font.get_init():
        pygame.font.init()
    f = pygame.font.Font(None, size)
    f.set_bold(bold)
    return f


@functools.lru_cache(maxsize=64)
def _panel_surface(size: tuple[int, int], alpha_fill, edge, radius: int):
    import pygame

    box = pygame.Surface(size, pygame.SRCALPHA)
    pygame.draw.rect(box, alpha_fill, box.get_rect(), border_radius=radius)
    pygame.draw.rect(box, edge, box.get_rect(), width=1, border_radius=radius)
    return box.convert_alpha() if pygame.display.get_surface() is not None else box


def panel(screen, rect, alpha_fill=PANEL, edge=PANEL_EDGE, radius: int = 8) -> None:
    """A rounded translucent box with a thin border (made once per size, then reused every frame)."""
    import pygame

    rect = pygame.Rect(rect)
    screen.blit(_panel_surface(rect.size, tuple(alpha_fill), tuple(edge), radius), rect.topleft)


@functools.lru_cache(maxsize=1024)
def rendered(message: str, size: int, color, bold: bool = False, shadow: bool = True):
    """(text, shadow) surfaces; cached because most on-screen text is the same from frame to frame."""
    f = font(size, bold)
    return f.render(message, True, color), (f.render(message, True, (0, 0, 0)) if shadow else None)


def clear_caches() -> None:
    """Forget fonts and rendered surfaces (they die with pygame.quit())."""
    font.cache_clear()
    rendered.cache_clear()
    _panel_surface.cache_clear()


def text(screen, message: str, pos, size: int = 22, color=TEXT, shadow: bool = True, center: bool = False, bold: bool = False):
    """Draw one line; returns its rect. A 1-px shadow keeps labels readable over any terrain."""
    surf, shade = rendered(message, size, tuple(color), bold, shadow)
    rect = surf.get_rect()
    if center:
        rect.center = pos
    else:
        rect.topleft = pos
    if shade is not None:
        screen.blit(shade, rect.move(1, 1))
    screen.blit(surf, rect)
    return rect


def wrap(message: str, width_px: int, size: int = 22) -> list[str]:
    """Greedy word wrap to a pixel width (long words are hard-split)."""
    f = font(size)
    lines: list[str] = []
    for paragraph in message.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if f.size(candidate)[0] <= width_px:
                line = candidate
                continue
            if line:
                lines.append(line)
            while f.size(word)[0] > width_px and len(word) > 1:
                cut = len(word)
                while cut > 1 and f.size(word[:cut])[0] > width_px:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines
