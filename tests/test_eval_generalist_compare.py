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


def test_a_run_agrees_with_itself_and_two_runs_are_measured_pair_by_pair():
    same = run(DATA / "eval_generalist.json", DATA / "eval_generalist.json")
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
