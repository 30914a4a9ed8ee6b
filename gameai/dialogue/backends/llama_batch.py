"""Batched decoding on one llama.cpp model: a town of NPCs talking at once.

One decode thread owns a llama.cpp context with `slots` sequences. Every conversation that asks
for a line takes a free slot (one sequence id, its own KV cells and its own sampler chain: seed,
penalties, top-k/top-p, temperature, grammar), and each step decodes one token of *every*
active conversation in a single `llama_decode` call. A token step of a 135M model is dominated by
reading its weights from memory; decoding eight sequences reads them once instead of eight
times, so eight players are served in far less than eight times the time of one.

- Continuous batching: a conversation joins at the next step (its prompt is evaluated in the same
  call as the others' next tokens, in chunks) and leaves when its line ends, freeing its slot.
- Per-persona prompt-prefix cache: the static persona block of a prompt is evaluated once into a
  cache sequence and shared with each conversation's sequence (`llama_memory_seq_cp` shares KV
  cells in a unified cache, nothing is copied); only the turn's dynamic part is evaluated.
- Slot reuse: a slot keeps the prompt of the last line it decoded. A redraw (the engine's second
  draft of a failed line: the same prompt, another seed) takes that slot back and reads only the
  last token again, as llama.cpp's server does with its slots' prompt cache; without it a redraw
  read its whole dynamic part again, which the one-conversation backend never did.
- A consumer that stops reading (a client that hung up) cancels its request: its slot and KV
  cells are freed at the next step.

Determinism: each conversation samples from its own logits with its own seeded chain, so the
line does not depend on which other conversations share the batch, as long as llama.cpp's CPU
kernels compute a row the same way whatever else is in its micro-batch. They do for this model's
Q4_1 matrices and for the Q8_0 ones of the voice merged into the weights (adapter_merge.py, the
default) at any size. A LoRA applied at run time (no disk cache to merge into) is float32, which
they compute the same at any size of two rows or more (llamafile's sgemm) but not at one row
(ggml's own dot product, different in the last bit). With a run-time LoRA, each step is therefore
laid out as one micro-batch of at least two rows (_decode_tokens) and each prompt chunk is read in
a call of its own; tests/test_dialogue_batch.py checks the lines token for token and the logits
bit for bit, in all three forms.
"""
from __future__ import annotations

import ctypes
import queue
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterator

from gameai.dialogue.backends.base import Sampling, common_prefix
from gameai.dialogue.errors import BackendError

STOPS = ("<|im_end|>", "<|im_start|>", "\n\n")
_END = object()  # end-of-line marker from the decode thread to the consumer


