"""Settlements, landmarks and resources: where they go and what they are called.

Settlement sites come from Poisson-disc sampling (scipy.stats.qmc.PoissonDisk), so villages
keep a minimum spacing, filtered to good land on the main landmass and ranked by how
attractive the spot is (grassland, next to fresh water or the coast).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from pcg.gamemap import Place
from pcg.names import NameGenerator
from pcg.tiles import Tile

_SITE_SCORE = np.zeros(len(Tile))
_SITE_SCORE[[Tile.GRASSLAND, Tile.BEACH, Tile.FOREST, Tile.DESERT, Tile.HILLS]] = [3.0, 2.0, 1.5, 1.0, 1.0]
_WATER = [Tile.SHALLOW_WATER, Tile.RIVER, Tile.DEEP_WATER]
#: Resource kind -> tiles it grows on.
RESOURCE_TILES = {"wood": [Tile.FOREST], "stone": [Tile.HILLS], "food": [Tile.GRASSLAND, Tile.BEACH],
                  "gold": [Tile.DESERT, Tile.HILLS]}


def main_landmass(tiles: np.ndarray) -> np.ndarray:
    """Largest 4-connected region of land (rivers count as land: roads can bridge them)."""
    land = ~np.isin(tiles, [Tile.DEEP_WATER, Tile.SHALLOW_WATER])
    labels, n = ndimage.label(land)
    if n == 0:
        return land
    counts = np.bincount(labels.ravel())
    counts[0] = 0
    return labels == int(np.argmax(counts))


def settlement_sites(tiles: np.ndarray, region: np.ndarray, count: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Up to `count` (x, y) sites on good land inside `region`, spaced by Poisson-disc sampling."""
    if count <= 0:
        return []
    from scipy.stats import qmc  # scipy.stats takes about a second to import: only when needed

    h, w = tiles.shape
    area = max(int(region.sum()), 1)
    # Spacing such that `count` discs would cover about half the region.
    radius = float(np.clip(np.sqrt(area / count / np.pi) * 1.1 / max(h, w), 2.0 / max(h, w), 0.5))
    near_water = ndimage.binary_dilation(np.isin(tiles, _WATER), iterations=3)
    # Shrink the spacing until enough good sites turn up (small or broken-up land).
    for _ in range(5):
        # 10 candidates per disc instead of 30: slightly looser packing, 3x faster.
        pts = qmc.PoissonDisk(d=2, radius=radius, ncandidates=10, seed=rng).fill_space()
        xs = np.minimum((pts[:, 0] * w).astype(int), w - 1)
        ys = np.minimum((pts[:, 1] * h).astype(int), h - 1)
        score = _SITE_SCORE[tiles[ys, xs]] * region[ys, xs]
        score = score + 1.5 * (score > 0) * near_water[ys, xs] + rng.uniform(0, 0.5, score.size) * (score > 0)
        if (score > 0).sum() >= count or radius <= 2.0 / max(h, w):
            break
        radius = max(radius * 0.7, 2.0 / max(h, w))
    order = np.argsort(-score, kind="stable")
    chosen = [int(i) for i in order[:count] if score[i] > 0]
    return [(int(xs[i]), int(ys[i])) for i in chosen]


def name_settlements(sites, names: NameGenerator) -> list[Place]:
    return [Place(names.name("settlement"), "settlement", x, y) for x, y in sites]


def _component_sites(mask: np.ndarray, min_size: int, limit: int, pick) -> list[tuple[int, int, int]]:
    """(x, y, size) for the `limit` largest components of `mask` with at least `min_size` tiles."""
    labels, n = ndimage.label(mask)
    if n == 0:
        return []
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    out = []
    for k in np.argsort(-sizes, kind="stable")[:limit]:
        if sizes[k] < min_size:
            break
        ys, xs = np.nonzero(labels == k)
        i = pick(xs, ys)
        out.append((int(xs[i]), int(ys[i]), int(sizes[k])))
    return out


def landmarks(tiles: np.ndarray, height: np.ndarray, rivers: list[np.ndarray], bridges: list[tuple[int, int]],
              names: NameGenerator) -> list[Place]:
    """Named peaks, lakes, forests, rivers and bridges: things NPCs can talk about."""
    h, w = tiles.shape
    scale = max(1, h * w // 4096)
    out: list[Place] = []

    def centremost(xs, ys):
        return int(np.argmin((xs - xs.mean()) ** 2 + (ys - ys.mean()) ** 2))

    high = np.isin(tiles, [Tile.MOUNTAIN, Tile.SNOW])
    for x, y, _ in _component_sites(high, 4, 6, lambda xs, ys: int(np.argmax(height[ys, xs]))):
        out.append(Place(names.name("peak"), "peak", x, y))
    water = np.isin(tiles, [Tile.SHALLOW_WATER, Tile.DEEP_WATER])
    labels, n = ndimage.label(water)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    inland = water & ~np.isin(labels, border[border > 0])
    for x, y, _ in _component_sites(inland, max(4, scale // 2), 6, centremost):
        out.append(Place(names.name("lake"), "lake", x, y))
    for x, y, _ in _component_sites(tiles == Tile.FOREST, max(12, scale * 3), 6, centremost):
        out.append(Place(names.name("forest"), "forest", x, y))
    for path in sorted(rivers, key=len, reverse=True)[:4]:
        x, y = path[len(path) // 2]
        out.append(Place(names.name("river"), "river", int(x), int(y)))
    for x, y in bridges:
        out.append(Place(names.name("bridge"), "bridge", x, y))
    return out


def scatter_resources(tiles: np.ndarray, region: np.ndarray, count: int, rng: np.random.Generator,
                      names: NameGenerator, keep_out: np.ndarray | None = None) -> list[Place]:
    """`count` resource sites of mixed kinds on their biomes, spaced apart, outside `keep_out`."""
    if count <= 0:
        return []
    ok = region.copy()
    if keep_out is not None:
        ok &= ~keep_out
    # Dart throwing over the allowed tiles in random order: the same spacing idea as the
    # Poisson disc above, but it only visits allowed tiles, which is much faster when the
    # allowed area is a small part of a small map (skirmishes).
    ys, xs = np.nonzero(ok & np.isin(tiles, sorted({t for v in RESOURCE_TILES.values() for t in v})))
    if xs.size == 0:
        return []
    spacing = np.sqrt(xs.size / count / np.pi)
    order = rng.permutation(xs.size)[: max(count * 40, 200)]
    kinds = list(RESOURCE_TILES)
    chosen: list[tuple[int, int]] = []
    out = []
    for i in order:
        x, y = int(xs[i]), int(ys[i])
        if chosen and min((x - a) ** 2 + (y - b) ** 2 for a, b in chosen) < spacing ** 2:
            continue
        kind = next(k for k in kinds if tiles[y, x] in RESOURCE_TILES[k])
        chosen.append((x, y))
        out.append(Place(names.name("resource"), "resource", x, y, kind))
        if len(out) >= count:
            break
    return out
