"""The voice LoRA merged into the model's weights (adapter_merge.py): the merged model computes what
the adapter does (against transformers + PEFT, and against llama.cpp's run-time LoRA), it is made
once and cached, the same inputs give the same file, and a foreign, truncated or damaged adapter or
cache file is a clear error or a quiet fallback to the run-time LoRA, never a traceback."""
import os
from pathlib import Path

import numpy as np
import pytest

from gameai.dialogue.adapter import GGUF_FILE, SHIPPED_DIR, AdapterError
from gameai.dialogue.adapter_merge import merged_model, write_merged
from gameai.dialogue.backends.transformers_backend import smollm2_path

TEXT = ("<|im_start|>system\nYou are Mara, a blacksmith of Oakvale.<|im_end|>\n<|im_start|>user\n"
        "What does a steel shield cost?<|im_end|>\n<|im_start|>assistant\n")
SHIPPED = SHIPPED_DIR / GGUF_FILE


def _logits(model: Path, lora: Path | None = None) -> np.ndarray:
    """Next-token logits at every position of TEXT."""
    from llama_cpp import Llama

    llm = Llama(model_path=str(model), lora_path=str(lora) if lora else None, n_ctx=256, n_threads=1,
                verbose=False, logits_all=True)
    toks = llm.tokenize(TEXT.encode(), add_bos=False, special=True)
    llm.eval(toks)
    out = np.array(llm.scores[:len(toks)])
    llm.close()
    return out


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GAMEAI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "merged-model"


def test_the_merged_voice_computes_what_the_run_time_lora_does(cache):
    import gguf

    path = merged_model(smollm2_path(), SHIPPED)
    assert path is not None and path.parent == cache
    raw, lora, merged = _logits(smollm2_path()), _logits(smollm2_path(), SHIPPED), _logits(path)
    effect = np.sqrt(((raw - lora) ** 2).mean())
    assert np.sqrt(((merged - lora) ** 2).mean()) < 0.3 * effect  # measured 0.11: Q8_0 keeps the adapter
    assert (merged.argmax(1) == lora.argmax(1)).mean() > 0.85

    base, out = gguf.GGUFReader(str(smollm2_path())), gguf.GGUFReader(str(path))
    adapted = {t.name[:-len(".lora_a")] for t in gguf.GGUFReader(str(SHIPPED)).tensors if t.name.endswith(".lora_a")}
    kinds = {t.name: t for t in out.tensors}
    for t in base.tensors:  # adapted tensors become Q8_0; every other tensor is copied byte for byte
        m = kinds[t.name]
        if t.name in adapted:
            assert m.tensor_type == gguf.GGMLQuantizationType.Q8_0
        else:
            assert m.tensor_type == t.tensor_type and np.array_equal(m.data, t.data)
    assert out.fields["tokenizer.chat_template"].contents() == base.fields["tokenizer.chat_template"].contents()


def test_merged_matches_transformers_with_a_strong_random_adapter(tmp_path):
    """Orientation and llama.cpp's q/k row order: a strong random LoRA merged by us gives the logits
    that transformers gives with PEFT's own merge."""
    import torch

    from dialogue_shared import strong_random_adapter
    from gameai.dialogue.adapter import apply_peft
    from gameai.dialogue.training.train import load_base

    tok = strong_random_adapter(tmp_path)
    write_merged(smollm2_path(), tmp_path / GGUF_FILE, tmp_path / "merged.gguf")
    ids = tok(TEXT, add_special_tokens=False)["input_ids"]
    base, _ = load_base(1)
    with torch.no_grad():
        raw = base(torch.tensor([ids])).logits[0, -1].numpy()
        tuned = apply_peft(base, tmp_path)(torch.tensor([ids])).logits[0, -1].numpy()
    got = _logits(tmp_path / "merged.gguf")[-1]
    agree, moved = np.corrcoef(tuned, got)[0, 1], np.corrcoef(raw, tuned)[0, 1]
    assert agree > 0.998
    assert 1 - moved > 5 * (1 - agree)
    assert tuned.argmax() == got.argmax()


