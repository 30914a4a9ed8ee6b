"""LoRA training and the NPC voice adapter: a short real run lowers the loss and writes an adapter
both backends load (and agree on), the same seed gives the same adapter, resume continues to the
same result, and a missing, corrupt or foreign adapter is a clear error."""
import json
import shutil

import numpy as np
import pytest

from gameai.dialogue.adapter import (AdapterError, GGUF_FILE, META_FILE, PEFT_FILE, SHIPPED_DIR, resolve_adapter)
from gameai.dialogue.training.train import TrainConfig, train

pytestmark = pytest.mark.slow  # real training runs and model loads (about 3-7 min each on a loaded 2-core machine)

TINY = dict(steps=3, batch=2, limit=4, lr=3e-3, warmup=1, checkpoint_every=1)


@pytest.fixture(scope="module")
def run_a(tmp_path_factory):
    out = tmp_path_factory.mktemp("adapter_a")
    return out, train(TrainConfig(out=str(out), **TINY), progress=False, log=lambda s: None)


def _tensors(d):
    from safetensors.numpy import load_file
    return load_file(str(d / PEFT_FILE))


def test_a_short_run_lowers_the_loss_and_writes_both_forms(run_a):
    out, s = run_a
    assert s["probe_loss_after"] < s["probe_loss_before"]
    assert (out / PEFT_FILE).is_file() and (out / GGUF_FILE).is_file() and (out / "adapter_config.json").is_file()
    meta = json.loads((out / META_FILE).read_text())
    assert meta["base_model"] == "SmolLM2-135M-Instruct" and meta["hidden_size"] == 576 and meta["steps"] == 3
    assert any(np.abs(v).max() > 0 for k, v in _tensors(out).items() if "lora_B" in k)  # B starts at 0: it moved


def test_same_seed_and_data_give_the_same_adapter_and_resume_continues_to_it(run_a, tmp_path):
    out_a, _ = run_a

    class Stop(Exception):
        pass

    def stop_at_2(line: str) -> None:
        if line.startswith("step 2/"):
            raise Stop

    with pytest.raises(Stop):
        train(TrainConfig(out=str(tmp_path), **TINY), progress=False, log=stop_at_2)
    assert not (tmp_path / PEFT_FILE).exists() and (tmp_path / "checkpoint.pt").is_file()
    train(TrainConfig(out=str(tmp_path), resume=True, **TINY), progress=False, log=lambda s: None)
    a, b = _tensors(out_a), _tensors(tmp_path)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert (out_a / GGUF_FILE).read_bytes() == (tmp_path / GGUF_FILE).read_bytes()


def test_resume_refuses_a_checkpoint_of_another_run(run_a, tmp_path):
    from gameai.dialogue.training.dataset import DatasetError
    out_a, _ = run_a
    shutil.copy(out_a / "checkpoint.pt", tmp_path / "checkpoint.pt")
    with pytest.raises(DatasetError, match="checkpoint of a different run"):
        train(TrainConfig(out=str(tmp_path), resume=True, **(TINY | {"lr": 1e-4})), progress=False)


def test_both_backends_load_the_trained_adapter_and_reply(run_a):
    from gameai.dialogue.backends.base import Sampling
    from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
    from gameai.dialogue.backends.transformers_backend import TransformersBackend
    out, _ = run_a
    msgs = [{"role": "system", "content": "You are Mara Ironhand, the blacksmith of Oakvale."},
            {"role": "user", "content": "Good morning!"}]
    for b in (TransformersBackend(adapter=str(out)), LlamaCppBackend(adapter=str(out))):
        assert b.adapter == out
        assert "".join(b.stream(msgs, Sampling(max_tokens=8), seed=1)).strip()
        b.close()


