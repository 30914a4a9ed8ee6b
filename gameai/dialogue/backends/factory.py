"""Choose a backend by name (config / CLI): one model instance, shared by all NPCs of an engine."""
from __future__ import annotations

from typing import Any

from gameai.dialogue.backends.base import Backend
from gameai.dialogue.errors import BackendError

BACKENDS = ("smollm2", "llama_cpp", "openai", "hf", "authored")


def make_backend(kind: str = "smollm2", **options: Any) -> Backend:
    """kind: smollm2 (embedded, transformers GGUF) | llama_cpp (model=GGUF path, default the embedded
    GGUF) | openai (base_url, model, api_key) | hf (model=local HF folder) | authored (no model)."""
    model = options.get("model")
    adapter = options.get("adapter", "default")  # the NPC voice LoRA (gameai.dialogue.adapter)
    if kind == "smollm2":
        from gameai.dialogue.backends.transformers_backend import TransformersBackend
        return TransformersBackend(adapter=adapter)
    if kind == "hf":
        from gameai.dialogue.backends.transformers_backend import TransformersBackend
        if not model:
            raise BackendError("backend 'hf' needs a model folder: pass --model DIR (a local Hugging Face model)")
        return TransformersBackend(model, adapter=adapter)
    if kind == "llama_cpp":
        from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
        return LlamaCppBackend(model, adapter=adapter)
    if kind == "openai":
        from gameai.dialogue.backends.openai_http import OpenAIHTTPBackend
        return OpenAIHTTPBackend(options.get("base_url") or "http://127.0.0.1:8080/v1",
                                 model=model or "local", api_key=options.get("api_key"))
    if kind == "authored":
        from gameai.dialogue.backends.authored import AuthoredBackend
        return AuthoredBackend()
    raise BackendError(f"unknown backend {kind!r}; choose one of: {', '.join(BACKENDS)}")
