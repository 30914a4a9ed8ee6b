"""Memory retrieval: does the scoring formula bring back the right memory, and how fast?

Run:  .venv/bin/python benchmarks/bench_dialogue_memory.py [--trials 8] [--filler 200]

For each trial, one key memory (a name, a promise, a loss, a debt...) is planted at a different
age among --filler mundane lines of the same NPC-player pair; a later question about it is the
query. Printed side by side, recall@1/@4 and retrieval time for:
  - gameai's weights (recency 1, importance 1, relevance 3, decay 0.97 per turn);
  - the peer: Generative Agents' equal weights (1, 1, 1) with its min-max normalisation, decay
    0.995 per step;
  - relevance only (plain cosine top-k, what most chat memories do);
  - recency only (a sliding window: what a prompt-window-only NPC remembers).
Embeddings: the packaged all-MiniLM-L6-v2, 1 thread. Timings are medians; the machine is shared.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("GAMEAI_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PLANTED = [
    ("My sister Lina vanished in the Greywood last winter.", "Have you heard anything about my missing sister?"),
    ("I promised the miller I would find his lost dog.", "What did I promise to do for the miller?"),
    ("I am allergic to moonpetal, it nearly killed me once.", "Which herb is dangerous for me?"),
    ("My name is Arin and I come from Greyhill.", "Do you remember where I am from?"),
    ("Bandits robbed me of my father's ring on the south road.", "Who took my ring?"),
    ("I owe Tobin ten silver for the room.", "How much money do I owe, and to whom?"),
    ("I killed the wolf that attacked your sheep.", "What did I do about the wolf?"),
    ("I want to become a blacksmith one day.", "What is my dream job?"),
]
FILLER = ["Nice weather today.", "I bought some bread.", "The road was muddy.", "I like your hat.",
          "How is business?", "I saw a cat by the well.", "The ale was good.", "I am tired from walking.",
          "My boots are wet.", "Have a good day.", "I slept at the inn.", "The market is busy.",
          "Do you sell rope?", "The sky looks grey.", "I heard music last night.", "Thanks for the chat."]


def ga_score(mems, q, now, decay=0.995):
    """Generative Agents: each component min-max normalised to [0, 1], weights 1, 1, 1."""
    def norm(x):
        x = np.asarray(x, dtype=np.float64)
        span = x.max() - x.min()
        return (x - x.min()) / span if span > 0 else np.zeros_like(x)
    rec = decay ** (now - np.array([m.turn for m in mems], dtype=np.float64))
    imp = np.array([m.importance for m in mems])
    rel = np.stack([m.embedding for m in mems]) @ q
    return norm(rec) + norm(imp) + norm(rel)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=8)
    ap.add_argument("--filler", type=int, default=200)
    args = ap.parse_args()
    from gameai.dialogue.embeddings import default_embedder
    from gameai.dialogue.importance import importance
    from gameai.dialogue.memory import MemoryStore
    from gameai.dialogue.retrieval import RetrievalWeights, score

    emb = default_embedder()
    methods = {
        "gameai (1,1,3; 0.97/turn)": lambda m, q, n: score(m, q, n, RetrievalWeights()),
        "Generative Agents (1,1,1)": ga_score,
        "relevance only (cosine)": lambda m, q, n: score(m, q, n, RetrievalWeights(0, 0, 1)),
        "recency only (window)": lambda m, q, n: score(m, q, n, RetrievalWeights(1, 0, 0)),
    }
    hits = {k: [0, 0] for k in methods}
    times = {k: [] for k in methods}
    for t, (key, query) in enumerate(PLANTED[:args.trials]):
        with MemoryStore() as store:
            pos = int((t + 1) * args.filler / (args.trials + 2))  # the key memory at a different age each time
            texts = [key if i == pos else FILLER[(i * 7 + t) % len(FILLER)] for i in range(args.filler)]
            vecs = emb.embed(texts)
            for i, (text, v) in enumerate(zip(texts, vecs)):
                store.add("npc", "p", i, "player", text, importance(text), v)
            mems = store.active("npc", "p")
            q = emb.embed_one(query)
            for name, fn in methods.items():
                reps = []
                for _ in range(5):
                    a = time.perf_counter()
                    s = fn(mems, q, args.filler)
                    order = np.argsort(-s, kind="stable")
                    reps.append((time.perf_counter() - a) * 1000)
                times[name].append(statistics.median(reps))
                ranked = [mems[int(i)].text for i in order[:4]]
                hits[name][0] += ranked[0] == key
                hits[name][1] += key in ranked
    print(f"\nMemory retrieval: {args.trials} planted memories among {args.filler} lines each (all-MiniLM-L6-v2)")
    print(f"{'method':<28} {'recall@1':>8} {'recall@4':>8} {'score+rank ms':>13}")
    for name in methods:
        print(f"{name:<28} {hits[name][0] / args.trials:>8.0%} {hits[name][1] / args.trials:>8.0%} "
              f"{statistics.median(times[name]):>13.3f}")
    base = hits["Generative Agents (1,1,1)"][1] or 1
    print(f"\ngameai vs Generative Agents weights: recall@4 x{hits['gameai (1,1,3; 0.97/turn)'][1] / base:.2f}")
    print("timings are medians on a shared, noisy machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
