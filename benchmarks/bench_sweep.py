"""Sweep throughput: 1 vs 2 local workers (scaling), and Ray against the process pool, same sweep, same run.

    .venv/bin/python benchmarks/bench_sweep.py            # 1,536 matches per backend (~10 s on 2 workers), 3 repeats
    .venv/bin/python benchmarks/bench_sweep.py --configs 40 --matches 96 --no-ray   # scaling on 23,040 matches
    .venv/bin/python benchmarks/bench_sweep.py --configs 60 --matches 96 --no-single # Ray vs pool, ~2 min sweeps

Targets (issue 6): >= 1.8x matches/s from 1 to 2 workers; Ray within 10% of the process pool's
wall time. Every run plays the identical sweep into a fresh store; the script checks that all
backends produced identical results, then prints medians of the repeats side by side, as
ratios. The machine is shared and noisy (its load average is printed): read ratios from one
run, not absolute figures across runs. Ray is timed twice: with its start-up (a laptop user's
`--backend ray`) and with Ray and its warm actors already up (a cluster, `--address`), where the pool's figure
always includes starting its workers.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gameai.balance.design import build_design  # noqa: E402
from gameai.balance.spec import load_spec  # noqa: E402
from gameai.balance.store import ResultStore  # noqa: E402
from gameai.balance.sweep import make_runner, play  # noqa: E402
from sweep_bench_common import MATCHUPS, cpu_seconds, sweep_spec  # noqa: E402


def timed(spec, configs, backend: str, workers: int, tmp: Path, tag: str, prestart: bool = False):
    cpu0 = cpu_seconds()
    with ResultStore(tmp / f"{tag}.sqlite") as store, make_runner(backend, workers) as runner:
        if prestart:
            runner.start()           # Ray already up, as on a cluster
        t0 = time.perf_counter()
        out = play(spec, configs, store, runner, progress=False)
        wall = time.perf_counter() - t0
    return wall, cpu_seconds() - cpu0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", type=int, default=4, help="grid points of archer damage")
    ap.add_argument("--matches", type=int, default=64, help="matches per matchup and configuration")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-ray", action="store_true", help="skip Ray (measure scaling only)")
    ap.add_argument("--no-single", action="store_true",
                    help="skip the 1-worker pool (measure Ray against the 2-worker pool only)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "bench.toml").write_text(sweep_spec(args.configs, args.matches))
        spec = load_spec(tmp / "bench.toml")
        configs = build_design(spec)
        variants = [("process pool", "local", 2, False)]
        if not args.no_single:
            variants.insert(0, ("process pool", "local", 1, False))
        if not args.no_ray:
            variants += [("ray (incl. start)", "ray", 2, False), ("ray (already up)", "ray", 2, True)]
        walls: dict[tuple, list[float]] = {v: [] for v in variants}
        cpus: dict[tuple, list[float]] = {v: [] for v in variants}
        reference = None
        n = None
        for rep in range(args.repeats):
            for v in variants:        # interleaved, so slow phases of the shared machine hit all alike
                name, backend, workers, pre = v
                wall, cpu, out = timed(spec, configs, backend, workers, tmp, f"{rep}-{backend}-{workers}-{pre}", pre)
                result = sorted((r.key, r.winner, r.steps, r.a_hp_left, r.b_hp_left) for r in out.rows)
                if reference is None:
                    reference, n = result, len(result)
                elif result != reference:
                    print(f"ERROR: {name} with {workers} workers gave different results", file=sys.stderr)
                    return 1
                walls[v].append(wall)
                cpus[v].append(cpu)
                print(f"  repeat {rep + 1}: {name:18s} workers={workers}  {wall:7.2f} s", flush=True)

    med = {v: statistics.median(w) for v, w in walls.items()}
    pool2 = med[("process pool", "local", 2, False)]
    one = med.get(("process pool", "local", 1, False))
    print(f"\nsweep: {n} matches ({len(configs)} configurations x {MATCHUPS} matchups x {args.matches}), "
          f"medians of {args.repeats} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'backend':20s} {'workers':>7s} {'wall s':>8s} {'matches/s':>10s} {'vs 1 worker':>12s} {'vs pool(2)':>11s}"
          f" {'CPU ms/match':>13s}")
    for v in variants:
        name, backend, workers, _ = v
        # CPU per match shows whether parallel work costs more in total; Ray's workers are not
        # this process's children, so their CPU is not visible here.
        cpu = f"{1000 * statistics.median(cpus[v]) / n:13.1f}" if backend == "local" else f"{'n/a':>13s}"
        vs_one = f"{one / med[v]:11.2f}x" if one else f"{'n/a':>12s}"
        print(f"{name:20s} {workers:7d} {med[v]:8.2f} {n / med[v]:10.1f} {vs_one} {med[v] / pool2:10.2f}x {cpu}")
    if one:
        print(f"\nscaling 1 -> 2 workers: {one / pool2:.2f}x (target >= 1.8x)")
    if not args.no_ray:
        for v in variants[-2:]:
            print(f"{v[0]} wall / process pool wall: {med[v] / pool2:.2f} (target <= 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
