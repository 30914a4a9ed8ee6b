"""Sweeps on the real simulator: planted imbalance, mirror, resume after kill, Ray = pool, auto-balance."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from gameai.balance.design import build_design
from gameai.balance.plan import plan_matches
from gameai.balance.spec import load_spec
from gameai.balance.store import ResultStore
from gameai.balance.sweep import make_runner, play, run_sweep
from gameai.cli.main import main

REPO = Path(__file__).resolve().parents[1]

# Three equal-cost single-unit armies (and mirrors) with the archer's damage tripled (11 -> 33).
PLANTED = """
name = "planted imbalance"
master_seed = 11
[params]
"units.archer.damage" = [33.0]
[design]
include_base = false
[matchups]
equal_cost = ["warrior", "archer", "knight"]
mirrors = true
budget = 40
[play]
tiers = ["novice", "expert"]
matches = 12
max_steps = 200
batch = 6
"""


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def key_results(rows):
    return sorted((r.key, r.seed, r.winner, r.steps, r.a_hp_left, r.b_hp_left,
                   json.dumps(r.unit_stats, sort_keys=True)) for r in rows)


def test_planted_triple_damage_is_flagged_dominant_and_mirrors_come_out_even(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(write(tmp_path, PLANTED)), "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    dominant = [f for f in summary["flags"] if f["flag"] == "dominant" and f["segment"] == "all"]
    assert [f["army"] for f in dominant] == ["archer"]
    assert dominant[0]["kind"] == "unit" and dominant[0]["min_ci_low"] > 0.5      # CI excludes 50%
    assert set(dominant[0]["against"]) == {"warrior", "knight"}
    assert "archer (unit) is dominant" in capsys.readouterr().out

    (cfg,) = summary["configs"]
    for seg in ("all", "novice", "expert"):               # every result is also broken down by tier
        rates = cfg["segments"][seg]["win_rates"]
        assert len(rates) == 6                             # 3 matchups + 3 mirrors
        for w in rates:
            assert w["ci_low"] <= w["win_rate"] <= w["ci_high"]
    assert cfg["segments"]["all"]["ratings"]["archer"] == max(cfg["segments"]["all"]["ratings"].values())
    assert cfg["segments"]["all"]["unit_contribution"]["archer"]["ci_low"] > 0

    # results.csv: one row per match; report.html: one file, plots inline, nothing fetched
    with open(out / "results.csv") as f:
        assert sum(1 for _ in f) == 1 + 3 * 2 * 2 * 12 == 1 + summary["matches"]
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 4
    assert "http://" not in html and "https://" not in html and "<script src" not in html


def test_a_mirror_matchup_comes_out_at_fifty_percent_within_its_ci(tmp_path):
    # One mirror, one check, on a sample that can carry it: 200 matches (a 24-match cell lands
    # outside its 95% CI one draw in twenty, which says nothing about the sweep).
    spec = PLANTED.replace('equal_cost = ["warrior", "archer", "knight"]', 'equal_cost = ["warrior"]')
    spec = spec.replace("matches = 12", "matches = 100").replace("batch = 6", "batch = 50")
    out = tmp_path / "out"
    assert main(["sweep", str(write(tmp_path, spec)), "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    (cfg,) = json.loads((out / "summary.json").read_text())["configs"]
    (mirror,) = cfg["segments"]["all"]["win_rates"]
    assert mirror["matchup"] == "warrior vs warrior" and mirror["n"] == 200
    assert mirror["ci_low"] < 0.5 < mirror["ci_high"], mirror


def test_any_worker_count_and_ray_give_identical_results(tmp_path):
    # ray is a declared dependency (the `ray` extra, in `all`): no skip, CI must run this for real.
    spec = load_spec(write(tmp_path, PLANTED.replace("matches = 12", "matches = 4")))
    configs = build_design(spec)
    results = {}
    from gameai.balance.runner_local import default_workers

    # Ray without a worker count: a local instance with every CPU, and the run record says how many.
    for name, backend, workers in (("one", "local", 1), ("pool", "local", 2), ("ray", "ray", None)):
        with ResultStore(tmp_path / f"{name}.sqlite") as store, make_runner(backend, workers) as runner:
            outcome = play(spec, configs, store, runner, progress=False)
            assert store.runs()[0]["workers"] == (workers or default_workers())
        assert outcome.played == len(plan_matches(spec, configs)) == 48
        results[name] = key_results(outcome.rows)
    assert results["one"] == results["pool"] == results["ray"]


@pytest.mark.parametrize("for_good", [True, False], ids=["lost-for-good", "crash-and-restart"])
def test_a_ray_worker_that_dies_mid_sweep_loses_no_match_and_repeats_none(tmp_path, for_good):
    # Lost for good (a node gone): its queued units go to the surviving worker. A crash: Ray
    # restarts the worker and replays its queued units there.
    import ray

    from gameai.balance.plan import work_units
    from gameai.balance.play import play_unit

    spec = load_spec(write(tmp_path, PLANTED.replace("batch = 6", "batch = 2").replace("matches = 12", "matches = 4")))
    units = work_units(spec, plan_matches(spec, build_design(spec)))
    expected = key_results(row for u in units for row in play_unit(u))
    got: list[dict] = []
    with make_runner("ray", 2) as runner:
        runner.start()
        victim = runner._actors[0]
        pid_before = ray.get(victim.ready.remote())

        def on_rows(rows):
            if not got:
                if for_good:
                    ray.kill(victim, no_restart=True)
                else:
                    os.kill(pid_before, signal.SIGKILL)     # a crash: Ray restarts the worker
            got.extend(rows)

        runner.run(units, on_rows)
        assert runner.workers == 2 and len(runner._actors) == (1 if for_good else 2)   # who serves the next run
        if not for_good:
            assert ray.get(victim.ready.remote()) != pid_before    # really restarted, in a new process
    assert key_results(got) == expected                             # every match once, same results


def test_a_sweep_killed_mid_run_resumes_and_stores_every_match_exactly_once(tmp_path):
    spec_path = write(tmp_path, PLANTED.replace("batch = 6", "batch = 2").replace('"novice", ', ""))
    out = tmp_path / "out"
    db = out / "results.sqlite"
    total = len(plan_matches(load_spec(spec_path), build_design(load_spec(spec_path))))
    cmd = [sys.executable, "-m", "gameai", "sweep", str(spec_path), "--out", str(out), "--workers", "1", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stored = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                    stored = con.execute("SELECT COUNT(*) FROM matches").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0          # schema not created yet
            if stored >= 20:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < stored < total, f"the kill must land mid-sweep (stored {stored} of {total})"
    with ResultStore(db) as store:
        before = {r.key: r for r in store.rows()}
    assert 0 < len(before) < total

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(before)} already stored" in " ".join(rerun.stdout.split())
    with ResultStore(db) as store:
        after = store.rows()
        runs = store.runs()
    keys = [r.key for r in after]
    assert len(keys) == len(set(keys)) == total                      # every match, exactly once
    assert {r.key for r in after} == {t.key for t in plan_matches(load_spec(spec_path),
                                                                    build_design(load_spec(spec_path)))}
    by_key = {r.key: r for r in after}
    for k, r in before.items():                                       # nothing stored was redone or lost
        assert by_key[k] == r
    assert {r.run_id for r in after} == {runs[0]["run_id"], runs[1]["run_id"]}
    # and the resumed results equal an uninterrupted sweep's
    _, clean = run_sweep(load_spec(spec_path), tmp_path / "clean", workers=2, progress=False)
    assert key_results(clean.rows) == key_results(after)


def test_autobalance_brings_an_unbalanced_ruleset_within_target_and_revalidation_confirms(tmp_path, capsys):
    from envs.ruleset import default_ruleset_text

    text = default_ruleset_text()
    broken = text.replace("[units.archer]                     # ranged\nhp = 70.0\ndamage = 11.0",
                          "[units.archer]                     # ranged\nhp = 70.0\ndamage = 30.0")
    assert broken != text
    write(tmp_path, broken, "archers_too_strong.toml")
    spec_path = write(tmp_path, """
