"""Picture of one environment of a batch, drawn with numpy only (pygame is only for showing it)."""
from __future__ import annotations

import numpy as np

from envs.core import SkirmishState
from pcg.tiles import TILE_COLORS

TEAM_COLORS = np.array([(40, 90, 235), (225, 50, 45)], dtype=np.uint8)
_TILE_LUT = np.zeros((max(TILE_COLORS) + 2, 3), dtype=np.uint8)
for _tid, _rgb in TILE_COLORS.items():
    _TILE_LUT[int(_tid)] = _rgb
_TILE_LUT[-1] = (0, 0, 0)  # -1: outside the map


def render_rgb(state: SkirmishState, env: int = 0, cell: int = 16) -> np.ndarray:
    """(H*cell, W*cell, 3) uint8: terrain colours, units as team-coloured discs with an hp bar.

    Unit types are told apart by the disc size (index 0 largest) so a designer can follow a fight.
    """
    h, w = int(state.map_h[env]), int(state.map_w[env])
    img = np.repeat(np.repeat(_TILE_LUT[state.terrain[env, :h, :w]], cell, 0), cell, 1)
    img[::cell, :] = (img[::cell, :] * 0.85).astype(np.uint8)  # faint grid lines
    img[:, ::cell] = (img[:, ::cell] * 0.85).astype(np.uint8)
    yy, xx = np.mgrid[0:cell, 0:cell]
    r2 = (xx - (cell - 1) / 2) ** 2 + (yy - (cell - 1) / 2 + 1) ** 2
    n_types = int(state.utype.max()) + 1
    max_hp = np.zeros(n_types)
    for i in range(state.n_units):  # the unit's own max: the hp it spawned with is its type's max
        max_hp[state.utype[env, i]] = max(max_hp[state.utype[env, i]], state.hp[env, i])
    for i in np.flatnonzero(state.alive[env]):
        x0, y0 = int(state.x[env, i]) * cell, int(state.y[env, i]) * cell
        ut = int(state.utype[env, i])
        radius = cell * (0.45 - 0.06 * (ut % 4))
        disc = r2 <= radius ** 2
        ring = disc & (r2 >= (radius - 1.5) ** 2)
        tile = img[y0:y0 + cell, x0:x0 + cell]
        tile[disc] = TEAM_COLORS[int(state.team[env, i])]
        tile[ring] = (20, 20, 20)
        frac = float(np.clip(state.hp[env, i] / max(max_hp[ut], 1e-9), 0, 1))
        bar = max(1, int(round((cell - 2) * frac)))
        tile[cell - 2:cell, 1:cell - 1] = (40, 40, 40)
        tile[cell - 2:cell, 1:1 + bar] = (60, 220, 60) if frac > 0.35 else (240, 200, 40)
    return img


class PygameWindow:
    """A lazily opened pygame window showing rgb frames (``render_mode="human"``)."""

    def __init__(self, title: str = "gameai skirmish", fps: int = 8):
        import pygame  # imported only when a person asks to watch

        self.pygame = pygame
        self.fps = fps
        pygame.init()
        pygame.display.init()
        self.title = title
        self.screen = None
        self.clock = pygame.time.Clock()

    def show(self, frame: np.ndarray) -> None:
        pg = self.pygame
        size = (frame.shape[1], frame.shape[0])
        if self.screen is None or self.screen.get_size() != size:
            self.screen = pg.display.set_mode(size)
            pg.display.set_caption(self.title)
        pg.event.pump()
        self.screen.blit(pg.surfarray.make_surface(frame.swapaxes(0, 1)), (0, 0))
        pg.display.flip()
        self.clock.tick(self.fps)

    def close(self) -> None:
        self.pygame.display.quit()


class FaceRenderer:
    """``render()`` and ``close()`` for both faces: the rgb frame of environment 0, or that frame
    shown in a lazily opened pygame window (``render_mode="human"``)."""

    MODES = ("rgb_array", "human")

    def __init__(self, mode: str | None, fps: int):
        if mode is not None and mode not in self.MODES:
            raise ValueError(f"render_mode must be one of {list(self.MODES)} or None, got {mode!r}")
        self.mode = mode
        self.fps = fps
        self._window: PygameWindow | None = None

    def render(self, sim) -> np.ndarray | None:
        if self.mode is None:
            import warnings

            warnings.warn("render() called without a render_mode; pass render_mode='rgb_array' or 'human'",
                          stacklevel=3)
            return None
        if sim is None:
            raise RuntimeError("call reset() before render()")
        frame = render_rgb(sim, 0)
        if self.mode == "rgb_array":
            return frame
        if self._window is None:
            self._window = PygameWindow(fps=self.fps)
        self._window.show(frame)
        return None

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None

