"""The no-model backend: NPCs answer with authored and templated lines only.

Used when a model is missing or failed to load (with a warning), or chosen on purpose for tests
of game logic and for platforms without a model. It generates nothing, so it streams nothing.
"""
from __future__ import annotations

from typing import Any, Iterator

from gameai.dialogue.backends.base import Backend, Sampling


class AuthoredBackend(Backend):
    name = "authored"

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, seed: int = 0,
               cache_key: str | None = None, json_schema: dict[str, Any] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        return iter(())
