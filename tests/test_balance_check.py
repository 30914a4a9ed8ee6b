"""`gameai balance check`: the rule on constructed cases, then the gate end to end on tiny sweeps."""
from __future__ import annotations

import copy
import csv
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from gameai.balance.check import compare, newcombe_difference
from gameai.cli.main import main

REPO = Path(__file__).resolve().parents[1]

# Equal-cost single units on the ruleset next to the spec (copied per test module, so a test
# can plant a change in it). One tier: segments "all" and "expert", 3 matchups, 6 cells.
SPEC = """
name = "ci gate"
ruleset = "ruleset.toml"
master_seed = 5
target = 0.1
[matchups]
equal_cost = ["warrior", "archer", "knight"]
budget = 40
[play]
tiers = ["expert"]
matches = 10
max_steps = 200
batch = 10
"""


# ----------------------------------------------------------------------------- the rule

def summary_of(cells: dict[str, tuple[int, int]], name: str = "s", mirror: tuple[str, ...] = ()) -> dict:
    """A summary.json with one configuration and segment 'all': matchup -> (wins_a, wins_b)."""
    rates = [{"matchup": m, "wins_a": a, "wins_b": b, "draws": 0, "n": a + b, "mirror": m in mirror}
             for m, (a, b) in cells.items()]
    return {"name": name, "master_seed": 1, "target": 0.05, "segments": ["all"], "headline_config": "base",
            "configs": [{"id": "base", "label": "base ruleset", "segments": {"all": {"win_rates": rates}}}]}


def test_the_difference_interval_is_newcombe_method_10():
    # Newcombe (1998), Statistics in Medicine 17:873, table II, example (a): 56/70 vs 48/80.
    assert newcombe_difference((56, 70), (48, 80), 0.95) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    # and example (b)-like extremes stay inside [-1, 1]
    lo, hi = newcombe_difference((9, 10), (1, 10), 0.99)
    assert -1 <= lo < hi <= 1 and lo > 0


def test_identical_results_pass_and_a_big_swing_fails_as_moved():
    base = summary_of({"a vs b": (30, 30), "a vs c": (28, 32)})
    result = compare(base, copy.deepcopy(base), target=0.1)
    assert result.passed and [c.verdict for c in result.cells] == ["pass", "pass"]

    now = summary_of({"a vs b": (30, 30), "a vs c": (10, 50)})     # 47% -> 17%
    result = compare(base, now, target=0.3)                          # a wide band: only the move can fail it
    assert [(c.matchup, c.verdict) for c in result.failures] == [("a vs c", "moved")]
    assert result.failures[0].diff_ci[1] < 0


def test_leaving_the_band_fails_but_a_matchup_not_shown_inside_before_is_only_reported():
    # "in": the baseline's interval lies inside 50% ± 10, this run's wholly outside: it left.
    # "out" was never shown inside the band, "unclear" neither: outside now, but no regression.
    base = summary_of({"in": (500, 500), "out": (90, 10), "unclear": (6, 4)})
    now = summary_of({"in": (950, 50), "out": (92, 8), "unclear": (19, 1)})
    result = compare(base, now, target=0.1)
    verdicts = {c.matchup: c.verdict for c in result.cells}
    assert verdicts == {"in": "left_band", "out": "outside_band", "unclear": "outside_band"}
    assert [c.matchup for c in result.failures] == ["in"]


def test_mirrors_have_no_band_and_cells_without_decisive_matches_are_skipped():
    base = summary_of({"a vs a": (0, 0), "b vs b": (40, 20)}, mirror=("a vs a", "b vs b"))
    now = summary_of({"a vs a": (5, 5), "b vs b": (41, 19)}, mirror=("a vs a", "b vs b"))
    verdicts = {c.matchup: c.verdict for c in compare(base, now, target=0.05).cells}
    assert verdicts == {"a vs a": "untestable", "b vs b": "pass"}


def test_an_unchanged_game_on_fresh_seeds_fails_at_most_alpha_of_the_time():
    # Re-rolled seeds (any ruleset edit changes them) redraw every cell. 9 cells, true rates from
    # balanced to out of band, 30 decisive matches each: the family-wise false-alarm rate must
    # stay within alpha = 5% (Bonferroni keeps it below; 1000 draws, so 0.05 + 3 SE = 0.071).
    rng = np.random.default_rng(17)
    p = np.array([0.5, 0.55, 0.6, 0.4, 0.7, 0.3, 0.5, 0.62, 0.45])
    n = 30
    alarms = 0
    for _ in range(1000):
        a, b = rng.binomial(n, p), rng.binomial(n, p)
        base = summary_of({f"m{i}": (int(a[i]), n - int(a[i])) for i in range(len(p))})
        now = summary_of({f"m{i}": (int(b[i]), n - int(b[i])) for i in range(len(p))})
        alarms += not compare(base, now, target=0.05).passed
    assert alarms / 1000 <= 0.071


