"""What merging the voice LoRA into the weights buys, and what it keeps (adapter_merge.py).

Run:  .venv/bin/python benchmarks/bench_adapter_merge.py [--repeat 5]

Three forms of the embedded SmolLM2-135M, measured in the same run on one llama.cpp thread:
  - lora:   the Q4_1 model + the shipped voice applied at run time (float32 LoRA; the old default),
  - merged: the voice merged into the weights, adapted tensors as Q8_0 (the default now),
  - raw:    the Q4_1 model without the voice (for scale).
Printed side by side, with the ratio lora / merged:
  - prompt reading, ms per token (a 64-token prompt in one call);
  - one llama_decode step of 1, 2, 4 and 8 conversations (one new token each, logits for every row),
    ms per call and ms per generated token; the batch decoder's steps are these calls;
  - what the merge keeps: the share of the adapter's weight change that survives in the merged
    tensors (projection on the exact change: 1.0 = all of it), for Q8_0 and, to show why not, for
    the base file's own Q4_1; and the logits of the merged model against the run-time LoRA's on a
    prompt (RMS difference, as a share of the adapter's own effect on the logits).
Medians of --repeat timings; the machine is shared and noisy (2 cores).
"""
from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROMPT = ("<|im_start|>system\nYou are Mara Ironhand, the blacksmith of Oakvale. You are gruff, honest and proud "
          "of your work. Now: the forge, morning.<|im_end|>\n<|im_start|>user\nWhat does a steel shield cost, "
          "and where does your iron come from?<|im_end|>\n<|im_start|>assistant\n")


def timings(path: Path, lora: Path | None, repeat: int) -> dict[str, float]:
    import llama_cpp
    from llama_cpp import Llama, _internals

    llm = Llama(model_path=str(path), lora_path=str(lora) if lora else None, n_ctx=512, n_threads=1,
                n_threads_batch=1, verbose=False)
    toks = llm.tokenize(PROMPT.encode(), add_bos=False, special=True)
    toks = (toks * 2)[:64]
    params = llama_cpp.llama_context_default_params()
    params.n_ctx, params.n_seq_max, params.kv_unified = 8 * 256, 8, False
    params.n_batch = params.n_ubatch = 512
    params.n_threads = params.n_threads_batch = 1
    ctx = _internals.LlamaContext(model=llm._model, params=params, verbose=False)
    if lora:
        ad = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(llm._lora_adapter)
        llama_cpp.llama_set_adapters_lora(ctx.ctx, ad, 1, (ctypes.c_float * 1)(1.0))
    b = llama_cpp.llama_batch_init(512, 0, 1)

    def decode(rows: list[tuple[int, int, int]], logits_last_only: bool) -> float:
        b.n_tokens = len(rows)
        for i, (tok, pos, seq) in enumerate(rows):
            b.token[i], b.pos[i], b.n_seq_id[i] = tok, pos, 1
            b.seq_id[i][0] = seq
            b.logits[i] = int(not logits_last_only or i == len(rows) - 1)
        t = time.perf_counter()
        if llama_cpp.llama_decode(ctx.ctx, b) != 0:
            raise RuntimeError("llama_decode failed")
        return time.perf_counter() - t

    mem = ctx.memory
    out: dict[str, float] = {}
    prompt = []
    for _ in range(repeat):
        llama_cpp.llama_memory_seq_rm(mem, 0, -1, -1)
        prompt.append(decode([(t, i, 0) for i, t in enumerate(toks)], True) / len(toks))
    out["prompt ms/token"] = 1000 * statistics.median(prompt)
    for seq in range(8):  # 16 tokens of context in every sequence
        llama_cpp.llama_memory_seq_rm(mem, seq, -1, -1)
        decode([(t, i, seq) for i, t in enumerate(toks[:16])], True)
    pos = [16] * 8
    for n in (1, 2, 4, 8):
        calls = []
        for k in range(repeat * 4):
            calls.append(decode([(toks[k % 64], pos[s], s) for s in range(n)], False))
            for s in range(n):
                pos[s] += 1
        out[f"step of {n}: ms/call"] = 1000 * statistics.median(calls)
        out[f"step of {n}: ms/token"] = 1000 * statistics.median(calls) / n
    llama_cpp.llama_batch_free(b)
    ctx.close()
    llm.close()
    return out


