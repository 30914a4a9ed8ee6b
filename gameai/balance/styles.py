"""Verdicts across bot styles: is a flagged matchup broken for every way of playing it, or only
for one bot?

When a sweep plays several bots, the "all" segment pools them, and a pool can hide that one
bot makes a matchup lopsided while another does not (a learned bot exploits a unit that the
scripted bots misuse). So each flagged matchup of the headline configuration (flagged in any
segment) gets a verdict per bot and per tier, from that bot's and tier's decisive matches:

- "<army A> favoured": its 95% Wilson interval lies wholly above 50% + target;
- "<army B> favoured": wholly below 50% - target;
- "within target": wholly inside 50% ± target;
- "unclear": the interval straddles an edge of the band (more matches would settle it).

Per tier the styles are **robust** when every bot gives the same verdict, **style-dependent**
when two bots give different verdicts and their intervals do not overlap (they disagree beyond
their CIs), and **undecided** otherwise (different verdicts, overlapping intervals). A matchup
is style-dependent if any tier is, robust if every tier is, undecided otherwise.

The headline verdict of a matchup in a tier (RULE): the verdict all styles agree on; when they
do not agree, the reference bot's (`[play] reference_bot`, by default the first bot the spec
lists: the style the designer ships or expects players to meet most). Never the pool.
"""
from __future__ import annotations

from gameai.balance.estimators import wilson
from gameai.balance.tally import SweepTally

RULE = ("Verdicts per bot and tier, from each bot's own matches (95% Wilson intervals against 50% ± target). "
        "A tier is robust when every bot gives the same verdict, style-dependent when two bots give different "
        "verdicts and their intervals do not overlap, undecided otherwise. The headline verdict is the one all "
        "styles agree on; when they do not agree, the reference bot's ({ref}), never the pool of all bots.")

MARKINGS = ("robust", "style-dependent", "undecided")


def verdict(win_rate: float, ci_low: float, ci_high: float, decisive: int, target: float, army_a: str,
            army_b: str) -> str:
    """One bot's verdict on one matchup in one tier."""
    if decisive == 0:
        return "no decisive matches"
    if ci_low > 0.5 + target:
        return f"{army_a} favoured"
    if ci_high < 0.5 - target:
        return f"{army_b} favoured"
    if ci_low >= 0.5 - target and ci_high <= 0.5 + target:
        return "within target"
    return "unclear"


def marking(cells: list[dict]) -> str:
    """robust / style-dependent / undecided for the bots' cells of one matchup and tier."""
    if len({c["verdict"] for c in cells}) == 1:
        return "robust"
    for i, a in enumerate(cells):
        for b in cells[i + 1:]:
            if a["verdict"] != b["verdict"] and a["n"] and b["n"] and (
                    a["ci_low"] > b["ci_high"] or b["ci_low"] > a["ci_high"]):
                return "style-dependent"
    return "undecided"


def style_verdicts(tally: SweepTally, config_id: str, flagged: list[str], target: float, bots: list[str],
                   tiers: list[str], reference_bot: str) -> dict:
    """The per-style table of the flagged matchups of one configuration (summary.json's
    `style_verdicts`; the report and `gameai balance check` show it)."""
    counts: dict[tuple, list] = {}
    for c in tally.cells.values():
        if c.config_id == config_id and c.matchup in flagged and not c.mirror:
            acc = counts.setdefault((c.matchup, c.bot, c.tier), [0, 0, c.army_a, c.army_b])
            acc[0] += c.wins_a
            acc[1] += c.wins_b
    matchups = []
    for mu in flagged:
        armies = next((v[2:] for k, v in counts.items() if k[0] == mu), None)
        if armies is None:
            continue
        rows = []
        for tier in tiers:
            cells = []
            for bot in bots:
                wa, wb = counts.get((mu, bot, tier), (0, 0))[:2]
                p, lo, hi = wilson(wa, wa + wb)
                cells.append({"bot": bot, "wins_a": wa, "wins_b": wb, "n": wa + wb,
                              "win_rate": None if wa + wb == 0 else p, "ci_low": lo, "ci_high": hi,
                              "verdict": verdict(p, lo, hi, wa + wb, target, *armies)})
            mark = marking(cells)
            ref = next(c for c in cells if c["bot"] == reference_bot)
            agreed = mark == "robust"
            rows.append({"tier": tier, "marking": mark, "cells": cells,
                         "headline_verdict": cells[0]["verdict"] if agreed else ref["verdict"],
                         "headline_from": "all styles agree" if agreed else f"reference bot {reference_bot}"})
        marks = {r["marking"] for r in rows}
        overall = ("style-dependent" if "style-dependent" in marks else "robust" if marks == {"robust"}
                   else "undecided")
        matchups.append({"matchup": mu, "army_a": armies[0], "army_b": armies[1], "marking": overall,
                         "tiers": rows})
    return {"rule": RULE.format(ref=reference_bot), "reference_bot": reference_bot, "config": config_id,
            "bots": list(bots), "tiers": list(tiers), "matchups": matchups}


def flagged_matchups(flags: list[dict], config_id: str) -> list[str]:
    """Matchups with an imbalanced_matchup flag in any segment of the configuration, first-seen order."""
    return list(dict.fromkeys(f["matchup"] for f in flags
                              if f["config"] == config_id and f["flag"] == "imbalanced_matchup"))
