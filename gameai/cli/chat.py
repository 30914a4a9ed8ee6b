"""`gameai chat --npc FILE`: talk to an NPC in the terminal, or answer one line as JSON for scripts."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gameai.cli.dialogue_eval import add_backend_args, engine_config
from gameai.errors import GameAIError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="talk to an NPC (persona TOML) in the terminal, or answer one line as JSON",
                       description="Talk to an NPC. Interactive by default; with --say, answer one line "
                                   "(with --json: one JSON object with text, emotion, intent, facts).")
    p.add_argument("--npc", required=True, help="persona .toml file (examples: gameai/dialogue/cast/*.toml)")
    p.add_argument("--player", default="player", help="player id: memory is kept per NPC and player (default: player)")
    p.add_argument("--say", help="answer this one line and exit")
    p.add_argument("--json", action="store_true", help="with --say: print the reply as one JSON object")
    p.add_argument("--memory", help="SQLite memory file; persists across runs (default: forget on exit)")
    p.add_argument("--world", help="world state as a .toml or .json file (default: the persona's [world] table)")
    add_backend_args(p)
    p.set_defaults(func=run)


def load_world(path: str | None):
    if path is None:
        return None
    import tomllib

    p = Path(path)
    if not p.is_file():
        raise GameAIError(f"{p}: world file not found; pass a .toml or .json file with location, time, landmarks, ...")
    try:
        text = p.read_text(encoding="utf-8")
        data = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GameAIError(f"{p}: cannot parse the world file ({exc}); fix the syntax") from None
    from gameai.dialogue import World, WorldError
    try:
        return World.from_dict(data, source=str(p))
    except WorldError as exc:
        raise GameAIError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    import warnings

    from gameai.dialogue import DialogueEngine, DialogueError, DialogueWarning, load_persona

    if args.json and args.say is None:
        raise GameAIError("--json needs --say TEXT (one line in, one JSON object out)")
    try:
        persona = load_persona(args.npc)
        world = load_world(args.world)
        if args.say is None:
            print(f"loading {args.backend} model ...", file=sys.stderr)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DialogueWarning)
            engine = DialogueEngine(engine_config(args, args.memory or ":memory:"))
            for w in caught:
                print(f"gameai chat: warning: {w.message}", file=sys.stderr)
            if args.say is None:
                print(f"{args.backend}: running on {engine.backend.runtime}", file=sys.stderr)
            with engine:
                npc = engine.npc(persona)
                if args.say is not None:
                    reply = npc.respond(args.player, args.say, world)
                    if reply.warning and reply.warning != engine.warning:
                        print(f"gameai chat: warning: {reply.warning}", file=sys.stderr)
                    if args.json:
                        print(json.dumps(reply.to_dict(), ensure_ascii=False))
                    else:
                        print(f"{persona.name}: {reply.text}")
                    return 0
                return _interactive(npc, args.player, world)
    except DialogueError as exc:
        raise GameAIError(str(exc)) from None


def _interactive(npc, player: str, world) -> int:
    from rich.console import Console

    from gameai.dialogue import MessageError

    con = Console()
    name = npc.persona.name
    con.print(f"[bold]{name}[/], {npc.persona.role}. Type a line and press Enter; /quit or Ctrl-D to leave.")
    while True:
        try:
            line = input("you> ")
        except EOFError:
            print()
            return 0
        if line.strip() in ("/quit", "/exit"):
            return 0
        if not line.strip():
            continue
        try:
            stream = npc.stream(player, line, world)
        except MessageError as exc:
            con.print(f"[red]{exc}[/]")
            continue
        con.print(f"[bold]{name}:[/] ", end="")
        for piece in stream:
            con.print(piece, end="", soft_wrap=True)
        r = stream.reply
        con.print(f"\n  [dim]({r.emotion}; intent {r.intent.kind} {r.intent.args or ''}; facts {', '.join(r.facts) or '-'})[/]")
