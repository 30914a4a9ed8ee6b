"""The dialogue engine: one backend (one model), one embedder and one memory store shared by all NPCs.

Thread-safe: generation is serialised by the backend's lock, the embedder and store lock
themselves, so a web service or a game's worker thread may call NPCs concurrently.
"""
from __future__ import annotations

import logging
import threading
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from gameai.dialogue.backends.base import Backend
from gameai.dialogue.backends.factory import make_backend
from gameai.dialogue.config import EngineConfig
from gameai.dialogue.embeddings import Embedder, default_embedder
from gameai.dialogue.errors import BackendError, DialogueWarning
from gameai.dialogue.memory import MemoryStore
from gameai.dialogue.persona import Persona, load_persona

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
                                       base_url=self.config.base_url, api_key=self.config.api_key)
            except BackendError as exc:
                from gameai.dialogue.backends.authored import AuthoredBackend
                self.warn(f"{exc}. NPCs will answer with authored lines only.")
                backend = AuthoredBackend()
        self.backend = backend
        self._npcs: dict[str, object] = {}
        # Memory writes (embedding the NPC's line, SQLite insert, compaction) run off the reply's
        # critical path on one worker thread; every turn and close() wait for them first.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gameai-memory")
        self._pending: list[Future] = []
        self._pending_lock = threading.Lock()

    def warn(self, message: str) -> None:
        self.warning = message
        log.warning(message)
        warnings.warn(message, DialogueWarning, stacklevel=3)

    def npc(self, persona: Persona | str | Path):
        """The NPC for a persona (object or TOML path); the same persona id gives the same NPC."""
        from gameai.dialogue.npc import NPC

        p = persona if isinstance(persona, Persona) else load_persona(persona)
        if p.id not in self._npcs:
            self._npcs[p.id] = NPC(self, p)
        return self._npcs[p.id]

    @property
    def cast_names(self) -> frozenset[str]:
        return frozenset(n.persona.name.split()[0] for n in self._npcs.values())  # type: ignore[attr-defined]

    @property
    def cast_names_lower(self) -> frozenset[str]:
        return frozenset(w.lower() for n in self._npcs.values() for w in n.persona.name.split())  # type: ignore[attr-defined]

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
