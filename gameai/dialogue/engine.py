"""The dialogue engine: one backend (one model), one embedder and one memory store shared by all NPCs.

Thread-safe: generation is serialised by the backend's lock, the embedder and store lock
themselves, so a web service or a game's worker thread may call NPCs concurrently.
"""
from __future__ import annotations

import logging
import threading
import warnings
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from gameai.dialogue.backends.base import Backend
from gameai.dialogue.backends.factory import make_backend
from gameai.dialogue.config import EngineConfig
from gameai.dialogue.embeddings import Embedder, default_embedder
from gameai.dialogue.errors import BackendError, DialogueError, DialogueWarning, PlayerNotFoundError
from gameai.dialogue.memory import MemoryStore
from gameai.dialogue.npc import NPC
from gameai.dialogue.persona import Persona, load_persona
from gameai.dialogue.turn import TurnContext

log = logging.getLogger("gameai.dialogue")


class DialogueEngine:
    """Build once per game; `engine.npc(persona)` gives NPCs that share its model.

    When the configured model is missing or fails to load, the engine warns (DialogueWarning,
    and `engine.warning`) and its NPCs answer with authored lines: the game never crashes.
    """

    def __init__(self, config: EngineConfig | None = None, backend: Backend | None = None,
                 embedder: Embedder | None = None, store: MemoryStore | None = None):
        self.config = config or EngineConfig()
        self.warning: str | None = None
        self.store = store or MemoryStore(self.config.memory_path)
        self._own_store = store is None
        self.embedder = embedder or default_embedder()
        # The engine closes only what it created: a backend passed in may serve other engines.
        self._own_backend = backend is None
        if backend is None:
            try:
                backend = make_backend(self.config.backend, model=self.config.model,
                                       base_url=self.config.base_url, api_key=self.config.api_key,
                                       adapter=self.config.adapter, parallel=self.config.parallel)
            except BackendError as exc:
                from gameai.dialogue.backends.authored import AuthoredBackend
                self.warn(f"{exc}. NPCs will answer with authored lines only.")
                backend = AuthoredBackend()
        self.backend = backend
        self._npcs: dict[str, NPC] = {}
        # Memory writes (embedding the NPC's line, SQLite insert, compaction) run off the reply's
        # critical path on one worker thread; every turn and close() wait for them first.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gameai-memory")
        self._pending: list[Future] = []
        self._pending_lock = threading.Lock()
        # How often each (npc, player) pair was forgotten ((None, player): by every NPC at once).
        # A turn is remembered only if the count is unchanged since it began (remember_later).
        self._forgotten: Counter[tuple[str | None, str]] = Counter()
        # All an NPC sees of the engine: shared parts and the services a turn calls.
        self.context = TurnContext(
            config=self.config, backend=self.backend, embedder=self.embedder, store=self.store, warn=self.warn,
            warning=lambda: self.warning, flush=self.flush, memory_epoch=self.memory_epoch,
            remember_later=self.remember_later,
            forget=lambda player, npc, archive: self.forget(player, npc_id=npc, archive=archive),
            cast=lambda: [n.persona for n in list(self._npcs.values())])

    def warn(self, message: str) -> None:
        self.warning = message
        log.warning(message)
        warnings.warn(message, DialogueWarning, stacklevel=3)

    def npc(self, persona: Persona | str | Path) -> NPC:
        """The NPC for a persona (object or TOML path); the same persona id gives the same NPC."""
        p = persona if isinstance(persona, Persona) else load_persona(persona)
        if p.id not in self._npcs:
            self._npcs[p.id] = NPC(self.context, p)
            self._warm(p)
        return self._npcs[p.id]

    def _warm(self, persona: Persona) -> None:
        """What every turn of this NPC reuses, done when the NPC is created rather than in its first
        turn: the router, with the speech-act examples and the persona's data that it compares
        player lines with (items, facts, relationships, rumours, landmarks of its own world),
        embedded through the embedder's on-disk cache of fixed texts; and the model's state after
        the persona's static prompt block in its own world (llama.cpp: read from disk, or
        evaluated once and saved). A game creates its NPCs when it loads, so none of this falls
        on the player's first line."""
        from gameai.dialogue.grounding import Grounding
        from gameai.dialogue.prompt import build_prompt, prefix_key
        from gameai.dialogue.router import data_options
        from gameai.dialogue.world import World

        try:
            world = World.from_dict(persona.world)
        except DialogueError:
            return  # the turn reports a bad world; warming up is only a shortcut
        static = getattr(self.embedder, "embed_static", None)  # a game's own embedder may not have one
        if static is not None:
            static([o.text for o in data_options(persona, world)])
            self._npcs[persona.id].router  # noqa: B018 - builds the router and its speech-act examples now
        structured = self.config.structured and self.backend.supports_json
        prompt = build_prompt(persona, world, Grounding([]), [], [], "", structured=structured)
        try:
            warm = getattr(self.backend, "warm", None)  # a game's own backend may not have one
            if warm is not None:
                warm(prompt.messages, prefix_key(persona, world))
        except BackendError:
            pass  # the turn meets the same problem and reports it

    @property
    def cast_names(self) -> frozenset[str]:
        return self.context.cast_first_names()

    @property
    def cast_names_lower(self) -> frozenset[str]:
        return self.context.cast_names_lower()

    def write_later(self, fn, *args) -> None:
        with self._pending_lock:
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._writer.submit(fn, *args))

    def flush(self) -> None:
        """Wait for pending memory writes (raises the first write error, if any)."""
        with self._pending_lock:
            pending, self._pending = self._pending, []
        for f in pending:
            f.result()

    def memory_epoch(self, npc_id: str, player_id: str) -> tuple[int, int]:
        """Changes whenever the NPC forgets the player (see remember_later)."""
        with self._pending_lock:
            return self._epoch(npc_id, player_id)

    def _epoch(self, npc_id: str, player_id: str) -> tuple[int, int]:
        return self._forgotten[(None, player_id)], self._forgotten[(npc_id, player_id)]

    def remember_later(self, npc_id: str, player_id: str, epoch: tuple[int, int], fn, *args) -> None:
        """write_later for a turn that began at `epoch`; dropped if the NPC has forgotten the
        player since (the turn's words would come back after the erasure). Checked and queued
        under the lock that forget() queues under, so each write is either queued before the
        erasure (and erased by it) or not at all."""
        with self._pending_lock:
            if self._epoch(npc_id, player_id) != epoch:
                return
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._writer.submit(fn, *args))

    def forget(self, player_id: str, npc_id: str | None = None, archive: bool = False) -> int:
        """Make an NPC (npc_id None: every NPC) forget a player; returns the memories forgotten.

        By default this is an erasure: every row of the player (lines, summaries, archived
        history) is deleted and the memory file rewritten, so that no trace of the player's words
        stays on disk or in the embedding cache. archive=True only stops the NPC recalling them
        and keeps the history on disk (as compaction does). Memory writes queued before this call
        run first and are erased with the rest; a turn still in flight is not remembered.
        Raises PlayerNotFoundError when the store holds nothing of the player (for that NPC).
        """
        if not isinstance(player_id, str) or not player_id.strip():
            raise DialogueError(f"player_id must be a non-empty string, got {player_id!r}")
        with self._pending_lock:
            self._forgotten[(npc_id, player_id)] += 1
            try:
                # On the one writer thread, behind every write queued so far: none lands after it.
                job = self._writer.submit(self._forget_now, player_id, npc_id, archive)
            except RuntimeError:
                raise DialogueError("the dialogue engine is closed; forget before engine.close()") from None
        return job.result()

    def _forget_now(self, player_id: str, npc_id: str | None, archive: bool) -> int:
        store = self.store
        if store.scrub_pending:  # an earlier erasure could not rewrite the file: finish it first
            store.scrub()
        if not store.count(npc_id, player_id, include_archived=True):
            whom = "no NPC has any memory" if npc_id is None else f"NPC {npc_id!r} has no memory"
            raise PlayerNotFoundError(f"nothing to forget: {whom} of player {player_id!r} "
                                      "(player ids are case-sensitive; an erased player stays erased)")
        if archive:
            return store.archive_pair(npc_id, player_id)
        texts = store.texts(npc_id, player_id)
        n = store.delete(npc_id, player_id)
        evict = getattr(self.embedder, "evict", None)  # an embedder of the game's own may have no cache
        if evict is not None:
            evict(texts)
        return n

    def close(self) -> None:
        """Flush memory to disk and release the model (each only if this engine created it)."""
        self.flush()
        self._writer.shutdown(wait=True)
        if self._own_store:
            self.store.close()
        if self._own_backend:
            self.backend.close()

    def __enter__(self) -> "DialogueEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
