"""llama-cpp-python (prefix cache per persona, grammar-constrained JSON and values) and the
OpenAI-compatible HTTP backend against the real `llama_cpp.server` on 127.0.0.1."""
import socket
import subprocess
import sys
import time
import warnings

import pytest

from dialogue_shared import cast, engine, llama
from gameai.dialogue import BackendError, DialogueEngine, DialogueWarning, EngineConfig, MemoryStore, Sampling
from gameai.dialogue.backends.openai_http import OpenAIHTTPBackend
from gameai.dialogue.backends.transformers_backend import smollm2_path

SHORT = Sampling(max_tokens=24)


def test_llama_cpp_replies_and_reuses_the_persona_prefix():
    b = llama()
    eng = engine(b, sampling=SHORT)
    mara = eng.npc(cast()["mara"])
    hits = b.cache_hits
    r1 = mara.respond("p1", "Good morning! Busy day at the forge?")
    eng.npc(cast()["tobin"]).respond("p1", "Good morning! Busy at the inn?")  # evicts Mara's KV state
    r2 = mara.respond("p2", "What are you working on today?")
    assert r1.text and r2.text and r1.draft and r2.draft and r1.backend == "llama_cpp"
    assert b.cache_hits > hits  # Mara's static block came back from her saved state
    eng.close()


def test_llama_cpp_grammar_makes_the_model_state_the_value():
    b = llama()
    msgs = [{"role": "system", "content": "You are Mara, a blacksmith. Fact: The horseshoe costs 3 gold."},
            {"role": "user", "content": "How much is the horseshoe?"}]
    from gameai.dialogue.grounding import find_facts, value_grammar
    from gameai.dialogue import World
    g = find_facts("How much is the horseshoe?", cast()["mara"], World.from_dict(cast()["mara"].world))
    for seed in (1, 2, 3):
        out = "".join(b.stream(msgs, SHORT, seed=seed, grammar=value_grammar(g)))
        assert "3" in out, out


def test_llama_cpp_structured_json_gives_a_line_and_an_emotion():
    eng = engine(llama(), sampling=SHORT, structured=True)
    r = eng.npc(cast()["tobin"]).respond("p", "Lovely evening, isn't it?")
    assert r.text and "{" not in r.text and '"line"' not in r.text
    assert r.emotion in ("neutral", "happy", "angry", "sad", "afraid", "surprised", "suspicious")
    eng.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    import httpx

    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    # The server logs a lot while loading: to a file, not a pipe that could fill up and block it.
    log_file = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()), "--host", "127.0.0.1",
         "--port", str(port), "--n_threads", "1", "--n_ctx", "2048", "--model_alias", "smollm2"],
        stdout=log_file, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not start within 90 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log_file.close()


def test_openai_http_backend_against_the_real_llama_cpp_server(llama_server):
    b = OpenAIHTTPBackend(llama_server, model="smollm2")
    eng = engine(b, sampling=SHORT)
    s = eng.npc(cast()["elsbeth"]).stream("p", "Is the town safe at night?")
    pieces = list(s)
    r = s.reply
    assert r.backend == "openai" and r.draft and "backend:error" not in r.flags
    assert "".join(pieces) == r.text
    r2 = eng.npc(cast()["mara"]).respond("p", "How much is the steel shield?")
    assert "65" in r2.text and r2.intent.args["price"] == 65
    eng.close()
    b.close()


def test_unreachable_server_falls_back_with_a_clear_warning():
    b = OpenAIHTTPBackend(f"http://127.0.0.1:{_free_port()}/v1")
    eng = engine(b)
    with pytest.warns(DialogueWarning, match="cannot connect.*is the server running"):
        r = eng.npc(cast()["mara"]).respond("p", "Hello, how is the forge?")
    assert r.fallback and "backend:error" in r.flags and r.text and "cannot connect" in r.warning
    eng.close()
    b.close()


def test_bad_server_url_is_a_warning_not_a_crash():
    with pytest.warns(DialogueWarning, match="must start with http"):
        eng = DialogueEngine(EngineConfig(backend="openai", base_url="ftp://example"), store=MemoryStore())
    assert eng.backend.name == "authored"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert eng.npc(cast()["tobin"]).respond("p", "Any news?").text
    eng.close()


def test_unknown_backend_name_is_explained():
    from gameai.dialogue.backends import make_backend
    with pytest.raises(BackendError, match="unknown backend 'gpt5'; choose one of: smollm2"):
        make_backend("gpt5")


def test_missing_gguf_file_for_llama_cpp(tmp_path):
    from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
    from gameai.dialogue.errors import ModelMissingError
    with pytest.raises(ModelMissingError, match="GGUF model file not found"):
        LlamaCppBackend(tmp_path / "missing.gguf")
