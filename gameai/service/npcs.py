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
class Turn:
    """A turn whose NPC id is known, ready for the model thread."""

    npc_id: str
    player_id: str
    text: str
    world: dict[str, Any] | None  # plain data; the engine validates it (WorldError)


def _bad_request(exc: Exception) -> ServiceError:
    return ServiceError(422, ErrorCode.INVALID_REQUEST, str(exc))


class CastRegistry:
    """`engine_config` is a `gameai.dialogue.EngineConfig`; the engine is built by `warm_up()`."""

    def __init__(self, personas: list[Any], engine_config: Any = None) -> None:
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
        self._engine_config = engine_config
        self._max_input_chars: int = getattr(engine_config, "max_input_chars", 600)
        self._engine: Any = None
        self._npcs: dict[str, Any] = {}
        self._lock = threading.Lock()  # guards _npcs and _engine (built on the model thread, read anywhere)
        self._build_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: ServiceConfig) -> "CastRegistry":
        """Reads and validates every persona file now; raises the engine's PersonaError if one is broken."""
        from gameai.dialogue import EngineConfig, Sampling, load_cast

        engine_config = EngineConfig(
            backend=config.backend or EngineConfig.backend,
            model=config.model,
            base_url=config.base_url,
            memory_path=str(config.memory_path) if config.memory_path else ":memory:",
            sampling=Sampling(max_tokens=config.max_new_tokens, timeout_s=config.generation_timeout_s),
            max_input_chars=config.max_text_chars,
            parallel=config.parallel,
        )
        return cls(load_cast(config.cast_dir), engine_config)

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

    def turn(self, npc_id: str, player_id: str, text: str, world: dict[str, Any] | None) -> Turn:
        """Check what can be checked cheaply before the turn takes a place in the model queue, so
        that a bad turn is a 404/422 even on the streaming endpoint (not an error event later)."""
        from gameai.dialogue import World
        from gameai.dialogue.errors import MessageError, WorldError
        from gameai.dialogue.guards import validate_message

        self.persona(npc_id)
        try:
            validate_message(text, self._max_input_chars)
            if world is not None:
                World.from_dict(world)
        except (MessageError, WorldError) as exc:
            raise _bad_request(exc) from None
        return Turn(npc_id, player_id, text, world)

    @property
    def engine(self) -> Any:
        with self._lock:
            if self._engine is None:
                raise ServiceError(503, ErrorCode.SHUTTING_DOWN, "The dialogue engine is not running.")
            return self._engine

    def engine_parallel(self) -> int:
        """How many conversations the engine's backend decodes at once."""
        return int(getattr(self.engine.backend, "parallel", 1))

    @property
    def warning(self) -> str | None:
        """The engine's warning, e.g. that the model is missing and NPCs use authored lines."""
        with self._lock:
            return self._engine.warning if self._engine is not None else None

    # --- model thread (warm_up runs there once; load is cheap and may run anywhere) --------------
    def warm_up(self) -> None:
        """Build the engine: load the model and the embedder (once; call on the model thread)."""
        from gameai.dialogue import DialogueEngine

        with self._build_lock:  # one engine, however many callers race here
            with self._lock:
                if self._engine is not None:
                    return
            engine = DialogueEngine(self._engine_config)
            with self._lock:
                self._engine = engine

    def load(self, npc_id: str) -> Any:
        """The NPC object (cheap: the model is shared and already loaded by warm_up)."""
        persona = self.persona(npc_id)
        self.warm_up()
        with self._lock:
            if npc_id not in self._npcs:
                self._npcs[npc_id] = self._engine.npc(persona)
            return self._npcs[npc_id]

    def respond(self, turn: Turn) -> Any:
        from gameai.dialogue.errors import MessageError, WorldError

        npc = self.load(turn.npc_id)
        try:
            return npc.respond(turn.player_id, turn.text, turn.world)
        except (MessageError, WorldError) as exc:
            raise _bad_request(exc) from None

    def stream(self, turn: Turn) -> Iterator[Any]:
        """The line's text pieces as they are approved, then the final Reply."""
        from gameai.dialogue.errors import MessageError, WorldError

        npc = self.load(turn.npc_id)
        try:
            pieces = npc.stream(turn.player_id, turn.text, turn.world)
        except (MessageError, WorldError) as exc:
            raise _bad_request(exc) from None
        with pieces:  # closing early (client gone) stops generation; nothing is remembered
            yield from pieces
        yield pieces.reply

    # --- memory (any thread: the engine's store locks itself) -----------------------------------
    def _written(self) -> Any:
        """The engine, once every memory write queued so far is on disk.

        The engine writes memory after a reply has been returned, on its one writer thread
        (`write_later`). A marker queued behind those writes runs only when they are done, so
        a read that follows a reply sees that reply. (engine.flush() alone is not enough here:
        a concurrent flush on another thread may already have taken the pending list.)
        """
        engine = self.engine
        done = threading.Event()
        engine.write_later(done.set)
        done.wait()
        return engine

    def memory(self, npc_id: str, player_id: str) -> list[dict[str, Any]]:
        """What the NPC remembers of the player (its active memories, oldest first)."""
        self.persona(npc_id)
        return [
            {"turn": m.turn, "speaker": m.speaker, "text": m.text, "importance": m.importance}
            for m in self._written().store.active(npc_id, player_id)
        ]

    def reset(self, npc_id: str, player_id: str, archive: bool = False) -> int:
        """Make the NPC forget the player: erase every trace (default), or archive=True to keep
        the history on disk, unrecalled. Replies already sent to this player are erased too."""
        self.persona(npc_id)
        return self._forget(player_id, npc_id, archive)

    def reset_everywhere(self, player_id: str, archive: bool = False) -> int:
        """Make every NPC of the memory file forget the player (one erasure, one file rewrite)."""
        return self._forget(player_id, None, archive)

    def _forget(self, player_id: str, npc_id: str | None, archive: bool) -> int:
        from gameai.dialogue.errors import DialogueError, PlayerNotFoundError

        try:
            return self.engine.forget(player_id, npc_id=npc_id, archive=archive)
        except PlayerNotFoundError as exc:
            raise ServiceError(404, ErrorCode.PLAYER_NOT_FOUND, f"{exc}.",
                               detail={"npc_id": npc_id, "player_id": player_id}) from None
        except DialogueError as exc:  # rows deleted, file not yet rewritten (another reader, disk full)
            raise ServiceError(503, ErrorCode.MEMORY_BUSY, f"{exc}. Send the same DELETE again later: "
                               "the server finishes the rewrite first (then player_not_found means done).",
                               detail={"npc_id": npc_id, "player_id": player_id},
                               headers={"Retry-After": "5"}) from None

    def close(self) -> None:
        """Flush memory to disk and release the model (after the model queue has drained)."""
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