def test_llama_cpp_and_transformers_apply_the_adapter_alike(tmp_path):
    """A random (strong) LoRA: llama.cpp with the GGUF form and transformers with the PEFT form give
    the same next-token logits, as they do without it, and both differ from the raw model. A wrong
    tensor layout (e.g. q/k rows not permuted for llama.cpp) breaks the agreement."""
    import torch
    from llama_cpp import Llama

    from dialogue_shared import strong_random_adapter
    from gameai.dialogue.adapter import apply_peft
    from gameai.dialogue.backends.transformers_backend import smollm2_path
    from gameai.dialogue.training.train import load_base

    tok = strong_random_adapter(tmp_path)
    text = ("<|im_start|>system\nYou are Mara, a blacksmith.<|im_end|>\n<|im_start|>user\n"
            "How old is the forge?<|im_end|>\n<|im_start|>assistant\n")
    ids = tok(text, add_special_tokens=False)["input_ids"]
    base, _ = load_base(1)
    with torch.no_grad():
        raw = base(torch.tensor([ids])).logits[0, -1].numpy()
        tuned = apply_peft(base, tmp_path)(torch.tensor([ids])).logits[0, -1].numpy()
    got = {}
    for name, lora in (("raw", None), ("tuned", str(tmp_path / GGUF_FILE))):
        llm = Llama(model_path=str(smollm2_path()), lora_path=lora, n_ctx=256, n_threads=1, verbose=False,
                    logits_all=True)
        toks = llm.tokenize(text.encode(), add_bos=False, special=True)
        assert toks == ids
        llm.eval(toks)
        got[name] = np.array(llm.scores[llm.n_tokens - 1])
        llm.close()
    agree_raw = np.corrcoef(raw, got["raw"])[0, 1]
    agree_tuned = np.corrcoef(tuned, got["tuned"])[0, 1]
    moved = np.corrcoef(raw, tuned)[0, 1]
    assert agree_tuned > 0.998 and agree_raw > 0.998
    assert 1 - moved > 5 * (1 - agree_tuned)  # the adapter's effect is far larger than the backends' difference
    assert tuned.argmax() == got["tuned"].argmax()


def test_adapter_switch_and_missing_adapter():
    assert resolve_adapter("none", embedded_model=True) is None
    assert resolve_adapter("default", embedded_model=False) is None  # the shipped voice is for SmolLM2 only
    assert resolve_adapter("default", embedded_model=True) == SHIPPED_DIR
    with pytest.raises(AdapterError, match="adapter folder not found"):
        resolve_adapter("/no/such/adapter", embedded_model=True)


def _copy(src, dst):
    shutil.copytree(src, dst)
    return dst


def test_corrupt_or_foreign_adapters_are_clear_errors(run_a, tmp_path):
    from gameai.dialogue.adapter import apply_peft, gguf_for_llama
    from gameai.dialogue.training.train import load_base
    out, _ = run_a
    model, _ = load_base(1)

    foreign = _copy(out, tmp_path / "foreign")
    meta = json.loads((foreign / META_FILE).read_text())
    (foreign / META_FILE).write_text(json.dumps(meta | {"base_model": "Llama-3-8B", "hidden_size": 4096,
                                                        "num_layers": 32}))
    with pytest.raises(AdapterError, match="built for base model 'Llama-3-8B'.*--adapter none"):
        apply_peft(model, foreign)
    with pytest.raises(AdapterError, match="built for base model 'Llama-3-8B'"):
        gguf_for_llama(foreign, 576, 30)

    bad_meta = _copy(out, tmp_path / "bad_meta")
    (bad_meta / META_FILE).write_text("{not json")
    with pytest.raises(AdapterError, match="corrupt adapter description"):
        apply_peft(model, bad_meta)

    no_meta = _copy(out, tmp_path / "no_meta")
    (no_meta / META_FILE).unlink()
    with pytest.raises(AdapterError, match="gameai_adapter.json"):
        apply_peft(model, no_meta)

    broken = _copy(out, tmp_path / "broken")
    (broken / PEFT_FILE).write_bytes(b"\x00" * 100)
    (broken / GGUF_FILE).write_bytes(b"GGUF" + b"\x00" * 100)
    with pytest.raises(AdapterError, match="adapter_model.safetensors: cannot load the adapter"):
        apply_peft(model, broken)
    with pytest.raises(AdapterError, match="adapter.gguf: not a readable GGUF LoRA adapter"):
        gguf_for_llama(broken, 576, 30)


