"""Statistics + report of a large sweep: peak memory and time, streaming code vs the old code.

    .venv/bin/python benchmarks/bench_balance_stats.py                       # 100 configs × 10,000 = 1,000,000 matches
    .venv/bin/python benchmarks/bench_balance_stats.py --matches 1000 --old-sizes 1000   # quick

A synthetic store (random winners, realistic row sizes) is written straight into the SQLite
store format: 100 configurations × 5 matchups × 2 tiers, `--matches` per configuration. Each
measurement runs `analyse_and_report` (win rates, ratings, unit contributions, sensitivity,
results.csv, summary.json, report.html with its plots) in a fresh process and reports its
peak RSS (`resource` ru_maxrss; the figure includes the interpreter and numpy/scipy/matplotlib,
printed as "baseline") with wall and process-CPU time. The old code (the commit before the
streaming rewrite, `--old-rev`, run from a `git archive` of it) holds every row in memory
and builds an n×n matrix per configuration, so it runs only at the `--old-sizes` that fit;
ratios are taken at sizes both ran. Target (issue 17): 1,000,000 matches with peak RSS ≤ 2 GB
and report generation ≤ 30 s. The machine is shared: medians of `--repeats` runs.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIERS = ("novice", "expert")


def spec_text(configs: int) -> str:
    return textwrap.dedent(f"""
        name = "bench stats"
        master_seed = 5
        target = 0.05
        [params]
        "units.archer.damage" = {{ range = [8, 14] }}
        "units.warrior.hp" = {{ range = [90, 150] }}
        [design]
        kind = "random"
        samples = {configs}
        [armies]
        shield_wall = {{ warrior = 5, healer = 1 }}
        volley = {{ archer = 6, healer = 1 }}
        iron = {{ knight = 3, warrior = 2, healer = 1 }}
        [matchups]
        pairs = [["shield_wall", "volley"], ["shield_wall", "iron"], ["volley", "iron"], ["iron", "volley"],
                 ["volley", "volley"]]
        mirrors = true
        [play]
        tiers = {list(TIERS)}
        matches = 1
    """)


def write_store(path: Path, spec, configs, per_config: int) -> int:
    """Rows straight into the store's table, keys in plan order (zero-padded counters)."""
    from gameai.balance.store import COLUMNS, ResultStore

    ResultStore(path).close()                       # the schema
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    rng = random.Random(0)
    per_cell = max(1, per_config // (len(spec.matchups) * len(TIERS)))
    comps = {a.name: json.dumps(dict(a.units), sort_keys=True) for m in spec.matchups for a in (m.a, m.b)}
    i = 0
    insert = f"INSERT INTO matches({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    for c in configs:
        params = json.dumps(c.as_dict(), sort_keys=True)
        dmg = c.as_dict().get("units.archer.damage", 11.0)
        batch = []
        for m in spec.matchups:
            p_a = 0.5 if m.mirror else 0.5 + (0.04 * (dmg - 11)) * (1 if m.a.name == "volley" else -1)
            for tier in TIERS:
                for rep in range(per_cell):
                    u = rng.random()
                    winner = "draw" if u < 0.02 else ("a" if u < 0.02 + 0.98 * p_a else "b")
                    a_hp, b_hp = round(rng.random() * 300, 2), round(rng.random() * 300, 2)
                    stats_ = json.dumps({"a": {"archer": {"damage": a_hp, "kills": 2}},
                                         "b": {"warrior": {"damage": b_hp, "kills": 1}}}, sort_keys=True)
                    batch.append((f"{i:016d}", "sweep", c.id, params, m.name, m.a.name, m.b.name, "focus_fire", tier,
                                  rep, "blue" if rep % 2 == 0 else "red", rng.getrandbits(32), None, winner,
                                  rng.randint(50, 400), comps[m.a.name], comps[m.b.name], 2, 1, a_hp, b_hp,
                                  a_hp * 1.5, b_hp * 1.5, 3, 2, stats_, 1, 1.7e9 + i))
                    i += 1
        db.executemany(insert, batch)
        db.commit()
    db.close()
    return i


CHILD = r"""
import json, resource, sys, time
from types import SimpleNamespace
from pathlib import Path
spec_path, store, out, n, mode = sys.argv[1:6]
n = int(n)
from gameai.balance.design import build_design
from gameai.balance.report import analyse_and_report
from gameai.balance.spec import load_spec
import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot, scipy.optimize, scipy.stats
spec = load_spec(spec_path)
configs = build_design(spec)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, c0 = time.perf_counter(), time.process_time()
if mode == "new":
    from gameai.balance.store import StoredRows
    rows = StoredRows(store, [f"{i:016d}" for i in range(n)])
else:                               # the old code's path: every planned row loaded, then analysed
    from gameai.balance.store import ResultStore
    with ResultStore(store) as s:
        rows = s.rows()
outcome = SimpleNamespace(rows=rows, played=n, reused=0, seconds=0.0)
analyse_and_report(spec, configs, outcome, out)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "base_mb": base / 1024}))
"""


def measure(mode: str, pythonpath: str, spec: Path, store: Path, n: int, tmp: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": pythonpath, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-c", CHILD, str(spec), str(store), str(tmp / f"out-{mode}"), str(n), mode],
                         env=env, capture_output=True, text=True)
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or ["killed"])[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict]) -> dict:
    if any("error" in r for r in runs):
        return next(r for r in runs if "error" in r)
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", type=int, default=100)
    ap.add_argument("--matches", type=int, nargs="+", default=[1000, 10000], help="matches per configuration")
    ap.add_argument("--old-sizes", type=int, nargs="*", default=[1000], help="matches per configuration the old "
                    "code is run at (it holds all rows and an n×n matrix per configuration)")
    ap.add_argument("--old-rev", default="a0aadf0", help="commit of the old (row-by-row) statistics")
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from gameai.balance.design import build_design
    from gameai.balance.spec import load_spec

    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        old_tree = tmp / "old"
        old_tree.mkdir()
        subprocess.run(f"git -C {ROOT} archive {args.old_rev} gameai | tar -x -C {old_tree}", shell=True, check=True)
        spec_path = tmp / "bench.toml"
        spec_path.write_text(spec_text(args.configs))
        spec = load_spec(spec_path)
        configs = build_design(spec)
        print(f"{'matches':>10} {'code':>5} {'peak RSS MB':>12} {'baseline MB':>12} {'wall s':>8} {'CPU s':>8}")
        for per in args.matches:
            store = tmp / f"store-{per}.sqlite"
            n = write_store(store, spec, configs, per)
            res = {}
            for mode, path in (("new", str(ROOT)), ("old", f"{old_tree}{os.pathsep}{ROOT}")):
                if mode == "old" and per not in args.old_sizes:
                    continue
                res[mode] = median_of([measure(mode, path, spec_path, store, n, tmp) for _ in range(args.repeats)])
                r = res[mode]
                if "error" in r:
                    print(f"{n:>10,} {mode:>5} failed: {r['error']}")
                else:
                    print(f"{n:>10,} {mode:>5} {r['peak_mb']:>12.0f} {r['base_mb']:>12.0f} {r['wall']:>8.1f} "
                          f"{r['cpu']:>8.1f}")
            if len(res) == 2 and not any("error" in r for r in res.values()):
                o, w = res["old"], res["new"]
                print(f"{'':>10} old/new: peak RSS {o['peak_mb'] / w['peak_mb']:.2f}x, above baseline "
                      f"{(o['peak_mb'] - o['base_mb']) / max(w['peak_mb'] - w['base_mb'], 1):.1f}x, wall "
                      f"{o['wall'] / w['wall']:.2f}x, CPU {o['cpu'] / w['cpu']:.2f}x")
            store.unlink()


if __name__ == "__main__":
    main()
