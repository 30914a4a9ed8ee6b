"""Terrain drawing: the map is baked into chunk surfaces once, then each frame blits a few.

A 1280x720 view at 16 px per tile shows ~3,600 tiles; blitting them one by one every frame
costs most of a frame budget in Python. Baking a 32x32-tile chunk into one surface with numpy
(tile colour + a small per-tile-type texture) and caching it makes a frame 4-9 blits.
`NaiveTileRenderer` is the per-tile peer the benchmark compares against.
"""
from __future__ import annotations

import functools

import numpy as np

from pcg.tiles import TILE_COLORS, Tile

TILE_PX = 16
CHUNK_TILES = 32


def _color_table() -> np.ndarray:
    lut = np.zeros((max(TILE_COLORS) + 1, 3), dtype=np.int16)
    for tid, rgb in TILE_COLORS.items():
        lut[int(tid)] = rgb
    return lut


def _textures(tile_px: int, n: int) -> np.ndarray:
    """Per-tile-type 16x16 brightness offsets: ripples on water, tree dots in forests, ridges on rock.

    Fixed seed: textures are art, the same in every run.
    """
    rng = np.random.default_rng(1234)
    tex = rng.integers(-6, 7, size=(n, tile_px, tile_px, 1)).astype(np.int16)  # fine grain everywhere
    yy, xx = np.mgrid[0:tile_px, 0:tile_px]
    ripple = ((yy % 6 == 2) & ((xx + yy) % 8 < 4)).astype(np.int16)[..., None]
    for water in (Tile.DEEP_WATER, Tile.SHALLOW_WATER, Tile.RIVER):
        tex[water] += ripple * 18
    canopy = (((xx - 5) ** 2 + (yy - 5) ** 2) <= 9) | (((xx - 11) ** 2 + (yy - 11) ** 2) <= 9)
    tex[Tile.FOREST] += np.where(canopy, -22, 8)[..., None].astype(np.int16)
    ridge = (xx + yy < tile_px).astype(np.int16)[..., None]
    tex[Tile.MOUNTAIN] += ridge * 22 - 10
    tex[Tile.HILLS] += ((yy - 10) ** 2 + (xx - 8) ** 2 <= 20).astype(np.int16)[..., None] * 14
    planks = (xx % 4 == 0).astype(np.int16)[..., None]
    tex[Tile.BRIDGE] += planks * -30
    roof = (yy < tile_px // 2).astype(np.int16)[..., None]
    tex[Tile.SETTLEMENT] += roof * 25 - ((xx == 0) | (yy == 0)).astype(np.int16)[..., None] * 40
    tex[Tile.SWAMP] += ((xx * 3 + yy * 5) % 11 == 0).astype(np.int16)[..., None] * 25
    tex[Tile.DESERT] += ((yy + xx // 3) % 7 == 0).astype(np.int16)[..., None] * 10
    return tex


@functools.cache
def _art(tile_px: int) -> tuple[np.ndarray, np.ndarray]:
    lut = _color_table()
    return lut, _textures(tile_px, lut.shape[0])


WATER = (Tile.DEEP_WATER, Tile.SHALLOW_WATER, Tile.RIVER)


def relief(tiles: np.ndarray, height: np.ndarray | None, seed: int = 0) -> np.ndarray:
    """Per-tile brightness factor: hill shading lit from the north-west, plus a faint per-tile
    variation so wide plains are not flat blocks. Water stays flat. Same map, same shading."""
    rows, cols = tiles.shape
    shade = np.ones((rows, cols))
    if height is not None and np.shape(height) == tiles.shape:
        gy, gx = np.gradient(np.asarray(height, dtype=np.float64))
        shade += np.clip(-(gx + gy) * 12.0, -0.22, 0.22)
    shade += np.random.default_rng([int(seed), 0x5EED]).uniform(-0.035, 0.035, size=(rows, cols))
    shade[np.isin(tiles, [int(t) for t in WATER])] = 1.0
    return shade


def bake_pixels(tiles: np.ndarray, tile_px: int = TILE_PX, shade: np.ndarray | None = None) -> np.ndarray:
    """RGB pixels (rows, cols, 3) for a block of tile ids, textured and (optionally) shaded per tile."""
    lut, tex = _art(tile_px)
    h, w = tiles.shape
    base = lut[tiles] if shade is None else (lut[tiles] * shade[..., None]).astype(np.int16)
    px = base[:, :, None, None, :] + tex[tiles]  # (h, w, ty, tx, 3)
    px = px.transpose(0, 2, 1, 3, 4).reshape(h * tile_px, w * tile_px, 3)
    return np.clip(px, 0, 255).astype(np.uint8)


class ChunkedTerrainRenderer:
    """Bakes chunks lazily on first sight and keeps them (a 192x192 map is ~36 chunks, ~28 MB)."""

    def __init__(self, tiles: np.ndarray, tile_px: int = TILE_PX, chunk_tiles: int = CHUNK_TILES,
                 shade: np.ndarray | None = None):
        self.tiles = np.asarray(tiles)
        self.shade = shade
        self.tile_px = tile_px
        self.chunk_tiles = chunk_tiles
        self.chunk_px = tile_px * chunk_tiles
        self._cache: dict[tuple[int, int], object] = {}

    def chunk_surface(self, cx: int, cy: int):
        import pygame

        key = (cx, cy)
        surf = self._cache.get(key)
        if surf is None:
            ct = self.chunk_tiles
            window = (slice(cy * ct, (cy + 1) * ct), slice(cx * ct, (cx + 1) * ct))
            px = bake_pixels(self.tiles[window], self.tile_px, None if self.shade is None else self.shade[window])
            # surfarray wants (x, y, rgb)
            surf = pygame.surfarray.make_surface(np.ascontiguousarray(px.transpose(1, 0, 2)))
            surf = surf.convert() if pygame.display.get_surface() is not None else surf
            self._cache[key] = surf
        return surf

    def invalidate(self, tx: int, ty: int) -> None:
        """Forget the chunk holding tile (tx, ty), e.g. after the map changed there."""
        self._cache.pop((tx // self.chunk_tiles, ty // self.chunk_tiles), None)

    def draw(self, screen, offset: tuple[int, int]) -> int:
        """Blit the chunks under the view; returns how many were drawn."""
        ox, oy = offset
        vw, vh = screen.get_size()
        rows, cols = self.tiles.shape
        n_cx = -(-cols // self.chunk_tiles)
        n_cy = -(-rows // self.chunk_tiles)
        cx0, cy0 = max(ox // self.chunk_px, 0), max(oy // self.chunk_px, 0)
        cx1 = min((ox + vw) // self.chunk_px, n_cx - 1)
        cy1 = min((oy + vh) // self.chunk_px, n_cy - 1)
        drawn = 0
        for cy in range(cy0, cy1 + 1):
            for cx in range(cx0, cx1 + 1):
                screen.blit(self.chunk_surface(cx, cy), (cx * self.chunk_px - ox, cy * self.chunk_px - oy))
                drawn += 1
        return drawn


class NaiveTileRenderer:
    """The obvious renderer: one filled rectangle per visible tile per frame (benchmark peer)."""

    def __init__(self, tiles: np.ndarray, tile_px: int = TILE_PX):
        self.tiles = np.asarray(tiles)
        self.tile_px = tile_px
        self._colors = {int(t): c for t, c in TILE_COLORS.items()}

    def draw(self, screen, offset: tuple[int, int]) -> int:
        ox, oy = offset
        vw, vh = screen.get_size()
        rows, cols = self.tiles.shape
        t = self.tile_px
        tx0, ty0 = max(ox // t, 0), max(oy // t, 0)
        tx1, ty1 = min((ox + vw) // t + 1, cols), min((oy + vh) // t + 1, rows)
        drawn = 0
        for ty in range(ty0, ty1):
            row = self.tiles[ty]
            for tx in range(tx0, tx1):
                screen.fill(self._colors[int(row[tx])], (tx * t - ox, ty * t - oy, t, t))
                drawn += 1
        return drawn
