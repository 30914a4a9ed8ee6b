"""How right is the conversation benchmark's fluency judge on lines it was not calibrated on?

`benchmarks/data/fluency_check.jsonl`: 597 NPC lines labelled well-formed (303) or broken (294),
written in session 7 by a second writer who saw neither the engine, the benchmark's lines nor the
judge's calibration lines, only a brief with a few example breaks (the brief's own examples were
dropped from the file; `kind` says what sort of line or of break it is). It shares no line with
the judge's calibration set (data/conversation/fluency_calibration.toml). Prints the judge's accuracy,
the share of well-formed lines it accepts and of broken lines it rejects, per kind.

    PYTHONPATH=. python benchmarks/fluency_judge_check.py [--json out.json]

Reading the benchmark's fluency figures: a judge that accepts a share `a` of well-formed lines and
rejects a share `r` of broken ones reports a line as well-formed with probability `a` when it is,
and `1 - r` when it is not.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

DATA = Path(__file__).parent / "data" / "fluency_check.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    from gameai.dialogue.conversation_eval.fluency import FluencyJudge

    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    judge = FluencyJudge()
    t0 = time.process_time()
    right, count = Counter(), Counter()
    for r in rows:
        key = ("well-formed" if r["well_formed"] else "broken", r["kind"])
        count[key] += 1
        right[key] += judge.is_fluent(r["line"]) == r["well_formed"]
    cpu = time.process_time() - t0

    def share(label: str | None = None) -> float:
        keys = [k for k in count if label is None or k[0] == label]
        return sum(right[k] for k in keys) / sum(count[k] for k in keys)

    out = {"lines": len(rows), "accuracy": share(), "well_formed_accepted": share("well-formed"),
           "broken_rejected": share("broken"),
           "by_kind": {f"{a}:{k}": f"{right[(a, k)]}/{count[(a, k)]}" for a, k in sorted(count)}, "cpu_s": cpu}
    print(f"fluency judge on {len(rows)} independent labelled lines: accuracy {out['accuracy']:.1%}; "
          f"well-formed accepted {out['well_formed_accepted']:.1%}, broken rejected {out['broken_rejected']:.1%} "
          f"({cpu:.0f} s CPU)")
    for k, v in out["by_kind"].items():
        print(f"  {k:28s} {v}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
