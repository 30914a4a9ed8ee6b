"""Where a batched turn's time goes, in-process (no HTTP): is batching real, and what bounds it?

Run:  .venv/bin/python benchmarks/bench_batch_inprocess.py [--turns 8] [--tokens 24] [--runs 2]

One engine on llama.cpp with `parallel` 8 slots (the service's default). The same 8 turns (new
players, the shipped NPCs, the bench_service lines) are played twice per run: one at a time, then
all 8 at once from 8 threads, as `gameai serve --parallel 8` runs them. Printed side by side,
with the ratio one-at-a-time / together:
  - wall time and process CPU time for the 8 turns (CPU is what a loaded 2-core machine limits);
  - llama_decode calls, rows (tokens) and conversations per call (8 decoding together: ~8 a call);
  - prompt tokens evaluated (after the shared persona prefix) against tokens generated.
Prompt evaluation is compute-bound: a batch does not make it cheaper per token, only the
generated tokens (memory-bound, one weight read for all rows) get cheaper. So the share of
prompt tokens bounds what batching can gain: with P prompt and G generated tokens a turn,
the best case is about (P + G) / (P + G / 8).
The two modes use different players (a player's turn number seeds its line), so their lines and
lengths differ: compare the per-token rows.
"""
from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

os.environ.setdefault("GAMEAI_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

NPCS = ["elsbeth", "mara", "tobin", "wren"]
LINES = ["Good day to you.", "What is new around here?", "How is business lately?",
         "Tell me about this town.", "Any work for a traveller?", "Lovely weather, isn't it?",
         "Who are you?", "What do you sell?"]


def play(npcs, turns: int, run: int, together: bool, decoder) -> dict[str, float]:
    before = (decoder.steps, decoder.prompt_tokens, decoder.generated_tokens, decoder.batched_tokens)
    rows_before, seqs_before = decoder.rows, decoder.seqs
    texts = [""] * turns

    def turn(i: int) -> None:
        r = npcs[NPCS[i % len(NPCS)]].respond(f"p{run}-{int(together)}-{i}", LINES[i % len(LINES)])
        texts[i] = r.text

    t0, c0 = time.perf_counter(), time.process_time()
    if together:
        ts = [threading.Thread(target=turn, args=(i,)) for i in range(turns)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    else:
        for i in range(turns):
            turn(i)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    steps = decoder.steps - before[0]
    return {"wall_s": wall, "cpu_s": cpu, "decode_calls": steps,
            "rows_per_call": (decoder.rows - rows_before) / max(1, steps),
            "convs_per_call": (decoder.seqs - seqs_before) / max(1, steps),
            "prompt_tokens": decoder.prompt_tokens - before[1], "generated_tokens": decoder.generated_tokens - before[2],
            "wall_ms_per_token": 1000 * wall / max(1, decoder.generated_tokens - before[2]),
            "cpu_ms_per_token": 1000 * cpu / max(1, decoder.generated_tokens - before[2])}


def main(argv: list[str] | None = None) -> int:
    from gameai.dialogue import DialogueEngine, EngineConfig, Sampling, load_cast

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--turns", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=24)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--adapter", default="default")
    a = ap.parse_args(argv)
    eng = DialogueEngine(EngineConfig(backend="llama_cpp", parallel=8, adapter=a.adapter,
                                      sampling=Sampling(max_tokens=a.tokens, timeout_s=600)))
    npcs = {p.id: eng.npc(p) for p in load_cast() if p.id in NPCS}
    for i, n in enumerate(npcs.values()):  # warm: persona prefixes, embedder
        n.respond(f"warm-{i}", LINES[0])
    decoder = eng.backend.decoder
    res: dict[str, list[dict]] = {"alone": [], "together": []}
    for run in range(a.runs):
        res["alone"].append(play(npcs, a.turns, run, False, decoder))
        res["together"].append(play(npcs, a.turns, run, True, decoder))
    eng.close()
    print(f"{a.turns} turns, {a.tokens} tokens max, medians of {a.runs} runs, 1 thread, adapter={a.adapter}")
    print(f"{'figure':22s} {'one at a time':>14s} {'8 together':>12s} {'ratio':>8s}")
    for k in res["alone"][0]:
        x = statistics.median(r[k] for r in res["alone"])
        y = statistics.median(r[k] for r in res["together"])
        print(f"{k:22s} {x:14.2f} {y:12.2f} {x / y if y else float('nan'):8.2f}")
    m = {k: statistics.median(r[k] for r in res["together"]) for k in ("prompt_tokens", "generated_tokens")}
    p, g = m["prompt_tokens"], m["generated_tokens"]
    print(f"prompt share of tokens: {p / max(1, p + g):.0%}; best case from batching the generated tokens "
          f"alone: {(p + g) / max(1, p + g / 8):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
