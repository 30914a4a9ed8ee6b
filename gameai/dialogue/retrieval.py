"""Memory retrieval: score = w_recency * recency + w_importance * importance + w_relevance * relevance.

    recency    = decay ** (turns since the memory)     decay = 0.97 per turn of this NPC-player pair
    importance = importance / 10                        (importance.py, 1..10)
    relevance  = max(0, cosine(query, memory))          (all-MiniLM-L6-v2, unit vectors)

Default weights (1.0, 1.0, 3.0): relevance dominates because MiniLM cosines of related sentences sit
in 0.3-0.7 and unrelated ones near 0-0.15, while recency and importance break ties; benchmarks/
bench_dialogue_memory.py measures recall@k of planted memories for these and other weights.
Turns, not wall-clock hours (Generative Agents uses 0.995 per game hour), because a game's clock
may stop or jump; turns keep retrieval deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gameai.dialogue.embeddings import Embedder
from gameai.dialogue.importance import importance as rate_importance
from gameai.dialogue.memory import Memory, MemoryStore


@dataclass(frozen=True)
class RetrievalWeights:
    recency: float = 1.0
    importance: float = 1.0
    relevance: float = 3.0
    decay: float = 0.97


def score(memories: list[Memory], query: np.ndarray, now_turn: int, w: RetrievalWeights = RetrievalWeights()) -> np.ndarray:
    if not memories:
        return np.zeros(0)
    turns = np.array([m.turn for m in memories], dtype=np.float64)
    imp = np.array([m.importance for m in memories], dtype=np.float64) / 10.0
    emb = np.stack([m.embedding for m in memories])
    rel = np.clip(emb @ np.asarray(query, dtype=np.float32), 0.0, 1.0).astype(np.float64)
    rec = w.decay ** np.maximum(0.0, now_turn - turns)
    return w.recency * rec + w.importance * imp + w.relevance * rel


def retrieve(store: MemoryStore, npc: str, player: str, query: np.ndarray, now_turn: int, k: int = 4,
             w: RetrievalWeights = RetrievalWeights(), budget_chars: int = 480) -> list[Memory]:
    """Top-k memories by score that fit the prompt budget, returned in chronological order."""
    mems = store.active(npc, player)
    if not mems:
        return []
    s = score(mems, query, now_turn, w)
    order = np.argsort(-s, kind="stable")
    chosen, used = [], 0
    for i in order:
        m = mems[int(i)]
        if used + len(m.text) > budget_chars:
            continue
        chosen.append(m)
        used += len(m.text)
        if len(chosen) >= k:
            break
    return sorted(chosen, key=lambda m: m.id)


def compact(store: MemoryStore, embedder: Embedder, npc: str, player: str, max_active: int = 48,
            keep_recent: int = 16, summary_chars: int = 240) -> int:
    """When a pair has more than max_active memories, fold the oldest into one summary row.

    Extractive: the summary keeps the most important old lines verbatim (a 135M model cannot be
    trusted to summarise facts). The originals are archived, never deleted. Returns rows archived.
    """
    mems = store.active(npc, player)
    if len(mems) <= max_active:
        return 0
    # Keep at most half the budget verbatim, so a small max_active (a game with tight memory) still
    # has old rows to fold instead of an empty fold.
    keep = min(keep_recent, max(1, max_active // 2))
    old = mems[:-keep]
    ranked = sorted(old, key=lambda m: (-m.importance, -m.id))
    parts, used = [], 0
    for m in ranked:
        line = m.text if m.speaker == "summary" else f"{'Player' if m.speaker == 'player' else 'You'}: {m.text}"
        if used + len(line) > summary_chars:
            continue
        parts.append((m.id, line))
        used += len(line)
    text = "Earlier: " + " | ".join(line for _, line in sorted(parts))
    store.add(npc, player, max(m.turn for m in old), "summary", text,
              max(rate_importance(text), max(m.importance for m in old)), embedder.embed_one(text))
    store.archive([m.id for m in old])
    return len(old)