def test_cli_adapter_errors_are_clear(tmp_path, capsys):
    from gameai.cli.main import main
    rc = main(["chat", "--npc", "gameai/dialogue/cast/mara.toml", "--say", "hello", "--adapter", str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert rc == 2 and "adapter folder not found" in err and "Traceback" not in err
    rc = main(["dialogue-train", "--out", str(tmp_path / "o"), "--data", str(tmp_path / "missing.jsonl")])
    err = capsys.readouterr().err
    assert rc == 2 and "training file not found" in err


def test_exporting_a_missing_or_corrupt_checkpoint_is_a_clear_error(tmp_path):
    from gameai.dialogue.training.dataset import DatasetError
    from gameai.dialogue.training.train import export_checkpoint
    with pytest.raises(DatasetError, match="no checkpoint to export"):
        export_checkpoint(tmp_path)
    (tmp_path / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(DatasetError, match="not a readable training checkpoint"):
        export_checkpoint(tmp_path)


def test_model_shape_is_read_from_the_header_alone_and_bad_files_are_clear_errors(tmp_path):
    from gguf import GGUFReader

    from gameai.dialogue.adapter import gguf_model_shape

    from gameai.dialogue.backends.transformers_backend import smollm2_path

    model = smollm2_path()
    r = GGUFReader(str(model))  # the full reader, as the reference
    arch = r.fields["general.architecture"].contents()
    assert gguf_model_shape(model) == (int(r.fields[f"{arch}.embedding_length"].contents()),
                                       int(r.fields[f"{arch}.block_count"].contents()))
    head = model.read_bytes()[:300]  # cut inside the header
    for name, data in [("empty.gguf", b""), ("foreign.gguf", b"PK\x03\x04" * 64), ("cut.gguf", head)]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(AdapterError, match=f"{name}: cannot read the model's shape"):
            gguf_model_shape(tmp_path / name)


def test_the_llama_adapter_check_reads_the_header_alone_and_bad_files_are_clear_errors(tmp_path):
    from gguf import GGUFReader

    from gameai.dialogue.adapter import _gguf_metadata, gguf_for_llama
    from gameai.dialogue.backends.transformers_backend import smollm2_path

    name = "blk.0.attn_q.weight.lora_a"
    r = GGUFReader(str(SHIPPED_DIR / GGUF_FILE))  # the full reader, as the reference
    found = _gguf_metadata(SHIPPED_DIR / GGUF_FILE, lambda f: False, tensor=name)
    assert found["general.type"] == r.fields["general.type"].contents() == "adapter"
    assert found["tensor:" + name] == tuple(int(x) for x in next(t for t in r.tensors if t.name == name).shape)
    assert gguf_for_llama(SHIPPED_DIR, 576, 30) == SHIPPED_DIR / GGUF_FILE
    with pytest.raises(AdapterError, match="not a LoRA adapter for a model of hidden size 960"):
        bigger = _copy(SHIPPED_DIR, tmp_path / "bigger")
        meta = json.loads((bigger / META_FILE).read_text())
        (bigger / META_FILE).write_text(json.dumps(meta | {"hidden_size": 960}))
        gguf_for_llama(bigger, 960, 30)
    head = (SHIPPED_DIR / GGUF_FILE).read_bytes()[:400]  # cut inside the tensor table
    model = smollm2_path().read_bytes()[:2_000_000]  # a model's header, not an adapter's
    for label, data in [("empty", b""), ("foreign", b"PK\x03\x04" * 64), ("cut", head), ("zeros", b"GGUF" + bytes(100)),
                        ("model", model)]:
        d = _copy(SHIPPED_DIR, tmp_path / label)
        (d / GGUF_FILE).write_bytes(data)
        with pytest.raises(AdapterError, match="adapter.gguf: not a (readable GGUF )?LoRA adapter"):
            gguf_for_llama(d, 576, 30)
