"""Time to the first text a player sees, this tree beside another checkout, on the same dev lines.

Run:  .venv/bin/python benchmarks/bench_ttft.py --old-tree /tmp/old [--lines 40] [--rounds 2]
                                               [--backend llama_cpp] [--json out.json]

Each tree answers the same lines of the conversation suite's DEV split (whole conversations, a
seeded sample; never the test split) in its own process, with fresh memory and the same seeds,
through `npc.stream` as a game streams a line. The game's setup (engine, then one `engine.npc` per
persona) is done before the first line and is not timed; every line is timed from the call to the
first non-empty text the stream hands back (the engine shows whole, checked sentences only), and
the model's first token is shown beside it. Rounds alternate old, new, old, new ..., so that a
burst of load on the shared machine hits both; per line the median over rounds is taken, then the
p50 over lines. Also printed: how many replies are word for word the same in both trees (same
seed, same line: a latency change must not change what NPCs say), and the p50 without each
persona's first line (the steady state of a conversation).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, sys, time
from gameai.dialogue import DialogueEngine, EngineConfig, MemoryStore
from gameai.dialogue.conversation_eval.runner import sample_conversations
from gameai.dialogue.conversation_eval.suite import load_suite

lines, backend = int(sys.argv[1]), sys.argv[2]
suite = load_suite("dev")
convs = sample_conversations(suite, lines, 0)
eng = DialogueEngine(EngineConfig(backend=backend), store=MemoryStore())
npcs = {c.persona: eng.npc(suite.personas[c.persona].persona) for c in convs}  # the game's setup, untimed
seen, rows = set(), []
for conv in convs:
    npc = npcs[conv.persona]
    for turn in conv.turns:
        t0 = time.perf_counter()
        s = npc.stream(f"bench-{conv.id}", turn.say)
        first = None
        for piece in s:
            if first is None and piece.strip():
                first = time.perf_counter() - t0
        r = s.reply
        rows.append({"id": conv.id, "say": turn.say, "text": r.text, "first_text_ms": 1000 * first if first else None,
                     "first_token_ms": r.ttft_ms, "total_ms": r.total_ms, "fallback": r.fallback,
                     "persona_first": conv.persona not in seen})
        seen.add(conv.persona)
eng.close()
json.dump(rows, sys.stdout)
"""


def run_tree(tree: Path, lines: int, backend: str, cache: str | None) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(tree), "GAMEAI_THREADS": os.environ.get("GAMEAI_THREADS", "1")}
    if cache is not None:
        env["GAMEAI_CACHE_DIR"] = cache
    out = subprocess.run([sys.executable, "-c", CHILD, str(lines), backend], capture_output=True, text=True,
                         env=env, cwd=tree, timeout=3600)
    if out.returncode != 0:
        sys.exit(f"{tree}: failed: {out.stderr[-800:]}")
    return json.loads(out.stdout)


def p50(xs: list[float]) -> float:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old-tree", type=Path, required=True, help="another checkout (the peer), e.g. the commit before")
    ap.add_argument("--lines", type=int, default=40, help="about this many dev lines (whole conversations)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--backend", default="llama_cpp")
    ap.add_argument("--json", type=Path, help="write every reply and timing here")
    args = ap.parse_args()
    trees = {"old": args.old_tree.resolve(), "new": ROOT}
    runs: dict[str, list[list[dict]]] = {"old": [], "new": []}
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gameai-bench-cache-") as cache:
        # The new tree's disk caches start empty, as on a fresh install; its first process fills
        # them (the NPCs' setup, untimed), later ones read them.
        for r in range(args.rounds):
            for name in ("old", "new"):
                t = time.perf_counter()
                runs[name].append(run_tree(trees[name], args.lines, args.backend, cache))
                print(f"round {r + 1} {name}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
    n = len(runs["new"][0])
    per_line = {name: [{k: p50([rs[i][k] for rs in runs[name]]) for k in ("first_text_ms", "first_token_ms", "total_ms")}
                       for i in range(n)] for name in runs}
    steady = [i for i in range(n) if not runs["new"][0][i]["persona_first"]]
    same = sum(runs["old"][0][i]["text"] == runs["new"][0][i]["text"] for i in range(n))
    stable = {name: sum(len({rs[i]["text"] for rs in runs[name]}) == 1 for i in range(n)) for name in runs}
    print(f"\ntime to first text, dev split, {n} lines, {args.rounds} rounds alternating, backend {args.backend}, "
          f"GAMEAI_THREADS={os.environ.get('GAMEAI_THREADS', '1')}, load {load0:.1f} at start, "
          f"{os.getloadavg()[0]:.1f} at end")
    head = (f"{'tree':<5} {'first text p50':>15} {'p90':>7} {'NPC 1st line p50':>17} {'steady p50':>11} "
            f"{'first token p50':>16} {'full reply p50':>15}")
    print(head)
    print("-" * len(head))
    fig = {}
    for name in ("old", "new"):
        rows = per_line[name]
        ft = sorted(r["first_text_ms"] for r in rows if r["first_text_ms"] is not None)
        fig[name] = (p50(ft), ft[min(len(ft) - 1, int(0.9 * len(ft)))] if ft else float("nan"),
                     p50([rows[i]["first_text_ms"] for i in range(n) if i not in set(steady)]),
                     p50([rows[i]["first_text_ms"] for i in steady]),
                     p50([r["first_token_ms"] for r in rows]), p50([r["total_ms"] for r in rows]))
        f = fig[name]
        print(f"{name:<5} {f[0]:>13.0f}ms {f[1]:>5.0f}ms {f[2]:>15.0f}ms {f[3]:>9.0f}ms {f[4]:>14.0f}ms {f[5]:>13.0f}ms")
    o, w = fig["old"], fig["new"]
    print(f"new/old {w[0] / o[0]:>12.2f}x {w[1] / o[1]:>6.2f}x {w[2] / o[2]:>16.2f}x {w[3] / o[3]:>10.2f}x "
          f"{w[4] / o[4]:>15.2f}x {w[5] / o[5]:>14.2f}x")
    print("NPC 1st line: each persona's first line in the process; steady: the other lines")
    print(f"replies word for word the same in both trees: {same}/{n}; the same in every round: "
          f"old {stable['old']}/{n}, new {stable['new']}/{n}")
    print("target: time to first text p50 <= 300 ms on 1 thread (issues 12, 13)")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "figures": fig}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
