"""A sweep on a real two-node Ray cluster (`ray start`), with one node killed midway."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil

from gameai.balance.design import build_design
from gameai.balance.plan import plan_matches
from gameai.balance.spec import load_spec
from gameai.balance.store import ResultStore
from gameai.balance.sweep import make_runner, play
from ray_cluster import LocalRayCluster

# Archers at triple damage against warriors and knights: 3 matchups × 16 matches = 48 matches
# in 24 units of 2, so the worker node is still busy when it dies.
SPEC = """
name = "two-node cluster"
master_seed = 11
[params]
"units.archer.damage" = [33.0]
[design]
include_base = false
[matchups]
equal_cost = ["warrior", "archer", "knight"]
budget = 40
[play]
tiers = ["expert"]
matches = 16
max_steps = 200
batch = 2
"""
TOTAL = 48


def stored(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return con.execute("SELECT COUNT(*) FROM matches").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:          # not created yet
        return 0


def key_results(rows):
    return sorted((r.key, r.seed, r.winner, r.steps, r.a_hp_left, r.b_hp_left,
                   json.dumps(r.unit_stats, sort_keys=True)) for r in rows)


def test_a_sweep_survives_losing_a_node_and_matches_the_local_pool_row_for_row(tmp_path):
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "out"
    db = out / "results.sqlite"
    with LocalRayCluster(nodes=2, cpus_per_node=1, root=tmp_path / "cluster") as cluster:
        started = [p.pid for node in cluster.nodes for p in node.processes()]
        worker = cluster.nodes[1]
        assert worker.raylet_pid() is not None
        sweep = subprocess.Popen(
            [sys.executable, "-m", "gameai", "sweep", str(spec_path), "--out", str(out), "--backend", "ray",
             "--address", cluster.address, "--no-progress"],
            env=cluster.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 90
            while stored(db) == 0 and sweep.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            killed_at = stored(db)
            assert sweep.poll() is None and 0 < killed_at < TOTAL, "the node must die while the sweep runs"
            assert worker.pids_of("ray::_Player"), "the worker node must hold one of the sweep's players"
            worker.kill()                                   # the node and every process on it, at once
            assert worker.processes() == [] and worker.raylet_pid() is None
            output, _ = sweep.communicate(timeout=120)
        finally:
            if sweep.poll() is None:
                sweep.kill()
                sweep.wait()
        assert sweep.returncode == 0, output
    # The cluster stopped exactly what it started: none of its processes is left.
    assert not [pid for pid in started if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]

    with ResultStore(db) as store:
        (run,) = store.runs()
        assert run["backend"] == "ray"
        on_cluster = store.rows()
    spec = load_spec(spec_path)
    tasks = plan_matches(spec, build_design(spec))
    assert len(on_cluster) == len(tasks) == TOTAL                          # every match stored exactly once
    assert sorted(r.key for r in on_cluster) == sorted(t.key for t in tasks)

    with ResultStore(tmp_path / "local.sqlite") as store, make_runner("local", 2) as runner:
        local = play(spec, build_design(spec), store, runner, progress=False).rows
    assert key_results(on_cluster) == key_results(local)                  # identical to the local pool
