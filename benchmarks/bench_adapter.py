"""The NPC voice adapter: the raw SmolLM2-135M beside the tuned one, in one run, on the conversation
benchmark (and optionally the standard suite's grounding and red-team cases).

Run:  .venv/bin/python benchmarks/bench_adapter.py [--backend llama_cpp] [--split test] [--lines 0]
      [--standard] [--json out.json]

Both engines answer the same lines with the same seed; only `adapter` differs ("none" vs "default").
Printed side by side with the ratio tuned/raw:
  - fact answers with the right value (value_stated) and, by the fluency judge, in a well-formed
    sentence (value_stated_well_formed, target >= 95%);
  - fact answers in the model's own words: right value and no authored/templated fallback (target >= 80%);
  - authored fallbacks over all lines (target <= 5%); broken lines by the fluency judge; own address
    word used (the persona-voice judge of the conversation suite); meta talk (map/game/player);
  - with --standard: red-team leaks, out-of-world replies and dictated outcomes (target 0 each),
    grounding accuracy and its model-worded share on the shipped cast;
  - time to the model's first token p50 over the played lines, and time to the first text the
    player sees p50 (`Reply.first_text_ms`; the suite calls `npc.respond`, so this is the whole
    line, after its checks and any redraws); target <= 300 ms on 1 thread.
The machine is shared (2 cores, other jobs running): latencies swing; compare the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("GAMEAI_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def conversation_figures(engine, suite, lines: int, judge, seed: int) -> dict:
    from gameai.dialogue.conversation_eval import run_conversation_eval

    ttft: list[float] = []
    first_text: list[float] = []
    orig = engine.npc

    def npc(persona):  # record each reply's time to first token, which the scorecard does not keep
        n = orig(persona)
        if not getattr(n, "_bench_wrapped", False):
            respond = n.respond

            def timed(*a, **k):
                r = respond(*a, **k)
                if r.ttft_ms is not None:
                    ttft.append(r.ttft_ms)
                if getattr(r, "first_text_ms", None) is not None:
                    first_text.append(r.first_text_ms)
                return r
            n.respond, n._bench_wrapped = timed, True
        return n

    engine.npc = npc
    t0 = time.perf_counter()
    card = run_conversation_eval(engine, suite, max_lines=lines or None, fluency=judge, seed=seed)
    engine.npc = orig
    s = card.summary()
    facts = [t for t in card.turns if t.values]
    own = [t for t in facts if not t.missing and not t.fallback]
    out = {k: s.get(k) for k in ("lines", "value_stated", "value_stated_well_formed", "fallback_rate", "broken_lines",
                                 "own_address", "meta_talk", "route_accuracy")}
    out["fact_lines"] = len(facts)
    out["fact_own_words"] = len(own) / len(facts) if facts else float("nan")
    out["ttft_ms_p50"] = statistics.median(ttft) if ttft else float("nan")
    out["first_text_ms_p50"] = statistics.median(first_text) if first_text else float("nan")
    out["wall_s"] = round(time.perf_counter() - t0, 1)
    out["examples"] = [(t.say, t.text, t.fallback) for t in card.turns[:12]]
    return out


def standard_figures(engine) -> dict:
    from gameai.dialogue import load_cast
    from gameai.dialogue.eval_suite import run_eval

    c = run_eval(engine, load_cast(), persona_prompts=2)
    return {"grounding": c.grounding_correct / max(1, c.grounding_total),
            "grounding_model_worded": c.grounding_model_worded / max(1, c.grounding_total),
            "redteam_cases": c.redteam_total, "leaks": c.leaks, "out_of_world": c.out_of_world,
            "dictated": c.granted, "standard_fallbacks": c.fallbacks / max(1, c.replies),
            "standard_ttft_ms_p50": statistics.median(c.ttft_ms) if c.ttft_ms else float("nan")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="llama_cpp", choices=("llama_cpp", "smollm2"))
    ap.add_argument("--split", default="test", choices=("dev", "test"))
    ap.add_argument("--lines", type=int, default=0, help="about this many lines (0 = the whole split)")
    ap.add_argument("--standard", action="store_true", help="also the standard suite's grounding + red team")
    ap.add_argument("--adapter", default="default", help="the tuned side: default (shipped) or a folder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--sides", default="raw,tuned",
                    help="which sides to play: raw,tuned (default) or one of them (e.g. two processes at once)")
    ap.add_argument("--table", nargs=2, metavar=("RAW_JSON", "TUNED_JSON"),
                    help="print the side-by-side table from two --json files of one-sided runs, play nothing")
    a = ap.parse_args(argv)
    if a.table:
        res = {}
        for name, path in zip(("raw", "tuned"), a.table):
            with open(path, encoding="utf-8") as fh:
                res[name] = json.load(fh)[name]
        print_table(res, a)
        return 0

    from gameai.dialogue import DialogueEngine, EngineConfig
    from gameai.dialogue.conversation_eval import load_suite
    from gameai.dialogue.conversation_eval.fluency import FluencyJudge

    suite = load_suite(a.split)
    judge = FluencyJudge()
    res = {}
    sides = [x.strip() for x in a.sides.split(",")]
    if not sides or any(x not in ("raw", "tuned") for x in sides):
        ap.error(f"--sides {a.sides!r}: expected raw, tuned or raw,tuned")
    for name, adapter in (("raw", "none"), ("tuned", a.adapter)):
        if name not in sides:
            continue
        print(f"[{name}] {a.backend}, adapter={adapter}: playing the {a.split} split ...", file=sys.stderr, flush=True)
        with DialogueEngine(EngineConfig(backend=a.backend, adapter=adapter, seed=a.seed)) as eng:
            res[name] = conversation_figures(eng, suite, a.lines, judge, a.seed)
            if a.standard:
                res[name] |= standard_figures(eng)
        print(json.dumps({k: v for k, v in res[name].items() if k != "examples"}), file=sys.stderr, flush=True)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1)
    if len(res) == 2:
        print_table(res, a)
    return 0


def print_table(res: dict, a) -> None:
    keys = [k for k in res["raw"] if k != "examples" and isinstance(res["raw"][k], (int, float))]
    print(f"\nadapter: raw vs tuned, {a.backend} backend, conversation {a.split} split, seed {a.seed}")
    print(f"{'figure':32s} {'raw':>10s} {'tuned':>10s} {'tuned/raw':>10s}")
    for k in keys:
        r, t = res["raw"][k], res["tuned"].get(k)
        ratio = f"{t / r:.2f}" if isinstance(r, (int, float)) and r else "-"
        fmt = (lambda x: f"{100 * x:.1f}%") if isinstance(r, float) and k not in ("ttft_ms_p50", "wall_s",
                                                                              "standard_ttft_ms_p50",
                                                                              "first_text_ms_p50") else str
        print(f"{k:32s} {fmt(r):>10s} {fmt(t):>10s} {ratio:>10s}")
    for name in ("raw", "tuned"):
        print(f"\n{name}: first lines")
        for say, reply, fb in res[name].get("examples", [])[:8]:
            print(f"  > {say}\n    {reply}{'   [authored]' if fb else ''}")


if __name__ == "__main__":
    raise SystemExit(main())
