"""A sweep at scale, end to end: plan, play (killed midway and resumed), statistics and report,
with peak memory, against the targets of issue 17.

    .venv/bin/python benchmarks/bench_sweep_scale.py --configs 50 --per-cell 167 --workers 2 --kill-after 60
    .venv/bin/python benchmarks/bench_sweep_scale.py --configs 100 --per-cell 1667     # the 1,000,000-match run
    .venv/bin/python benchmarks/bench_sweep_scale.py --plan-only --configs 100 --per-cell 1667  # its plan alone

The sweep: `--configs` values of archer damage × the 6 non-mirror equal-cost matchups of 4 units
× `--per-cell` matches = configs × 6 × per-cell matches (the defaults: 50,100). Each stage runs in
its own child process, so each peak RSS (ru_maxrss) is that stage's own:

1. plan: the design, every match's identity and seed, the work units (what the coordinator holds);
2. play: `run_sweep` with `--workers` processes, SIGKILLed (with its workers) after `--kill-after`
   seconds, then run again to completion: the rerun must play only what is missing, and the store
   must end with every planned match exactly once (checked here by key);
3. report: statistics, sensitivity, results.csv, summary.json and report.html from the store.

Targets (issue 17): peak RSS <= 2 GB; report <= 30 s; resume loses nothing. The printout puts
each figure beside its target as a ratio. The coordinator's peak and the largest worker's are
printed apart (ru_maxrss cannot sum a process tree); their sum bounds the sweep's footprint from
above with `workers` x the largest worker. The machine is shared: its load average is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sweep_bench_common import MATCHUPS, sweep_spec, usage  # noqa: E402

GB = 1024 ** 3
TARGET_RSS = 2 * GB
TARGET_REPORT_S = 30.0


def child(stage: str, spec_path: str, out: str, workers: int) -> None:
    """One stage in this process; prints one JSON line of figures."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from gameai.balance.design import build_design
    from gameai.balance.spec import load_spec

    t0 = time.perf_counter()
    spec = load_spec(spec_path)
    configs = build_design(spec)
    if stage == "plan":
        from gameai.balance.plan import engine_fingerprint, plan_matches, uses_learned_bots, work_units

        engine_fingerprint(uses_learned_bots(spec))
        before = usage()["rss"]      # the interpreter, numpy/scipy and the spec: not the plan
        tasks = plan_matches(spec, configs)
        units = work_units(spec, tasks)
        fig = {"planned": len(tasks), "units": len(units), "rss_before": before}
    elif stage == "play":
        from gameai.balance.sweep import run_sweep

        _, outcome = run_sweep(spec, out, workers=workers, progress=False)
        fig = {"planned": len(outcome.tasks), "played": outcome.played, "reused": outcome.reused}
    else:
        from gameai.balance.report import analyse_and_report
        from gameai.balance.sweep import run_sweep

        _, outcome = run_sweep(spec, out, workers=1, progress=False)     # all stored: plays nothing
        assert outcome.played == 0, outcome.played
        t0 = time.perf_counter()
        summary, paths = analyse_and_report(spec, configs, outcome, out)
        fig = {"matches": summary["matches"], "report_bytes": paths["report"].stat().st_size}
    print(json.dumps({**fig, "wall": time.perf_counter() - t0, **usage()}), flush=True)


def run_child(stage: str, spec: Path, out: Path, workers: int, kill_after: float | None = None) -> dict | None:
    cmd = [sys.executable, __file__, "--child", stage, str(spec), str(out), str(workers)]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True, env=env)
    try:
        stdout, _ = proc.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)       # the coordinator and its pool workers, mid-write
        proc.communicate()
        return None
    if proc.returncode != 0:
        raise SystemExit(f"stage {stage} failed (exit {proc.returncode})")
    return json.loads(stdout.strip().splitlines()[-1])


def stored(out: Path) -> tuple[int, int]:
    with sqlite3.connect(out / "results.sqlite") as db:
        return db.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM matches").fetchone()


