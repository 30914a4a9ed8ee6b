"""Verdicts across bot styles on a constructed case with a known answer: one matchup lopsided for
one bot only (style-dependent), one lopsided for every bot (robust), one whose bots differ within
their CIs (undecided); in summary.json, the report and the headline rule."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from gameai.balance.design import Config
from gameai.balance.report import build_summary
from gameai.balance.rows import MatchRow
from gameai.balance.stats import analyse
from gameai.balance.styles import marking, verdict

BOTS = ["ppo", "focus_fire", "kite"]
TIERS = ["average", "expert"]
# (army A, army B) -> bot -> A's wins out of 100 decisive matches, the same in both tiers
CASE = {
    ("warrior", "archer"): {"ppo": 92, "focus_fire": 60, "kite": 54},   # the example
    ("knight", "archer"): {"ppo": 90, "focus_fire": 88, "kite": 91},
    ("warrior", "knight"): {"ppo": 60, "focus_fire": 70, "kite": 64},
}


def rows(case=CASE, bots=BOTS) -> list[MatchRow]:
    out = []
    for (a, b), by_bot in case.items():
        for bot in bots:
            for tier in TIERS:
                for k in range(100):
                    out.append(MatchRow(
                        key=f"{a}/{b}/{bot}/{tier}/{k}", phase="sweep", config_id="base", params={},
                        matchup=f"{a} vs {b}", army_a=a, army_b=b, bot=bot, tier=tier, rep=k, a_side="blue", seed=k,
                        map_seed=None, winner="a" if k < by_bot[bot] else "b", steps=10, a_units={a: 3},
                        b_units={b: 3}))
    return out


def spec(bots=BOTS, reference=""):
    return SimpleNamespace(source="<case>", name="styles", ruleset_ref="default", master_seed=0, target=0.03,
                           design_kind="grid", bots=tuple(bots), tiers=tuple(TIERS), reference_bot=reference,
                           heatmap=(), params=(), matchups=())


def summary_of(bots=BOTS, reference=""):
    analysis = analyse(rows(bots=bots), [Config(0, ())], 0.03)
    return build_summary(spec(bots, reference), [Config(0, ())], analysis, [], played=0, reused=0), analysis


def test_verdicts_per_bot_and_tier_are_marked_robust_style_dependent_or_undecided():
    summary, _ = summary_of()
    sv = summary["style_verdicts"]
    assert sv["bots"] == BOTS and sv["tiers"] == TIERS and sv["reference_bot"] == "ppo"
    by = {m["matchup"]: m for m in sv["matchups"]}
    assert set(by) == {"warrior vs archer", "knight vs archer", "warrior vs knight"}   # each is flagged somewhere

    wa = by["warrior vs archer"]
    assert wa["marking"] == "style-dependent"
    for t in wa["tiers"]:
        cells = {c["bot"]: c for c in t["cells"]}
        assert cells["ppo"]["win_rate"] == 0.92 and cells["ppo"]["verdict"] == "warrior favoured"
        assert cells["kite"]["verdict"] == "unclear" and cells["focus_fire"]["verdict"] == "unclear"
        assert cells["ppo"]["ci_low"] > cells["kite"]["ci_high"]          # apart beyond their CIs
        assert (t["marking"], t["headline_verdict"], t["headline_from"]) == (
            "style-dependent", "warrior favoured", "reference bot ppo")

    ka = by["knight vs archer"]
    assert ka["marking"] == "robust"
    assert all(t["headline_verdict"] == "knight favoured" and t["headline_from"] == "all styles agree"
               for t in ka["tiers"])

    wk = by["warrior vs knight"]                  # 60% unclear, 70% warrior favoured: CIs overlap
    assert wk["marking"] == "undecided"
    assert {c["verdict"] for c in wk["tiers"][0]["cells"]} == {"unclear", "warrior favoured"}
    assert "reference bot" in sv["rule"] and "never the pool" in sv["rule"]


def test_the_reference_bot_heads_a_disagreement():
    summary, _ = summary_of(reference="kite")
    wa = next(m for m in summary["style_verdicts"]["matchups"] if m["matchup"] == "warrior vs archer")
    assert {(t["headline_verdict"], t["headline_from"]) for t in wa["tiers"]} == {("unclear", "reference bot kite")}


def test_one_bot_adds_nothing_to_the_summary():
    summary, _ = summary_of(bots=["ppo"])
    assert "style_verdicts" not in summary


def test_the_report_shows_the_per_style_table():
    from gameai.balance.report_page import page_view, render_page

    summary, analysis = summary_of()
    html = render_page(page_view(spec(), [Config(0, ())], analysis, [], summary, {}))
    assert 'id="style-table"' in html and summary["style_verdicts"]["rule"].replace("'", "&#39;") in html
    assert html.count('data-style="style-dependent"') == 2 and html.count('data-style="robust"') == 2
    assert html.count('data-style="undecided"') == 2


@pytest.mark.parametrize("args, want", [
    ((0.9, 0.85, 0.95, 100), "a favoured"), ((0.1, 0.05, 0.15, 100), "b favoured"),
    ((0.5, 0.48, 0.52, 4000), "within target"), ((0.55, 0.45, 0.65, 100), "unclear"),
    ((float("nan"), 0.0, 1.0, 0), "no decisive matches"),
])
def test_verdict_of_one_interval(args, want):
    assert verdict(*args, 0.03, "a", "b") == want


def test_marking_needs_disjoint_intervals_to_call_styles_apart():
    c = lambda v, lo, hi: {"verdict": v, "ci_low": lo, "ci_high": hi, "n": 100}  # noqa: E731
    assert marking([c("a favoured", .8, .9), c("a favoured", .6, .7)]) == "robust"
    assert marking([c("a favoured", .8, .9), c("unclear", .45, .6)]) == "style-dependent"
    assert marking([c("a favoured", .55, .7), c("unclear", .45, .6)]) == "undecided"


def test_balance_check_says_whether_a_failure_holds_for_every_style(tmp_path):
    from gameai.balance.check import compare
    from gameai.balance.check_report import markdown, write_junit

    before = {**CASE, ("warrior", "archer"): {"ppo": 50, "focus_fire": 50, "kite": 50}}
    base_summary = build_summary(spec(), [Config(0, ())], analyse(rows(before), [Config(0, ())], 0.03), [],
                                 played=0, reused=0)
    now_summary, _ = summary_of()
    result = compare(base_summary, now_summary, target=0.03)
    assert {c.matchup for c in result.failures} == {"warrior vs archer"}
    md = markdown(result)
    assert "**warrior vs archer**: across bot styles style-dependent: average: ppo warrior favoured" in md
    assert "reference bot ppo" in md
    xml = write_junit(result, tmp_path / "check.xml").read_text(encoding="utf-8")
    assert "across bot styles style-dependent" in xml
