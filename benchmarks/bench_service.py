"""`gameai serve` under load: requests/s, tokens/s and p50/p99 latency at concurrency 1, 8 and 32,
with the time spent queueing for the one shared model reported apart from the time generating.

Run:  .venv/bin/python benchmarks/bench_service.py [--backend llama_cpp] [--runs 3] [--tokens 24]
      [--parallel 1,8]

Each --parallel value is a separate server: `--parallel 1` is the old service (one line at a time,
one queue), `--parallel 8` decodes up to 8 conversations in one llama.cpp batch. Both are measured
in the same run, on the same lines; the last table prints each level's throughput as a ratio of
the same server at concurrency 1 (the target: >= 2x at 8 players), and every run checks that each
exchange is in the NPC's memory afterwards. Tokens are counted with the model's own tokenizer.
Every request of a server's run is a new (NPC, line) pair (see OPENERS), the same sequence for each
server and for the peer.

The server is a real `gameai serve` process on 127.0.0.1 (one model, one queue); the clients
are httpx in this process, each request a new player talking to one of the shipped NPCs.
The peer, measured in the same run on the same lines: the engine called directly in-process
(`npc.respond`, sequential, no HTTP), i.e. the model's own throughput. Ratios near 1.0 mean the
service adds little; with one model, throughput cannot rise with concurrency, only queueing
grows. Figures are medians over --runs runs: the machine is shared and noisy (2 cores, other
jobs), so single runs swing.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

import httpx
import numpy as np

KEY = "bench-key-0123456789abcdef"
NPCS = ["elsbeth", "mara", "tobin", "wren"]
LINES = ["Good day to you.", "What is new around here?", "How is business lately?",
         "Tell me about this town.", "Any work for a traveller?", "Lovely weather, isn't it?",
         "Who are you?", "What do you sell?"]
# Openers make every request's (NPC, line) pair new within a server's run (8 x 40 = 320 pairs; a run
# of --runs 2 sends 200): a batched server keeps its slots' last prompts, and a benchmark that sent
# the same 8 prompts again and again would measure those repeats, not a town of players.
OPENERS = ["", "Hello there.", "Excuse me.", "Well met.", "Pardon me.", "Hi.", "Morning.", "Evening.",
           "Greetings.", "Hey.", "Sorry to bother you.", "Quick question.", "Hello again.", "Oi.", "Good morrow.",
           "Ahoy.", "Hail, friend.", "Afternoon.", "Hm.", "So.", "Right then.", "Listen.", "Ah, there you are.",
           "Say.", "Forgive me.", "I just got here.", "Long road behind me.", "Cold out there.", "Busy day?",
           "Nice place.", "First time here.", "I'm new in town.", "Well now.", "Howdy.", "Look here.",
           "One thing.", "Hope you're well.", "Hullo.", "Ho there.", "Fine day."]


def exchange(k: int) -> tuple[str, str]:
    """The k-th request of a server's run: (NPC, player line)."""
    return NPCS[k % len(NPCS)], (OPENERS[(k // len(LINES)) % len(OPENERS)] + " " + LINES[k % len(LINES)]).strip()


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# --- the peer: the engine in-process, sequential ---------------------------------------------------
def direct_engine(backend: str, tokens: int, turns: int, runs: int) -> dict[str, float]:
    from gameai.dialogue import DialogueEngine, EngineConfig, Sampling, load_cast

    engine = DialogueEngine(EngineConfig(backend=backend, sampling=Sampling(max_tokens=tokens, timeout_s=600)))
    npcs = {p.id: engine.npc(p) for p in load_cast()}
    for i, npc in enumerate(npcs.values()):  # warm: persona prefix caches, embedder
        npc.respond(f"warm-{i}", "Hello.")  # a line the runs never send
    rates, p50s = [], []
    for run in range(runs):
        lat = []
        t0 = time.perf_counter()
        for i in range(turns):
            npc, text = exchange(run * turns + i)
            t = time.perf_counter()
            npcs[npc].respond(f"direct-{run}-{i}", text)
            lat.append(time.perf_counter() - t)
        rates.append(turns / (time.perf_counter() - t0))
        p50s.append(pct(lat, 50) * 1e3)
    engine.close()
    return {"rps": statistics.median(rates), "p50": statistics.median(p50s)}


# --- the service --------------------------------------------------------------------------------------
def start_server(backend: str, tokens: int, parallel: int = 1) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "GAMEAI_API_KEY": KEY, "GAMEAI_THREADS": os.environ.get("GAMEAI_THREADS", "1")}
    cmd = [sys.executable, "-m", "gameai", "serve", "--port", "0", "--backend", backend, "--max-new-tokens",
           str(tokens), "--rate-limit", "1000000/minute", "--log-level", "warning", "--parallel", str(parallel),
           # a line cut by the time limit would be an authored line: fast, and not what is measured
           "--generation-timeout", "600"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    for line in proc.stdout:
        if m := re.search(r"on (http://127\.0\.0\.1:\d+)", line):
            url = m.group(1)
            break
    else:
        sys.exit(f"gameai serve did not start: {proc.stdout.read()}")
    # keep reading its output, so that a chatty log never fills the pipe and stalls the server
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    for _ in range(600):
        try:
            if httpx.get(f"{url}/v1/health").status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("gameai serve never answered /v1/health")


def token_counter():
    """Tokens of a line under the model's own tokenizer (llama.cpp, vocabulary only)."""
    from llama_cpp import Llama

    from gameai.dialogue.backends.transformers_backend import smollm2_path

    vocab = Llama(model_path=str(smollm2_path()), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))


COUNT_TOKENS = None


SERIAL = itertools.count()  # requests sent to the current server (reset when one starts)


async def load(url: str, concurrency: int, requests: int, tag: str) -> dict[str, list[float] | float]:
    lat, queued, generated, overhead, errors = [], [], [], [], 0
    tokens, server_errors, ttft, said, cut = 0, 0, [], [], 0
    todo = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": KEY}, timeout=600, limits=limits) as client:
        async def worker() -> None:
            nonlocal errors
            for i in todo:
                npc, text = exchange(next(SERIAL))
                body = {"player_id": f"{tag}-{i}", "text": text}
                t = time.perf_counter()
                r = await client.post(f"/v1/npcs/{npc}/reply", json=body)
                took = (time.perf_counter() - t) * 1e3
                if r.status_code != 200:
                    errors += 1
                    server_errors += r.status_code >= 500
                    continue
                nonlocal tokens, cut
                reply = r.json()
                cut += "backend:error" in reply["flags"]
                tokens += COUNT_TOKENS(reply["text"])
                said.append((npc, body["player_id"], body["text"], reply["text"]))
                if reply["timing"].get("first_token_ms") is not None:
                    ttft.append(reply["timing"]["first_token_ms"])
                timing = reply["timing"]
                lat.append(took)
                queued.append(timing["queued_ms"])
                generated.append(timing["generate_ms"])
                overhead.append(took - timing["queued_ms"] - timing["generate_ms"])

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
        # Every exchange remembered: the player's line and the reply are in the NPC's memory.
        forgotten = 0
        for npc, player, text, line in said:
            mem = (await client.get(f"/v1/npcs/{npc}/memory/{player}")).json()["memories"]
            texts = [m["text"] for m in mem]
            forgotten += not (text in texts and line in texts)
    return {"rps": len(lat) / wall, "tps": tokens / wall, "lat": lat, "queued": queued, "gen": generated,
            "over": overhead, "errors": errors, "5xx": server_errors, "forgotten": forgotten, "ttft": ttft, "cut": cut}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="llama_cpp", help="engine backend (llama_cpp, smollm2, authored, ...)")
    ap.add_argument("--tokens", type=int, default=24, help="max new tokens per line")
    ap.add_argument("--runs", type=int, default=3, help="runs per level; medians are reported")
    ap.add_argument("--levels", default="1,8,32")
    ap.add_argument("--parallel", default="1,8", help="servers to compare: conversations decoded together")
    ap.add_argument("--requests", type=int, default=0, help="requests per run (default: max(16, 2 x concurrency))")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    global COUNT_TOKENS
    COUNT_TOKENS = token_counter()

    print(f"backend {args.backend}, max {args.tokens} new tokens, GAMEAI_THREADS={os.environ.get('GAMEAI_THREADS', '1')}, "
          f"medians of {args.runs} runs; shared noisy machine ({os.cpu_count()} cores)", flush=True)
    peer = direct_engine(args.backend, args.tokens, 16, args.runs)
    print(f"peer  engine.respond() in-process, sequential: {peer['rps']:.2f} turns/s, p50 {peer['p50']:.0f} ms", flush=True)

    summary: dict[int, dict[int, dict[str, float]]] = {}
    for parallel in [int(x) for x in args.parallel.split(",")]:
        print(f"\n--- gameai serve --parallel {parallel} ---", flush=True)
        summary[parallel] = serve_levels(args, levels, parallel, peer)
    print("\nthroughput vs the same server at concurrency 1 (target at 8 players: >= 2x req/s and tokens/s)")
    print(f"{'parallel':>8} {'conc':>4} {'req/s':>7} {'tok/s':>7} {'req/s x':>8} {'tok/s x':>8} {'ttft p50':>9}")
    for parallel, rows in summary.items():
        base = rows[min(rows)]
        for c, row in rows.items():
            print(f"{parallel:>8} {c:>4} {row['rps']:>7.2f} {row['tps']:>7.1f} {row['rps'] / base['rps']:>7.2f}x "
                  f"{row['tps'] / base['tps']:>7.2f}x {row['ttft']:>8.0f}ms")
    if len(summary) > 1:
        first, last = min(summary), max(summary)
        for c in levels:
            a, b = summary[first][c], summary[last][c]
            print(f"conc {c}: parallel {last} vs parallel {first}: req/s {b['rps'] / a['rps']:.2f}x, "
                  f"tokens/s {b['tps'] / a['tps']:.2f}x")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores")


def serve_levels(args: argparse.Namespace, levels: list[int], parallel: int, peer: dict[str, float]) -> dict[int, dict[str, float]]:
    global SERIAL
    SERIAL = itertools.count()  # every server gets the same requests in the same order
    proc, url = start_server(args.backend, args.tokens, parallel)
    out: dict[int, dict[str, float]] = {}
    try:
        asyncio.run(load(url, 4, 8, f"warm{parallel}"))  # persona prefix caches, connections
        header = (f"{'conc':>4} {'req/s':>7} {'tok/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'queue p50':>10} {'queue p99':>10} "
                  f"{'gen p50':>8} {'gen p99':>8} {'ttft p50':>9} {'http p50':>9} {'req/s vs peer':>14} {'5xx':>4} "
                  f"{'err':>4} {'forgot':>6} {'load':>5}")
        print(header)
        for c in levels:
            n = args.requests or max(16, 2 * c)
            runs = [asyncio.run(load(url, c, n, f"p{parallel}-c{c}-r{r}")) for r in range(args.runs)]
            med = {k: statistics.median(pct(run[k], q) for run in runs)  # type: ignore[arg-type]
                   for k, q in [("lat", 50), ("queued", 50), ("gen", 50), ("over", 50), ("ttft", 50)]}
            p99 = {k: statistics.median(pct(run[k], 99) for run in runs) for k in ("lat", "queued", "gen")}  # type: ignore[arg-type]
            rps = statistics.median(run["rps"] for run in runs)  # type: ignore[misc]
            tps = statistics.median(run["tps"] for run in runs)  # type: ignore[misc]
            errors = sum(run["errors"] for run in runs)  # type: ignore[misc]
            fivexx = sum(run["5xx"] for run in runs)  # type: ignore[misc]
            forgot = sum(run["forgotten"] for run in runs)  # type: ignore[misc]
            errors += sum(run["cut"] for run in runs)  # type: ignore[misc]  # backend errors count as errors
            print(f"{c:>4} {rps:>7.2f} {tps:>7.1f} {med['lat']:>8.0f} {p99['lat']:>8.0f} {med['queued']:>10.0f} "
                  f"{p99['queued']:>10.0f} {med['gen']:>8.0f} {p99['gen']:>8.0f} {med['ttft']:>9.0f} {med['over']:>9.1f} "
                  f"{rps / peer['rps']:>13.2f}x {fivexx:>4} {errors:>4} {forgot:>6} {os.getloadavg()[0]:>5.1f}", flush=True)
            out[c] = {"rps": rps, "tps": tps, "ttft": med["ttft"]}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    return out


if __name__ == "__main__":
    main()
