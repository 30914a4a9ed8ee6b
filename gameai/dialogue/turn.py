"""What a turn needs from the engine, and what it carries from step to step.

The engine builds one `TurnContext` and hands it to every NPC: the shared model, embedder, memory
store and config, plus the few engine services a turn calls (warnings, flushing and queueing memory
writes, the cast's names). The NPC sees nothing else of the engine, so dependencies point one way:
engine -> npc -> (turn, generation, routing, guards, memory), and none of those imports the engine.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from gameai.dialogue.backends.base import Backend
from gameai.dialogue.config import EngineConfig
from gameai.dialogue.embeddings import Embedder
from gameai.dialogue.grounding import Grounding
from gameai.dialogue.guards import InputVerdict
from gameai.dialogue.memory import MemoryStore
from gameai.dialogue.persona import Persona
from gameai.dialogue.reply import Reply
from gameai.dialogue.world import World


@dataclass(frozen=True)
class TurnContext:
    config: EngineConfig
    backend: Backend
    embedder: Embedder
    store: MemoryStore
    warn: Callable[[str], None]                  # report a backend problem once (engine.warn)
    warning: Callable[[], str | None]            # the engine's current warning, if any
    flush: Callable[[], None]                    # wait for queued memory writes
    memory_epoch: Callable[[str, str], tuple[int, int]]
    remember_later: Callable[..., None]          # (npc, player, epoch, fn, *args): queue a memory write
    forget: Callable[[str, str | None, bool], int]  # (player, npc or None, archive): DialogueEngine.forget
    cast: Callable[[], Iterable[Persona]]        # every persona the engine has an NPC for

    def cast_first_names(self) -> frozenset[str]:
        return frozenset(p.name.split()[0] for p in self.cast())

    def cast_names_lower(self) -> frozenset[str]:
        return frozenset(w.lower() for p in self.cast() for w in p.name.split())


def turn_seed(*parts: Any) -> int:
    """Stable across processes (unlike hash()): same engine seed + NPC + player + turn, same line."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=4).digest(), "little")


@dataclass
class TurnState:
    """One player line on its way to a reply: filled in by the pipeline's steps, in order."""

    player: str
    text: str
    world: World
    t0: float
    number: int = 0
    seed: int = 0
    epoch: tuple[int, int] = (0, 0)
    query: Any = None                            # the line's embedding
    verdict: InputVerdict | None = None
    grounding: Grounding = field(default_factory=lambda: Grounding([]))
    reply: Reply = field(default_factory=lambda: Reply(""))
    said_before: set[str] | None = None          # the NPC's recent lines to this player (read once)
