"""report.html: the page's content prepared as plain data (`page_view`), rendered by a Jinja2
template (templates/report.html.j2).

Nothing is cut silently. Long lists are folded: the first `FOLD_ROWS` rows of a table, the first
figure of a series (sensitivity bars, `BARS_PER_FIGURE` to a figure; heatmaps, `PANELS_PER_FIGURE`
matchups to a figure) are shown, the rest sit in a closed <details> block whose summary says how
many more there are. Every plot is a PNG embedded as a data: URL, so the file works offline, alone.
The flags on the page are the flags of summary.json, not derived again here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

#: Rows of a table shown before the rest are folded.
FOLD_ROWS = 60
#: Bars of one sensitivity figure (more would make the labels unreadable); longer lists get more figures.
BARS_PER_FIGURE = 16
#: Matchup panels of one heatmap figure (plus its deviation panel).
PANELS_PER_FIGURE = 5


@dataclass
class Figure:
    title: str
    src: str            # data:image/png;base64,...
    kind: str           # matrix, tier_bars, sensitivity, heatmap


@dataclass
class Series:
    """Figures of one kind: the first is shown, the others folded."""
    heading: str
    figures: list[Figure] = field(default_factory=list)


def pct(v, digits: int = 1) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.{digits}f}%"


def pts(v) -> str:
    return "–" if v is None else f"{v:.1f} pts"


def signed(v, digits: int = 1) -> str:
    return "–" if v is None else f"{v:+.{digits}f}"


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def flag_text(f: dict) -> tuple[str, str]:
    """(subject, sentence) of a flag, for the page and the per-style table."""
    if f["flag"] == "dominant":
        return f["army"], (f"({f['kind']}) is dominant: beats every opponent, lowest CI bound "
                           f"{pct(f['min_ci_low'])}, mean win rate {pct(f['mean_win_rate'])}")
    if f["flag"] == "underpowered":
        return f["army"], (f"({f['kind']}) loses to every opponent: highest CI bound {pct(f['max_ci_high'])}, "
                           f"mean win rate {pct(f['mean_win_rate'])}")
    return f["matchup"], (f"outside 50% ± {100 * f['target']:.0f}: {pct(f['win_rate'])} "
                          f"(CI {pct(f['ci_low'])}–{pct(f['ci_high'])}, {f['matches']} matches)")


def page_view(spec, configs, analysis: dict, sens: list[dict], summary: dict, base_values: dict) -> dict:
    """Everything report.html shows, as plain data and PNG data: URLs."""
    from gameai.balance.report_plots import plot_heatmaps, plot_matrix, plot_sensitivity, plot_tier_bars, png_data
    from gameai.balance.stats import WinRate, matchup_matrix

    segs = analysis["segments"]
    head = analysis["configs"][0]
    by_order = sorted(analysis["configs"], key=lambda c: (c["tier_deviation"] is None, c["tier_deviation"] or 0))
    flags = [{**f, "subject": flag_text(f)[0], "text": flag_text(f)[1]} for f in summary["flags"]]
    head_flags = [f for f in flags if f["config"] == head["id"]]
    imbalanced = {(f["segment"], f["matchup"]) for f in head_flags if f["flag"] == "imbalanced_matchup"}

    def rates_of(cfg, seg):
        return [WinRate(**{**w, "win_rate": float("nan") if w["win_rate"] is None else w["win_rate"]})
                for w in cfg["segments"][seg]["win_rates"]]

    matrices = Series("Matchup matrix")
    armies, m = matchup_matrix(rates_of(head, "all"))
    matrices.figures.append(Figure(f"{head['label']} — all tiers", png_data(
        plot_matrix(armies, m, f"{head['label']} — all tiers")), "matrix"))
    tier_segs = [s for s in segs if s != "all"]
    per_tier = Series("Per skill tier")
    for seg in tier_segs:
        a2, m2 = matchup_matrix(rates_of(head, seg))
        per_tier.figures.append(Figure(seg, png_data(plot_matrix(a2, m2, seg)), "matrix"))
    if tier_segs:
        rates = head["segments"]["all"]["win_rates"] + sum((head["segments"][s]["win_rates"] for s in tier_segs), [])
        per_tier.figures.append(Figure("win rate by tier (95% CI)", png_data(
            plot_tier_bars(rates, segs, "win rate by tier (95% CI)")), "tier_bars"))

    win_rows = [{"matchup": w["matchup"], "segment": seg, "win_rate": pct(w["win_rate"]),
                 "ci": f"{pct(w['ci_low'])}–{pct(w['ci_high'])}", "wins_a": w["wins_a"], "wins_b": w["wins_b"],
                 "draws": w["draws"], "flagged": (seg, w["matchup"]) in imbalanced}
                for seg in segs for w in head["segments"][seg]["win_rates"]]

    seg_all = head["segments"]["all"]
    ratings = [{"army": a, "values": [f"{head['segments'][s]['ratings'].get(a, float('nan')):.0f}" for s in segs]}
               for a in sorted(seg_all["ratings"], key=lambda a: -seg_all["ratings"][a])]
    contributions = []
    for u in seg_all["unit_contribution"]:
        cells = []
        for s in segs:
            c = head["segments"][s]["unit_contribution"].get(u)
            cells.append("–" if not c else f"{c['points']:+.1f} ({c['ci_low']:+.1f}…{c['ci_high']:+.1f})")
        contributions.append({"unit": u, "values": cells})

    sensitivity_series = []
    for seg in segs:
        es = sorted([e for e in sens if e["segment"] == seg], key=lambda e: -abs(e["over_range"]))
        if not es:
            continue
        series = Series(f"sensitivity — {seg}")
        pages = chunks(es, BARS_PER_FIGURE)
        for k, page in enumerate(pages):
            title = f"sensitivity — {seg}" + (f" (bars {k * BARS_PER_FIGURE + 1}–{k * BARS_PER_FIGURE + len(page)} "
                                              f"of {len(es)})" if len(pages) > 1 else "")
            series.figures.append(Figure(title, png_data(plot_sensitivity(page, title)), "sensitivity"))
        sensitivity_series.append(series)
    sens_rows = [{"param": e["param"], "matchup": e["matchup"], "per_unit": f"{e['per_unit']:+.2f}",
                  "ci": f"{e['ci_low']:+.2f}…{e['ci_high']:+.2f}", "over_range": f"{e['over_range']:+.1f}",
                  "flagged": e["significant"]}
                 for e in sorted([e for e in sens if e["segment"] == "all"], key=lambda e: -abs(e["over_range"]))]

    heat_keys = list(spec.heatmap) or [p.key for p in spec.params][:2]
    heatmaps = []
    if len(heat_keys) == 2 and len(configs) > 2:
        mus = [mu.name for mu in spec.matchups if not mu.mirror]
        if sens:   # the matchups these two parameters move most come first
            ranked = sorted({e["matchup"] for e in sens}, key=lambda mu: -max(
                abs(e["over_range"]) for e in sens if e["matchup"] == mu and e["param"] in heat_keys) if any(
                e["matchup"] == mu and e["param"] in heat_keys for e in sens) else 0)
            mus = [m for m in ranked if m in mus] + [m for m in mus if m not in ranked]
        params = analysis["tally"].params
        for seg in [s for s in segs if not s.startswith("bot:")] + [s for s in segs if s.startswith("bot:")]:
            seg_rates = [w for w in analysis["rates"] if w.segment == seg]
            name = "all tiers" if seg == "all" else (seg.replace(":", ": ") if seg.startswith("bot:") else f"tier: {seg}")
            series = Series(name)
            pages = chunks(mus, PANELS_PER_FIGURE)
            for k, page in enumerate(pages):
                title = name + (f" (matchups {k * PANELS_PER_FIGURE + 1}–{k * PANELS_PER_FIGURE + len(page)} "
                                f"of {len(mus)})" if len(pages) > 1 else "")
                series.figures.append(Figure(title, png_data(plot_heatmaps(
                    seg_rates, params, heat_keys[0], heat_keys[1], page, base_values, spec.target, title=title)),
                    "heatmap"))
            heatmaps.append(series)

    config_rows = [{"id": c["id"], "label": c["label"], "matches": c["matches"], "tier_deviation": pts(c["tier_deviation"]),
                    "deviations": [pts(c["segments"][s]["deviation"]) for s in segs]} for c in by_order]

    return {
        "name": spec.name, "source": spec.source, "ruleset": spec.ruleset_ref, "master_seed": spec.master_seed,
        "matches": summary["matches"], "n_configs": len(configs), "design": spec.design_kind,
        "bots": list(spec.bots), "tiers": list(spec.tiers), "target_points": f"{100 * spec.target:g}",
        "segments": segs,
        "headline": [{"segment": s, "deviation": pts(summary["deviation"][s]["deviation"]),
                      "max_deviation": pts(summary["deviation"][s]["max_deviation"]),
                      "matchups": summary["deviation"][s]["matchups"]} for s in segs],
        "head_label": head["label"], "best_label": summary["best_config"]["label"],
        "best_deviation": pts(summary["best_config"]["tier_deviation"]),
        "head_flags": head_flags, "other_flags": [f for f in flags if f["config"] != head["id"]],
        "styles": summary.get("style_verdicts"),
        "matrices": matrices, "per_tier": per_tier if tier_segs else None,
        "win_rows": win_rows, "ratings": ratings, "contributions": contributions,
        "sensitivity": sensitivity_series, "sens_rows": sens_rows,
        "heat_keys": heat_keys, "heatmaps": heatmaps, "config_rows": config_rows,
        "fold_rows": FOLD_ROWS, "bars_per_figure": BARS_PER_FIGURE,
    }


def render_page(view: dict) -> str:
    """report.html's text: the view through templates/report.html.j2 (HTML-escaped by Jinja2)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("gameai.balance", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env.get_template("report.html.j2").render(**view)
