"""`gameai match` and `gameai replay`: output, replays that re-run identically, clean errors for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gameai.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def gameai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gameai", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_help_lists_match_and_replay():
    p = gameai("--help")
    assert p.returncode == 0 and "match" in p.stdout and "replay" in p.stdout


def test_match_on_embedded_defaults_prints_a_readable_result(capsys):
    rc, out, err = run_cli(capsys, "match")
    assert rc == 0, err
    assert "Skirmish · ruleset default · built-in arena · seed 0" in out
    assert ("Winner: blue" in out or "Winner: red" in out or "Draw" in out) and "per unit type" in out


def test_match_json_is_one_object_with_the_documented_fields(capsys):
    rc, out, _ = run_cli(capsys, "match", "--blue", "kite", "--red", "retreat", "--seed", "4", "--json")
    assert rc == 0
    d = json.loads(out)
    assert d["winner"] in ("blue", "red", "draw") and isinstance(d["steps"], int)
    for key in ("survivors", "damage", "hp_left", "kills"):
        assert set(d[key]) == {"blue", "red"}
    assert d["config"]["blue_bot"] == "kite@expert" and "events" not in d
    rc, out, _ = run_cli(capsys, "match", "--seed", "4", "--json", "--events")
    assert "kills" in json.loads(out)["events"]


def test_same_seed_same_match_across_processes():
    a = gameai("match", "--seed", "9", "--blue-tier", "novice", "--json")
    b = gameai("match", "--seed", "9", "--blue-tier", "novice", "--json")
    assert a.returncode == b.returncode == 0, a.stderr
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_replay_reruns_to_the_identical_result(tmp_path, capsys):
    path = tmp_path / "m.json"
    rc, out, _ = run_cli(capsys, "match", "--seed", "5", "--red-tier", "average", "--json", "--replay", str(path))
    assert rc == 0 and path.exists()
    recorded = json.loads(out)
    rc, out, _ = run_cli(capsys, "replay", str(path), "--json")
    replayed = json.loads(out)
    assert rc == 0 and replayed.pop("identical_to_recording") is True
    replayed.pop("config"), recorded.pop("config")
    assert replayed == recorded
    rc, out, _ = run_cli(capsys, "replay", str(path))
    assert rc == 0 and "identical to the recorded result" in out


def test_match_on_a_procedural_map_replays_identically(tmp_path, capsys):
    path = tmp_path / "m.json"
    rc, out, _ = run_cli(capsys, "match", "--map", "skirmish", "--seed", "2", "--json", "--replay", str(path))
    assert rc == 0
    assert len(json.loads(path.read_text())["terrain"]) == 32, "the generated map is stored in the replay"
    rc, out2, _ = run_cli(capsys, "replay", str(path), "--json")
    assert rc == 0 and json.loads(out2)["identical_to_recording"] is True
    assert json.loads(out2)["winner"] == json.loads(out)["winner"]


def test_replay_that_no_longer_matches_is_reported(tmp_path, capsys):
    path = tmp_path / "m.json"
    assert run_cli(capsys, "match", "--seed", "5", "--replay", str(path))[0] == 0
    data = json.loads(path.read_text())
    data["result"]["winner"] = "draw" if data["result"]["winner"] != "draw" else "blue"
    path.write_text(json.dumps(data))
    rc, out, err = run_cli(capsys, "replay", str(path))
    assert rc == 1 and "DIFFERENT from the recorded result" in out and "differs from the recording" in err


def test_replay_with_other_rules_is_refused_cleanly(tmp_path, capsys):
    path = tmp_path / "m.json"
    assert run_cli(capsys, "match", "--seed", "5", "--replay", str(path))[0] == 0
    data = json.loads(path.read_text())
    data["ruleset"]["units"]["archer"]["damage"] = 1.0  # weaker archers: the recorded actions run out
    data["ruleset"]["units"]["warrior"]["damage"] = 1.0
    path.write_text(json.dumps(data))
    rc, out, err = run_cli(capsys, "replay", str(path))
    assert rc in (1, 2) and "Traceback" not in err
    assert "recorded with other rules" in err or "DIFFERENT" in out
    data["ruleset"]["units"]["archer"]["damage"] = -1.0
    path.write_text(json.dumps(data))
    rc, out, err = run_cli(capsys, "replay", str(path))
    assert rc == 2 and "units.archer.damage = -1.0" in err


def _bad_ruleset(tmp_path: Path) -> Path:
    text = (ROOT / "examples/rulesets/default.toml").read_text()
    p = tmp_path / "bad.toml"
    p.write_text(text.replace("damage = 11.0", "damage = -11.0"))
    return p


@pytest.mark.parametrize("args, message", [
    (lambda d: ["match", "--ruleset", str(_bad_ruleset(d))], "units.archer.damage = -11.0: expected a finite number"),
    (lambda d: ["match", "--ruleset", str(d / "none.toml")], "none.toml: file not found"),
    (lambda d: ["match", "--seed", "-2"], "--seed must be a whole number >= 0"),
    (lambda d: ["match", "--max-steps", "0"], "--max-steps must be at least 1"),
    (lambda d: ["match", "--replay", str(d / "no" / "dir" / "r.json")], "cannot write the replay"),
    (lambda d: ["match", "--map", str(d / "nomap")], "Use 'arena', 'skirmish', a folder written by"),
    (lambda d: ["replay", str(d / "missing.json")], "missing.json: file not found"),
    (lambda d: ["replay", str(d.joinpath("x.json").write_text("{oops") and d / "x.json")], "not a readable replay"),
    (lambda d: ["replay", str(d.joinpath("y.json").write_text('{"a": 1}') and d / "y.json")],
     "not a gameai replay"),
])
def test_bad_input_gives_a_clean_error(tmp_path, capsys, args, message):
    rc, out, err = run_cli(capsys, *args(tmp_path))
    assert rc == 2, (out, err)
    assert message in err and "Traceback" not in err


def test_bad_input_from_the_shell_has_no_traceback(tmp_path):
    p = gameai("match", "--ruleset", str(_bad_ruleset(tmp_path)))
    assert p.returncode == 2 and "units.archer.damage" in p.stderr and "Traceback" not in p.stderr
    p = gameai("match", "--blue", "chess")
    assert p.returncode == 2 and "invalid choice: 'chess'" in p.stderr