def kept_share(lora: Path, base: Path) -> dict[str, float]:
    """Share of the adapter's change kept after quantising W + change (median over adapted tensors)."""
    import gguf

    model = {t.name: t for t in gguf.GGUFReader(str(base)).tensors}
    ad = {t.name: t for t in gguf.GGUFReader(str(lora)).tensors}
    alpha = 0.0
    shares: dict[str, list[float]] = {"Q8_0": [], "Q4_1": []}
    for name in sorted(n[:-len(".lora_a")] for n in ad if n.endswith(".lora_a"))[::15]:  # a sample of 14
        a, b = np.asarray(ad[name + ".lora_a"].data, np.float32), np.asarray(ad[name + ".lora_b"].data, np.float32)
        alpha = alpha or float(gguf.GGUFReader(str(lora)).fields["adapter.lora.alpha"].contents())
        w = gguf.quants.dequantize(model[name].data, model[name].tensor_type)
        d = (alpha / a.shape[0]) * (b @ a)
        for q in shares:
            qt = getattr(gguf.GGMLQuantizationType, q)
            eff = gguf.quants.dequantize(gguf.quants.quantize(w + d, qt), qt) - w
            shares[q].append(float((eff * d).sum() / (d * d).sum()))
    return {f"adapter change kept, {q}": statistics.median(v) for q, v in shares.items()}


def logits(path: Path, lora: Path | None) -> np.ndarray:
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), lora_path=str(lora) if lora else None, n_ctx=512, n_threads=1,
                verbose=False, logits_all=True)
    toks = llm.tokenize(PROMPT.encode(), add_bos=False, special=True)
    llm.eval(toks)
    out = np.array(llm.scores[:len(toks)])
    llm.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    os.environ.setdefault("GAMEAI_CACHE_DIR", tempfile.mkdtemp(prefix="bench-merge-"))
    from gameai.dialogue.adapter import GGUF_FILE, SHIPPED_DIR
    from gameai.dialogue.adapter_merge import merged_model
    from gameai.dialogue.backends.transformers_backend import smollm2_path

    base, lora = smollm2_path(), SHIPPED_DIR / GGUF_FILE
    t = time.perf_counter()
    merged = merged_model(base, lora)
    if merged is None:
        sys.exit("no writable cache folder to merge into (GAMEAI_CACHE_DIR)")
    merge_s = time.perf_counter() - t
    forms = {"lora": timings(base, lora, args.repeat), "merged": timings(merged, None, args.repeat),
             "raw": timings(base, None, args.repeat)}
    print(f"one llama.cpp thread, medians of {args.repeat}; merge made in {merge_s:.1f} s "
          f"({merged.stat().st_size / 1e6:.0f} MB; the Q4_1 file is {base.stat().st_size / 1e6:.0f} MB)")
    print(f"{'figure':26s} {'lora':>8s} {'merged':>8s} {'raw':>8s} {'lora/merged':>12s}")
    for k in forms["lora"]:
        x, y, z = forms["lora"][k], forms["merged"][k], forms["raw"][k]
        print(f"{k:26s} {x:8.2f} {y:8.2f} {z:8.2f} {x / y:11.2f}x")
    for k, v in kept_share(lora, base).items():
        print(f"{k:26s} {v:8.2f}")
    ref, raw, got = logits(base, lora), logits(base, None), logits(merged, None)
    effect = float(np.sqrt(((raw - ref) ** 2).mean()))
    diff = float(np.sqrt(((got - ref) ** 2).mean()))
    print(f"logits vs run-time LoRA: RMS {diff:.3f} (the adapter's own effect: {effect:.3f}; share {diff / effect:.2f}); "
          f"same top token at {(got.argmax(1) == ref.argmax(1)).mean():.0%} of positions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
