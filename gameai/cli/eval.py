"""`gameai eval`: the win-rate matrix among bots on held-out map seeds, with 95% intervals."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval", help="win-rate matrix among bots (scripted, learned, model files) with 95%% CIs",
        description="Play every pair of bots on N held-out map seeds, each seed from both sides, and print "
                    "the row bot's win rate against the column bot with its 95% Wilson interval, plus an "
                    "OpenSkill rating per bot. A bot is NAME or NAME@TIER (novice, average, expert): a scripted "
                    "bot, a learned bot (ppo) or a model .zip from `gameai train`.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--bots", required=True, help="comma-separated bots, e.g. ppo,focus_fire,kite,ppo@novice")
    p.add_argument("--seeds", type=int, default=100, help="held-out map seeds per pair (each played from both sides)")
    p.add_argument("--ruleset", default=None, help="ruleset TOML file (default: the packaged default)")
    p.add_argument("--map-size", type=int, default=32, help="generated map size in cells; 0 = built-in arena")
    p.add_argument("--json", metavar="FILE", default=None, help="also write the matrix as JSON to FILE")
    p.set_defaults(func=run)


def run(args) -> int:
    import json
    from pathlib import Path

    from gameai.cli.match import load_ruleset_arg
    from gameai.errors import GameAIError

    bots = [b.strip() for b in args.bots.split(",") if b.strip()]
    if args.seeds < 1:
        raise GameAIError(f"--seeds must be at least 1, got {args.seeds}")
    if args.map_size < 0:
        raise GameAIError(f"--map-size must be 0 (built-in arena) or a size in cells, got {args.map_size}")
    ruleset = load_ruleset_arg(args.ruleset)
    from rich.console import Console
    from rich.table import Table

    from agents.rl_eval import matrix_rows, win_rate_matrix

    console = Console()
    try:
        result = win_rate_matrix(ruleset, bots, args.seeds, args.map_size or None,
                                 progress=lambda a, b: console.print(f"[dim]playing {a} vs {b} ...[/dim]"))
    except (ValueError, FileNotFoundError) as exc:
        raise GameAIError(f"{exc}") from None
    rows = matrix_rows(result)
    table = Table(title=f"win rate of row vs column · {args.seeds} held-out map seeds × 2 sides · 95% CI",
                  show_edge=False)
    for i, col in enumerate(rows[0]):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows[1:]:
        table.add_row(*row)
    console.print(table)
    console.print("[dim]draws count as not won; rating = OpenSkill ordinal (mu - 3 sigma) over these matches[/dim]")
    if args.json:
        path = Path(args.json)
        try:
            path.write_text(json.dumps(result, indent=1))
        except OSError as exc:
            raise GameAIError(f"cannot write {path}: {exc.strerror}; choose another --json path") from None
        console.print(f"wrote {path}")
    return 0
