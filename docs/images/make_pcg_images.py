"""Regenerate the pictures in docs/pcg.md:  .venv/bin/python docs/images/make_pcg_images.py"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import pcg  # noqa: E402
from pcg.preview import tile_image  # noqa: E402

HERE = Path(__file__).resolve().parent

SETTINGS = {
    "pcg_default.png": (7, 256, {}),
    "pcg_island.png": (3, 256, {"shape": "island", "water": 0.55, "warp": 0.6, "teams": 4}),
    "pcg_dry_highlands.png": (5, 256, {"shape": "none", "water": 0.12, "mountain": 0.15, "hills": 0.2,
                                       "desert": 0.45, "forest": 0.15, "rivers": 0.5}),
    "pcg_wet_lowlands.png": (11, 256, {"water": 0.3, "mountain": 0.03, "hills": 0.05, "forest": 0.5,
                                       "swamp": 0.2, "desert": 0.0, "rivers": 2.5, "exponent": 1.6}),
}


def main() -> None:
    for name, (seed, size, params) in SETTINGS.items():
        pcg.generate_map(seed, size, **params).save_preview(HERE / name, dpi=80)
        print("wrote", name)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.8), dpi=80)
    for ax, (seed, teams, size) in zip(axes, [(1, 2, 32), (2, 3, 32), (3, 4, 40)]):
        gm = pcg.skirmish_map(seed, size=size, teams=teams)
        ax.imshow(tile_image(gm.tiles, gm.height), interpolation="nearest")
        for s in gm.spawns:
            ax.plot(s.x, s.y, "*", ms=14, mec="black", mfc=["#e6194b", "#4363d8", "#ffe119", "#f58231"][s.team])
        ax.plot([r.x for r in gm.resources], [r.y for r in gm.resources], "^", ms=7, mfc="#ffd700", mec="black")
        ax.plot(*gm.centre, "P", ms=9, mfc="white", mec="black")
        f = gm.report["fairness"]
        ax.set_title(f"skirmish_map({seed}, size={size}, teams={teams})\nwalk to centre {f['centre']}, "
                     f"to resource {f['resource']}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(HERE / "pcg_skirmish.png")
    plt.close(fig)
    print("wrote pcg_skirmish.png")
    world = pcg.ChunkedWorld(8, chunk_size=64, scale=48.0, water=0.3)
    tiles = np.vstack([np.hstack([world.chunk(cx, cy).tiles for cx in range(-2, 2)]) for cy in range(-1, 2)])
    height = np.vstack([np.hstack([world.chunk(cx, cy).height for cx in range(-2, 2)]) for cy in range(-1, 2)])
    fig, ax = plt.subplots(figsize=(8, 6.2), dpi=80)
    ax.imshow(tile_image(tiles, height), interpolation="nearest", extent=(-128, 128, 128, -64))
    for v in range(-128, 129, 64):
        ax.axvline(v, color="white", lw=0.6, ls="--")
    for v in range(-64, 129, 64):
        ax.axhline(v, color="white", lw=0.6, ls="--")
    for cy in range(-1, 2):
        for cx in range(-2, 2):
            for p in world.chunk(cx, cy).settlements:
                ax.plot(p.x, p.y, "s", ms=5, mfc="#be463c", mec="white")
                ax.annotate(p.name, (p.x, p.y), xytext=(3, 3), textcoords="offset points", fontsize=7, color="white")
    ax.set_title("ChunkedWorld(8): 4x3 chunks of 64 tiles streamed one by one (dashed: chunk borders)", fontsize=9)
    fig.tight_layout()
    fig.savefig(HERE / "pcg_chunks.png")
    plt.close(fig)
    print("wrote pcg_chunks.png")


if __name__ == "__main__":
    main()
