"""`benchmarks/eval_generalist.py --compare`: do two evaluated generalists give the same balance verdicts?

Runs the script as a designer would, on the committed held-out figures (real evaluation output).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "eval_generalist.py"
DATA = ROOT / "benchmarks" / "data"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--compare", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_a_run_agrees_with_itself_and_two_runs_are_measured_pair_by_pair(tmp_path):
    copy = tmp_path / "copy.json"  # the same file twice is refused as not independent; a copy is the same run
    copy.write_text((DATA / "eval_generalist.json").read_text())
    same = run(DATA / "eval_generalist.json", copy)
    assert same.returncode == 0, same.stderr
    report = json.loads(same.stdout)
    assert report["rulesets"] == 12
    assert report["generalist"]["pairs"] == 72 and report["generalist"]["median_abs_diff_points"] == 0.0
    assert abs(report["generalist"]["spearman"] - 1.0) < 1e-9

    two = run(DATA / "eval_generalist_long_draws.json", DATA / "eval_generalist_long_draws_seed1.json")
    assert two.returncode == 0, two.stderr
    a = json.loads((DATA / "eval_generalist_long_draws.json").read_text())["rulesets"]
    b = json.loads((DATA / "eval_generalist_long_draws_seed1.json").read_text())["rulesets"]
    diffs = sorted(abs(x["matrix_generalist"][k] - y["matrix_generalist"][k]) * 100
                   for x, y in zip(a, b) for k in x["matrix_generalist"])
    expected = (diffs[35] + diffs[36]) / 2  # median of 72
    assert abs(json.loads(two.stdout)["generalist"]["median_abs_diff_points"] - expected) < 1e-9


def test_bad_input_gets_a_clear_error_not_a_traceback(tmp_path):
    runs = json.loads((DATA / "eval_generalist.json").read_text())
    other = json.loads(json.dumps(runs))
    other["rulesets"][0]["values"]["units.archer.armor"] += 1.0
    (tmp_path / "other.json").write_text(json.dumps(other))
    (tmp_path / "broken.json").write_text('{"rulesets": [')
    (tmp_path / "no_matrix.json").write_text(json.dumps({"rulesets": [{"ruleset": 0, "values": {}}]}))
    cases = {
        tmp_path / "other.json": "different numbers",
        tmp_path / "broken.json": "cannot compare",
        tmp_path / "no_matrix.json": "share no ruleset",
        tmp_path / "missing.json": "No such file",
    }
    for path, message in cases.items():
        result = run(DATA / "eval_generalist.json", path)
        assert result.returncode == 2, path
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_summary_of_a_run_split_by_part_keeps_the_generalists_figures():
    import importlib.util

    spec = importlib.util.spec_from_file_location("eval_generalist", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    only_generalist = mod.summarize([{"ruleset": 0, "generalist_vs_focus_fire": 0.8},
                                     {"ruleset": 1, "generalist_vs_focus_fire": 0.6}])
    assert only_generalist["rulesets"] == 2 and abs(only_generalist["generalist_vs_focus_fire_mean"] - 0.7) < 1e-12
    assert "baseline_vs_focus_fire_mean" not in only_generalist and "generalist_beats_baseline_on" not in only_generalist
    both = mod.summarize([{"ruleset": 0, "generalist_vs_focus_fire": 0.8, "baseline_vs_focus_fire": 0.7}])
    assert both["generalist_beats_baseline_on"] == 1 and both["baseline_vs_focus_fire_mean"] == 0.7


def test_runs_without_specialists_and_ensembles_of_runs_are_compared():
    one = run(DATA / "eval_generalist_single_unit_seed0.json", DATA / "eval_generalist_single_unit_seed1.json")
    assert one.returncode == 0, one.stderr
    report = json.loads(one.stdout)
    assert report["generalist"]["pairs"] == 72 and "specialist" not in report  # matrix-only runs: no specialists
    names = ["eval_generalist_long_draws.json", "eval_generalist_long_draws_seed1.json"]
    both = run(",".join(str(DATA / n) for n in names), DATA / "eval_generalist.json")
    assert both.returncode == 0, both.stderr
    report = json.loads(both.stdout)
    assert report["runs"] == [2, 1] and "specialist" in report  # every run on each side had specialists
    a, b = (json.loads((DATA / n).read_text())["rulesets"] for n in names)
    ref = json.loads((DATA / "eval_generalist.json").read_text())["rulesets"]
    diffs = sorted(abs((x["matrix_generalist"][k] + y["matrix_generalist"][k]) / 2 - z["matrix_generalist"][k]) * 100
                   for x, y, z in zip(a, b, ref) for k in x["matrix_generalist"])
    assert abs(report["generalist"]["median_abs_diff_points"] - (diffs[35] + diffs[36]) / 2) < 1e-9
    overlap = run(f"{DATA / names[0]},{DATA / names[1]}", DATA / names[1])
    assert overlap.returncode == 2 and "both sides" in overlap.stderr and "Traceback" not in overlap.stderr
