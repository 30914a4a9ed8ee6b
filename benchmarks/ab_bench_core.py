"""A/B of benchmarks/bench_core.py between two checkouts, run alternately, as medians and ratios.

    git worktree add /tmp/base <commit>                  # the code to compare against
    .venv/bin/python benchmarks/ab_bench_core.py /tmp/base --rounds 6
    git worktree remove /tmp/base

Each round runs bench_core.py once from the base checkout and once from this one (each with its
own checkout first on PYTHONPATH), so load on a shared machine falls on both alike. Prints the
median of each row's agent-steps/s over the rounds, wall and CPU time, and new/base ratios (the
core rows, and the ParallelEnv and vector-env rows when both checkouts print them), then each
row's per-round ratios with a distribution-free interval for their median.
Extra arguments after ``--`` go to bench_core.py (e.g. ``-- --envs 256``).
"""
from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
ROWS = ("batched core: step", "batched core: step + observe")  # every checkout prints these
FACE_ROWS = ("PettingZoo ParallelEnv (1 env)", "vector env (64 envs, one step call)")  # compared when both print them
_ROW = re.compile(r"^(?P<name>.+?)\s{2,}(?P<wall>[\d,]+)\s+(?P<cpu>[\d,]+)\s")


def run_once(tree: Path, extra: list[str]) -> dict[str, tuple[float, float]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, str(tree / "benchmarks" / "bench_core.py"), *extra], cwd=tree, env=env,
                         capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        m = _ROW.match(line)
        if m and m["name"].strip() in ROWS + FACE_ROWS:
            rows[m["name"].strip()] = (float(m["wall"].replace(",", "")), float(m["cpu"].replace(",", "")))
    missing = set(ROWS) - set(rows)
    if missing:
        raise SystemExit(f"bench_core.py in {tree} printed no row for {sorted(missing)}:\n{out}")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base", type=Path, help="checkout to compare against (e.g. a git worktree of the old commit)")
    ap.add_argument("--rounds", type=int, default=5)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)  # what follows "--" goes to bench_core.py
    args, extra = ap.parse_args(argv[:cut]), argv[cut + 1:]
    base = args.base.resolve()
    if not (base / "benchmarks" / "bench_core.py").is_file():
        raise SystemExit(f"{base} has no benchmarks/bench_core.py: give the root of a gameai checkout")
    runs: dict[str, list[dict]] = {"base": [], "new": []}
    for r in range(args.rounds):
        for name, tree in (("base", base), ("new", HERE)) if r % 2 == 0 else (("new", HERE), ("base", base)):
            runs[name].append(run_once(tree, extra))
        print(f"round {r + 1}/{args.rounds}: " + "  ".join(
            f"{n} {runs[n][-1][ROWS[0]][1]:,.0f} / {runs[n][-1][ROWS[1]][1]:,.0f}" for n in runs) +
            " (CPU-time agent-steps/s: step / step + observe)", flush=True)
    print(f"\nmedians of {args.rounds} alternating rounds; base {base}, new {HERE}")
    print(f"{'row':<32}{'base wall':>13}{'new wall':>13}{'new/base':>10}"
          f"{'base CPU':>13}{'new CPU':>13}{'new/base':>10}")
    compared = ROWS + tuple(r for r in FACE_ROWS if all(r in run for n in runs for run in runs[n]))
    for row in compared:
        med = {n: [statistics.median(run[row][c] for run in runs[n]) for c in (0, 1)] for n in runs}
        print(f"{row:<32}{med['base'][0]:>13,.0f}{med['new'][0]:>13,.0f}{med['new'][0] / med['base'][0]:>10.3f}"
              f"{med['base'][1]:>13,.0f}{med['new'][1]:>13,.0f}{med['new'][1] / med['base'][1]:>10.3f}")
    print("\nper-round new/base ratios (CPU time; the two runs of a round are adjacent, so they share its load):")
    for row in compared:
        ratios = sorted(new[row][1] / base[row][1] for base, new in zip(runs["base"], runs["new"]))
        lo, hi, level = median_interval(ratios)
        print(f"{row:<32} median {statistics.median(ratios):.3f}, {level:.0%} interval for the median "
              f"{lo:.3f}-{hi:.3f}  ({' '.join(f'{r:.3f}' for r in ratios)})")


def median_interval(xs: list[float]) -> tuple[float, float, float]:
    """Distribution-free interval for the median of sorted ``xs``: the innermost order statistics
    (x_(j), x_(n+1-j)) that still cover it with >= 95% (binomial, as for the sign test), and the level."""
    n = len(xs)
    cover = [1 - 2 * sum(math.comb(n, i) for i in range(j)) / 2 ** n for j in range(1, n // 2 + 1)]
    j = max([j for j, c in enumerate(cover, start=1) if c >= 0.95], default=1)
    return xs[j - 1], xs[n - j], cover[j - 1]


if __name__ == "__main__":
    main()
