"""The cast the service serves: persona files -> NPCs of one shared `DialogueEngine`.

The engine (gameai.dialogue) owns the model, memory and guardrails; this module only maps
HTTP ids to NPCs and engine errors to HTTP errors. Methods marked "model thread" are called
through the model queue; the others are cheap and run anywhere.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gameai.service.config import ServiceConfig
from gameai.service.errors import ErrorCode, ServiceError


@dataclass(frozen=True)
class TurnRequest:
    player_id: str
    text: str
    world: dict[str, Any] | None
    max_new_tokens: int

    @classmethod
    def from_body(cls, body: Any, config: ServiceConfig) -> "TurnRequest":
        return cls(
            player_id=body.player_id,
            text=body.text,
            world=body.world.model_dump() if body.world is not None else None,
            max_new_tokens=body.max_new_tokens or config.default_max_new_tokens,
        )


@dataclass(frozen=True)
class Turn:
    """A validated turn, ready for the model thread."""

    npc_id: str
    player_id: str
    text: str
    world: Any  # gameai.dialogue.World
    max_new_tokens: int


def _bad_request(exc: Exception) -> ServiceError:
    return ServiceError(422, ErrorCode.INVALID_REQUEST, str(exc))


class CastRegistry:
    def __init__(self, personas: list[Any], memory_path: str = ":memory:", backend: str | None = None) -> None:
        by_id: dict[str, Any] = {}
        for p in personas:
            if p.id in by_id:
                from gameai.dialogue.errors import PersonaError

                raise PersonaError(
                    f"{p.source}: field 'id': {p.id!r} is also the id of {by_id[p.id].source}; "
                    "NPC ids must be unique within a cast"
                )
            by_id[p.id] = p
        self._personas = by_id
        self._memory_path = memory_path
        self._backend = backend
        self._engine: Any = None
        self._npcs: dict[str, Any] = {}
        self._lock = threading.Lock()  # guards _npcs (loads happen on the model thread, reads anywhere)

    @classmethod
    def from_config(cls, config: ServiceConfig) -> "CastRegistry":
        """Reads and validates every persona file now; raises the engine's PersonaError if one is broken."""
        from gameai.dialogue import load_cast

        memory = str(config.memory_path) if config.memory_path else ":memory:"
        return cls(load_cast(config.cast_dir), memory_path=memory, backend=config.backend)

    # --- cheap bookkeeping --------------------------------------------------------------------
    def ids(self) -> list[str]:
        return list(self._personas)

    def loaded_count(self) -> int:
        with self._lock:
            return len(self._npcs)

    def persona(self, npc_id: str) -> Any:
        try:
            return self._personas[npc_id]
        except KeyError:
            known = ", ".join(list(self._personas)[:20])
            raise ServiceError(
                404, ErrorCode.NPC_NOT_FOUND, f"No NPC {npc_id!r} in this cast. Known NPCs: {known}.",
                detail={"npc_id": npc_id},
            ) from None

    def describe(self, npc_id: str) -> dict[str, Any]:
        p = self.persona(npc_id)
        with self._lock:
            loaded = npc_id in self._npcs
        return {"id": p.id, "name": p.name, "role": p.role, "loaded": loaded}

    def describe_all(self) -> list[dict[str, Any]]:
        return [self.describe(i) for i in self._personas]

    def prepare(self, npc_id: str, request: TurnRequest) -> Turn:
        """Validate a turn before it takes a place in the model queue."""
        from gameai.dialogue import World
        from gameai.dialogue.errors import WorldError

        self.persona(npc_id)
        try:
            world = World.from_dict(request.world, source="world") if request.world is not None else None
        except WorldError as exc:
            raise _bad_request(exc) from None
        return Turn(npc_id, request.player_id, request.text, world, request.max_new_tokens)

    # --- model thread ---------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Create the engine and load the model (model thread, once)."""
        if self._engine is None:
            from gameai.dialogue import DialogueEngine

            self._engine = DialogueEngine(backend=self._backend, memory=self._memory_path)

    def load(self, npc_id: str) -> Any:
        with self._lock:
            npc = self._npcs.get(npc_id)
        if npc is None:
            self.warm_up()
            npc = self._engine.npc(self.persona(npc_id))
            with self._lock:
                self._npcs[npc_id] = npc
        return npc

    def respond(self, turn: Turn) -> Any:
        from gameai.dialogue.errors import MessageError

        npc = self.load(turn.npc_id)
        try:
            return npc.respond(turn.player_id, turn.text, turn.world, max_new_tokens=turn.max_new_tokens)
        except MessageError as exc:
            raise _bad_request(exc) from None

    def stream(self, turn: Turn) -> Iterator[Any]:
        """Text chunks as generated, then the final Reply."""
        from gameai.dialogue.errors import MessageError

        npc = self.load(turn.npc_id)
        try:
            yield from npc.stream(turn.player_id, turn.text, turn.world, max_new_tokens=turn.max_new_tokens)
        except MessageError as exc:
            raise _bad_request(exc) from None

    # --- memory (any thread; the engine's store is thread-safe) ---------------------------------
    def memory(self, npc_id: str, player_id: str) -> list[dict[str, Any]]:
        self.persona(npc_id)
        self.warm_up_memory()
        return self._engine.memory.history(npc_id, player_id)

    def reset(self, npc_id: str, player_id: str) -> int:
        self.persona(npc_id)
        return self._engine.memory.forget(npc_id, player_id)

    def close(self) -> None:
        """Flush and close the memory store (after the model queue has drained)."""
        if self._engine is not None:
            self._engine.close()
