"""llama-cpp-python: the fast local backend.

- Per-persona prompt-prefix cache: the KV state after a persona's static prompt block is saved
  once (per `cache_key`) and restored before each turn of that persona, so only the turn's
  dynamic part (world, facts, memories, the player's line) is evaluated. The state is also kept
  on disk (disk_cache.py, `llama-prefix/`, keyed by the block's tokens, the model and adapter
  files, llama.cpp's version and the context settings), so a new process reads it instead of
  evaluating the block again (about 0.5 s a persona on one core); `warm` builds it when the
  engine creates the NPC, before the player's first line.
- Grammar-constrained JSON (data/reply.gbnf): {"line": ..., "emotion": ...}, where the grammar
  itself forbids stage directions in the line.
"""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator

from gameai.dialogue.backends.base import Backend, Sampling, common_prefix
from gameai.dialogue.embeddings import threads
from gameai.dialogue.errors import BackendError, ModelMissingError

GRAMMAR_PATH = Path(__file__).resolve().parent.parent / "data" / "reply.gbnf"
PREFIX_MARK = "\x1e"  # the prompt builder puts this after the static block; never sent to the model
PREFIX_FILES = 64     # persona blocks kept on disk (about 2 MB each for SmolLM2-135M)


class LlamaCppBackend(Backend):
    name = "llama_cpp"
    runtime = "llama.cpp"
    supports_json = True

    def __init__(self, model_path: str | Path | None = None, n_ctx: int = 2048, max_cached_personas: int = 64,
                 parallel: int = 1, adapter: str | None = "default"):
        super().__init__()
        if not isinstance(parallel, int) or isinstance(parallel, bool) or not 1 <= parallel <= 64:
            raise BackendError(f"parallel must be a whole number of conversations from 1 to 64, got {parallel!r}")
        from gameai.dialogue.adapter import resolve_adapter
        adapter_dir = resolve_adapter(adapter, embedded_model=model_path is None)
        if model_path is None:
            from gameai.dialogue.backends.transformers_backend import smollm2_path
            model_path = smollm2_path()
        p = Path(model_path)
        if not p.is_file():
            raise ModelMissingError(f"{p}: GGUF model file not found; pass --model PATH of a .gguf file")
        try:
            from llama_cpp import Llama, LlamaGrammar
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError:
            raise BackendError("llama-cpp-python is not installed: run `pip install 'gameai[llama]'` with "
                               'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"') from None
        lora = None
        if adapter_dir is not None:
            from gameai.dialogue.adapter import gguf_for_llama, gguf_model_shape
            lora = str(gguf_for_llama(adapter_dir, *gguf_model_shape(p), model_name=p.stem))
        self.adapter = adapter_dir
        self._lora_path = lora
        self.llm, self.adapter_form = self._load(Llama, p, lora, n_ctx)
        meta = self.llm.metadata
        template = meta.get("tokenizer.chat_template")
        if not template:
            raise BackendError(f"{p}: the GGUF has no chat template; use an instruction-tuned model")
        eos = self.llm.detokenize([self.llm.token_eos()]).decode("utf-8", "ignore")
        bos = self.llm.detokenize([self.llm.token_bos()]).decode("utf-8", "ignore") if self.llm.token_bos() >= 0 else ""
        self._fmt = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        self._grammar = LlamaGrammar.from_string(GRAMMAR_PATH.read_text(encoding="utf-8"), verbose=False)
        self._grammars: dict[str, Any] = {}
        self._states: OrderedDict[str, tuple[list[int], bytes]] = OrderedDict()  # key -> (block tokens, state)
        self._max_states = max_cached_personas
        self.cache_hits = 0
        self.model_path = p
        # parallel > 1: conversations decode together in one batch (llama_batch.py); the lock is
        # then not held while streaming, so callers on several threads share decoding steps.
        self.parallel = parallel
        self.decoder = None
        if parallel > 1:
            from gameai.dialogue.backends.llama_batch import BatchDecoder
            # 1024 tokens a conversation: the engine's prompts are 300-600 tokens; KV memory is
            # 23 KB a token for SmolLM2-135M, so 8 slots + 8 cached persona blocks hold 377 MB.
            self.decoder = BatchDecoder(self.llm, slots=parallel, n_ctx_per_slot=min(n_ctx, 1024),
                                        prefix_cache=min(8, max_cached_personas), threads=threads())

    @staticmethod
    def _load(Llama, p: Path, lora: str | None, n_ctx: int):
        """(the model, how its adapter is applied: "merged" | "lora" | None). The LoRA is merged into
        the weights once and cached (adapter_merge.py: no float32 matmuls per token, no padded batch
        steps); applied at run time when there is no cache folder or the cached file will not load."""
        def make(path: Path, lora_path: str | None):
            return Llama(model_path=str(path), lora_path=lora_path, n_ctx=n_ctx, n_threads=threads(),
                         n_threads_batch=threads(), verbose=False, seed=0)

        if lora is not None:
            from gameai.dialogue.adapter_merge import discard, merged_model
            merged = merged_model(p, Path(lora))
            if merged is not None:
                try:
                    return make(merged, None), "merged"
                except (ValueError, RuntimeError, OSError):
                    discard(merged)  # a damaged cache file: removed; the LoRA is applied this time
        try:
            return make(p, lora), "lora" if lora else None
        except (ValueError, RuntimeError, OSError) as exc:
            raise BackendError(f"{p}: llama.cpp cannot load this model ({exc})") from None

    def _compiled(self, grammar: str | None):
        if grammar is None:
            return None
        if grammar not in self._grammars:
            from llama_cpp import LlamaGrammar
            if len(self._grammars) > 256:
                self._grammars.clear()
            self._grammars[grammar] = LlamaGrammar.from_string(grammar, verbose=False)
        return self._grammars[grammar]

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def _render(self, messages: list[dict[str, str]]) -> tuple[str, str]:
        """(full prompt, static prefix). The prefix ends where the system message's PREFIX_MARK was."""
        res = self._fmt(messages=messages)
        full = res.prompt
        cut = full.find(PREFIX_MARK)
        if cut < 0:
            return full, ""
        return full.replace(PREFIX_MARK, ""), full[:cut]

    def warm(self, messages: list[dict[str, str]], cache_key: str | None) -> None:
        """Have the state after this prompt's static block ready (read from disk or evaluated)
        before the first turn that uses it. A no-op when batching (llama_batch keeps its own), and
        when the model is busy with another line (a service creating an NPC must not wait behind a
        reply; the NPC's first turn then builds the state, as it would without warm)."""
        if self.decoder is not None or not cache_key or not self.lock.acquire(blocking=False):
            return
        try:
            if cache_key in self._states:
                return
            prompt, prefix = self._render(messages)
            if prefix:
                self._restore_prefix(cache_key, prefix, self.llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True))
        finally:
            self.lock.release()

    def _disk_identity(self) -> bytes:
        """What a saved state depends on besides its tokens."""
        if getattr(self, "_identity", None) is None:
            import hashlib

            import llama_cpp

            h = hashlib.blake2b(digest_size=32)
            cp = self.llm.context_params
            h.update(f"{llama_cpp.__version__}|{self.adapter_form}|{self.llm.n_ctx()}|{cp.n_batch}|{cp.n_ubatch}|{cp.type_k}|{cp.type_v}|"
                     f"{cp.flash_attn_type if hasattr(cp, 'flash_attn_type') else ''}|{cp.n_threads_batch}".encode())
            for f in (self.model_path, self._lora_path):
                if f is not None:
                    st = Path(f).stat()
                    h.update(f"{Path(f).resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
            self._identity = h.digest()
        return self._identity

    def _disk_path(self, ptoks: list[int]):
        from gameai.dialogue import disk_cache as dc

        folder = dc.cache_dir("llama-prefix")
        if folder is None:
            return None, None
        key = dc.cache_key(self._disk_identity(), [" ".join(map(str, ptoks))])
        return dc.path_for(folder, key), key

    def _load_prefix_state(self, ptoks: list[int]) -> bytes | None:
        """llama.cpp's saved state after exactly these tokens, from the disk cache, or None."""
        import struct

        import numpy as np

        from gameai.dialogue import disk_cache as dc

        path, key = self._disk_path(ptoks)
        payload = dc.load_bytes(path, key) if path is not None else None
        if payload is None or len(payload) < 4:
            return None
        n = struct.unpack_from("<I", payload)[0]
        if n != len(ptoks) or len(payload) <= 4 + 4 * n:
            return None
        if np.frombuffer(payload, dtype="<i4", count=n, offset=4).tolist() != ptoks:
            return None
        return payload[4 + 4 * n:]

    def _save_prefix_state(self, ptoks: list[int], data: bytes) -> None:
        import struct

        import numpy as np

        from gameai.dialogue import disk_cache as dc

        path, key = self._disk_path(ptoks)
        if path is not None:
            payload = struct.pack("<I", len(ptoks)) + np.asarray(ptoks, dtype="<i4").tobytes() + data
            dc.save_bytes(path, key, payload, max_files=PREFIX_FILES)

    def _snapshot(self) -> bytes:
        """llama.cpp's own state (KV cache and last logits), about 2 MB for a persona block. Not
        Llama.save_state: that also copies the Python logits buffer of every evaluated row (19 MB for
        a persona block) which nothing reads back (sampling reads the context's own logits)."""
        import ctypes

        import llama_cpp

        ctx = self.llm._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_get_data(ctx, buf, size)
        if not 0 < n <= size:
            raise RuntimeError("llama.cpp could not copy its state")
        return ctypes.string_at(buf, n)

    def _apply(self, tokens: list[int], data: bytes) -> None:
        """Put the context back in the state `_snapshot` took after evaluating `tokens`: what
        Llama.load_state does, without writing back and clearing its 100 MB logits buffer."""
        import ctypes

        import llama_cpp

        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_set_data(self.llm._ctx.ctx, buf, len(data)) != len(data):
            raise RuntimeError("llama.cpp rejected the saved state")
        self.llm.input_ids[:len(tokens)] = tokens
        self.llm.n_tokens = len(tokens)
        self.llm._requires_eval = True  # the next call evaluates at least one token before sampling

    def _restore_prefix(self, key: str, prefix: str, tokens: list[int]) -> None:
        """Load (or first build) the KV state of this persona's static prompt block."""
        have = self.llm.n_tokens
        common = common_prefix(self.llm._input_ids[:have].tolist() if have else [], tokens)
        entry = self._states.get(key)
        if entry is None:
            ptoks = self.llm.tokenize(prefix.encode("utf-8"), add_bos=True, special=True)
            n = common_prefix(ptoks, tokens)
            if n < 8:
                return
            state = self._load_prefix_state(tokens[:n])
            if state is not None:
                try:
                    self.llm.reset()
                    self._apply(tokens[:n], state)
                except RuntimeError:  # a state this build cannot take: evaluate instead
                    state = None
            if state is None:
                self.llm.reset()
                self.llm.eval(tokens[:n])
                state = self._snapshot()
                self._save_prefix_state(tokens[:n], state)
            entry = (tokens[:n], state)
            self._states[key] = entry
            if len(self._states) > self._max_states:
                self._states.popitem(last=False)
            return
        self._states.move_to_end(key)
        ptoks, state = entry
        if len(ptoks) > common and tokens[:len(ptoks)] == ptoks:
            self._apply(ptoks, state)
            self.cache_hits += 1

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, seed: int = 0,
               cache_key: str | None = None, json_schema: dict[str, Any] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        import time

        if self.decoder is not None:
            yield from self._stream_batched(messages, sampling, seed, cache_key, json_schema, grammar)
            return
        with self.lock:
            prompt, prefix = self._render(messages)
            tokens = self.llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
            if len(tokens) + sampling.max_tokens + 8 > self.llm.n_ctx():
                raise BackendError(f"{self.name}: prompt of {len(tokens)} tokens does not fit n_ctx={self.llm.n_ctx()}")
            if cache_key and prefix:
                self._restore_prefix(cache_key, prefix, tokens)
            deadline = time.monotonic() + sampling.timeout_s
            try:
                it = self.llm.create_completion(
                    prompt=tokens, max_tokens=sampling.max_tokens + (16 if json_schema is not None else 0),
                    temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k,
                    repeat_penalty=sampling.repetition_penalty, seed=seed, stream=True,
                    stop=["<|im_end|>", "<|im_start|>", "\n\n"],
                    grammar=self._grammar if json_schema is not None else self._compiled(grammar))
                for chunk in it:
                    piece = chunk["choices"][0]["text"]
                    if piece:
                        yield piece
                    if time.monotonic() > deadline:
                        raise BackendError(f"{self.name}: generation timed out after {sampling.timeout_s}s")
            except (RuntimeError, ValueError) as exc:
                raise BackendError(f"{self.name}: generation failed: {exc}") from None

    def _stream_batched(self, messages: list[dict[str, str]], sampling: Sampling, seed: int, cache_key: str | None,
                        json_schema: dict[str, Any] | None, grammar: str | None) -> Iterator[str]:
        prompt, prefix = self._render(messages)
        tokens = self.llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        n = 0
        if cache_key and prefix:
            n = common_prefix(self.llm.tokenize(prefix.encode("utf-8"), add_bos=True, special=True), tokens)
        text = GRAMMAR_PATH.read_text(encoding="utf-8") if json_schema is not None else grammar
        yield from self.decoder.stream(tokens, n, cache_key, sampling, seed,
                                       sampling.max_tokens + (16 if json_schema is not None else 0), text)

    def close(self) -> None:
        decoder = getattr(self, "decoder", None)
        if decoder is not None:
            decoder.close()
            self.decoder = None
        llm = getattr(self, "llm", None)
        if llm is not None:
            llm.close()
            self.llm = None
