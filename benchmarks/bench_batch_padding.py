"""What the batch decoder's padding rows cost: tokens per CPU second at 1 and 8 conversations.

Run:  .venv/bin/python benchmarks/bench_batch_padding.py [--adapter default|none|DIR] [--repeat 2]

With a LoRA adapter, llama_batch pads a lone step to a micro-batch of two rows so that a line is
the same alone as in a batch (see BatchDecoder._decode_tokens). This plays 48-token lines on one
decoder of 8 slots, one conversation at a time (6 lines) and 8 at once (2 rounds), and prints
generated tokens per wall second and the process's CPU milliseconds per generated token (what a
loaded 2-core machine limits). Compare with the commit before the padding, or with
`--adapter none` (never padded). Since the voice is merged into the weights by default
(gameai/dialogue/adapter_merge.py) nothing is padded either; run with GAMEAI_CACHE_DIR=none to
measure the run-time LoRA that is padded.
"""
from __future__ import annotations

import argparse
import threading
import time

from gameai.dialogue import Sampling
from gameai.dialogue.backends.llama_cpp_backend import PREFIX_MARK, LlamaCppBackend

LINES = ["Good day to you.", "What is new around here?", "How is business lately?", "Tell me about this town.",
         "Any work for a traveller?", "Lovely weather, isn't it?", "Who are you?", "What do you sell?"]


def messages(i: int) -> list[dict[str, str]]:
    persona = ["You are Mara, a blacksmith of Oakvale.", "You are Tobin, an innkeeper of Oakvale."][i % 2]
    return [{"role": "system", "content": f"{persona} Answer in one short sentence.{PREFIX_MARK} It is evening."},
            {"role": "user", "content": LINES[i % len(LINES)]}]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", default="default")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    b = LlamaCppBackend(parallel=8, adapter=None if args.adapter == "none" else args.adapter)
    sampling = Sampling(max_tokens=48, timeout_s=300, temperature=0.9)

    def run(n: int, rounds: int) -> tuple[float, float]:
        def talk(i: int, r: int) -> None:
            "".join(b.stream(messages(i), sampling, seed=1000 * r + i, cache_key=f"k{i % 2}"))

        t0, c0, g0 = time.perf_counter(), time.process_time(), b.decoder.generated_tokens
        for r in range(rounds):
            ts = [threading.Thread(target=talk, args=(i, r)) for i in range(n)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        gen = max(1, b.decoder.generated_tokens - g0)
        return gen / (time.perf_counter() - t0), (time.process_time() - c0) * 1000 / gen

    for i in range(2):  # the two persona prefixes, cached before timing
        "".join(b.stream(messages(i), sampling, seed=1, cache_key=f"k{i}"))
    print(f"adapter {args.adapter}, padding {'on' if b.decoder.pad else 'off'}")
    for _ in range(args.repeat):
        for n, rounds in ((1, 6), (8, 2)):
            tps, cpu_ms = run(n, rounds)
            print(f"conversations {n}: {tps:6.1f} tokens/s wall, {cpu_ms:5.1f} ms CPU a token "
                  f"({1000 / cpu_ms:.1f} tokens per CPU second)")
    b.close()


if __name__ == "__main__":
    main()
