"""The NPC voice adapter: a LoRA fine-tune of the embedded SmolLM2-135M-Instruct, in two forms.

A folder holds `adapter_model.safetensors` + `adapter_config.json` (PEFT, for the transformers
backend), `adapter.gguf` (llama.cpp's LoRA format, for the llama_cpp backend) and
`gameai_adapter.json` (which base model it was trained for, and how). The shipped one is in
`gameai/dialogue/data/adapter/` and is on by default for the embedded model; `adapter="none"`
switches it off; any other value is the path of such a folder (`gameai dialogue-train --out`).
Both backends call `resolve_adapter` and one of the two loaders, which turn a missing, corrupt or
foreign adapter into an AdapterError that names the file.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from gameai.dialogue.errors import DialogueError

SHIPPED_DIR = Path(__file__).resolve().parent / "data" / "adapter"
BASE_MODEL = "SmolLM2-135M-Instruct"
META_FILE = "gameai_adapter.json"
PEFT_FILE = "adapter_model.safetensors"
GGUF_FILE = "adapter.gguf"
# HF module name -> llama.cpp tensor name (LLaMA architecture, which SmolLM2 uses)
GGUF_NAMES = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
              "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
              "mlp.down_proj": "ffn_down"}


class AdapterError(DialogueError):
    """The adapter is missing, corrupt, or built for another base model (the message names the file).
    Not a BackendError: the engine must not quietly fall back to authored lines when asked for an
    adapter it cannot load; the caller sees the error."""


def resolve_adapter(adapter: str | Path | None, embedded_model: bool) -> Path | None:
    """The adapter folder to load, or None. adapter: "default" | "none" | a folder path.
    "default" is the shipped adapter for the embedded model, and nothing for any other model."""
    if adapter is None or str(adapter) == "none":
        return None
    if str(adapter) == "default":
        if not embedded_model:
            return None
        d = SHIPPED_DIR
        if not (d / META_FILE).is_file():
            raise AdapterError(f"{d}: the shipped NPC voice adapter is missing; reinstall gameai, or pass "
                               "--adapter none to run the raw model")
        return d
    d = Path(adapter)
    if d.is_file():  # a path to one of its files: take the folder
        d = d.parent
    if not d.is_dir():
        raise AdapterError(f"{adapter}: adapter folder not found; pass a folder written by `gameai dialogue-train`, "
                           "'default' or 'none'")
    return d


def read_meta(d: Path) -> dict[str, Any]:
    p = d / META_FILE
    if not p.is_file():
        raise AdapterError(f"{p}: not found; an adapter folder needs {META_FILE} (written by `gameai dialogue-train`)")
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AdapterError(f"{p}: corrupt adapter description ({exc})") from None
    if not isinstance(meta, dict):
        raise AdapterError(f"{p}: corrupt adapter description (a JSON object expected)")
    return meta


def check_base(d: Path, meta: dict[str, Any], hidden: int, layers: int, model_name: str) -> None:
    """Refuse an adapter trained for another base model before its weights reach the model."""
    base = meta.get("base_model")
    shape = (meta.get("hidden_size"), meta.get("num_layers"))
    if base != BASE_MODEL and base != model_name or shape != (hidden, layers):
        raise AdapterError(f"{d}: adapter built for base model {base!r} (hidden size {shape[0]}, {shape[1]} layers); "
                           f"this model is {model_name!r} (hidden size {hidden}, {layers} layers). "
                           "Train an adapter for this model or pass --adapter none")


def apply_peft(model, d: Path, model_name: str = BASE_MODEL):
    """The transformers model with the adapter's LoRA merged into its weights (no extra cost per token)."""
    meta = read_meta(d)
    cfg = model.config
    check_base(d, meta, cfg.hidden_size, cfg.num_hidden_layers, model_name)
    if not (d / PEFT_FILE).is_file() or not (d / "adapter_config.json").is_file():
        raise AdapterError(f"{d}: {PEFT_FILE} or adapter_config.json is missing; the folder is incomplete")
    try:
        from peft import PeftModel
    except ImportError:
        raise AdapterError("the adapter needs peft: run `pip install 'gameai[dialogue]'`, or pass --adapter none") from None
    try:
        tuned = PeftModel.from_pretrained(model, str(d), is_trainable=False)
        return tuned.merge_and_unload()
    except Exception as exc:  # safetensors/peft raise many types for a damaged file
        raise AdapterError(f"{d / PEFT_FILE}: cannot load the adapter ({type(exc).__name__}: "
                           f"{str(exc).splitlines()[0][:200]}); the file is damaged or not a LoRA adapter") from None


