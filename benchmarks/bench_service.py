"""`gameai serve` under load: requests/s and p50/p99 latency at concurrency 1, 8 and 32, with the
time spent queueing for the one shared model reported apart from the time generating.

Run:  .venv/bin/python benchmarks/bench_service.py [--backend llama_cpp] [--runs 3] [--tokens 24]

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


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# --- the peer: the engine in-process, sequential ---------------------------------------------------
def direct_engine(backend: str, tokens: int, turns: int, runs: int) -> dict[str, float]:
    from gameai.dialogue import DialogueEngine, EngineConfig, Sampling, load_cast

    engine = DialogueEngine(EngineConfig(backend=backend, sampling=Sampling(max_tokens=tokens)))
    npcs = {p.id: engine.npc(p) for p in load_cast()}
    for i, npc in enumerate(npcs.values()):  # warm: persona prefix caches, embedder
        npc.respond(f"warm-{i}", LINES[0])
    rates, p50s = [], []
    for run in range(runs):
        lat = []
        t0 = time.perf_counter()
        for i in range(turns):
            t = time.perf_counter()
            npcs[NPCS[i % 4]].respond(f"direct-{run}-{i}", LINES[i % len(LINES)])
            lat.append(time.perf_counter() - t)
        rates.append(turns / (time.perf_counter() - t0))
        p50s.append(pct(lat, 50) * 1e3)
    engine.close()
    return {"rps": statistics.median(rates), "p50": statistics.median(p50s)}


# --- the service --------------------------------------------------------------------------------------
def start_server(backend: str, tokens: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "GAMEAI_API_KEY": KEY, "GAMEAI_THREADS": os.environ.get("GAMEAI_THREADS", "1")}
    cmd = [sys.executable, "-m", "gameai", "serve", "--port", "0", "--backend", backend, "--max-new-tokens",
           str(tokens), "--rate-limit", "1000000/minute", "--log-level", "warning"]
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


async def load(url: str, concurrency: int, requests: int, tag: str) -> dict[str, list[float] | float]:
    lat, queued, generated, overhead, errors = [], [], [], [], 0
    todo = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": KEY}, timeout=600, limits=limits) as client:
        async def worker() -> None:
            nonlocal errors
            for i in todo:
                body = {"player_id": f"{tag}-{i}", "text": LINES[i % len(LINES)]}
                t = time.perf_counter()
                r = await client.post(f"/v1/npcs/{NPCS[i % 4]}/reply", json=body)
                took = (time.perf_counter() - t) * 1e3
                if r.status_code != 200:
                    errors += 1
                    continue
                timing = r.json()["timing"]
                lat.append(took)
                queued.append(timing["queued_ms"])
                generated.append(timing["generate_ms"])
                overhead.append(took - timing["queued_ms"] - timing["generate_ms"])

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return {"rps": len(lat) / wall, "lat": lat, "queued": queued, "gen": generated, "over": overhead, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="llama_cpp", help="engine backend (llama_cpp, smollm2, authored, ...)")
    ap.add_argument("--tokens", type=int, default=24, help="max new tokens per line")
    ap.add_argument("--runs", type=int, default=3, help="runs per level; medians are reported")
    ap.add_argument("--levels", default="1,8,32")
    ap.add_argument("--requests", type=int, default=0, help="requests per run (default: max(16, 2 x concurrency))")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    print(f"backend {args.backend}, max {args.tokens} new tokens, GAMEAI_THREADS={os.environ.get('GAMEAI_THREADS', '1')}, "
          f"medians of {args.runs} runs; shared noisy machine ({os.cpu_count()} cores)", flush=True)
    peer = direct_engine(args.backend, args.tokens, 16, args.runs)
    print(f"peer  engine.respond() in-process, sequential: {peer['rps']:.2f} turns/s, p50 {peer['p50']:.0f} ms", flush=True)

    proc, url = start_server(args.backend, args.tokens)
    try:
        asyncio.run(load(url, 4, 8, "warm"))  # persona prefix caches, connections
        header = (f"{'conc':>4} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'queue p50':>10} {'queue p99':>10} "
                  f"{'gen p50':>8} {'gen p99':>8} {'http p50':>9} {'req/s vs peer':>14} {'p50 vs peer':>12} {'5xx/err':>8}")
        print(header)
        for c in levels:
            n = args.requests or max(16, 2 * c)
            runs = [asyncio.run(load(url, c, n, f"c{c}-r{r}")) for r in range(args.runs)]
            med = {k: statistics.median(pct(run[k], q) for run in runs)  # type: ignore[arg-type]
                   for k, q in [("lat", 50), ("queued", 50), ("gen", 50), ("over", 50)]}
            p99 = {k: statistics.median(pct(run[k], 99) for run in runs) for k in ("lat", "queued", "gen")}  # type: ignore[arg-type]
            rps = statistics.median(run["rps"] for run in runs)  # type: ignore[misc]
            errors = sum(run["errors"] for run in runs)  # type: ignore[misc]
            print(f"{c:>4} {rps:>7.2f} {med['lat']:>8.0f} {p99['lat']:>8.0f} {med['queued']:>10.0f} {p99['queued']:>10.0f} "
                  f"{med['gen']:>8.0f} {p99['gen']:>8.0f} {med['over']:>9.1f} {rps / peer['rps']:>13.2f}x "
                  f"{med['lat'] / peer['p50']:>11.2f}x {errors:>8}", flush=True)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)


if __name__ == "__main__":
    main()
