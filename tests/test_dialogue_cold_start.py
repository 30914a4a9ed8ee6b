"""The fast default (issue 12 item 3): a cold `gameai chat --say` on the default backend prints
the reply and nothing else on stderr (no progress bars, no llama.cpp log), on the runtime it says."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gameai.dialogue.backends.factory import make_backend


def test_a_cold_chat_say_prints_only_the_reply():
    env = {**os.environ, "GAMEAI_THREADS": "1"}
    env.pop("GAMEAI_DEBUG", None)
    from gameai.dialogue.persona import cast_dir

    out = subprocess.run([sys.executable, "-m", "gameai", "chat", "--npc", str(cast_dir() / "mara.toml"), "--say", "Any rooms free tonight?",
                          "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no de-quantising bar, no llama.cpp context log, no warning
    reply = json.loads(out.stdout)
    assert reply["text"] and reply["backend"] == "smollm2" and not reply["warning"]


def test_the_default_backend_runs_on_llama_cpp_when_it_is_installed():
    pytest.importorskip("llama_cpp")
    b = make_backend("smollm2")
    try:
        assert b.name == "smollm2" and b.runtime == "llama.cpp"
    finally:
        b.close()


def test_the_default_backend_falls_back_to_transformers_without_llama_cpp(monkeypatch):
    """Which runtime the factory picks (the transformers load itself is tested in test_dialogue_engine)."""
    import importlib.util

    from gameai.dialogue.backends import transformers_backend

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "llama_cpp" else real(n, *a))
    built = []
    monkeypatch.setattr(transformers_backend, "TransformersBackend", lambda *a: built.append(a) or "transformers")
    assert make_backend("smollm2") == "transformers" and built == [()]


def test_the_transformers_gguf_conversion_draws_no_progress_bar(capfd):
    from transformers import modeling_gguf_pytorch_utils as gguf_utils

    from gameai.dialogue.backends.transformers_backend import _quiet_gguf_conversion

    with _quiet_gguf_conversion():
        for _ in gguf_utils.tqdm(range(50), desc="Converting and de-quantizing GGUF tensors..."):
            pass
    assert "de-quantizing" not in capfd.readouterr().err
    for _ in gguf_utils.tqdm(range(3), desc="restored"):  # the library's own bar is left as it was
        pass
    assert "restored" in capfd.readouterr().err
