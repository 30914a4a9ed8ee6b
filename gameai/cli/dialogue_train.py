"""`gameai dialogue-train`: LoRA-tune the embedded SmolLM2 on the NPC training set, write an adapter."""
from __future__ import annotations

import argparse

from gameai.errors import GameAIError


def register(sub: argparse._SubParsersAction) -> None:
    from gameai.dialogue.training.dataset import DEFAULT_TRAIN
    from gameai.dialogue.training.train import TrainConfig

    d = TrainConfig()
    p = sub.add_parser("dialogue-train", help="fine-tune the embedded NPC model (LoRA) on a JSONL training set",
                       description="Train a LoRA adapter for SmolLM2-135M-Instruct on exchanges in the engine's "
                                   "prompt format. Writes adapter_model.safetensors (transformers), adapter.gguf "
                                   "(llama.cpp) and gameai_adapter.json into --out; use it with --adapter DIR.")
    p.add_argument("--data", default=str(DEFAULT_TRAIN), help="training JSONL (default: the shipped set)")
    p.add_argument("--out", required=True, help="adapter folder to write (also holds checkpoint.pt)")
    p.add_argument("--steps", type=int, default=d.steps, help=f"optimizer steps (default {d.steps})")
    p.add_argument("--batch", type=int, default=d.batch, help=f"exchanges per step (default {d.batch})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"peak learning rate (default {d.lr})")
    p.add_argument("--warmup", type=int, default=d.warmup, help=f"warm-up steps (default {d.warmup})")
    p.add_argument("--rank", type=int, default=d.rank, help=f"LoRA rank (default {d.rank})")
    p.add_argument("--seed", type=int, default=d.seed, help="same seed and data, same adapter (default 0)")
    p.add_argument("--threads", type=int, default=d.threads, help="torch threads (default 1)")
    p.add_argument("--no-bf16", action="store_true", help="float32 matmuls (slower; for CPUs without bf16)")
    p.add_argument("--limit", type=int, help="use only the first N exchanges")
    p.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every, help="steps between checkpoints")
    p.add_argument("--resume", action="store_true", help="continue from --out/checkpoint.pt")
    p.add_argument("--export-checkpoint", action="store_true",
                   help="write the adapter of --out/checkpoint.pt (a run stopped early) and exit")
    p.add_argument("--no-progress", action="store_true", help="log a line per checkpoint instead of a progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from gameai.dialogue.errors import DialogueError
    from gameai.dialogue.training.train import TrainConfig, train

    if args.limit is not None and args.limit < 1:
        raise GameAIError(f"--limit {args.limit}: must be at least 1")
    cfg = TrainConfig(data=args.data, out=args.out, steps=args.steps, batch=args.batch, lr=args.lr, warmup=args.warmup, rank=args.rank,
                      alpha=2 * args.rank, seed=args.seed, threads=args.threads, bf16=not args.no_bf16,
                      limit=args.limit, checkpoint_every=args.checkpoint_every, resume=args.resume)
    if args.export_checkpoint:
        from gameai.dialogue.training.train import export_checkpoint
        try:
            summary = export_checkpoint(args.out)
        except DialogueError as exc:
            raise GameAIError(str(exc)) from None
        print(f"adapter of step {summary['steps']}/{summary['steps_planned']} written to {args.out}")
        return 0
    try:
        summary = train(cfg, progress=not args.no_progress)
    except DialogueError as exc:
        raise GameAIError(str(exc)) from None
    print(json.dumps({k: summary[k] for k in ("steps", "examples", "first_loss", "last_loss", "probe", "probe_loss_before",
                                               "probe_loss_after", "wall_s", "cpu_s")}))
    print(f"adapter written to {args.out}; use it with --adapter {args.out}")
    return 0
