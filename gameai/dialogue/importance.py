"""How much a memory matters (1..10), scored by rules.

Generative Agents asks the LLM for this; a 135M model cannot rate reliably, so the engine uses
cues that matter in games: names, promises, quests, trades, threats, loss, insults, gifts.
"""
from __future__ import annotations

import re

_CUES: tuple[tuple[str, int], ...] = (
    (r"\b(my name is|i am called|call me)\b", 4),
    (r"\b(promise|swear|vow|owe|debt|deal)\b", 3),
    (r"\b(quest|task|job|reward|bounty)\b", 2),
    (r"\b(buy|bought|sell|sold|trade|price|gold|coins?)\b", 1),
    (r"\b(kill|killed|dead|died|death|murder|attack|threat|war)\b", 3),
    (r"\b(lost|missing|sister|brother|mother|father|son|daughter|wife|husband|friend|family)\b", 3),
    (r"\b(love|hate|afraid|fear|sorry|thank|thanks|grateful)\b", 2),
    (r"\b(secret|hidden|treasure|map|key)\b", 2),
)


def importance(text: str, flags: list[str] | tuple[str, ...] = ()) -> float:
    """1 (mundane) .. 10 (life-changing). Guard events (insults, injections) are remembered too."""
    low = text.lower()
    score = 1.0 + sum(w for pat, w in _CUES if re.search(pat, low))
    if any(f.startswith("input:insult") for f in flags):
        score += 3
    if any(f.startswith(("input:injection", "input:dictation")) for f in flags):
        score += 1
    return float(min(10.0, score))
