"""Shared, load-once pieces for the dialogue tests: models load once per test session."""
from __future__ import annotations

from functools import lru_cache

from gameai.dialogue import DialogueEngine, EngineConfig, MemoryStore, load_cast


@lru_cache(maxsize=1)
def cast():
    return {p.id: p for p in load_cast()}


@lru_cache(maxsize=1)
def embedder():
    from gameai.dialogue.embeddings import default_embedder
    return default_embedder()


@lru_cache(maxsize=1)
def smollm2():
    from gameai.dialogue.backends.transformers_backend import TransformersBackend
    return TransformersBackend()


@lru_cache(maxsize=1)
def llama():
    from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
    return LlamaCppBackend()


def authored():
    from gameai.dialogue.backends.authored import AuthoredBackend
    return AuthoredBackend()


def engine(backend, memory: str = ":memory:", **cfg) -> DialogueEngine:
    """An engine on a shared backend and embedder, with its own memory store."""
    eng = DialogueEngine(EngineConfig(memory_path=memory, **cfg), backend=backend, embedder=embedder(),
                         store=MemoryStore(memory))
    for p in cast().values():
        eng.npc(p)
    return eng
