"""Score adapters on the training set's held-out probe: the base model's loss on it and each
adapter's, on the same exchanges (the ones `dialogue-train` never trains on).

`python -m gameai.dialogue.training.probe ADAPTER_DIR [ADAPTER_DIR ...] [--data FILE]` prints one
JSON line per adapter: {"adapter", "probe", "probe_loss_before", "probe_loss_after"}; "before"
is the raw model. Lower after than before: the adapter learned the task on lines it never saw.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from gameai.dialogue.training.dataset import DEFAULT_TRAIN, load_exchanges
from gameai.dialogue.training.train import (TARGET_MODULES, _batch_of, _loss, encode, load_base, split_probe)


def probe_losses(adapters: list[Path], data: str | Path = DEFAULT_TRAIN, max_tokens: int = 384,
                 bf16: bool = True) -> list[dict]:
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    from gameai.dialogue.adapter import PEFT_FILE

    base, tok = load_base(1)
    encoded = [encode(ex, tok) for ex in load_exchanges(data)]
    keep = [i for i, (ids, _) in enumerate(encoded) if len(ids) <= max_tokens]
    _, rows, kind = split_probe(keep)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    batch = _batch_of([encoded[i] for i in rows], pad)
    before = _loss(base, batch, bf16)
    out = []
    for d in adapters:
        cfg = json.loads((d / "adapter_config.json").read_text(encoding="utf-8"))
        model = get_peft_model(base, LoraConfig(r=cfg["r"], lora_alpha=cfg["lora_alpha"], lora_dropout=0.0,
                                                target_modules=list(TARGET_MODULES), task_type="CAUSAL_LM"))
        state = {k: v.float() for k, v in load_file(str(d / PEFT_FILE)).items()}
        set_peft_model_state_dict(model, state)
        out.append({"adapter": str(d), "probe": f"{kind}: {len(rows)} exchanges of {data}",
                    "probe_loss_before": before, "probe_loss_after": _loss(model, batch, bf16)})
        base = model.unload()  # the raw model again for the next adapter
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("adapters", nargs="+", type=Path)
    ap.add_argument("--data", default=str(DEFAULT_TRAIN))
    a = ap.parse_args(argv)
    for row in probe_losses(a.adapters, a.data):
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
