"""One conversation at a time, in process: the llama_cpp backend at --parallel 1 vs the batch decoder.

The service's default decodes up to 8 conversations in one batch. When players come one at a time
(a developer trying the service, a quiet town), each turn still goes through the batch decoder.
This plays the same 32 turns (4 shipped NPCs, new players, seed 0) on each setting and prints
turns/s, latency and process CPU, so the cost of the batch path for a lone conversation is seen
beside the plain backend, measured in the same run. ADAPTER=none compares without the voice LoRA.

    PYTHONPATH=. GAMEAI_THREADS=1 python benchmarks/bench_batch_alone.py 1,8,1,8
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gameai.dialogue import DialogueEngine, EngineConfig
from gameai.dialogue.persona import load_persona

LINES = ["Good day to you.", "What is new around here?", "How is business lately?", "Tell me about this town.",
         "Any work for a traveller?", "Lovely weather, isn't it?", "What do you sell?", "Who are your friends?"]
CAST = Path(__file__).resolve().parent.parent / "gameai" / "dialogue" / "cast"
TURNS = 32


def play(parallel: int, adapter: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        eng = DialogueEngine(EngineConfig(backend="llama_cpp", parallel=parallel, adapter=adapter,
                                          memory_path=os.path.join(d, "m.db")))
        with eng:
            npcs = [eng.npc(load_persona(CAST / f"{n}.toml")) for n in ("elsbeth", "mara", "tobin", "wren")]
            lat, cpu0, t0 = [], time.process_time(), time.perf_counter()
            for i in range(TURNS):
                s = time.perf_counter()
                npcs[i % 4].respond(f"p{i}", LINES[i % len(LINES)])
                lat.append((time.perf_counter() - s) * 1000)
            wall = time.perf_counter() - t0
    p90 = statistics.quantiles(lat, n=10)[-1]
    print(f"parallel {parallel} (adapter {adapter}): {TURNS / wall:.2f} turns/s, p50 {statistics.median(lat):.0f} ms, "
          f"p90 {p90:.0f} ms, max {max(lat):.0f} ms, CPU {time.process_time() - cpu0:.1f} s", flush=True)


if __name__ == "__main__":
    for n in (int(x) for x in (sys.argv[1] if len(sys.argv) > 1 else "1,8,1,8").split(",")):
        play(n, os.environ.get("ADAPTER", "default"))
