"""Does the squad judge orders like the ground truth does? (issue 14, part 2 target: agreement >= 90%)

Reads labelled situations (``benchmarks/label_order_situations.py``: truth from 128 continuations
per plan played to the end of the match), keeps the clear ones (``good`` / ``suicidal``), and has
``agents.order_judge.OrderJudge`` (24 continuations per plan, 20 s horizon, its own seeds) judge each.
Agreement: a good order is not refused, a suicidal one is refused ("warn" carries the order out,
so it counts as not refused). Prints the confusion matrix (truth x verdict) and the agreement.

Usage: PYTHONPATH=. python benchmarks/eval_order_judge.py benchmarks/data/order_situations_test_*.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--continuations", type=int, default=24)
    ap.add_argument("--horizon", type=int, default=40)
    ap.add_argument("--json", default=None, help="also write the figures as JSON here")
    args = ap.parse_args(argv)
    from agents.order_judge import VERDICTS, OrderJudge
    from agents.order_situations import Situation
    from envs import core
    from envs.ruleset import default_ruleset

    params = core.compile_params(default_ruleset())
    judge = OrderJudge(params, continuations=args.continuations, horizon=args.horizon)
    rows = [json.loads(line) for f in args.files for line in Path(f).read_text().splitlines() if line.strip()]
    clear = [r for r in rows if r["truth"] in ("good", "suicidal")]
    matrix = {t: {v: 0 for v in VERDICTS} for t in ("good", "suicidal")}
    times, wrong = [], []
    for r in clear:
        sit = Situation.from_dict(r)
        st = sit.restore(params)
        t0 = time.perf_counter()
        j = judge.judge(st, 0, **sit.order_args())
        times.append(time.perf_counter() - t0)
        matrix[r["truth"]][j.verdict] += 1
        ok = (j.verdict == "refuse") == (r["truth"] == "suicidal")
        if not ok:
            wrong.append((r["seed"], r["proposal"], r["truth"], j.verdict, r["truth_plan_win"] - r["truth_order_win"]))
    n = len(clear)
    agree = matrix["good"]["accept"] + matrix["good"]["warn"] + matrix["suicidal"]["refuse"]
    print(f"{len(rows)} labelled situations, {n} clear ({sum(r['truth'] == 'good' for r in clear)} good, "
          f"{sum(r['truth'] == 'suicidal' for r in clear)} suicidal), {len(rows) - n} unclear left out")
    print(f"judge: {args.continuations} continuations per plan, {args.horizon} steps; "
          f"truth: {rows[0]['truth_continuations'] if rows else '?'} continuations to the end of the match")
    print(f"{'truth / verdict':16s}" + "".join(f"{v:>9s}" for v in VERDICTS))
    for t in matrix:
        print(f"{t:16s}" + "".join(f"{matrix[t][v]:9d}" for v in VERDICTS))
    print(f"agreement: {agree}/{n} = {100 * agree / max(n, 1):.1f}%  (target >= 90%)")
    import numpy as np

    print(f"time per judgement: median {1000 * np.median(times):.0f} ms, p90 {1000 * np.percentile(times, 90):.0f} ms")
    for w in wrong:
        print(f"  disagreement: seed {w[0]} {w[1]}: truth {w[2]} (win drop {w[4]:+.2f}), judge {w[3]}")
    if args.json:
        Path(args.json).write_text(json.dumps({"matrix": matrix, "agreement": agree / max(n, 1), "n": n,
                                               "median_ms": 1000 * float(np.median(times))}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
