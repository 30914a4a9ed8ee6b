"""The sweep's outputs: results.csv (one row per match), summary.json (the machine-readable
findings) and report.html (one self-contained file: report_page prepares its content, a Jinja2
template renders it, report_plots draws its figures).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterable

from gameai.balance.rows import COLUMNS, MatchRow, RecordDecoder
from gameai.balance.store import StoredRows

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
        **_style_fields(spec, analysis, flags, headline["id"]),
    }


def _style_fields(spec, analysis: dict, flags: list[dict], config_id: str) -> dict:
    """`style_verdicts` when the sweep plays several bots (styles.py); nothing otherwise, so the
    summary of a one-bot sweep is what it always was."""
    from gameai.balance.styles import flagged_matchups, style_verdicts

    bots = analysis["tally"].bots()
    if len(bots) < 2:
        return {}
    return {"style_verdicts": style_verdicts(analysis["tally"], config_id, flagged_matchups(flags, config_id),
                                             spec.target, bots, analysis["tally"].tiers(),
                                             spec.reference_bot or spec.bots[0])}


def write_summary(path: Path, summary: dict) -> None:
    path.write_text(json.dumps(summary, indent=2, default=float), encoding="utf-8")


def write_report(out_dir: str | Path, spec, configs, rows: "Iterable[MatchRow] | StoredRows | None", analysis: dict,
                 sens: list[dict], summary: dict, base_values: dict) -> dict[str, Path]:
    """The three output files; `rows` (read here for results.csv only) must be the rows
    `analysis` was computed from, in plan order; None when results.csv is already written."""
    from gameai.balance.report_page import page_view, render_page

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "results.csv", "summary": out / "summary.json", "report": out / "report.html"}
    if rows is not None:
        write_csv(paths["csv"], rows)
    write_summary(paths["summary"], summary)
    view = page_view(spec, configs, analysis, sens, summary, base_values)
    paths["report"].write_text(render_page(view), encoding="utf-8")
    return paths


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
