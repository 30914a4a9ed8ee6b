"""Entry point of the `gameai` console script.

Each subcommand lives in its own module under gameai/cli/ and exposes
`register(subparsers)`, which adds its parser and sets `func=run`, where
`run(args) -> int` returns the exit code. Modules import their heavy libraries inside
`run`, so `gameai --help` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from gameai import __version__
from gameai.errors import GameAIError

# Order is the order shown in --help: the player's, then the designer's, then the developer's commands.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "match",
    "replay",
    "mapgen",
    "playtest",
    "sweep",
    "balance",
    "balance_check",
    "train",
    "eval",
    "imitate",
    "calibrate",
    "chat",
    "dialogue_eval",
    "dialogue_train",
    "serve",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `only` (a module of COMMAND_MODULES), just that subcommand: registering
    every command imports what their options need (the bot tiers, the training set's paths), about
    0.3 s of a cold `gameai chat --say` that a single command does not use."""
    parser = argparse.ArgumentParser(
        prog="gameai",
        description="gameai: game AI toolkit — skirmish simulation, RL bots, balance sweeps, "
        "NPC dialogue, procedural maps and a demo world.",
    )
    parser.add_argument("--version", action="version", version=f"gameai {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (only,):
        importlib.import_module(f"gameai.cli.{name}").register(sub)
    return parser


#: Two-word commands: `gameai balance check` is `gameai balance-check` (`gameai balance SPEC`
#: already takes a spec as its first argument, so argparse cannot nest `check` under it).
TWO_WORD_COMMANDS = {("balance", "check"): "balance-check"}


def command_module(argv: list[str]) -> str | None:
    """The module of the subcommand that argv names first (`chat` -> chat, `dialogue-eval` ->
    dialogue_eval), or None (no command, an option such as --help, a typo): then the whole parser
    is built, so that help and "invalid choice" list every command."""
    if not argv or argv[0].startswith("-"):
        return None
    mod = argv[0].replace("-", "_")
    return mod if mod in COMMAND_MODULES and mod.replace("_", "-") == argv[0] else None


def limit_native_threads() -> None:
    """Give OpenBLAS/OpenMP/MKL GAMEAI_THREADS threads (default 1) unless the user set their own.

    They size their thread pools once, when numpy or torch loads, so this runs before any command
    imports them. On this kind of machine one thread is faster: a sweep's tiny rating fits took
    5.2 s instead of 0.9 s with a BLAS thread per core while the pool's workers kept the cores
    busy, and forked pool workers inherit the parent's pool size, whatever they set later."""
    raw = os.environ.get("GAMEAI_THREADS", "1").strip()
    n = raw if raw.isdigit() and int(raw) >= 1 else "1"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, n)


def main(argv: list[str] | None = None) -> int:
    limit_native_threads()
    argv = list(sys.argv[1:] if argv is None else argv)
    if tuple(argv[:2]) in TWO_WORD_COMMANDS:
        argv = [TWO_WORD_COMMANDS[tuple(argv[:2])], *argv[2:]]
    parser = build_parser(command_module(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except GameAIError as exc:
        print(f"gameai {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gameai {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: a bug, not bad input; keep the person's terminal readable
        if os.environ.get("GAMEAI_DEBUG"):
            raise
        print(
            f"gameai {args.command}: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in gameai. Re-run with GAMEAI_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
