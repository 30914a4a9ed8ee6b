"""Batched generation (backends/llama_batch.py) with the real SmolLM2-135M through llama.cpp:
a conversation gets the same line in a batch as alone, a consumer that stops frees its slot,
persona prefixes are shared, and bad settings are clear errors."""
from __future__ import annotations

import threading
import time
import warnings

import pytest

from dialogue_shared import cast
from gameai.dialogue import DialogueEngine, DialogueWarning, EngineConfig, MemoryStore, Sampling
from gameai.dialogue.backends.llama_cpp_backend import PREFIX_MARK
from gameai.dialogue.errors import BackendError

SHORT = Sampling(max_tokens=20, timeout_s=120)  # a generous limit: the test machine is shared and busy
LINES = ["Good day to you.", "What is new around here?", "How is business lately?", "Tell me about this town.",
         "Any work for a traveller?", "Lovely weather, isn't it?", "Who are you?", "What do you sell?"]


_BACKENDS: dict = {}


@pytest.fixture(scope="module", autouse=True)
def _close_backends():
    """Close the models while llama.cpp is still loaded, not in the interpreter's teardown."""
    yield
    for b in _BACKENDS.values():
        b.close()
    _BACKENDS.clear()


def batched(form: str = "merged"):
    if form not in _BACKENDS:
        _BACKENDS[form] = _open(form)
    return _BACKENDS[form]


def _open(form: str):
    """form: "merged" (the shipped voice merged into the weights, as the service runs), "lora" (the
    same adapter applied by llama.cpp at run time: what happens without a disk cache) or "none"."""
    import os
    from unittest import mock

    from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
    if form != "lora":
        return LlamaCppBackend(parallel=4, adapter="none" if form == "none" else "default")
    # (A float16 LoRA GGUF made a row's logits depend on which sequences shared the step, up to 0.35
    # apart, and flipped sampled tokens; the adapter's GGUF is float32 for that reason: see
    # adapter.write_gguf.)
    with mock.patch.dict(os.environ, {"GAMEAI_CACHE_DIR": "none"}):  # no cache folder: not merged
        return LlamaCppBackend(parallel=4, adapter="default")


def messages(i: int) -> list[dict[str, str]]:
    persona = ["You are Mara, a blacksmith of Oakvale.", "You are Tobin, an innkeeper of Oakvale."][i % 2]
    return [{"role": "system", "content": f"{persona} Answer in one short sentence.{PREFIX_MARK} It is evening."},
            {"role": "user", "content": LINES[i % len(LINES)]}]


