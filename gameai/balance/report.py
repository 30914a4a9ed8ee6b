"""The sweep's outputs: report.html (one self-contained file, plots embedded as base64 PNG),
results.csv (one row per match) and summary.json (the machine-readable findings).
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
from pathlib import Path
from typing import Iterable

import numpy as np

from gameai.balance.rows import COLUMNS, MatchRow, RecordDecoder
from gameai.balance.store import StoredRows

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em} td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3} td.l,th.l{text-align:left} .flag{background:#fde8e8} .ok{background:#e8f6e8}
.muted{color:#666;font-size:.9em} img{max-width:100%;margin:.5em 0} .note{background:#f7f7f2;border-left:4px solid #cc9;padding:.5em 1em}
"""


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _pct(v, digits=1) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.{digits}f}%"


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ----------------------------------------------------------------------------- plots

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


# ----------------------------------------------------------------------------- outputs

def write_csv(path: Path, rows: "Iterable[MatchRow] | StoredRows", tally=None) -> None:
    """results.csv: one line per match, JSON columns as stored; streamed chunk by chunk.
    With a `tally`, the rows are added to it on the way (one read of the store, not two)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        if isinstance(rows, StoredRows):
            decode = RecordDecoder()
            for chunk in rows.record_chunks():
                w.writerows(chunk)
                if tally is not None:
                    tally.add_records(chunk, decode)
        else:
            for r in rows:
                w.writerow(r.record())
                if tally is not None:
                    tally.add(r)


def build_summary(spec, configs, analysis: dict, sens: list[dict], *, played: int, reused: int) -> dict:
    headline = analysis["configs"][0]
    best = min(analysis["configs"], key=lambda c: (c["tier_deviation"] is None, c["tier_deviation"] or 0))
    flags = []
    for c in analysis["configs"]:
        for seg, s in c["segments"].items():
            for f in s["flags"]:
                flags.append({"config": c["id"], "config_label": c["label"], "segment": seg, **f})
    return {
        "spec": spec.source, "name": spec.name, "ruleset": spec.ruleset_ref, "master_seed": spec.master_seed,
        "target": spec.target, "design": spec.design_kind, "segments": analysis["segments"],
        "matches": sum(c["matches"] for c in analysis["configs"]), "matches_played_this_run": played,
        "matches_resumed": reused,
        "deviation_definition": "mean over non-mirror matchups of |win rate - 50%|, in percentage points; "
                                "win rate = first army's share of decisive matches",
        "headline_config": headline["id"],
        "deviation": {seg: {k: s[k] for k in ("deviation", "max_deviation", "matchups")}
                      for seg, s in headline["segments"].items()},
        "best_config": {"id": best["id"], "label": best["label"], "params": best["params"],
                        "deviation": best["segments"]["all"]["deviation"], "tier_deviation": best["tier_deviation"]},
        "flags": flags,
        "configs": [{"id": c["id"], "label": c["label"], "params": c["params"], "matches": c["matches"],
                     "tier_deviation": c["tier_deviation"],
                     "segments": {seg: {k: s[k] for k in ("deviation", "max_deviation", "win_rates", "ratings",
                                                          "unit_contribution")}
                                  for seg, s in c["segments"].items()}} for c in analysis["configs"]],
        "sensitivity": sens,
    }


def _flag_text(f: dict) -> str:
    if f["flag"] == "dominant":
        return (f"<b>{html.escape(f['army'])}</b> ({f['kind']}) is dominant: beats every opponent, "
                f"lowest CI bound {_pct(f['min_ci_low'])}, mean win rate {_pct(f['mean_win_rate'])}")
    if f["flag"] == "underpowered":
        return (f"<b>{html.escape(f['army'])}</b> ({f['kind']}) loses to every opponent: highest CI bound "
                f"{_pct(f['max_ci_high'])}, mean win rate {_pct(f['mean_win_rate'])}")
    return (f"<b>{html.escape(f['matchup'])}</b> outside 50% ± {100 * f['target']:.0f}: "
            f"{_pct(f['win_rate'])} (CI {_pct(f['ci_low'])}–{_pct(f['ci_high'])}, {f['matches']} matches)")


def write_report(out_dir: str | Path, spec, configs, rows: "Iterable[MatchRow] | StoredRows | None", analysis: dict,
                 sens: list[dict], summary: dict, base_values: dict) -> dict[str, Path]:
    """The three output files; `rows` (read here for results.csv only) must be the rows
    `analysis` was computed from, in plan order; None when results.csv is already written."""
    from gameai.balance.stats import WinRate, matchup_matrix

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "results.csv", "summary": out / "summary.json", "report": out / "report.html"}
    if rows is not None:
        write_csv(paths["csv"], rows)
    paths["summary"].write_text(json.dumps(summary, indent=2, default=float), encoding="utf-8")

    segs = analysis["segments"]
    head = analysis["configs"][0]
    parts = [f"<h1>Balance report: {html.escape(spec.name)}</h1>",
             f"<p class=muted>spec {html.escape(spec.source)} · ruleset {html.escape(spec.ruleset_ref)} · "
             f"master seed {spec.master_seed} · {summary['matches']} matches · {len(configs)} configurations "
             f"({spec.design_kind}) · bots {', '.join(spec.bots)} · tiers {', '.join(spec.tiers)}</p>"]

    # Headline numbers
    dev = summary["deviation"]
    parts.append("<h2>Headline</h2><table><tr><th class=l>segment</th><th>deviation</th><th>worst matchup</th>"
                 "<th>matchups</th></tr>")
    for seg in segs:
        d = dev[seg]
        parts.append(f"<tr><td class=l>{html.escape(seg)}</td><td>{_fmt_pts(d['deviation'])}</td>"
                     f"<td>{_fmt_pts(d['max_deviation'])}</td><td>{d['matchups']}</td></tr>")
    parts.append(f"</table><p class=note>Configuration shown: <b>{html.escape(head['label'])}</b>. "
                 "Deviation = mean |win rate − 50%| over non-mirror matchups, in points; target: every "
                 f"matchup within 50% ± {100 * spec.target:g}. Lowest-deviation configuration (mean of the "
                 f"per-tier deviations): <b>{html.escape(summary['best_config']['label'])}</b> "
                 f"({_fmt_pts(summary['best_config']['tier_deviation'])}).</p>")

    # Flags
    parts.append("<h2>Flags</h2>")
    hflags = [f for f in summary["flags"] if f["config"] == head["id"]]
    if hflags:
        parts.append("<ul>" + "".join(f"<li class=flag>[{html.escape(f['segment'])}] {_flag_text(f)}</li>"
                                      for f in hflags) + "</ul>")
    else:
        parts.append("<p class=ok>No dominant or underpowered army and no matchup outside the target band "
                     "in the configuration shown.</p>")
    others = len(summary["flags"]) - len(hflags)
    if others:
        parts.append(f"<p class=muted>{others} more flags in other configurations: see summary.json.</p>")

    # Matchup matrix and per-tier panels
    def rates_of(cfg, seg):
        return [WinRate(**{**w, "win_rate": float("nan") if w["win_rate"] is None else w["win_rate"]})
                for w in cfg["segments"][seg]["win_rates"]]

    parts.append("<h2>Matchup matrix</h2><p class=muted>Cell = win rate (%) of the row army against the "
                 "column army, all tiers pooled. Equal-cost single-unit armies make this the unit-vs-unit matrix.</p>")
    armies, m = matchup_matrix(rates_of(head, "all"))
    parts.append(_png(plot_matrix(armies, m, f"{head['label']} — all tiers")))
    tier_segs = [s for s in segs if s != "all"]
    if tier_segs:
        parts.append("<h2>Per skill tier</h2>")
        for seg in tier_segs:
            a2, m2 = matchup_matrix(rates_of(head, seg))
            parts.append(_png(plot_matrix(a2, m2, f"{seg}")))
        parts.append(_png(plot_tier_bars(head["segments"]["all"]["win_rates"] + sum(
            (head["segments"][s]["win_rates"] for s in tier_segs), []), segs, "win rate by tier (95% CI)")))

    # Win-rate table with CIs
    parts.append("<h2>Win rates (configuration shown)</h2><table><tr><th class=l>matchup</th><th class=l>segment</th>"
                 "<th>win rate</th><th>95% CI</th><th>A wins</th><th>B wins</th><th>draws</th></tr>")
    for seg in segs:
        for w in head["segments"][seg]["win_rates"]:
            bad = w["win_rate"] is not None and not w["mirror"] and (
                w["ci_low"] > 0.5 + spec.target or w["ci_high"] < 0.5 - spec.target)
            parts.append(f"<tr{' class=flag' if bad else ''}><td class=l>{html.escape(w['matchup'])}</td>"
                         f"<td class=l>{html.escape(seg)}</td><td>{_pct(w['win_rate'])}</td>"
                         f"<td>{_pct(w['ci_low'])}–{_pct(w['ci_high'])}</td><td>{w['wins_a']}</td>"
                         f"<td>{w['wins_b']}</td><td>{w['draws']}</td></tr>")
    parts.append("</table>")

    # Ratings and unit contribution
    seg_all = head["segments"]["all"]
    if seg_all["ratings"]:
        parts.append("<h2>Ratings</h2><p class=muted>Bradley–Terry ratings on the Elo scale (mean 1500; +100 ≈ "
                     "64% expected win rate), per tier.</p><table><tr><th class=l>army</th>"
                     + "".join(f"<th>{html.escape(s)}</th>" for s in segs) + "</tr>")
        for a in sorted(seg_all["ratings"], key=lambda a: -seg_all["ratings"][a]):
            parts.append(f"<tr><td class=l>{html.escape(a)}</td>" + "".join(
                f"<td>{head['segments'][s]['ratings'].get(a, float('nan')):.0f}</td>" for s in segs) + "</tr>")
        parts.append("</table>")
    if seg_all["unit_contribution"]:
        parts.append("<h2>Per-unit win contribution</h2><p class=muted>Win-rate points an army made only of this "
                     "unit gains over one of the average unit (linear model over all matches, 95% CI).</p>"
                     "<table><tr><th class=l>unit</th>" + "".join(f"<th>{html.escape(s)}</th>" for s in segs) + "</tr>")
        for u in seg_all["unit_contribution"]:
            cells = []
            for s in segs:
                c = head["segments"][s]["unit_contribution"].get(u)
                cells.append("<td>–</td>" if not c else
                             f"<td>{c['points']:+.1f} ({c['ci_low']:+.1f}…{c['ci_high']:+.1f})</td>")
            parts.append(f"<tr><td class=l>{html.escape(u)}</td>{''.join(cells)}</tr>")
        parts.append("</table>")

    # Sensitivity
    if sens:
        parts.append("<h2>Sensitivity</h2><p class=muted>How much each swept parameter moves each matchup's win "
                     "rate (linear model over all configurations, other parameters held fixed; 95% CI). Bars: "
                     "effect over the whole swept range; the table gives the effect per unit change.</p>")
        for seg in segs:
            es = sorted([e for e in sens if e["segment"] == seg], key=lambda e: -abs(e["over_range"]))[:16]
            if es:
                parts.append(_png(plot_sensitivity(es, f"sensitivity — {seg}")))
        parts.append("<table><tr><th class=l>parameter</th><th class=l>matchup</th><th>per unit (points)</th>"
                     "<th>95% CI</th><th>over range</th></tr>")
        for e in sorted([e for e in sens if e["segment"] == "all"], key=lambda e: -abs(e["over_range"])):
            parts.append(f"<tr{' class=flag' if e['significant'] else ''}><td class=l>{html.escape(e['param'])}</td>"
                         f"<td class=l>{html.escape(e['matchup'])}</td><td>{e['per_unit']:+.2f}</td>"
                         f"<td>{e['ci_low']:+.2f}…{e['ci_high']:+.2f}</td><td>{e['over_range']:+.1f}</td></tr>")
        parts.append("</table>")

    # Heatmaps over two parameters
    keys = list(spec.heatmap) or [p.key for p in spec.params][:2]
    if len(keys) == 2 and len(configs) > 2:
        mus = [mu.name for mu in spec.matchups if not mu.mirror]
        if sens:
            ranked = sorted({e["matchup"] for e in sens}, key=lambda mu: -max(
                abs(e["over_range"]) for e in sens if e["matchup"] == mu and e["param"] in keys) if any(
                e["matchup"] == mu and e["param"] in keys for e in sens) else 0)
            mus = [m for m in ranked if m in mus] or mus
        parts.append(f"<h2>Win rate over {html.escape(keys[0])} × {html.escape(keys[1])}</h2><p class=muted>"
                     "Win rate of the first army (%) in each cell; outlined cells lie within the target band. "
                     "Last panel: balance deviation (points). One figure for all tiers pooled, then one per tier "
                     "(pooling can hide opposite effects in different tiers).</p>")
        params = analysis["tally"].params
        for seg in [s_ for s_ in segs if not s_.startswith("bot:")][:4]:
            seg_rates = [w for w in analysis["rates"] if w.segment == seg]
            parts.append(_png(plot_heatmaps(seg_rates, params, keys[0], keys[1], mus[:5], base_values, spec.target,
                                            title="all tiers" if seg == "all" else f"tier: {seg}")))

    # Configurations
    parts.append("<h2>Configurations</h2><p class=muted>Sorted by the mean of the per-tier deviations.</p>"
                 "<table><tr><th class=l>id</th><th class=l>values</th><th>matches</th><th>mean tier deviation</th>"
                 + "".join(f"<th>deviation {html.escape(s)}</th>" for s in segs) + "</tr>")
    for c in sorted(analysis["configs"], key=lambda c: (c["tier_deviation"] is None, c["tier_deviation"] or 0)):
        parts.append(f"<tr><td class=l>{c['id']}</td><td class=l>{html.escape(c['label'])}</td><td>{c['matches']}</td>"
                     f"<td>{_fmt_pts(c['tier_deviation'])}</td>"
                     + "".join(f"<td>{_fmt_pts(c['segments'][s]['deviation'])}</td>" for s in segs) + "</tr>")
    parts.append("</table><p class=muted>Files: results.csv (one row per match), summary.json (findings), "
                 "results.sqlite (the resumable store).</p>")

    doc = (f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(spec.name)} — gameai balance report"
           f"</title><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")
    paths["report"].write_text(doc, encoding="utf-8")
    return paths


def _fmt_pts(v) -> str:
    return "–" if v is None else f"{v:.1f} pts"


def analyse_and_report(spec, configs, outcome, out_dir) -> tuple[dict, dict[str, Path]]:
    """Statistics, sensitivity and the three output files for a finished sweep."""
    from gameai.balance.sensitivity import param_ranges, sensitivity
    from gameai.balance.stats import analyse
    from gameai.balance.tally import SweepTally

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tally = SweepTally()
    # The one pass over the matches: results.csv is written and the counts gathered together;
    # everything after reads the counts.
    write_csv(out / "results.csv", outcome.rows, tally)
    unit_armies = {a.name for m in spec.matchups for a in (m.a, m.b) if a.equal_cost_unit}
    analysis = analyse(tally, configs, spec.target, unit_armies)
    ranges = param_ranges(spec, configs)
    sens = sensitivity(tally, [p.key for p in spec.params], ranges)
    summary = build_summary(spec, configs, analysis, sens, played=outcome.played, reused=outcome.reused)
    paths = write_report(out_dir, spec, configs, None, analysis, sens, summary,
                         {k: v["base"] for k, v in ranges.items()})
    return summary, paths