# ----------------------------------------------------------------------------- end to end

def check_junit_shape(path: Path) -> ET.Element:
    """The common JUnit schema (Jenkins' junit-10.xsd) as CI systems read it."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = list(root)
    assert suites and all(s.tag == "testsuite" for s in suites)
    for s in suites:
        for attr in ("name", "id", "package", "tests", "failures", "errors", "skipped", "time", "timestamp",
                     "hostname"):
            assert attr in s.attrib, attr
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", s.get("timestamp"))
        float(s.get("time"))
        children = list(s)
        assert [c.tag for c in children[:1]] == ["properties"]
        assert all(p.tag == "property" and {"name", "value"} <= set(p.attrib) for p in children[0])
        assert [c.tag for c in children[-2:]] == ["system-out", "system-err"]
        cases = children[1:-2]
        assert all(c.tag == "testcase" for c in cases)
        outcome = {"failure": 0, "error": 0, "skipped": 0}
        for c in cases:
            assert c.get("name") and c.get("classname")
            float(c.get("time"))
            tags = [x.tag for x in c]
            assert set(tags) <= {"failure", "error", "skipped", "system-out", "system-err"}
            kinds = [t for t in tags if t in outcome]
            assert len(kinds) <= 1
            for t in kinds:
                outcome[t] += 1
            for x in c:
                if x.tag in ("failure", "error"):
                    assert x.get("message") and x.get("type")
        assert int(s.get("tests")) == len(cases)
        assert int(s.get("failures")) == outcome["failure"]
        assert int(s.get("errors")) == outcome["error"]
        assert int(s.get("skipped")) == outcome["skipped"]
    for attr in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(attr)) == sum(int(s.get(attr)) for s in suites)
    return root


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    """A spec, its ruleset and a baseline sweep of them (10 matches per cell, 1 worker)."""
    d = tmp_path_factory.mktemp("gate")
    shutil.copy(REPO / "envs" / "data" / "default.toml", d / "ruleset.toml")
    (d / "spec.toml").write_text(SPEC, encoding="utf-8")
    assert main(["sweep", str(d / "spec.toml"), "--out", str(d / "baseline"), "--workers", "1", "--no-progress"]) == 0
    return d


def results_of(folder: Path) -> list[dict]:
    with open(folder / "results.csv", newline="", encoding="utf-8") as f:
        return [{k: v for k, v in r.items() if k not in ("run_id", "created")} for r in csv.DictReader(f)]


def check(gate: Path, out: str, *extra: str, spec: str = "spec.toml", baseline: str = "baseline") -> int:
    return main(["balance", "check", str(gate / spec), "--baseline", str(gate / baseline), "--out", str(gate / out),
                 "--workers", "1", "--no-progress", *extra])


def test_an_unchanged_ruleset_passes_and_a_kept_out_folder_is_reused(gate, capsys):
    assert check(gate, "same") == 0
    assert "passed: all 6 matchup × segment checks" in capsys.readouterr().out
    root = check_junit_shape(gate / "same" / "check.junit.xml")
    assert root.get("tests") == "6" and root.get("failures") == "0"
    names = {c.get("name") for c in root.iter("testcase")}
    assert names == {f"{m} [{s}]" for m in ("warrior vs archer", "warrior vs knight", "archer vs knight")
                     for s in ("all", "expert")}
    # Same seeds, same results: the replay is the baseline, row for row (when and by which run aside).
    assert results_of(gate / "same") == results_of(gate / "baseline")
    assert (gate / "same" / "check.md").read_text().startswith("## Balance check: passed")

    assert check(gate, "same") == 0                                   # the kept --out folder: nothing replayed
    assert "0 matches played, 30 reused" in capsys.readouterr().out


def test_a_planted_change_fails_naming_the_matchup_in_junit_and_markdown(gate, tmp_path, capsys):
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "spec.toml").write_text(SPEC, encoding="utf-8")
    ruleset = (gate / "ruleset.toml").read_text()
    archer = ruleset.index("[units.archer]")
    tripled, n = re.subn(r"^damage = 11\.0", "damage = 33.0", ruleset[archer:], count=1, flags=re.M)
    assert n == 1
    (planted / "ruleset.toml").write_text(ruleset[:archer] + tripled)
    # As a baseline committed to git: no SQLite side files. The check must not add any.
    shutil.copytree(gate / "baseline", planted / "baseline", ignore=shutil.ignore_patterns("*-shm", "*-wal"))
    before = {p.name: p.read_bytes() for p in (planted / "baseline").iterdir()}

    assert check(planted, "now") == 1
    assert {p.name: p.read_bytes() for p in (planted / "baseline").iterdir()} == before
    out = capsys.readouterr().out
    assert "FAIL warrior vs archer [all]" in out and "failed:" in out
    assert "results.csv and results.sqlite match summary.json" in out      # both cross-checked, read-only
    root = check_junit_shape(planted / "now" / "check.junit.xml")
    failed = {c.get("name"): c.find("failure") for c in root.iter("testcase") if c.find("failure") is not None}
    assert "warrior vs archer [all]" in failed and "warrior vs archer [expert]" in failed
    assert failed["warrior vs archer [all]"].get("type") in ("moved", "left_band")
    assert "warrior vs archer" in failed["warrior vs archer [all]"].get("message")
    assert not any("warrior vs knight" in name for name in failed)      # no archer there: unchanged
    md = (planted / "now" / "check.md").read_text()
    assert md.startswith("## Balance check: FAILED")
    assert "- **warrior vs archer** [all]:" in md


def bad(gate: Path, capsys, *args, **kw) -> str:
    assert check(gate, "never", *args, **kw) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("gameai balance check: error: ")
    assert not (gate / "never" / "results.sqlite").exists()                # refused before any match
    return err


def test_bad_baselines_and_specs_get_a_clear_error_before_any_match_is_played(gate, capsys):
    assert "no such folder" in bad(gate, capsys, baseline="nowhere")

    other = gate / "other_spec"
    shutil.copytree(gate / "baseline", other)
    s = json.loads((other / "summary.json").read_text())
    (other / "summary.json").write_text(json.dumps({**s, "name": "another spec"}))
    assert "is from another spec: spec name 'another spec'" in bad(gate, capsys, baseline="other_spec")

    broken = gate / "broken_summary"
    shutil.copytree(gate / "baseline", broken)
    (broken / "summary.json").write_text('{"name": "ci gate", "configs": [')
    assert "summary.json: is not valid JSON" in bad(gate, capsys, baseline="broken_summary")
    (broken / "summary.json").write_text(json.dumps({**s, "configs": []}))
    assert "is not a gameai sweep summary or is damaged" in bad(gate, capsys, baseline="broken_summary")

    store = gate / "broken_store"
    shutil.copytree(gate / "baseline", store)
    (store / "results.sqlite").write_bytes(b"not a database at all" * 100)
    assert "results.sqlite: cannot be read" in bad(gate, capsys, baseline="broken_store")

    tampered = gate / "tampered"
    shutil.copytree(gate / "baseline", tampered)
    w = s["configs"][0]["segments"]["all"]["win_rates"][0]
    shift = 1 if w["wins_a"] > 0 else -1            # one match moved from A's wins to B's: n unchanged
    w["wins_a"], w["wins_b"] = w["wins_a"] - shift, w["wins_b"] + shift
    (tampered / "summary.json").write_text(json.dumps(s))
    assert "results.csv and summary.json disagree on" in bad(gate, capsys, baseline="tampered")

    (gate / "notarget.toml").write_text(SPEC.replace("target = 0.1\n", ""), encoding="utf-8")
    assert "has no target" in bad(gate, capsys, spec="notarget.toml")
    assert "is the baseline folder" in bad(gate, capsys, "--out", str(gate / "baseline"))


def test_the_designer_guide_workflow_file_is_valid_and_runs_this_command():
    import shlex

    import yaml

    from gameai.cli.main import TWO_WORD_COMMANDS, build_parser

    guide = (REPO / "docs" / "designer-balance.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```yaml\n(# \.github/workflows/.*?)```", guide, flags=re.S)
    workflow = yaml.safe_load(block)
    steps = workflow["jobs"]["balance-check"]["steps"]
    (command,) = [s["run"] for s in steps if "gameai balance check" in s.get("run", "")]
    argv = shlex.split(command)[1:]
    args = build_parser().parse_args([TWO_WORD_COMMANDS[tuple(argv[:2])], *argv[2:]])
    assert args.baseline == "balance/baseline" and args.out == "balance-check"
    published = {s.get("uses", "").split("@")[0]: s.get("with", {}) for s in steps}
    assert published["mikepenz/action-junit-report"]["report_paths"] == "balance-check/check.junit.xml"
    assert published["marocchino/sticky-pull-request-comment"]["path"] == "balance-check/check.md"
