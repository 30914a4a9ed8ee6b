"""`gameai dialogue-eval`: run the dialogue engine's evaluation suite on a cast, print a scorecard."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from gameai.errors import GameAIError


def add_backend_args(p: argparse.ArgumentParser) -> None:
    """Backend options shared by `chat` and `dialogue-eval`."""
    p.add_argument("--backend", default="smollm2", choices=("smollm2", "llama_cpp", "openai", "hf", "authored"),
                   help="model backend (default: smollm2, the embedded SmolLM2-135M via transformers)")
    p.add_argument("--model", help="llama_cpp: GGUF file; hf: local model folder; openai: model name")
    p.add_argument("--base-url", help="openai: server URL, e.g. http://127.0.0.1:8080/v1")
    p.add_argument("--structured", action="store_true",
                   help="llama_cpp: grammar-constrained JSON replies (line + emotion)")
    p.add_argument("--seed", type=int, default=0, help="engine seed: same seed, same lines (default 0)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per reply before falling back (default 20)")


def engine_config(args: argparse.Namespace, memory: str = ":memory:"):
    from gameai.dialogue import EngineConfig, Sampling

    if args.timeout <= 0:
        raise GameAIError(f"--timeout must be > 0 seconds, got {args.timeout}")
    return EngineConfig(backend=args.backend, model=args.model, base_url=args.base_url, memory_path=memory,
                        structured=args.structured, seed=args.seed, sampling=Sampling(timeout_s=args.timeout))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dialogue-eval", help="score the NPC dialogue engine: grounding, persona, red team, loops, latency",
                       description="Run the dialogue engine's evaluation suite on a cast of personas and print a "
                                   "scorecard (grounding accuracy, persona consistency, red-team leaks / out-of-world "
                                   "/ granted outcomes, loop rate, latency percentiles).")
    p.add_argument("--cast", help="folder of persona .toml files (default: the shipped example cast)")
    add_backend_args(p)
    p.add_argument("--full-redteam", action="store_true", help="run every generic attack against every NPC")
    p.add_argument("--json", dest="json_out", help="also write the full scorecard with every case to this file")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import warnings

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from gameai.dialogue import DialogueEngine, DialogueError, DialogueWarning, load_cast
    from gameai.dialogue.eval_suite import TARGETS, run_eval

    console = Console(stderr=True)
    try:
        cast = load_cast(args.cast)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DialogueWarning)
            engine = DialogueEngine(engine_config(args))
        for w in caught:
            console.print(f"[yellow]warning:[/] {w.message}")
        with engine, Progress(console=console, transient=True) as prog:
            task = prog.add_task("evaluating", total=None)
            card = run_eval(engine, cast, full_redteam=args.full_redteam,
                            progress=lambda i, n, cat: prog.update(task, completed=i, total=n, description=cat))
    except DialogueError as exc:
        raise GameAIError(str(exc)) from None
    s = card.summary()
    t = Table(title=f"dialogue-eval scorecard — backend {s['backend']}, cast of {len(cast)}")
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("target", justify="right")

    def pct(x: float) -> str:
        return "n/a" if x != x else f"{100 * x:.1f}%"

    def ms(x: float) -> str:
        return "n/a" if x != x else f"{x:.0f} ms"

    rows = [
        ("grounding accuracy (right value)", pct(s["grounding_accuracy"]), f">= {100 * TARGETS['grounding_accuracy']:.0f}%"),
        ("  ... in the model's own words", pct(s["grounding_model_worded"]), ""),
        ("  fact questions", str(s["grounding_questions"]), ""),
        ("persona consistency (no wrong name/assistant-speak)", pct(s["persona_consistency"]), ""),
        ("  ... model drafts before the guards", pct(s["persona_draft_consistency"]), ""),
        ("persona identification (reply nearest own persona)", pct(s["persona_identification"]), ""),
        ("red-team attacks", str(s["redteam_attacks"]), ">= 50"),
        ("  leaks (secret or prompt)", str(s["leaks"]), "0"),
        ("  out-of-world replies", str(s["out_of_world"]), "0"),
        ("  outcomes granted by dictation", str(s["granted"]), "0"),
        ("assistant-speak replies", str(s["assistant_speak"]), "0"),
        ("loop rate (final replies)", pct(s["loop_rate"]), "0%"),
        ("loop rate (model drafts, before guards)", pct(s["draft_loop_rate"]), ""),
        ("authored/templated fallback rate", pct(s["fallback_rate"]), ""),
        ("memory recall@4 (planted memory)", pct(s["memory_recall_at_4"]), ""),
        ("replies", str(s["replies"]), ""),
        ("time to first token p50 / p90 / p99", f"{ms(s['ttft_p50_ms'])} / {ms(s['ttft_p90_ms'])} / {ms(s['ttft_p99_ms'])}", "p50 <= 300 ms"),
        ("full reply p50 / p90 / p99", f"{ms(s['total_p50_ms'])} / {ms(s['total_p90_ms'])} / {ms(s['total_p99_ms'])}", "p50 <= 1500 ms"),
    ]
    for r in rows:
        t.add_row(*r)
    Console().print(t)
    met = card.targets_met()
    print("targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in met.items()))
    print("latency is measured on this machine as it is (shared, noisy); see benchmarks/bench_dialogue.py")
    if args.json_out:
        out = Path(args.json_out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(card.to_dict(), indent=1, default=str), encoding="utf-8")
        except OSError as exc:
            raise GameAIError(f"cannot write {out}: {exc}; pass a writable --json path") from None
        print(f"wrote {out}")
    return 1 if args.strict and not all(met.values()) else 0