def gguf_for_llama(d: Path, n_embd: int, n_layer: int, model_name: str = BASE_MODEL) -> Path:
    """The adapter's GGUF file, checked to be a LoRA adapter of this model's shape."""
    meta = read_meta(d)
    check_base(d, meta, n_embd, n_layer, model_name)
    p = d / GGUF_FILE
    if not p.is_file():
        raise AdapterError(f"{p}: not found; the adapter folder has no llama.cpp form")
    try:
        # The header alone (its few keys and the tensor table), not gguf.GGUFReader: that one
        # imports gguf and maps every tensor, about 0.1 s of a cold start.
        found = _gguf_metadata(p, lambda f: False, tensor="blk.0.attn_q.weight.lora_a")
        kind = found.get("general.type")
        dims = found.get("tensor:blk.0.attn_q.weight.lora_a")
        if dims is None:
            raise ValueError("no tensor blk.0.attn_q.weight.lora_a")
    except Exception as exc:  # a truncated or foreign file
        raise AdapterError(f"{p}: not a readable GGUF LoRA adapter ({type(exc).__name__}: {exc})") from None
    if kind != "adapter" or int(dims[0]) != n_embd:
        raise AdapterError(f"{p}: not a LoRA adapter for a model of hidden size {n_embd}")
    return p


# GGUF metadata value types (gguf spec): fixed-size scalars by struct code; 8 = string, 9 = array
_GGUF_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def _gguf_metadata(path: Path, done: Callable[[dict[str, Any]], bool], tensor: str | None = None) -> dict[str, Any]:
    """Scalar and string key-values of a GGUF file's header, read in order until ``done(found)``;
    with ``tensor``, all key-values and then the tensor table up to that tensor, whose dimensions
    (llama.cpp's order, ne[0] first) are found["tensor:" + name].

    The model's shape keys sit before its tokenizer's ~100k strings; gguf.GGUFReader parses all of
    them first, which was most of a cold start's CPU (about 3 s of 10 s)."""
    import struct

    with open(path, "rb") as f:
        def read(fmt: str):
            size = struct.calcsize(fmt)
            b = f.read(size)
            if len(b) != size:
                raise ValueError("the file ends inside its header")
            return struct.unpack("<" + fmt, b)[0]

        def read_str() -> str:
            n = read("Q")
            if n > 1 << 24:
                raise ValueError(f"a string of {n} bytes in the header")
            return f.read(n).decode("utf-8", errors="replace")

        def skip(vtype: int) -> None:
            if vtype in _GGUF_SCALARS:
                f.seek(struct.calcsize(_GGUF_SCALARS[vtype]), 1)
            elif vtype == 8:
                f.seek(read("Q"), 1)
            elif vtype == 9:
                etype, count = read("I"), read("Q")
                if etype in _GGUF_SCALARS:
                    f.seek(struct.calcsize(_GGUF_SCALARS[etype]) * count, 1)
                else:
                    for _ in range(count):
                        skip(etype)
            else:
                raise ValueError(f"unknown value type {vtype}")

        if f.read(4) != b"GGUF":
            raise ValueError("not a GGUF file")
        read("I")  # version
        n_tensors = read("Q")
        found: dict[str, Any] = {}
        for _ in range(read("Q")):
            key, vtype = read_str(), read("I")
            if vtype in _GGUF_SCALARS:
                found[key] = read(_GGUF_SCALARS[vtype])
            elif vtype == 8:
                found[key] = read_str()
            else:
                skip(vtype)
            if done(found):
                return found
        if tensor is not None:
            for _ in range(n_tensors):  # name, dimensions, type, offset
                name, n_dims = read_str(), read("I")
                if n_dims > 8:
                    raise ValueError(f"a tensor of {n_dims} dimensions")
                dims = tuple(read("Q") for _ in range(n_dims))
                read("I")
                read("Q")
                if name == tensor:
                    found["tensor:" + name] = dims
                    break
        return found


