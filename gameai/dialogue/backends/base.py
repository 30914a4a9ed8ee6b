"""The backend interface and sampling settings shared by every backend."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Iterator


@dataclass(frozen=True)
class Sampling:
    """Deliberate defaults for a small model: greedy decoding loops ("the the the"), so sample at
    a moderate temperature with nucleus + top-k cut-offs and a repetition penalty; seeded per turn
    so that the same seed gives the same line."""

    temperature: float = 0.7
    top_p: float = 0.9
    top_k: int = 40
    repetition_penalty: float = 1.15
    max_tokens: int = 40
    timeout_s: float = 20.0


class Backend:
    """One model instance, shared by every NPC. Generation is serialised by `lock`, held while a
    stream is being consumed (close the iterator to release it early)."""

    name = "base"
    runtime = "none"  # what runs the model (llama.cpp, transformers, an HTTP server); shown to the developer
    # json_schema: reply as {"line", "emotion"}; grammar: a GBNF string constraining the text.
    # Backends that cannot constrain decoding ignore both (the engine's checks still run).
    supports_json = False
    # How many conversations the backend decodes at once; 1: callers take turns on `lock`.
    parallel = 1

    def __init__(self) -> None:
        self.lock = threading.RLock()

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, seed: int = 0,
               cache_key: str | None = None, json_schema: dict[str, Any] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        raise NotImplementedError

    def warm(self, messages: list[dict[str, str]], cache_key: str | None) -> None:
        """Prepare what every turn with this static prompt block reuses (llama.cpp: its KV state),
        so that the first turn does not pay for it. Backends without a prompt cache do nothing."""

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def close(self) -> None:
        """Release the model. Safe to call twice."""


def common_prefix(a, b) -> int:
    """How many leading tokens two token sequences share (prompt-cache reuse)."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
