"""How long does judging one order take? (issue 14, part 2 target: <= 150 ms on one core)

Judges the first ``--situations`` labelled dev situations (24 continuations per plan, 20 s horizon,
the defaults of ``agents.order_judge.OrderJudge``) ``--repeats`` times each, with the rollouts on
the batched core (all 48 continuations in one batch) and, as the named peer in the same run, the
same rollouts stepped one environment at a time (``batched=False``: identical results, checked).
Prints the median wall time and CPU time per judgement side by side, and the ratio. The machine is
shared, so wall times swing with its load; CPU time (``time.process_time``) is the steadier figure.

Usage: PYTHONPATH=. python benchmarks/bench_order_judge.py
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")

DEV = Path(__file__).resolve().parent / "data" / "order_situations_dev.jsonl"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--situations", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    import numpy as np

    from agents.order_judge import OrderJudge
    from agents.order_situations import Situation
    from envs import core
    from envs.ruleset import default_ruleset

    params = core.compile_params(default_ruleset())
    rows = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()][:args.situations]
    judges = {"batched core": OrderJudge(params), "one env at a time": OrderJudge(params, batched=False)}
    wall = {k: [] for k in judges}
    cpu = {k: [] for k in judges}
    sits = [Situation.from_dict(r) for r in rows]
    states = [s.restore(params) for s in sits]
    judges["batched core"].judge(states[0], 0, **sits[0].order_args())  # warm the numba kernels and caches
    for _ in range(args.repeats):
        for sit, st in zip(sits, states):
            out = {}
            for name, judge in judges.items():  # interleaved, so both see the same machine load
                w0, c0 = time.perf_counter(), time.process_time()
                out[name] = judge.judge(st, 0, **sit.order_args())
                wall[name].append(time.perf_counter() - w0)
                cpu[name].append(time.process_time() - c0)
            a, b = out.values()
            assert np.array_equal(a.order.advantage, b.order.advantage), "the peer must roll out the same games"
    print(f"{len(rows)} situations x {args.repeats} repeats, 2 x 24 continuations x 40 steps per judgement; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':20s}{'median wall ms':>16s}{'median CPU ms':>16s}")
    for name in judges:
        print(f"{name:20s}{1000 * np.median(wall[name]):16.0f}{1000 * np.median(cpu[name]):16.0f}")
    b, p = "batched core", "one env at a time"
    print(f"ratio (peer / batched): wall {np.median(wall[p]) / np.median(wall[b]):.1f}x, "
          f"CPU {np.median(cpu[p]) / np.median(cpu[b]):.1f}x; target: batched <= 150 ms per judgement")
    return 0


if __name__ == "__main__":
    sys.exit(main())