def test_made_once_then_read_from_the_cache_and_the_same_inputs_give_the_same_bytes(cache, tmp_path, monkeypatch):
    first = merged_model(smollm2_path(), SHIPPED)
    stamp = first.stat().st_ino, first.stat().st_size
    again = merged_model(smollm2_path(), SHIPPED)
    assert again == first and (again.stat().st_ino, again.stat().st_size) == stamp  # not rewritten
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]
    write_merged(smollm2_path(), SHIPPED, tmp_path / "again.gguf")
    assert (tmp_path / "again.gguf").read_bytes() == first.read_bytes()


def _lora_file(path: Path, tensors: dict[str, np.ndarray]) -> Path:
    import gguf

    w = gguf.GGUFWriter(str(path), arch="llama")
    w.add_string("general.type", "adapter")
    w.add_string("adapter.type", "lora")
    w.add_float32("adapter.lora.alpha", 8.0)
    for name, t in tensors.items():
        w.add_tensor(name, np.ascontiguousarray(t, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_foreign_or_truncated_adapters_are_clear_errors(tmp_path):
    out = tmp_path / "m.gguf"
    a, b = np.zeros((4, 576)), np.zeros((576, 4))
    missing = _lora_file(tmp_path / "missing.gguf", {"blk.99.attn_q.weight.lora_a": a, "blk.99.attn_q.weight.lora_b": b})
    with pytest.raises(AdapterError, match="adapts blk.99.attn_q.weight, which .* does not have"):
        write_merged(smollm2_path(), missing, out)
    shape = _lora_file(tmp_path / "shape.gguf", {"blk.0.ffn_up.weight.lora_a": a, "blk.0.ffn_up.weight.lora_b": b})
    with pytest.raises(AdapterError, match="blk.0.ffn_up.weight is 1536x576 .* gives 576x576"):
        write_merged(smollm2_path(), shape, out)
    unpaired = _lora_file(tmp_path / "unpaired.gguf", {"blk.0.attn_q.weight.lora_a": a})
    with pytest.raises(AdapterError, match="do not pair up"):
        write_merged(smollm2_path(), unpaired, out)
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(SHIPPED.read_bytes()[:SHIPPED.stat().st_size // 2])
    with pytest.raises(AdapterError, match="cut.gguf: cannot read the adapter"):
        write_merged(smollm2_path(), cut, out)


def test_the_backend_loads_the_merged_voice_and_falls_back_to_the_lora_quietly(cache, monkeypatch, tmp_path):
    from gameai.dialogue.backends.base import Sampling
    from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend

    msgs = [{"role": "user", "content": "Good morning!"}]

    def form() -> str | None:
        b = LlamaCppBackend(n_ctx=256)
        try:
            assert isinstance("".join(b.stream(msgs, Sampling(max_tokens=4), seed=1)), str)
            return b.adapter_form
        finally:
            b.close()

    assert form() == "merged"
    (path,) = cache.glob("*.gguf")
    path.write_bytes(path.read_bytes()[:1_000_000])  # damaged on disk
    assert form() == "lora" and not path.exists()     # removed; the LoRA applied at run time this time
    assert form() == "merged" and path.exists()       # and made again next time
    monkeypatch.setenv("GAMEAI_CACHE_DIR", "none")
    assert form() == "lora"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GAMEAI_CACHE_DIR", str(blocker))
    assert form() == "lora"
    raw = LlamaCppBackend(n_ctx=256, adapter="none")
    assert raw.adapter_form is None
    raw.close()


def test_a_large_model_keeps_its_lora_at_run_time(cache, monkeypatch):
    import gameai.dialogue.adapter_merge as am

    monkeypatch.setattr(am, "MAX_BASE_BYTES", smollm2_path().stat().st_size - 1)
    assert merged_model(smollm2_path(), SHIPPED) is None  # nothing written, nothing held in memory
    assert not cache.exists() or not list(cache.glob("*.gguf"))
