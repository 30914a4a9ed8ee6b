"""Choose a backend by name (config / CLI): one model instance, shared by all NPCs of an engine."""
from __future__ import annotations

from typing import Any

from gameai.dialogue.backends.base import Backend
from gameai.dialogue.errors import BackendError

BACKENDS = ("smollm2", "llama_cpp", "openai", "hf", "authored")


def make_backend(kind: str = "smollm2", **options: Any) -> Backend:
    """kind: smollm2 (the embedded SmolLM2-135M: run by llama.cpp when llama-cpp-python is installed,
    else by transformers) | llama_cpp (model=GGUF path, default the embedded GGUF) | openai (base_url,
    model, api_key) | hf (model=local HF folder; without one, the embedded GGUF de-quantised by
    transformers) | authored (no model)."""
    model = options.get("model")
    parallel = 1 if options.get("parallel") is None else options["parallel"]
    if kind == "smollm2":
        return _embedded(parallel)
    if kind == "hf":
        from gameai.dialogue.backends.transformers_backend import TransformersBackend
        return TransformersBackend(model) if model else TransformersBackend()
    if kind == "llama_cpp":
        from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
        return LlamaCppBackend(model, parallel=parallel)
    if kind == "openai":
        from gameai.dialogue.backends.openai_http import OpenAIHTTPBackend
        return OpenAIHTTPBackend(options.get("base_url") or "http://127.0.0.1:8080/v1",
                                 model=model or "local", api_key=options.get("api_key"), parallel=parallel)
    if kind == "authored":
        from gameai.dialogue.backends.authored import AuthoredBackend
        return AuthoredBackend()
    raise BackendError(f"unknown backend {kind!r}; choose one of: {', '.join(BACKENDS)}")


def _embedded(parallel: int = 1) -> Backend:
    """The default model, on the fastest runtime installed. llama.cpp reads the GGUF as it is (about
    1 s to a first token); transformers must de-quantise all 272 tensors to float32 first (about
    20 s on one core), so it is the fallback, for installs without llama-cpp-python. The backend's
    `runtime` says which one runs (`gameai chat` prints it)."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is not None:
        from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
        backend = LlamaCppBackend(None, parallel=parallel)
        backend.name = "smollm2"
        return backend
    from gameai.dialogue.backends.transformers_backend import TransformersBackend
    return TransformersBackend()
