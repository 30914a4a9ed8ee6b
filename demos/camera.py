"""A camera that follows a target smoothly and converts between world and screen pixels.

World coordinates are in tiles (floats); the camera works in world pixels so scrolling is
sub-tile smooth. The follow is an exponential ease, frame-rate independent: the same
fraction of the remaining distance is covered per second whatever the fps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Camera:
    view_w: int
    view_h: int
    world_w_px: int
    world_h_px: int
    x: float = 0.0  # top-left corner, world pixels
    y: float = 0.0
    stiffness: float = 8.0  # 1/s; higher follows tighter

    def center_on(self, px: float, py: float) -> None:
        self.x, self.y = self._clamped(px - self.view_w / 2, py - self.view_h / 2)

    def follow(self, px: float, py: float, dt: float) -> None:
        tx, ty = self._clamped(px - self.view_w / 2, py - self.view_h / 2)
        a = 1.0 - math.exp(-self.stiffness * dt)
        self.x += (tx - self.x) * a
        self.y += (ty - self.y) * a

    def _clamped(self, x: float, y: float) -> tuple[float, float]:
        # A map smaller than the view is centred instead of clamped.
        if self.world_w_px <= self.view_w:
            x = (self.world_w_px - self.view_w) / 2
        else:
            x = min(max(x, 0.0), self.world_w_px - self.view_w)
        if self.world_h_px <= self.view_h:
            y = (self.world_h_px - self.view_h) / 2
        else:
            y = min(max(y, 0.0), self.world_h_px - self.view_h)
        return x, y

    @property
    def offset(self) -> tuple[int, int]:
        """Integer top-left used for blitting (rounded the same way for every layer, so they agree)."""
        return int(self.x + 0.5), int(self.y + 0.5)

    def to_screen(self, wx_px: float, wy_px: float) -> tuple[int, int]:
        return int(wx_px + 0.5) - int(self.x + 0.5), int(wy_px + 0.5) - int(self.y + 0.5)

    def visible(self, wx_px: float, wy_px: float, margin: int = 32) -> bool:
        dx, dy = wx_px - self.x, wy_px - self.y
        return -margin <= dx <= self.view_w + margin and -margin <= dy <= self.view_h + margin
