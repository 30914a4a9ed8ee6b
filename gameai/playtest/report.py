"""report.html: each map with a heatmap of its findings, then one card per finding with a picture.

Pictures are PNGs drawn with matplotlib (Agg, imported here only), written next to the report
and also embedded as data URIs so the HTML works offline and as a single file.
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np

from gameai.playtest.findings import SEVERITIES, Finding
from gameai.playtest.mapview import MapView
from pcg.preview import tile_image

_SEV_COLOR = {"error": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}
MARGIN = 4  # cells of context around a finding's cells


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _draw(view: MapView, ax, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    ax.imshow(tile_image(view.grid.astype(np.int64)), interpolation="nearest")
    for t, col in ((0, "#4363d8"), (1, "#e6194b")):
        sx, sy = view.spawn(t)
        ax.plot(sx, sy, marker="*", markersize=14, color=col, markeredgecolor="white")
    for p in view.places:
        ax.plot(p.x, p.y, marker="D", markersize=6, color="#ffe119", markeredgecolor="black")
    cx, cy = view.centre
    ax.plot(cx, cy, marker="+", markersize=12, color="black")
    ax.set_xlim(x0 - 0.5, x1 + 0.5)
    ax.set_ylim(y1 + 0.5, y0 - 0.5)
    ax.set_xticks([])
    ax.set_yticks([])


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def finding_picture(view: MapView, f: Finding) -> bytes:
    """The map region around the finding's cells, the cells marked in the severity's colour."""
    plt = _plt()
    h, w = view.shape
    if f.cells:
        xs, ys = zip(*f.cells)
        box = (max(0, min(xs) - MARGIN), max(0, min(ys) - MARGIN), min(w - 1, max(xs) + MARGIN),
               min(h - 1, max(ys) + MARGIN))
    else:
        box = (0, 0, w - 1, h - 1)
    side = max(box[2] - box[0], box[3] - box[1]) + 1
    fig, ax = plt.subplots(figsize=(min(6.0, 1.5 + side * 0.18),) * 2)
    _draw(view, ax, box)
    if f.cells:
        xs, ys = zip(*f.cells)
        ax.scatter(xs, ys, s=max(8, 2400 / side ** 2 * 4), marker="s", facecolors="none",
                   edgecolors=_SEV_COLOR[f.severity], linewidths=1.5)
    ax.set_title(f.check, fontsize=9)
    return _png(fig)


def map_picture(view: MapView, findings: list[Finding]) -> bytes:
    """The whole map with a heatmap of how many findings touch each cell."""
    plt = _plt()
    h, w = view.shape
    heat = np.zeros((h, w))
    for f in findings:
        for x, y in f.cells:
            heat[y, x] += 1
    fig, ax = plt.subplots(figsize=(min(8.0, 2 + w * 0.12), min(8.0, 2 + h * 0.12)))
    _draw(view, ax, (0, 0, w - 1, h - 1))
    if heat.any():
        shown = np.ma.masked_where(heat == 0, heat)
        im = ax.imshow(shown, cmap="autumn_r", alpha=0.6, interpolation="nearest")
        fig.colorbar(im, ax=ax, fraction=0.04, label="findings on the cell", ticks=range(1, int(heat.max()) + 1))
    ax.set_title(f"{view.name}: {len(findings)} finding(s)", fontsize=9)
    return _png(fig)


def _img(data: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def write_report(out_dir: Path, views: list[MapView], findings: list[Finding], meta: dict) -> Path:
    """Write pictures/ and report.html; fills each finding's ``picture``."""
    pics = out_dir / "pictures"
    pics.mkdir(parents=True, exist_ok=True)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>gameai playtest report</title><style>",
        "body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
        ".card{border:1px solid #ccc;border-left:6px solid var(--c);padding:.6em;margin:.6em 0;display:flex;gap:1em}"
        ".card img{max-width:320px}.sev{color:var(--c);font-weight:bold;text-transform:uppercase}"
        "code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse}td,th{padding:.2em .6em;"
        "border-bottom:1px solid #eee;text-align:left}",
        "</style></head><body><h1>gameai playtest report</h1>",
        f"<p>ruleset <code>{html.escape(meta.get('ruleset', ''))}</code> · seed {meta.get('seed')} · "
        f"{len(findings)} finding(s): " + ", ".join(
            f"{sum(f.severity == s for f in findings)} {s}" for s in SEVERITIES) + "</p>",
        "<p>Each finding has a replay: <code>gameai replay FILE</code> plays it (paths are relative to this "
        "folder). Legend: blue/red stars are the spawns, yellow diamonds resources and settlements, "
        "+ the centre.</p>",
    ]
    for note in meta.get("notes", []):
        parts.append(f"<p><i>{html.escape(note)}</i></p>")
    for view in views:
        mine = sorted((f for f in findings if f.map == view.name), key=lambda f: (order[f.severity], f.check))
        parts.append(f"<h2>{html.escape(view.name)}</h2>")
        map_png = map_picture(view, mine)
        (pics / f"map-{_slug(view.name)}.png").write_bytes(map_png)
        parts.append(_img(map_png, f"map {view.name}"))
        stats = meta.get("stats", {}).get(view.name, {})
        if stats:
            parts.append("<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(_figure(v))}</td></tr>"
                                             for k, v in stats.items()) + "</table>")
        if not mine:
            parts.append("<p>No findings.</p>")
        for f in mine:
            png = finding_picture(view, f)
            f.picture = f"pictures/{f.id}.png"
            (out_dir / f.picture).write_bytes(png)
            ev = html.escape(", ".join(f"{k}: {v}" for k, v in f.evidence.items()))
            rep = f"<br><code>gameai replay {html.escape(f.replay)}</code>" if f.replay else ""
            parts.append(f"<div class='card' style='--c:{_SEV_COLOR[f.severity]}'>{_img(png, f.check)}<div>"
                         f"<span class='sev'>{f.severity}</span> <b>{html.escape(f.check)}</b> "
                         f"<small>{html.escape(f.subject)} · id {f.id}</small><p>{html.escape(f.message)}</p>"
                         f"<small>{ev}</small>{rep}</div></div>")
    parts.append("</body></html>")
    path = out_dir / "report.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _figure(v) -> str:
    """A table cell: dicts as "key: value" pairs (long lists such as match seeds left to findings.json)."""
    if isinstance(v, dict):
        return ", ".join(f"{k.replace('_', ' ')}: {x}" for k, x in v.items() if not isinstance(x, list) or len(x) <= 4)
    return str(v)


def _slug(name: str) -> str:
    """A file-name-safe form of the map's path (map.tmj files in different folders stay apart)."""
    p = Path(name)
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in p.with_suffix("").as_posix())[-80:]
