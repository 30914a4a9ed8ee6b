"""Label order situations with ground truth from long rollouts with many continuations (issue 14, part 2).

For each situation seed, ``agents.order_situations.generate`` builds a mid-battle state and an order;
the order and the default plan are then each rolled out ``--continuations`` times (default 128,
against the judge's 24) to the END of the match (the ruleset's step limit, not the judge's 20 s
horizon), with continuation seeds the judge never uses (``--truth-seed``). The truth:

- ``suicidal`` when the order lowers the real win probability by 25 points or more;
- ``good`` when it lowers it by at most 5 points (or raises it);
- ``unclear`` otherwise (kept in the file, left out of the agreement figure).

Writes JSON lines to ``--out`` as it goes (a rerun resumes after the seeds already there).
Usage: PYTHONPATH=. python benchmarks/label_order_situations.py --seeds 1000:1300 --out benchmarks/data/order_situations_test.jsonl
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

SUICIDAL_DROP = 0.25
GOOD_DROP = 0.05


def truth_label(order_win: float, plan_win: float) -> str:
    drop = plan_win - order_win
    if drop >= SUICIDAL_DROP:
        return "suicidal"
    if drop <= GOOD_DROP:
        return "good"
    return "unclear"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", required=True, help="situation seeds as START:STOP")
    ap.add_argument("--out", required=True)
    ap.add_argument("--continuations", type=int, default=128)
    ap.add_argument("--truth-seed", type=int, default=900_001)
    ap.add_argument("--proposals", default=None,
                    help="comma-separated order kinds to draw from (default: the generator's mix)")
    args = ap.parse_args(argv)
    from agents.order_judge import OrderError, OrderJudge
    from agents.order_situations import generate
    from envs import core
    from envs.ruleset import default_ruleset

    params = core.compile_params(default_ruleset())
    start, stop = (int(v) for v in args.seeds.split(":"))
    proposals = tuple(args.proposals.split(",")) if args.proposals else None
    out = Path(args.out)
    done = set()
    if out.exists():
        done = {json.loads(line)["seed"] for line in out.read_text().splitlines() if line.strip()}
    with out.open("a") as fh:
        for seed in range(start, stop):
            if seed in done:
                continue
            t0 = time.perf_counter()
            sit = generate(params, seed, proposals)
            if sit is None:
                continue
            st = sit.restore(params)
            truth = OrderJudge(params, continuations=args.continuations, horizon=params.max_steps - int(st.t[0]),
                               seed=args.truth_seed)
            try:
                j = truth.judge(st, 0, **sit.order_args())
            except OrderError as exc:
                print(f"seed {seed}: {sit.proposal} cannot be given ({exc}); skipped", flush=True)
                continue
            label = truth_label(j.order.win_prob, j.plan.win_prob)
            row = sit.to_dict() | {"truth": label, "truth_order_win": j.order.win_prob,
                                   "truth_plan_win": j.plan.win_prob, "truth_order_lost": j.order.ordered_lost,
                                   "truth_plan_lost": j.plan.ordered_lost, "truth_continuations": args.continuations,
                                   "proposals": args.proposals}
            fh.write(json.dumps(row, separators=(",", ":")) + "\n")
            fh.flush()
            print(f"seed {seed}: {sit.proposal:16s} {label:8s} order win {j.order.win_prob:.2f} plan "
                  f"{j.plan.win_prob:.2f} ({time.perf_counter() - t0:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
