"""A/B of sweep throughput between two checkouts: the same sweep played by each, alternately.

    git worktree add /tmp/base a0aadf0                   # the code before the typed spine (issue 17)
    .venv/bin/python benchmarks/ab_bench_sweep.py /tmp/base --rounds 3 --workers 1 2
    git worktree remove /tmp/base

Each round plays the benchmark sweep (`sweep_bench_common.sweep_spec`: archer damage values ×
the 6 equal-cost matchups × `--matches`, focus_fire, expert) once per checkout and worker count,
each in a fresh process with its own checkout first on PYTHONPATH and a fresh store, so the load of
a shared machine falls on both alike. Timed: `run_sweep` alone (planning, playing, storing; not
the report). Prints medians of matches/s and CPU ms per match, new/base ratios, and the scaling
from the first to the last worker count for each checkout.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "benchmarks"))

from sweep_bench_common import MATCHUPS, sweep_spec  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from gameai.balance.spec import load_spec
from gameai.balance.sweep import run_sweep
spec_path, out, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = load_spec(spec_path)
t0 = time.perf_counter()
_, outcome = run_sweep(spec, out, workers=workers, progress=False)
wall = time.perf_counter() - t0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps({"wall": wall, "cpu": cpu, "played": outcome.played}))
"""


def run_once(tree: Path, spec: Path, workers: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run([sys.executable, "-c", CHILD, str(spec), out, str(workers)], cwd=tree, env=env,
                              capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the sweep failed in {tree}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base", type=Path, help="checkout to compare against (e.g. a git worktree of the old commit)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--configs", type=int, default=10)
    ap.add_argument("--matches", type=int, default=64, help="matches per configuration and matchup")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    base, new = args.base.resolve(), HERE
    if not (base / "gameai" / "balance" / "sweep.py").exists():
        raise SystemExit(f"{base} is not a gameai checkout with gameai/balance/sweep.py")
    total = args.configs * MATCHUPS * args.matches
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "ab.toml"
        spec.write_text(sweep_spec(args.configs, args.matches, name="ab"))
        runs: dict[tuple[str, int], list[dict]] = {}
        for r in range(args.rounds):
            for workers in args.workers:
                for tag, tree in (("base", base), ("new", new)) if r % 2 == 0 else (("new", new), ("base", base)):
                    fig = run_once(tree, spec, workers)
                    if fig["played"] != total:
                        raise SystemExit(f"{tag} played {fig['played']} matches, expected {total}")
                    runs.setdefault((tag, workers), []).append(fig)
                    print(f"  round {r + 1}: {tag:4} workers={workers}  {fig['wall']:7.2f} s wall  "
                          f"{fig['cpu']:7.2f} s CPU", flush=True)
    load = os.getloadavg()[0]
    print(f"\nsweep: {total:,} matches ({args.configs} configurations x {MATCHUPS} matchups x {args.matches}), "
          f"medians of {args.rounds} rounds; load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"{'checkout':10} {'workers':>7} {'wall s':>8} {'matches/s':>10} {'CPU ms/match':>13} {'new/base':>9}")
    med = {k: (statistics.median(f["wall"] for f in v), statistics.median(f["cpu"] for f in v)) for k, v in runs.items()}
    for workers in args.workers:
        for tag in ("base", "new"):
            wall, cpu = med[(tag, workers)]
            ratio = med[("base", workers)][0] / wall if tag == "new" else 1.0
            print(f"{tag:10} {workers:>7} {wall:8.2f} {total / wall:10.1f} {1000 * cpu / total:13.2f} {ratio:8.2f}x")
    lo, hi = args.workers[0], args.workers[-1]
    if hi != lo:
        for tag in ("base", "new"):
            print(f"scaling {lo} -> {hi} workers ({tag}): {med[(tag, lo)][0] / med[(tag, hi)][0]:.2f}x")


if __name__ == "__main__":
    main()