name = "duel"
ruleset = "archers_too_strong.toml"
master_seed = 4
target = 0.15
[params]
"units.archer.damage" = { range = [10, 30] }
"units.knight.hp" = { range = [200, 280] }     # no knight plays: the search must leave it alone
[matchups]
equal_cost = ["warrior", "archer"]
budget = 40
[design]
kind = "lhs"
samples = 4
[play]
tiers = ["expert"]
max_steps = 200
batch = 32
[autobalance]
trials = 16
matches = 64                  # per trial: enough that a 15-point target is not lost in sampling noise
finalists = 2
validation_matches = 96
""")
    out = tmp_path / "out"
    rc = main(["balance", str(spec_path), "--out", str(out), "--workers", "2", "--no-progress"])
    result = json.loads((out / "balance.json").read_text())
    assert result["before"]["max_deviation"] > 30                     # archers win nearly every match
    assert rc == 0 and result["confirmed"]
    assert result["after"]["max_deviation"] <= 15
    assert list(result["proposal"]) == ["units.archer.damage"]        # one number changed
    after = result["proposal"]["units.archer.damage"]["after"]
    assert 10 <= after < 30
    proposal = tomllib.loads((out / "proposal.toml").read_text())
    assert proposal == {"units": {"archer": {"damage": after}}}
    assert "confirmed: yes" in (out / "proposal.toml").read_text()
    assert "archer.damage: 30 ->" in capsys.readouterr().out
    # the re-validation used seeds that no search or confirmation match used
    with ResultStore(out / "results.sqlite") as store:
        rows = store.rows()
    validate = {r.seed for r in rows if r.phase == "validate"}
    earlier = {r.seed for r in rows if r.phase in ("search", "confirm")}
    assert validate and earlier and not validate & earlier


def test_generated_maps_pair_both_sides_on_each_map_seed(tmp_path):
    spec = load_spec(write(tmp_path, """
name = "maps"
[matchups]
equal_cost = ["warrior", "archer"]
budget = 30
[play]
matches = 4
max_steps = 120
[maps]
kind = "skirmish"
size = 24
seeds = [5, 6]
"""))
    _, outcome = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    by_rep = {r.rep: (r.map_seed, r.a_side) for r in outcome.rows}
    assert by_rep == {0: (5, "blue"), 1: (5, "red"), 2: (6, "blue"), 3: (6, "red")}
    assert all(r.winner in ("a", "b", "draw") and r.steps > 0 for r in outcome.rows)
