"""llama.cpp's state after a persona's static prompt block is kept on disk: a new process reads it
instead of evaluating the block, and says exactly what it would have said; a bad file is
evaluated again without a traceback; the engine prepares it when it creates the NPC."""
from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp")

from dialogue_shared import cast, embedder  # noqa: E402
from gameai.dialogue import DialogueEngine, EngineConfig, MemoryStore, Sampling, World  # noqa: E402
from gameai.dialogue.grounding import Grounding  # noqa: E402
from gameai.dialogue.prompt import build_prompt, prefix_key  # noqa: E402

SHORT = Sampling(max_tokens=16)
LINE = "Good morning! Busy day at the forge?"


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GAMEAI_CACHE_DIR", str(tmp_path))
    return tmp_path / "llama-prefix"


def new_backend():
    from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
    return LlamaCppBackend()


def counted(b) -> list[int]:
    """Record how many tokens each llm.eval call evaluates (prompt blocks and the turn's own part)."""
    sizes: list[int] = []
    real = b.llm.eval

    def ev(tokens):
        sizes.append(len(tokens))
        return real(tokens)
    b.llm.eval = ev
    return sizes


def mara_messages():
    mara = cast()["mara"]
    world = World.from_dict(mara.world)
    return build_prompt(mara, world, Grounding([]), [], [], LINE).messages, prefix_key(mara, world)


def say(b, seed=7) -> str:
    msgs, key = mara_messages()
    return "".join(b.stream(msgs, SHORT, seed=seed, cache_key=key))


def test_a_new_process_reads_the_block_and_says_the_same(cache):
    first = new_backend()
    try:
        evals = counted(first)
        line = say(first)
        block = evals[0]
        assert block > 50 and len(list(cache.glob("*.bin"))) == 1  # the block was evaluated and saved
    finally:
        first.close()
    again = new_backend()  # as a new process: nothing in memory
    try:
        evals = counted(again)
        assert say(again) == line
        assert block not in evals and sum(evals) < block  # only the turn's own tokens were evaluated
    finally:
        again.close()


@pytest.mark.parametrize("damage", ["truncated", "flipped", "foreign", "empty"])
def test_a_bad_state_file_is_evaluated_again_quietly(cache, damage, capfd):
    b = new_backend()
    try:
        line = say(b)
    finally:
        b.close()
    (f,) = cache.glob("*.bin")
    data = f.read_bytes()
    f.write_bytes({"truncated": data[: len(data) // 3],
                   "flipped": data[:5000] + bytes(x ^ 0x55 for x in data[5000:5100]) + data[5100:],
                   "foreign": b"GGUF" + bytes(4000), "empty": b""}[damage])
    b = new_backend()
    try:
        evals = counted(b)
        assert say(b) == line
        assert max(evals) > 50  # the block was evaluated again
    finally:
        b.close()
    assert capfd.readouterr().err == ""
    b = new_backend()  # and the file was rewritten whole
    try:
        evals = counted(b)
        assert say(b) == line and max(evals) < 50
    finally:
        b.close()


def test_the_engine_prepares_the_block_when_it_creates_the_npc(cache):
    b = new_backend()
    try:
        eng = DialogueEngine(EngineConfig(sampling=SHORT), backend=b, embedder=embedder(), store=MemoryStore())
        evals = counted(b)
        mara = eng.npc(cast()["mara"])
        assert prefix_key(cast()["mara"], World.from_dict(cast()["mara"].world)) in b._states
        warmed = len(evals)
        assert warmed == 1 and evals[0] > 50
        r = mara.respond("p1", LINE)
        assert r.text and max(evals[warmed:]) < 50  # the first turn evaluated only its own part
        eng.close()
    finally:
        b.close()


def test_turning_the_disk_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("GAMEAI_CACHE_DIR", "none")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    b = new_backend()
    try:
        assert say(b)
    finally:
        b.close()
    assert not any(tmp_path.rglob("*.bin"))


def test_warm_does_not_wait_behind_a_reply_in_progress(cache):
    import threading

    b = new_backend()
    try:
        msgs, key = mara_messages()
        held, release = threading.Event(), threading.Event()

        def busy():  # another thread holds the model, as a reply being streamed does
            with b.lock:
                held.set()
                release.wait(30)
        t = threading.Thread(target=busy)
        t.start()
        held.wait(30)
        b.warm(msgs, key)  # returns at once, without the state
        assert key not in b._states
        release.set()
        t.join()
        b.warm(msgs, key)
        assert key in b._states
    finally:
        b.close()
