"""Any OpenAI-compatible chat server (llama.cpp's server, llama_cpp.server, Ollama, vLLM) over HTTP.

Streams /v1/chat/completions with server-sent events. Connect, read and total timeouts are set;
an unreachable server raises BackendError (the engine then falls back and warns).
"""
from __future__ import annotations

import json
import threading
import time
from typing import Any, Iterator

from gameai.dialogue.backends.base import Backend, Sampling
from gameai.dialogue.backends.llama_cpp_backend import PREFIX_MARK
from gameai.dialogue.errors import BackendError


class OpenAIHTTPBackend(Backend):
    name = "openai"
    runtime = "an OpenAI-compatible server"

    def __init__(self, base_url: str = "http://127.0.0.1:8080/v1", model: str = "local", api_key: str | None = None,
                 connect_timeout_s: float = 3.0, parallel: int = 1):
        super().__init__()
        if not isinstance(parallel, int) or isinstance(parallel, bool) or not 1 <= parallel <= 64:
            raise BackendError(f"parallel must be a whole number of requests from 1 to 64, got {parallel!r}")
        # parallel > 1: that many requests in flight at once, for a server with as many slots
        # (`python -m llama_cpp.server` has one; llama.cpp's `llama-server --parallel N`, vLLM, Ollama batch).
        self.parallel = parallel
        self._slots = threading.BoundedSemaphore(parallel)
        try:
            import httpx
        except ImportError:
            raise BackendError("httpx is not installed: run `pip install 'gameai[dialogue]'`") from None
        url = base_url.rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise BackendError(f"base URL {base_url!r} must start with http:// or https://, e.g. http://127.0.0.1:8080/v1")
        self.url = url if url.endswith("/v1") else url + "/v1"
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._httpx = httpx
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(30.0, connect=connect_timeout_s),
                                    limits=httpx.Limits(max_connections=max(parallel, 10)))

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, seed: int = 0,
               cache_key: str | None = None, json_schema: dict[str, Any] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        httpx = self._httpx
        body = {
            "model": self.model, "stream": True, "seed": seed,
            "messages": [{"role": m["role"], "content": m["content"].replace(PREFIX_MARK, "")} for m in messages],
            "temperature": sampling.temperature, "top_p": sampling.top_p, "top_k": sampling.top_k,
            "repeat_penalty": sampling.repetition_penalty, "max_tokens": sampling.max_tokens,
        }
        deadline = time.monotonic() + sampling.timeout_s
        with self._slots:
            try:
                with self._client.stream("POST", f"{self.url}/chat/completions", json=body,
                                         timeout=httpx.Timeout(sampling.timeout_s, connect=3.0)) as resp:
                    if resp.status_code != 200:
                        resp.read()
                        raise BackendError(f"{self.url}: server answered HTTP {resp.status_code}: {resp.text[:200]}")
                    for line in resp.iter_lines():
                        if time.monotonic() > deadline:
                            raise BackendError(f"{self.url}: no full reply within {sampling.timeout_s}s")
                        if not line.startswith("data:"):
                            continue
                        data = line[5:].strip()
                        if data == "[DONE]":
                            break
                        try:
                            delta = json.loads(data)["choices"][0].get("delta", {}).get("content") or ""
                        except (ValueError, KeyError, IndexError, TypeError):
                            raise BackendError(f"{self.url}: not an OpenAI-compatible stream: {data[:120]!r}") from None
                        if delta:
                            yield delta
            except httpx.ConnectError as exc:
                raise BackendError(f"{self.url}: cannot connect ({exc}); is the server running? "
                                   "Start one with `python -m llama_cpp.server --model FILE.gguf`") from None
            except httpx.TimeoutException:
                raise BackendError(f"{self.url}: timed out after {sampling.timeout_s}s") from None
            except httpx.HTTPError as exc:
                raise BackendError(f"{self.url}: HTTP error {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        self._client.close()
