"""The voice LoRA merged into the model's weights for llama.cpp: one GGUF, made once and kept on disk.

Why: llama.cpp applies a LoRA at run time as extra float32 matmuls beside every projection. On one
core that made a token ~15% dearer, and in the batch decoder it cost far more: a lone step had to be
padded to two rows, and each prompt chunk read in a call of its own, so that a float32 LoRA row was
computed by the same kernel whatever shared the step (llama_batch.py). With the LoRA folded into
the weights there is no adapter at run time: no extra matmuls, no padding.

How: for each adapted tensor W (out x in), W' = W + scale * B @ A, with llama.cpp's own scale
(alpha / rank). The merged tensors are stored as Q8_0, not in the base file's Q4_1: the LoRA moves a
weight by ~0.002 where a Q4_1 step is ~0.05, so re-quantising to Q4_1 rounds ~90% of the adapter
away, while Q8_0's step (~0.003) keeps it (benchmarks/bench_adapter_merge.py prints the share kept
and the logits against the run-time LoRA). Q8_0 also reads a prompt faster on this CPU (llamafile's
int8 kernels) and computes a row the same way at any batch size, so batched lines stay the lines a
conversation gets alone (tests/test_dialogue_batch.py). Float tensors stay float (F16/F32).

The file lives in the disk cache (`merged-model/`, disk_cache.py), named by a hash of the base
model file (path, size, mtime), the adapter file's bytes and MERGE_FORMAT; it is written atomically
(temporary file, then os.replace), so two processes starting at once, or a crash, leave either no
file or a whole one. About 3.5 s and 145 MB for SmolLM2-135M, once per model and adapter. With the
disk caches off (GAMEAI_CACHE_DIR=none), the folder not writable, the `gguf` package missing or
a model file over 1 GB, `merged_model` returns None and the backend applies the LoRA at run time.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from gameai.dialogue.adapter import AdapterError

log = logging.getLogger("gameai.dialogue")

MERGE_FORMAT = 1     # bump when the merged file's content changes for the same inputs
KEEP_FILES = 4       # merged models kept in the cache folder (oldest removed)
Q8_BLOCK = 32        # Q8_0 quantises rows in blocks of 32 values
# Merging holds the merged tensors in memory and writes them at 8 bits: fine for the embedded
# 135M model (98 MB -> 145 MB), not for a 7B one, whose LoRA is applied at run time instead.
MAX_BASE_BYTES = 1 << 30


def merged_model(base: Path, lora: Path) -> Path | None:
    """A GGUF of `base` with the LoRA in `lora` (llama.cpp's GGUF LoRA form) merged in, from the disk
    cache or made now; None when there is no writable cache folder. AdapterError when the adapter
    does not fit the model (a tensor it names is missing or of another shape)."""
    from gameai.dialogue import disk_cache as dc

    folder = dc.cache_dir("merged-model")
    if folder is None or base.stat().st_size > MAX_BASE_BYTES:
        return None
    try:
        import gguf  # noqa: F401 - in the [dialogue] extra; without it the LoRA is applied at run time
    except ImportError:
        return None
    path = folder / f"{_key(base, lora)}.gguf"
    if path.is_file():
        try:
            os.utime(path)  # most recently used: the last to be pruned
        except OSError:  # a read-only cache, or pruned by another process just now (the load then falls back)
            pass
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".gguf")
        os.close(fd)
    except OSError as exc:
        log.debug("gameai: merged model not cached (%s); the LoRA is applied at run time", exc)
        return None
    try:
        write_merged(base, lora, Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:  # disk full, folder removed under us
        log.debug("gameai: merged model not written (%s); the LoRA is applied at run time", exc)
        return None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _prune(folder)
    return path


def discard(path: Path) -> None:
    """Remove a cached merged model that llama.cpp could not load (damaged on disk)."""
    try:
        path.unlink()
    except OSError:
        pass


def write_merged(base: Path, lora: Path, out: Path) -> None:
    import gguf
    import numpy as np

    try:
        model = gguf.GGUFReader(str(base))
        adapter = gguf.GGUFReader(str(lora))
        alpha_field = adapter.fields.get("adapter.lora.alpha")
        alpha = float(alpha_field.contents()) if alpha_field is not None else 0.0
        pairs = {t.name[:-len(".lora_a")]: t for t in adapter.tensors if t.name.endswith(".lora_a")}
        bs = {t.name[:-len(".lora_b")]: t for t in adapter.tensors if t.name.endswith(".lora_b")}
    except (ValueError, OSError, KeyError, IndexError) as exc:
        raise AdapterError(f"{lora}: cannot read the adapter to merge it ({type(exc).__name__}: {exc})") from None
    if not pairs or set(pairs) != set(bs):
        raise AdapterError(f"{lora}: not a LoRA adapter (lora_a/lora_b tensors do not pair up)")
    names = {t.name for t in model.tensors}
    missing = sorted(set(pairs) - names)
    if missing:
        raise AdapterError(f"{lora}: adapts {missing[0]}, which {base.name} does not have; the adapter is for another model")

    writer = gguf.GGUFWriter(str(out), arch=str(model.fields["general.architecture"].contents()),
                             endianess=model.endianess)
    for f in model.fields.values():
        if f.name == gguf.Keys.General.ARCHITECTURE or f.name.startswith("GGUF."):
            continue  # written by GGUFWriter itself
        vtype = f.types[0]
        writer.add_key_value(f.name, f.contents(), vtype,
                             sub_type=f.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None)
    data = []
    for t in model.tensors:
        if t.name not in pairs:
            writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
            data.append(t.data)
            continue
        a = np.asarray(pairs[t.name].data, dtype=np.float32)  # (rank, in)
        b = np.asarray(bs[t.name].data, dtype=np.float32)     # (out, rank)
        w = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
        if b.shape[1] != a.shape[0] or (b.shape[0], a.shape[1]) != w.shape:
            raise AdapterError(f"{lora}: {t.name} is {w.shape[0]}x{w.shape[1]} in {base.name} but the adapter's "
                               f"LoRA gives {b.shape[0]}x{a.shape[1]}; the adapter is for another model")
        rank = a.shape[0]
        scale = alpha / rank if alpha else 1.0  # llama.cpp's scale for a LoRA at strength 1
        w += scale * (b @ a)
        merged, kind = _store(w, t.tensor_type)
        writer.add_tensor_info(t.name, merged.shape, merged.dtype, merged.nbytes, kind)
        data.append(merged)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for d in data:
        writer.write_tensor_data(d, tensor_endianess=model.endianess)
    writer.close()


def _store(w, base_type):
    """The merged tensor in the form it is written: quantised bases as Q8_0, float ones as they were."""
    import gguf
    import numpy as np

    q = gguf.GGMLQuantizationType
    if base_type == q.F32:
        return w, q.F32
    if base_type == q.F16 or w.shape[-1] % Q8_BLOCK:
        return w.astype(np.float16), q.F16
    return gguf.quants.quantize(w, q.Q8_0), q.Q8_0


def _key(base: Path, lora: Path) -> str:
    h = hashlib.blake2b(digest_size=16, person=b"gameai-merge")
    st = base.stat()
    h.update(f"{MERGE_FORMAT}|{base.resolve()}|{st.st_size}|{st.st_mtime_ns}|".encode())
    with open(lora, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _prune(folder: Path) -> None:
    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:  # removed by another process meanwhile
            return 0.0

    files = sorted(folder.glob("*.gguf"), key=mtime)
    for p in files[:max(0, len(files) - KEEP_FILES)]:
        discard(p)