def wait_idle(decoder, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while decoder.active() and time.monotonic() < deadline:
        time.sleep(0.02)
    return decoder.active() == 0


def _record_logits(decoder) -> dict[int, list]:
    """Keep a copy of the logits each conversation samples from, by seed (the decoder's own rows)."""
    import numpy as np

    seen: dict[int, list] = {}
    sample = decoder._sample

    def recording(r, row):
        ptr = decoder._ll.llama_get_logits_ith(decoder._ctx.ctx, row)
        seen.setdefault(r.seed, []).append(np.ctypeslib.as_array(ptr, shape=(decoder._n_vocab,)).copy())
        sample(r, row)

    decoder._sample = recording
    return seen


@pytest.mark.parametrize("form", ["merged", "lora", "none"])
def test_a_conversation_gets_the_same_line_in_a_batch_as_alone(form):
    """Token for token and logit for logit: with a run-time LoRA, a step that a conversation decoded
    alone once took other float32 kernels than a shared one (3 of 8 lines differed with session
    5's adapter), so the decoder pads a lone step to two rows (llama_batch._decode_tokens). Merged
    into Q8_0 weights (the default), a row is computed the same way at any batch size unpadded."""
    import numpy as np

    b = batched(form)
    assert b.adapter_form == {"merged": "merged", "lora": "lora", "none": None}[form]
    grammar = 'root ::= "The price is " [0-9]+ " gold."'
    jobs = [(messages(i), 100 + i, f"key{i % 2}", grammar if i == 3 else None) for i in range(8)]
    seen = _record_logits(b.decoder)
    try:
        alone = ["".join(b.stream(m, SHORT, seed=s, cache_key=k, grammar=g)) for m, s, k, g in jobs]
        alone_logits = dict(seen)
        seen.clear()
        together: list[str | None] = [None] * len(jobs)
        start = threading.Barrier(len(jobs))

        def talk(i: int) -> None:
            m, s, k, g = jobs[i]
            start.wait()
            together[i] = "".join(b.stream(m, SHORT, seed=s, cache_key=k, grammar=g))

        threads = [threading.Thread(target=talk, args=(i,)) for i in range(len(jobs))]
        steps = b.decoder.steps
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        del b.decoder._sample  # back to the class's method
    assert together == alone  # token for token, whatever else shares the batch
    for _, s, _, _ in jobs:  # and every step's logits, bit for bit
        assert len(seen[s]) == len(alone_logits[s])
        assert all(np.array_equal(x, y) for x, y in zip(seen[s], alone_logits[s])), s
    assert all(alone) and alone[3].startswith("The price is ")  # the grammar held in its own sequence
    assert len(set(alone)) > 4  # different seeds and lines: not one line copied to every slot
    assert b.decoder.batched_tokens > 0 and b.decoder.steps > steps
    assert b.decoder.prefix_hits + b.decoder.slot_reuses > 0  # persona blocks were evaluated once and shared
    assert b.decoder.pad == (form == "lora") and (b.decoder.pad_rows > 0) == b.decoder.pad
    assert wait_idle(b.decoder)


@pytest.mark.parametrize("form", ["merged", "lora"])
def test_a_redraw_reads_only_the_last_prompt_token_and_gets_the_line_it_gets_from_scratch(form):
    """A slot keeps its last prompt: the engine's redraw of a failed line (same prompt, another seed)
    takes that slot back instead of reading its whole dynamic part again."""
    b = batched(form)
    m = [{"role": "system", "content": f"You are Wren, a ferrywoman. Answer in one short sentence.{PREFIX_MARK} "
                                       f"Fog on the river, form {form}."},
         {"role": "user", "content": "How much to get across?"}]
    first = "".join(b.stream(m, SHORT, seed=41, cache_key="wren-redraw"))
    assert "".join(b.stream(messages(1), SHORT, seed=3))  # another line between the two
    reuses, read = b.decoder.slot_reuses, b.decoder.prompt_tokens
    again = "".join(b.stream(m, SHORT, seed=41, cache_key="wren-redraw"))
    assert again == first  # the kept cells are the cells the prompt gives from scratch
    assert b.decoder.slot_reuses == reuses + 1 and b.decoder.prompt_tokens - read <= 2
    other = "".join(b.stream(m, SHORT, seed=42, cache_key="wren-redraw"))  # a redraw: another seed
    assert other and b.decoder.slot_reuses == reuses + 2
    assert wait_idle(b.decoder)


def test_a_consumer_that_stops_frees_its_slot():
    b = batched()
    # A grammar of 120 letters: no line can end before all four have started (with the adapter on,
    # free lines are short enough that one ended while the fourth was still reading its prompt).
    long = 'root ::= [a-z ]{120}'
    streams = [b.stream(messages(i), Sampling(max_tokens=200, timeout_s=60), seed=i, grammar=long) for i in range(4)]
    firsts = [next(s) for s in streams]  # every slot is decoding
    assert all(firsts) and b.decoder.active() == 4
    for s in streams:  # all four hang up mid-line
        s.close()
    assert wait_idle(b.decoder)
    assert sorted(b.decoder._free) == list(range(4))
    # the freed slots serve new conversations, with the lines they get alone
    again = "".join(b.stream(messages(0), SHORT, seed=5))
    assert again == "".join(b.stream(messages(0), SHORT, seed=5))


def test_npcs_of_one_engine_reply_concurrently_as_they_do_one_by_one():
    from gameai.dialogue.embeddings import default_embedder

    def run(concurrent: bool) -> list[str]:
        # With the shipped adapter on, as the service runs (one of 8 turns differed before lone
        # steps were padded; see llama_batch._decode_tokens).
        eng = DialogueEngine(EngineConfig(sampling=SHORT), backend=batched(), embedder=default_embedder(),
                             store=MemoryStore(":memory:"))
        npcs = [eng.npc(cast()[n]) for n in ("mara", "tobin", "wren", "elsbeth")]
        out: list[str] = [""] * 8

        def turn(i: int) -> None:
            r = npcs[i % 4].respond(f"player{i}", LINES[i])
            assert "backend:error" not in r.flags, r.warning
            out[i] = r.text

        if concurrent:
            ts = [threading.Thread(target=turn, args=(i,)) for i in range(8)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(timeout=300)
        else:
            for i in range(8):
                turn(i)
        for i in range(8):  # every exchange remembered
            assert LINES[i] in npcs[i % 4].memories(f"player{i}")
        eng.close()
        return out

    assert run(concurrent=True) == run(concurrent=False)


def test_a_prompt_longer_than_a_slot_is_a_backend_error():
    b = batched()
    long = [{"role": "user", "content": "word " * 1500}]
    with pytest.raises(BackendError, match="does not fit a slot"):
        "".join(b.stream(long, SHORT))


@pytest.mark.parametrize("bad", [0, -2, 65, "8", 2.5, True])
def test_bad_parallel_setting_is_a_clear_error(bad):
    from gameai.dialogue.backends.factory import make_backend
    with pytest.raises(BackendError, match="parallel must be a whole number"):
        make_backend("llama_cpp", parallel=bad)
    with pytest.raises(BackendError, match="parallel must be a whole number"):
        make_backend("openai", parallel=bad)


def test_engine_with_a_bad_parallel_setting_warns_and_answers_with_authored_lines():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DialogueWarning)
        eng = DialogueEngine(EngineConfig(backend="llama_cpp", parallel=0))
    assert eng.backend.name == "authored" and "parallel must be a whole number" in eng.warning
    assert any(issubclass(w.category, DialogueWarning) for w in caught)
    assert eng.npc(cast()["mara"]).respond("p", "Hello there.").text
    eng.close()
