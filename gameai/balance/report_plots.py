"""The report's plots (matplotlib, Agg backend): each function returns a figure, and `png_data`
turns one into the base64 PNG the page embeds (so report.html works offline, as one file)."""
from __future__ import annotations

import base64
import io
import math

import numpy as np


def png_data(fig) -> str:
    """The figure as a data: URL of a PNG (the figure is closed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_matrix(armies: list[str], m: np.ndarray, title: str):
    plt = _plt()
    n = len(armies)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * n, 1.0 + 0.8 * n))
    im = ax.imshow(m, cmap="RdBu_r", vmin=0.2, vmax=0.8)
    ax.set_xticks(range(n), armies, rotation=45, ha="right")
    ax.set_yticks(range(n), armies)
    ax.set_xlabel("against")
    ax.set_ylabel("win rate of")
    for i in range(n):
        for j in range(n):
            if not math.isnan(m[i, j]):
                ax.text(j, i, f"{100 * m[i, j]:.0f}", ha="center", va="center", fontsize=9,
                        color="white" if abs(m[i, j] - 0.5) > 0.2 else "black")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, label="win rate")
    return fig


def plot_tier_bars(rates: list[dict], segments: list[str], title: str):
    plt = _plt()
    matchups = list(dict.fromkeys(w["matchup"] for w in rates))
    segs = [s for s in segments if s != "all"]
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(matchups) * max(1, len(segs)) * 0.5 + 3), 3.8))
    width = 0.8 / max(1, len(segs))
    for k, seg in enumerate(segs):
        xs, ys, lo, hi = [], [], [], []
        for i, mu in enumerate(matchups):
            w = next((w for w in rates if w["matchup"] == mu and w["segment"] == seg), None)
            if w is None or w["win_rate"] is None:
                continue
            xs.append(i + (k - (len(segs) - 1) / 2) * width)
            ys.append(w["win_rate"])
            lo.append(w["win_rate"] - w["ci_low"])
            hi.append(w["ci_high"] - w["win_rate"])
        # points with whiskers, not bars: a 0% win rate must stay visible
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o", capsize=3, label=seg)
    ax.axhline(0.5, color="k", lw=1)
    ax.set_xticks(range(len(matchups)), matchups, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(-0.03, 1.03)
    ax.grid(axis="y", alpha=0.3)
    ax.set_ylabel("win rate of the first army (95% CI)")
    ax.legend(title="tier", fontsize=8)
    ax.set_title(title, fontsize=10)
    return fig


def plot_sensitivity(entries: list[dict], title: str):
    plt = _plt()
    labels = [f"{e['param']} | {e['matchup']}" for e in entries]
    vals = [e["over_range"] for e in entries]
    err = [[e["over_range"] - min(e["over_range_ci"]) for e in entries],
           [max(e["over_range_ci"]) - e["over_range"] for e in entries]]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(entries) + 1.2))
    colors = ["#c0392b" if v > 0 else "#2e86c1" for v in vals]
    ax.barh(range(len(entries)), vals, xerr=err, color=colors, capsize=2)
    ax.set_yticks(range(len(entries)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=1)
    ax.set_xlabel("change in the first army's win rate over the swept range (points, 95% CI)")
    ax.set_title(title, fontsize=10)
    return fig


def plot_heatmaps(rates: list, params: dict[str, dict], px: str, py: str, matchups: list[str], base_values: dict,
                  target: float, title: str = ""):
    """Win rate over two swept parameters, one panel per matchup plus the deviation.

    `rates` are one segment's WinRates of every configuration (counts per configuration and
    matchup: all a cell of the heatmap needs), `params` each configuration's values.
    Cells whose win rate lies within the target band are outlined."""
    from matplotlib.patches import Rectangle

    plt = _plt()

    def val(w, k):
        return params.get(w.config_id, {}).get(k, base_values.get(k))

    xs_all = sorted({val(w, px) for w in rates if val(w, px) is not None})
    ys_all = sorted({val(w, py) for w in rates if val(w, py) is not None})
    # Continuous designs: bin into at most 6 quantile bins per axis.
    def bins(vals):
        if len(vals) <= 8:
            return vals, lambda v: vals.index(v)
        edges = np.quantile(vals, np.linspace(0, 1, 7))
        centers = [(edges[i] + edges[i + 1]) / 2 for i in range(6)]
        return centers, lambda v: int(min(np.searchsorted(edges, v, side="right") - 1, 5))

    xc, xb = bins(xs_all)
    yc, yb = bins(ys_all)
    panels = matchups + ["deviation"]
    ncol = min(3, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.6 * nrow), squeeze=False)
    for k, name in enumerate(panels):
        ax = axes[k // ncol][k % ncol]
        wins = np.zeros((len(yc), len(xc)))
        tot = np.zeros((len(yc), len(xc)))
        if name == "deviation":
            # mean |win rate - 50%| over non-mirror matchups, per cell: average per-config deviations
            acc: dict = {}
            for w in rates:
                n = w.wins_a + w.wins_b
                if n and not w.mirror:
                    key = (yb(val(w, py)), xb(val(w, px)), w.config_id)
                    acc.setdefault(key, []).append(abs(w.wins_a / n - 0.5))
            for (i, j, cfg), devs in acc.items():
                wins[i, j] += np.mean(devs) * 100
                tot[i, j] += 1
            grid = np.where(tot > 0, wins / np.maximum(tot, 1), np.nan)
            im = ax.imshow(grid, origin="lower", cmap="magma_r", aspect="auto", vmin=0)
            fig.colorbar(im, ax=ax, label="deviation (points)")
            ax.set_title("balance deviation", fontsize=10)
        else:
            for w in rates:
                if w.matchup != name or not w.wins_a + w.wins_b:
                    continue
                i, j = yb(val(w, py)), xb(val(w, px))
                wins[i, j] += w.wins_a
                tot[i, j] += w.wins_a + w.wins_b
            grid = np.where(tot > 0, wins / np.maximum(tot, 1), np.nan)
            im = ax.imshow(grid, origin="lower", cmap="RdBu_r", vmin=0.2, vmax=0.8, aspect="auto")
            for i, j in zip(*np.nonzero(np.abs(np.nan_to_num(grid, nan=1.0) - 0.5) <= target)):
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2, ec="k"))
            fig.colorbar(im, ax=ax, label="win rate")
            ax.set_title(name, fontsize=10)
        dev_panel = name == "deviation"
        for i in range(len(yc)):
            for j in range(len(xc)):
                if tot[i, j]:
                    v = grid[i, j]
                    dark = v > 0.6 * np.nanmax(grid) if dev_panel else abs(v - 0.5) > 0.2
                    ax.text(j, i, f"{v * (1 if dev_panel else 100):.0f}", ha="center", va="center", fontsize=7,
                            color="white" if dark else "black")
        ax.set_xticks(range(len(xc)), [f"{v:g}" for v in np.round(xc, 3)], fontsize=7, rotation=45)
        ax.set_yticks(range(len(yc)), [f"{v:g}" for v in np.round(yc, 3)], fontsize=7)
        ax.set_xlabel(px, fontsize=8)
        ax.set_ylabel(py, fontsize=8)
    for k in range(len(panels), nrow * ncol):
        axes[k // ncol][k % ncol].axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