def mb(b: float) -> str:
    return f"{b / 1024 ** 2:,.0f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--configs", type=int, default=50)
    ap.add_argument("--per-cell", type=int, default=167)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--kill-after", type=float, default=60.0, help="seconds before the first play is killed (0: no kill)")
    ap.add_argument("--plan-only", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="keep the sweep here (default: a temporary folder)")
    ap.add_argument("--child", nargs=4, metavar=("STAGE", "SPEC", "OUT", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        stage, spec, out, workers = args.child
        return child(stage, spec, out, int(workers))
    total = args.configs * MATCHUPS * args.per_cell
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_scale_"))
    out.mkdir(parents=True, exist_ok=True)
    spec = out / "scale.toml"
    spec.write_text(sweep_spec(args.configs, args.per_cell, name="scale", master_seed=17, batch=64, target=0.05),
                    encoding="utf-8")
    print(f"sweep: {args.configs} configurations x {MATCHUPS} matchups x {args.per_cell} matches = {total:,} "
          f"matches; {args.workers} workers; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"out {out}", flush=True)
    plan = run_child("plan", spec, out, args.workers)
    print(f"plan:   {plan['planned']:,} matches in {plan['units']:,} units, {plan['wall']:.1f} s, peak RSS "
          f"{mb(plan['rss'])}, of which the plan {mb(plan['rss'] - plan['rss_before'])} "
          f"({(plan['rss'] - plan['rss_before']) / plan['planned']:,.0f} B per match)", flush=True)
    if args.plan_only:
        return
    rows = []
    t0 = time.perf_counter()
    killed = None
    if args.kill_after > 0:
        first = run_child("play", spec, out, args.workers, kill_after=args.kill_after)
        if first is None:
            killed = stored(out)
            print(f"play:   killed after {args.kill_after:.0f} s with {killed[0]:,} matches stored", flush=True)
        else:
            rows.append(first)
    play = run_child("play", spec, out, args.workers)
    wall = time.perf_counter() - t0
    n, distinct = stored(out)
    ok = n == distinct == total and (killed is None or play["reused"] == killed[0])
    print(f"play:   resumed: played {play['played']:,}, reused {play['reused']:,}; store holds {n:,} rows, "
          f"{distinct:,} distinct, planned {total:,}: {'every match exactly once' if ok else 'MISMATCH'}", flush=True)
    rate = play["played"] / play["wall"] if play["wall"] else float("nan")
    print(f"play:   {play['wall']:.0f} s for the resumed part ({rate:,.0f} matches/s on {args.workers} workers; "
          f"{wall:.0f} s in all); CPU coordinator {play['cpu']:.0f} s, workers {play['child_cpu']:.0f} s", flush=True)
    report = run_child("report", spec, out, 1)
    peak = max(plan["rss"], play["rss"], report["rss"])
    print(f"report: {report['matches']:,} matches, {report['wall']:.1f} s, peak RSS {mb(report['rss'])}, "
          f"report.html {report['report_bytes'] / 1024:,.0f} KB", flush=True)
    print()
    print(f"{'figure':40s} {'measured':>14s} {'target':>10s} {'ratio':>7s}")
    for name, got, want, fmt in [
        ("peak RSS, coordinator (plan/play/report)", peak, TARGET_RSS, mb),
        ("peak RSS, largest pool worker", play["child_rss"], TARGET_RSS, mb),
        ("coordinator + workers x largest worker", play["rss"] + args.workers * play["child_rss"], TARGET_RSS, mb),
        ("report generation (s)", report["wall"], TARGET_REPORT_S, lambda v: f"{v:.1f} s"),
    ]:
        print(f"{name:40s} {fmt(got):>14s} {fmt(want):>10s} {got / want:7.2f}")
    print(f"{'resume after kill loses nothing':40s} {'yes' if ok else 'NO':>14s}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
