"""PNG preview of a GameMap: shaded biome colours, places, spawns, and a legend.

matplotlib is imported here only (it is heavy and only previews need it).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from pcg.errors import MapFileError
from pcg.tiles import TILE_COLORS, TILE_NAMES, Tile

_TEAM_COLORS = ["#e6194b", "#4363d8", "#ffe119", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45"]


def tile_image(tiles: np.ndarray, height: np.ndarray | None = None) -> np.ndarray:
    """RGB uint8 image of the tiles, hill-shaded by `height` when given (light from the north-west)."""
    lut = np.array([TILE_COLORS[t] for t in range(len(Tile))], dtype=np.float32)
    rgb = lut[tiles]
    if height is not None:
        gy, gx = np.gradient(height.astype(np.float32) * tiles.shape[0] * 0.5)
        shade = np.clip(1.0 + 0.35 * (-(gx + gy) / np.sqrt(2)), 0.65, 1.25)
        # Water surfaces are flat: shade the land only.
        shade[np.isin(tiles, [Tile.DEEP_WATER, Tile.SHALLOW_WATER, Tile.RIVER])] = 1.0
        rgb = rgb * shade[..., None]
    return np.clip(rgb, 0, 255).astype(np.uint8)


def save_preview(gm, path: str | os.PathLike, labels: bool = True, dpi: int = 100) -> Path:
    """Write a PNG of `gm` with a legend of tile types and markers for places and spawns."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MapFileError("map previews need matplotlib: pip install 'gameai[pcg]'") from exc
    path = Path(path)
    size = gm.tiles.shape[0]
    fig_w = 9.0
    fig, ax = plt.subplots(figsize=(fig_w + 3.2, fig_w), dpi=dpi)
    ax.imshow(tile_image(gm.tiles, gm.height), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ms = max(3.0, 8.0 * min(1.0, 128 / size) + 3)
    font = 7 if size >= 128 else 6
    if gm.settlements:
        xs = [p.x for p in gm.settlements]
        ys = [p.y for p in gm.settlements]
        ax.plot(xs, ys, "s", ms=ms * 0.8, mfc=np.array(TILE_COLORS[Tile.SETTLEMENT]) / 255, mec="white", mew=0.8,
                ls="none", label="settlement")
        if labels:
            for p in gm.settlements:
                ax.annotate(p.name, (p.x, p.y), xytext=(4, 3), textcoords="offset points", fontsize=font,
                            color="white", weight="bold",
                            bbox=dict(boxstyle="round,pad=0.15", fc=(0, 0, 0, 0.45), ec="none"))
    if gm.resources:
        ax.plot([r.x for r in gm.resources], [r.y for r in gm.resources], "^", ms=ms * 0.6, mfc="#ffd700",
                mec="black", mew=0.5, ls="none", label="resource")
    marks = [lm for lm in gm.landmarks if lm.kind in ("peak", "lake", "bridge")]
    if marks:
        ax.plot([m.x for m in marks], [m.y for m in marks], "o", ms=ms * 0.45, mfc="white", mec="black", mew=0.5,
                ls="none", label="landmark")
        if labels:
            for m in marks:
                ax.annotate(m.name, (m.x, m.y), xytext=(3, -8), textcoords="offset points", fontsize=font - 1,
                            color="black", style="italic",
                            bbox=dict(boxstyle="round,pad=0.1", fc=(1, 1, 1, 0.55), ec="none"))
    for s in gm.spawns:
        ax.plot(s.x, s.y, "*", ms=ms * 1.8, mfc=_TEAM_COLORS[s.team % len(_TEAM_COLORS)], mec="black", mew=0.8,
                ls="none", label=f"spawn team {s.team}")
    if gm.centre and gm.spawns:
        ax.plot(gm.centre[0], gm.centre[1], "P", ms=ms, mfc="white", mec="black", ls="none", label="centre")
    present = np.unique(gm.tiles)
    tile_handles = [Patch(fc=np.array(TILE_COLORS[t]) / 255, ec="black", lw=0.3, label=TILE_NAMES[t].replace("_", " "))
                    for t in range(len(Tile)) if t in present]
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=tile_handles + handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False, title="legend", title_fontsize=9)
    p = gm.params
    ax.set_title(f"seed {gm.seed}" + (f" (reseeded {gm.used_seed})" if gm.used_seed != gm.seed else "")
                 + f" · {size}x{size} · water {p.get('water', '?')} · mountain {p.get('mountain', '?')}"
                 + f" · {p.get('shape', '')}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    os.replace(tmp, path)
    return path