@dataclass(eq=False)
class _Request:
    tokens: list[int]
    prefix_len: int            # tokens of the static persona block (0: no prefix caching)
    cache_key: str | None
    sampling: Sampling
    seed: int
    max_tokens: int
    grammar: str | None
    out: "queue.Queue[Any]" = field(default_factory=queue.Queue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    admitted: threading.Event = field(default_factory=threading.Event)
    # decode-thread state
    seq: int = -1
    todo: list[int] = field(default_factory=list)  # prompt tokens not yet evaluated
    pos: int = 0                                    # next position in the sequence
    chain: Any = None
    n_out: int = 0
    raw: bytes = b""
    text: str = ""
    sent: int = 0


class BatchDecoder:
    """Decode up to `slots` conversations together on a context of their own over `llm`'s model."""

    def __init__(self, llm: Any, slots: int, n_ctx_per_slot: int = 1024, prefix_cache: int = 8,
                 n_batch: int = 512, threads: int = 1):
        import llama_cpp
        from llama_cpp import _internals

        if slots < 1:
            raise BackendError(f"parallel slots must be >= 1, got {slots}")
        self._ll = llama_cpp
        self.slots = slots
        self.n_ctx_per_slot = n_ctx_per_slot
        self._model = llm._model
        self._vocab = llama_cpp.llama_model_get_vocab(self._model.model)
        self._n_vocab = self._model.n_vocab()
        params = llama_cpp.llama_context_default_params()
        # Prefix sequences share their cells with the conversations that copy them, so the cache
        # needs room for the slots' own tokens plus one copy of each cached persona block.
        params.n_ctx = n_ctx_per_slot * (slots + prefix_cache)
        params.n_batch = params.n_ubatch = n_batch
        params.n_seq_max = slots + prefix_cache
        params.kv_unified = False
        params.n_threads = params.n_threads_batch = threads
        params.no_perf = True
        from llama_cpp._logger import set_verbose

        set_verbose(False)  # llama.cpp's log goes to stderr; a library keeps its host's stderr clean
        try:
            self._ctx = _internals.LlamaContext(model=self._model, params=params, verbose=False)
        except ValueError as exc:
            raise BackendError(f"llama.cpp cannot create a context for {slots} parallel slots ({exc})") from None
        adapter = getattr(llm, "_lora_adapter", None)
        # Padding rows keep a LoRA's float32 matmuls on one kernel (see _decode_tokens); the
        # quantised base model alone computes a row the same way at any batch size.
        self.pad = adapter is not None
        if adapter is not None:  # a LoRA on the single-conversation context applies here too
            adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
            scales = (ctypes.c_float * 1)(float(getattr(llm, "lora_scale", 1.0)))
            if llama_cpp.llama_set_adapters_lora(self._ctx.ctx, adapters, 1, scales):
                raise BackendError("llama.cpp could not apply the LoRA adapter to the batch context")
        self._mem = self._ctx.memory
        self._n_batch = n_batch
        self._batch = llama_cpp.llama_batch_init(n_batch, 0, 1)
        self._free = list(range(slots))
        self._prefix_ids = list(range(slots, slots + prefix_cache))
        self._prefixes: OrderedDict[str, tuple[int, list[int]]] = OrderedDict()  # key -> (seq, tokens)
        self._pending: "queue.Queue[_Request]" = queue.Queue()
        self._active: list[_Request] = []
        self._wake = threading.Event()
        self._closed = False
        self.steps = 0              # llama_decode calls
        self.rows = 0               # batch rows (tokens) over all llama_decode calls
        self.seqs = 0               # conversations over all llama_decode calls (seqs / steps: conversations a call)
        self.batched_tokens = 0     # tokens decoded in steps that held more than one conversation
        self.pad_rows = 0           # padding rows (see _decode_tokens)
        self.prefix_hits = 0
        self.slot_reuses = 0        # requests that took back a slot holding the start of their prompt
        # free slot -> (the step its line ended at, the prompt tokens still in its KV cells)
        self._kept: dict[int, tuple[int, list[int]]] = {}
        self.prompt_tokens = 0      # prompt tokens evaluated (after the shared persona prefix)
        self.generated_tokens = 0
        self._thread = threading.Thread(target=self._run, name="gameai-batch-decode", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ consumer side (any thread)
    def stream(self, tokens: list[int], prefix_len: int, cache_key: str | None, sampling: Sampling, seed: int,
               max_tokens: int, grammar: str | None) -> Iterator[str]:
        if self._closed:
            raise BackendError("the batch decoder is closed")
        if len(tokens) + max_tokens + 8 > self.n_ctx_per_slot:
            raise BackendError(f"prompt of {len(tokens)} tokens does not fit a slot of {self.n_ctx_per_slot}")
        req = _Request(tokens, prefix_len if cache_key else 0, cache_key, sampling, seed, max_tokens, grammar)
        self._pending.put(req)
        self._wake.set()
        return self._pieces(req)

    def _pieces(self, req: _Request) -> Iterator[str]:
        import time

        try:
            # The line's time limit starts when it gets a slot: waiting for one is queueing, and
            # the caller (the service's queue) bounds that by admitting at most `slots` at once.
            while not req.admitted.wait(1.0):
                if self._closed:
                    raise BackendError("the batch decoder is closed")
            deadline = time.monotonic() + req.sampling.timeout_s
            while True:
                try:
                    item = req.out.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise BackendError(f"generation timed out after {req.sampling.timeout_s}s") from None
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:  # also when the consumer stops early: the decode thread frees the slot
            req.cancelled.set()
            self._wake.set()

    def active(self) -> int:
        """Conversations holding a slot or waiting for one (0 once every stream ended or was closed)."""
        return len(self._active) + self._pending.qsize()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=30)
        if not self._thread.is_alive():
            self._ll.llama_batch_free(self._batch)
            self._ctx.close()

    # ------------------------------------------------------------------ decode thread
    def _run(self) -> None:
        while not self._closed:
            try:
                self._admit()
                self._drop_cancelled()
                if not self._active:
                    self._wake.wait(0.5)
                    self._wake.clear()
                    continue
                self._step()
            except Exception as exc:  # noqa: BLE001 - every waiting consumer must hear of it, not hang
                err = exc if isinstance(exc, BackendError) else BackendError(f"batch decoding failed: {exc!r}")
                for r in list(self._active):
                    self._finish(r, err)
        for r in list(self._active):
            self._finish(r, BackendError("the batch decoder was closed"))
        while not self._pending.empty():
            req = self._pending.get()
            req.out.put(BackendError("the batch decoder was closed"))
            req.admitted.set()

    def _admit(self) -> None:
        while self._free and not self._pending.empty():
            req = self._pending.get()
            if req.cancelled.is_set():
                req.out.put(_END)
                req.admitted.set()
                continue
            start = self._take_slot(req)
            req.todo, req.pos = req.tokens[start:], start
            req.chain = self._chain(req)
            self._active.append(req)
            req.admitted.set()

    def _take_slot(self, req: _Request) -> int:
        """Give req a free slot; returns how many of its tokens are already in the slot's cells.
        The free slot whose kept prompt starts like req's, if that is more than the persona block;
        else an empty free slot, or the one whose prompt was kept longest ago, cleared, with the
        persona's cached block shared into it."""
        best, common = -1, 0
        for seq in self._free:
            n = common_prefix(self._kept[seq][1], req.tokens) if seq in self._kept else 0
            if n > common:
                best, common = seq, n
        if common >= 8 and common > req.prefix_len:
            self._free.remove(best)
            # The last prompt token is read again for its logits; two with a run-time LoRA, whose
            # float32 rows take another kernel alone (see _decode_tokens).
            common = min(common, len(req.tokens) - (2 if self.pad else 1))
            self._ll.llama_memory_seq_rm(self._mem, best, common, -1)
            del self._kept[best]
            req.seq = best
            self.slot_reuses += 1
            return common
        req.seq = min(self._free, key=lambda s: (s in self._kept, self._kept.get(s, (0,))[0], s))
        self._free.remove(req.seq)
        if self._kept.pop(req.seq, None) is not None:
            self._ll.llama_memory_seq_rm(self._mem, req.seq, -1, -1)
        return self._shared_prefix(req)

    def _shared_prefix(self, req: _Request) -> int:
        """Tokens of the request already in its sequence (shared from the persona's cached prefix)."""
        if req.prefix_len < 8 or req.cache_key is None:
            return 0
        ptoks = req.tokens[:req.prefix_len]
        hit = self._prefixes.get(req.cache_key)
        if hit is not None and hit[1] == ptoks:
            self._prefixes.move_to_end(req.cache_key)
            self.prefix_hits += 1
        else:
            if hit is not None:
                seq = hit[0]
                self._ll.llama_memory_seq_rm(self._mem, seq, -1, -1)
            elif self._prefix_ids:
                seq = self._prefix_ids.pop()
            else:  # evict the least recently used persona block
                _, (seq, _) = self._prefixes.popitem(last=False)
                self._ll.llama_memory_seq_rm(self._mem, seq, -1, -1)
            if not self._decode_alone(seq, ptoks):
                self._ll.llama_memory_seq_rm(self._mem, seq, -1, -1)
                self._prefix_ids.append(seq)
                self._prefixes.pop(req.cache_key, None)
                return 0
            self._prefixes[req.cache_key] = (seq, ptoks)
        self._ll.llama_memory_seq_cp(self._mem, self._prefixes[req.cache_key][0], req.seq, -1, -1)
        return req.prefix_len

    def _decode_alone(self, seq: int, tokens: list[int]) -> bool:
        b = self._batch
        for start in range(0, len(tokens), self._n_batch):
            chunk = tokens[start:start + self._n_batch]
            b.n_tokens = len(chunk)
            for i, tok in enumerate(chunk):
                b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = tok, start + i, 1, 0
                b.seq_id[i][0] = seq
            if self._ll.llama_decode(self._ctx.ctx, b) != 0:
                return False
        return True

    def _chain(self, req: _Request) -> Any:
        """The sampler chain of one conversation: the same steps, in the same order, as
        llama-cpp-python's own (penalties, grammar, top-k, top-p, min-p, temperature, seeded draw)."""
        ll, s = self._ll, req.sampling
        chain = ll.llama_sampler_chain_init(ll.llama_sampler_chain_default_params())
        ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_penalties(self._n_vocab, 64, s.repetition_penalty, 0.0, 0.0))
        if req.grammar:
            g = ll.llama_sampler_init_grammar(self._vocab, req.grammar.encode("utf-8"), b"root")
            if not g:
                ll.llama_sampler_free(chain)
                req.out.put(BackendError("the reply grammar does not parse"))
                return None
            ll.llama_sampler_chain_add(chain, g)
        ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_top_k(s.top_k))
        ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_top_p(s.top_p, 1))
        ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_min_p(0.05, 1))
        ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_temp(s.temperature))
        ll.llama_sampler_chain_add(chain, ll.llama_sampler_init_dist(req.seed & 0xFFFFFFFF))
        return chain

    def _drop_cancelled(self) -> None:
        for r in list(self._active):
            if r.cancelled.is_set() or r.chain is None:
                self._finish(r, None)

    def _finish(self, req: _Request, error: BaseException | None) -> None:
        if req not in self._active:
            return
        self._active.remove(req)
        # Keep the prompt's cells (for a redraw of this line); drop the generated ones. After an
        # error the cells may not match the tokens: clear the slot.
        kept = min(req.pos, len(req.tokens)) if error is None else 0
        self._ll.llama_memory_seq_rm(self._mem, req.seq, kept, -1)
        if kept:
            self._kept[req.seq] = (self.steps, req.tokens[:kept])
        if req.chain is not None:
            self._ll.llama_sampler_free(req.chain)
            req.chain = None
        self._free.append(req.seq)
        self._free.sort()
        if error is None and req.sent < len(req.text):
            req.out.put(req.text[req.sent:])
        req.out.put(error if error is not None else _END)

    def _step(self) -> None:
        """One round: each pending prompt chunk in a llama_decode call of its own, then one call
        with the next token of every conversation that has one (see _decode_tokens)."""
        room = self._n_batch
        decoded = False
        for r in list(self._active):
            if len(r.todo) < 2:
                continue
            # A chunk of at least 2 rows that leaves no 1-token remainder: a ubatch of one row
            # takes other kernels (see _decode_tokens).
            take = r.todo[:room] if len(r.todo) != room + 1 else r.todo[:room - 1]
            self._fill([(r, tok) for tok in take])
            last = len(r.todo) == len(take)
            if last:
                self._batch.logits[self._batch.n_tokens - 1] = 1
            self._decode()
            if r.n_out == 0:
                self.prompt_tokens += len(take)
            self.seqs += 1
            r.todo = r.todo[len(take):]
            decoded = True
            if last:
                self._sample(r, self._batch.n_tokens - 1)
        singles = [r for r in self._active if len(r.todo) == 1]
        if singles:
            self._decode_tokens(singles)
        elif not decoded:
            return

    def _fill(self, rows: list[tuple[_Request | None, int, int, int]] | list[tuple[_Request, int]]) -> None:
        """Put rows into the batch: (request, token) advance the request; (None, token, seq, pos)
        is a padding row (see _decode_tokens)."""
        b = self._batch
        b.n_tokens = 0
        for row in rows:
            i = b.n_tokens
            if row[0] is None:
                _, tok, seq, pos = row
            else:
                r, tok = row[0], row[1]
                seq, pos = r.seq, r.pos
                r.pos += 1
            b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = tok, pos, 1, 0
            b.seq_id[i][0] = seq
            b.n_tokens += 1

    def _decode(self) -> None:
        rc = self._ll.llama_decode(self._ctx.ctx, self._batch)
        if rc != 0:
            raise BackendError(f"llama_decode failed (code {rc}; 1 = no room in the KV cache for "
                               f"{len(self._active)} conversations)")
        self.steps += 1
        self.rows += self._batch.n_tokens
        if len(self._active) > 1:
            self.batched_tokens += self._batch.n_tokens

    def _decode_tokens(self, singles: list[_Request]) -> None:
        """One llama_decode with the next token of each conversation in `singles`, laid out so that
        llama.cpp computes them in ONE micro-batch of at least two rows, whatever else is active.

        Why: with split KV streams llama.cpp groups only consecutive sequence ids into a
        micro-batch, and a micro-batch of one row multiplies the float32 LoRA tensors with other
        kernels than one of several rows (llamafile's sgemm serves n >= 2 only). The two differ in
        the last bit, which moved one float16 K/V value and, steps later, a near-tied sampled token:
        a conversation's line then depended on whether it decoded alone. So every id between the
        lowest and highest sequence of the step, and a neighbour when there is one sequence, gets a
        padding row at that sequence's next position, removed right after the call (a free slot
        holds nothing; a slot whose prompt is being read gets its next cell back, as llama.cpp
        moves its head to the freed cell; a free slot keeping a prompt, the cell after it). A row's
        result is the same at 2 rows or at 16."""
        by_seq = {r.seq: r for r in singles}
        lo, hi = min(by_seq), max(by_seq)
        if not self.pad:
            self._fill([(r, r.todo[0]) for r in singles])
            for i in range(self._batch.n_tokens):
                self._batch.logits[i] = 1
            self._decode()
            self.seqs += len(singles)
            for i, r in enumerate(singles):
                r.todo = []
                self._sample(r, i)
            return
        if lo == hi and self.slots > 1:  # alone: a neighbour slot pads it to two rows
            lo, hi = (lo, lo + 1) if lo + 1 < self.slots else (lo - 1, lo)
        where = {r.seq: r.pos for r in self._active}  # next position of every active sequence
        rows: list = []
        pads: list[tuple[int, int]] = []
        for seq in range(lo, hi + 1):
            r = by_seq.get(seq)
            if r is not None:
                rows.append((r, r.todo[0]))
            else:
                pos = where.get(seq, len(self._kept[seq][1]) if seq in self._kept else 0)
                rows.append((None, singles[0].todo[0], seq, pos))
                pads.append((seq, pos))
        self.pad_rows += len(pads)
        self._fill(rows)
        b = self._batch
        sample_rows = []
        for i in range(b.n_tokens):
            r = by_seq.get(b.seq_id[i][0])
            if r is not None:
                b.logits[i] = 1
                sample_rows.append((r, i))
        try:
            self._decode()
        finally:
            for seq, pos in pads:
                self._ll.llama_memory_seq_rm(self._mem, seq, pos, -1)
        self.seqs += len(singles)
        for r, i in sample_rows:
            r.todo = []
            self._sample(r, i)

    def _sample(self, r: _Request, row: int) -> None:
        ll = self._ll
        tok = ll.llama_sampler_sample(r.chain, self._ctx.ctx, row)  # also accepts it into the chain
        if ll.llama_vocab_is_eog(self._vocab, tok):
            self._finish(r, None)
            return
        buf = ctypes.create_string_buffer(64)
        n = ll.llama_token_to_piece(self._vocab, tok, buf, 64, 0, False)
        r.raw += buf.raw[:max(n, 0)]
        r.n_out += 1
        self.generated_tokens += 1
        # Decode only complete UTF-8 characters; a multi-byte character may span tokens.
        text = r.raw.decode("utf-8", "ignore") if r.n_out >= r.max_tokens else _complete_utf8(r.raw)
        r.text = text
        stop_at = min((i for i in (text.find(s) for s in STOPS) if i >= 0), default=-1)
        if stop_at >= 0:
            r.text = text[:stop_at]
            self._finish(r, None)
            return
        # Hold back a tail that could still become a stop string.
        safe = len(text) - max((k for s in STOPS for k in range(1, len(s)) if text.endswith(s[:k])), default=0)
        if safe > r.sent:
            r.out.put(text[r.sent:safe])
            r.sent = safe
        if r.n_out >= r.max_tokens:
            self._finish(r, None)
            return
        r.todo = [tok]


def _complete_utf8(raw: bytes) -> str:
    """The longest prefix of raw that is whole UTF-8 characters."""
    for cut in range(len(raw), max(len(raw) - 4, -1), -1):
        try:
            return raw[:cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "ignore")