def gguf_model_shape(model: Path) -> tuple[int, int]:
    """(hidden size, layers) of a GGUF model, from the start of its metadata (no weights, no vocabulary read)."""
    def has_shape(found: dict[str, Any]) -> bool:
        arch = found.get("general.architecture")
        return arch is not None and f"{arch}.embedding_length" in found and f"{arch}.block_count" in found

    try:
        found = _gguf_metadata(Path(model), has_shape)
        if not has_shape(found):
            raise ValueError("no architecture, embedding length or block count in its metadata")
        arch = found["general.architecture"]
        return int(found[f"{arch}.embedding_length"]), int(found[f"{arch}.block_count"])
    except Exception as exc:
        raise AdapterError(f"{model}: cannot read the model's shape to check the adapter against it ({exc})") from None


def save_adapter(peft_model, out: Path, summary: dict[str, Any]) -> None:
    """Write both forms of a trained adapter into `out`: float16 weights (half the size, same lines),
    widened to float32 in the GGUF form (see write_gguf)."""
    import torch
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in get_peft_model_state_dict(peft_model).items()}
    save_file(state, str(out / PEFT_FILE), metadata={"format": "pt"})
    peft_model.peft_config["default"].base_model_name_or_path = BASE_MODEL  # not this machine's venv path
    peft_model.peft_config["default"].save_pretrained(str(out))
    cfg = peft_model.base_model.model.config
    meta = dict(summary, base_model=BASE_MODEL, hidden_size=cfg.hidden_size, num_layers=cfg.num_hidden_layers)
    write_gguf(state, out / GGUF_FILE, cfg, peft_model.peft_config["default"].lora_alpha)
    (out / META_FILE).write_text(json.dumps(meta, indent=1, default=str) + "\n", encoding="utf-8")


def _permute(w, n_head: int):
    """llama.cpp stores q/k rows in its own rotary order (convert_hf_to_gguf.LlamaModel.permute)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(state: dict, path: Path, cfg, alpha: float) -> None:
    """PEFT LoRA tensors -> llama.cpp's GGUF LoRA format (what convert_lora_to_gguf.py writes)."""
    import re

    import gguf
    import numpy as np

    w = gguf.GGUFWriter(str(path), arch="llama")
    w.add_string("general.type", "adapter")
    w.add_string("adapter.type", "lora")
    w.add_float32("adapter.lora.alpha", float(alpha))
    w.add_string("gameai.base_model", BASE_MODEL)
    for key in sorted(state):
        m = re.search(r"layers\.(\d+)\.(self_attn\.\w+|mlp\.\w+)\.lora_([AB])\.weight$", key)
        if not m:
            raise AdapterError(f"unexpected adapter tensor {key!r}")
        layer, module, ab = int(m.group(1)), m.group(2), m.group(3)
        t = state[key].float().numpy()
        if ab == "B" and module == "self_attn.q_proj":
            t = _permute(t, cfg.num_attention_heads)
        elif ab == "B" and module == "self_attn.k_proj":
            t = _permute(t, cfg.num_key_value_heads)
        # float32, not float16: llama.cpp multiplies a float16 LoRA by activations through kernels
        # that depend on how many sequences share the step, so a conversation's line changed with
        # the batch; float32 LoRA tensors give the same logits whatever the batch
        # (tests/test_dialogue_batch.py checks it with the adapter on).
        w.add_tensor(f"blk.{layer}.{GGUF_NAMES[module]}.weight.lora_{ab.lower()}", np.ascontiguousarray(t, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
