"""Statistics in bounded memory: a sweep's rows stream through a tally in chunks, so the memory
the statistics need does not grow with the number of matches."""
from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from gameai.balance.design import Config
from gameai.balance.rows import MatchRow
from gameai.balance.store import ResultStore, StoredRows
from gameai.balance.tally import SweepTally

MATCHUPS = [("x", "y"), ("x", "z"), ("y", "z"), ("x", "x")]
TIERS = ("novice", "expert")


PARAM = "units.x.power"


def configs_of(n: int) -> list[Config]:
    return [Config(i, ((PARAM, float(i)),)) for i in range(n)]


def synthetic_rows(configs: int, per_cell: int, seed: int = 0):
    """Rows generated one at a time (never held): A's win chance rises with PARAM."""
    rng = np.random.default_rng(seed)
    comps = {u: {u: 3} for u in "xyz"}
    for c, cfg in enumerate(configs_of(configs)):
        params = cfg.as_dict()
        for a, b in MATCHUPS:
            p_win = 0.5 if a == b else 0.3 + 0.4 * c / max(configs - 1, 1)
            draws = rng.random(per_cell * len(TIERS)) < 0.02
            wins = rng.random(per_cell * len(TIERS)) < p_win
            for k in range(per_cell * len(TIERS)):
                tier = TIERS[k // per_cell]
                winner = "draw" if draws[k] else ("a" if wins[k] else "b")
                yield MatchRow(key=f"{cfg.id}/{a}{b}/{k}", phase="sweep", config_id=cfg.id, params=params,
                               matchup=f"{a} vs {b}", army_a=a, army_b=b, bot="focus_fire", tier=tier, rep=k,
                               a_side="blue", seed=k, map_seed=None, winner=winner, steps=50,
                               a_units=comps[a], b_units=comps[b], a_damage=10.0, b_damage=8.0, unit_stats={})


def peak_bytes(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# Run in a fresh process: its peak RSS (ru_maxrss, a high-water mark) after the imports is
# the baseline; the statistics over 200,000 streamed rows may raise it by at most BOUND_MB.
CHILD = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from test_balance_scale import PARAM, configs_of, synthetic_rows
from gameai.balance.sensitivity import sensitivity
from gameai.balance.stats import analyse
from gameai.balance.tally import SweepTally
import scipy.optimize, scipy.stats
configs = configs_of(10)
ranges = {PARAM: {"low": 0.0, "high": 9.0, "base": None}}
analyse(SweepTally(synthetic_rows(10, 20)), configs, 0.05)      # warm every code path once
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tally = SweepTally(synthetic_rows(10, 2500))
analysis = analyse(tally, configs, 0.05)
sens = sensitivity(tally, [PARAM], ranges)
grow = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
slope = next(e for e in sens if e["matchup"] == "x vs y" and e["segment"] == "all")
print(json.dumps({"matches": tally.matches, "grow_kb": grow, "slope": slope,
                  "n_first": analysis["configs"][0]["segments"]["all"]["win_rates"][0]["n"]}))
"""
BOUND_MB = 20


def test_statistics_over_200k_rows_stay_under_a_fixed_memory_bound():
    res = subprocess.run([sys.executable, "-c", CHILD, str(Path(__file__).parent)], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["matches"] == 200_000 and out["n_first"] == 5000
    # 200,000 rows held as objects take well over 100 MB; the tally and every figure built
    # from it need a few MB, whatever the number of matches.
    assert out["grow_kb"] < BOUND_MB * 1024, f"peak RSS grew by {out['grow_kb'] / 1024:.1f} MiB"
    slope = out["slope"]
    assert slope["ci_low"] < 100 * 0.4 / 9 < slope["ci_high"]          # the planted effect of PARAM


def test_store_rows_stream_in_plan_order_within_a_bounded_memory(tmp_path):
    rows = synthetic_rows(2, 1500)
    keys = []
    with ResultStore(tmp_path / "r.sqlite") as store:
        batch = []
        for r in rows:
            batch.append(r)
            keys.append(r.key)
            if len(batch) == 5000:
                store.add(batch)
                batch = []
        store.add(batch)
    stored = StoredRows(tmp_path / "r.sqlite", keys)
    assert len(stored) == 24_000
    # Read back in plan order (not the store's key order), and equal to what was written.
    assert [r.key for r, _ in zip(stored, range(5))] == keys[:5]
    tally, peak = peak_bytes(lambda: SweepTally(stored))
    assert tally.matches == 24_000
    assert peak < 4 * 2**20, f"peak traced allocation {peak / 2**20:.1f} MiB"
    expect = SweepTally(synthetic_rows(2, 1500))
    assert {k: (c.wins_a, c.wins_b, c.draws) for k, c in tally.cells.items()} == \
        {k: (c.wins_a, c.wins_b, c.draws) for k, c in expect.cells.items()}


def test_a_planned_match_missing_from_the_store_is_an_error(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.add(list(synthetic_rows(1, 2))[:3])
    from gameai.balance.store import StoreError
    with pytest.raises(StoreError, match="not stored"):
        list(StoredRows(tmp_path / "r.sqlite", [f"{configs_of(1)[0].id}/xy/0", "nope"]))
