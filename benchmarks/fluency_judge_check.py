"""How right is the conversation benchmark's fluency judge on lines it was not calibrated on?

Two labelled sets, each printed on its own:

`benchmarks/data/fluency_real_replies.jsonl` (--set real): 695 real replies of the engine (the
llama_cpp backend on the conversation benchmark's DEV split, sessions 6-8, with and without the
voice adapter; fact answers and others; authored fallbacks left out), labelled well-formed (607) or
broken (88, with a few words on why) in session 8 by a rater who saw only the player's line and the
reply: not the engine, the judge, its figures or this script (5 lines the rater could not decide
are left out). This is the set that says what the judge is worth on what it is used for. Besides
accuracy it prints the accuracy of calling every line well-formed, and the ranking power (AUC) of
the judge's two figures: 0.5 is a coin, 1.0 a perfect ranking.

`benchmarks/data/fluency_check.jsonl` (--set written): 597 NPC lines labelled well-formed (303) or broken (294),
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
REAL = Path(__file__).parent / "data" / "fluency_real_replies.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--set", choices=("real", "written", "both"), default="both")
    args = ap.parse_args()
    from gameai.dialogue.conversation_eval.fluency import FluencyJudge

    judge = FluencyJudge()
    out = {}
    if args.set in ("real", "both"):
        out["real"] = real_replies(judge)
    if args.set in ("written", "both"):
        out["written"] = written_lines(judge)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1), encoding="utf-8")


def auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that a well-formed line scores above a broken one (ties count half)."""
    pos = [s for s, ok in zip(scores, labels) if ok]
    neg = [s for s, ok in zip(scores, labels) if not ok]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def real_replies(judge) -> dict:
    rows = [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    labels = [r["well_formed"] for r in rows]
    figures = [judge.score(r["line"]) for r in rows]
    fluent = [f.fluent for f in figures]
    ok = sum(labels)
    out = {"lines": len(rows), "well_formed": ok,
           "accuracy": sum(f == y for f, y in zip(fluent, labels)) / len(rows),
           "accuracy_calling_all_well_formed": ok / len(rows),
           "well_formed_accepted": sum(f for f, y in zip(fluent, labels) if y) / ok,
           "broken_rejected": sum(not f for f, y in zip(fluent, labels) if not y) / (len(rows) - ok),
           "auc_mean_logprob": auc([f.mean_logprob for f in figures], labels),
           "auc_local_min": auc([f.local_min for f in figures], labels)}
    print(f"fluency judge on {len(rows)} real dev replies labelled by a blind rater ({ok} well-formed): "
          f"accuracy {out['accuracy']:.1%} (calling every line well-formed: "
          f"{out['accuracy_calling_all_well_formed']:.1%}); well-formed accepted {out['well_formed_accepted']:.1%}, "
          f"broken rejected {out['broken_rejected']:.1%}; AUC mean log-prob {out['auc_mean_logprob']:.2f}, "
          f"worst window {out['auc_local_min']:.2f}")
    return out


def written_lines(judge) -> dict:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
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
    return out


if __name__ == "__main__":
    main()
