"""`gameai imitate REPLAYS… --out bot.zip`: behaviour cloning from replays into a learned bot.

`gameai imitate --record BOT@TIER --matches N --out-dir DIR` records the replays to learn from.
"""
from __future__ import annotations

import argparse
import json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "imitate", help="clone a player's or bot's style from replays into a learned bot (.zip)",
        description="Behaviour cloning: re-run each replay (the core is deterministic, so the observations "
                    "are regenerated from the recorded actions), and fit a network to the chosen side's actions, "
                    "saved as a MaskablePPO model file. The .zip plays wherever a bot is "
                    "accepted: `gameai eval --bots bot.zip,focus_fire`. With --record, write replays of a bot "
                    "instead (on training map seeds, never the held-out evaluation seeds).")
    p.add_argument("replays", nargs="*", metavar="REPLAY",
                   help="replay files (from `gameai match --replay FILE` or --record), or folders of them")
    p.add_argument("--out", default=None, help="model file to write (.zip)")
    p.add_argument("--team", default="both", choices=["blue", "red", "both"],
                   help="which side of each replay to learn from (default both)")
    p.add_argument("--bot", default=None, metavar="NAME",
                   help="learn from the side played by this bot instead of --team (e.g. kite@average; "
                        "a name without @tier matches any tier)")
    p.add_argument("--epochs", type=int, default=12, help="passes over the decisions (default 12)")
    p.add_argument("--seed", type=int, default=0, help="training seed; same seed and replays, same model")
    p.add_argument("--frames", type=int, default=None,
                   help="with --no-recurrent: observations the plain clone reads, the current one and earlier "
                        "ones (default 3)")
    p.add_argument("--prev-actions", type=int, default=None,
                   help="the clone's own previous actions it reads (default 1 for the recurrent clone, which "
                        "reads 0 or 1; 2 for the plain one)")
    p.add_argument("--masks", action=argparse.BooleanOptionalAction, default=None,
                   help="with --no-recurrent: the plain clone also reads each stacked observation's action mask "
                        "(default off)")
    p.add_argument("--features", action=argparse.BooleanOptionalAction, default=None,
                   help="the clone also reads derived features of each observation: the nearest enemy's distance "
                        "as a share of its range, the steps towards/away from it and towards the nearest ally, "
                        "the weakest and nearest enemy in reach, and how long it has made no progress (default on for "
                        "the recurrent clone; off for the plain one, which then agrees more with its player but "
                        "plays stronger than them)")
    p.add_argument("--temperature", type=float, default=None,
                   help="how the clone plays as a plain bot (bot.zip): 0 = its best action each step, 1 = a sample "
                        "from its action distribution, making the recorded player's slips as often as they did "
                        "(default 1; a tier, bot.zip@average, sets its own)")
    p.add_argument("--turns", type=int, default=None, choices=[1, 2, 4],
                   help="also learn from each match turned by quarter turns: 4 = every quarter turn (4x the "
                        "decisions and training time), 2 = half turns, 1 = as recorded (default 4; 1 with --no-recurrent)")
    p.add_argument("--recurrent", action=argparse.BooleanOptionalAction, default=True,
                   help="the recurrent clone (clone format 4, the default): a GRU over each unit's whole match, "
                        "with moves scored against the directions a player steers by, played at its player's pace "
                        "(--apm); defaults: --features, --turns 4, --mirror, --steering, --apm auto, --temperature 1. "
                        "Held-out agreement with its player 85.9%% (kite@average) and 85.6%% (focus_fire@average); "
                        "7-9 min of CPU for 200 recorded matches, seconds for a few. --no-recurrent: the plain "
                        "clone (formats 2-3), an MLP over the last --frames observations: 74%% for kite@average, "
                        "35 s of CPU for 200 matches (see docs/designer-bots.md)")
    p.add_argument("--steering", action=argparse.BooleanOptionalAction, default=None,
                   help="the recurrent clone also keeps a wall follower's memory (steps without getting "
                        "closer to its goal on the frame before, walks around under way) and reads each unit's place "
                        "in its team (default on; --no-steering drops it; see docs/designer-bots.md)")
    p.add_argument("--apm", default=None, metavar="auto|none|APM",
                   help="the recurrent clone's order budget, changes of unit orders per minute for the team "
                        "(agents/order_budget.py): auto = the tightest budget every recorded order fits in (a capped "
                        "player's cap; for one never held, the pace of their busiest bursts); the decisions that budget "
                        "may have held are left out of training. Default auto")
    p.add_argument("--mirror", action=argparse.BooleanOptionalAction, default=None,
                   help="the recurrent clone also learns from each match mirrored left to right, each unit's place read "
                        "with its parity swapped (a player who goes round an obstacle on its left goes round on its "
                        "right in the mirror; 2x the decisions and training time). Default on")
    p.add_argument("--record", metavar="BOT@TIER", default=None,
                   help="record matches of this bot instead of training (needs --out-dir)")
    p.add_argument("--opponent", default="focus_fire", help="with --record: the other side's bot (default focus_fire)")
    p.add_argument("--matches", type=int, default=200, help="with --record: how many matches (default 200)")
    p.add_argument("--out-dir", default=None, help="with --record: folder for the replay files")
    p.add_argument("--map-sizes", default="24,32",
                   help="with --record: skirmish map sizes, used in turn (default 24,32; 0 = built-in arena)")
    p.add_argument("--first-seed", type=int, default=0, help="with --record: first training map seed (default 0)")
    p.add_argument("--ruleset", default=None, help="with --record: ruleset TOML file (default: the packaged one)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=run)


def _record(args) -> int:
    from agents.imitate import ImitationError, record_matches
    from gameai.cli.match import load_ruleset_arg
    from gameai.errors import GameAIError

    if args.replays or args.out:
        raise GameAIError("--record writes replays: give --out-dir, not replay files or --out")
    if not args.out_dir:
        raise GameAIError("--record needs --out-dir DIR (where to write the replays)")
    try:
        sizes = [int(s) for s in args.map_sizes.split(",") if s.strip()]
    except ValueError:
        raise GameAIError(f"--map-sizes must be whole numbers separated by commas, got {args.map_sizes!r}") from None
    ruleset = load_ruleset_arg(args.ruleset)
    try:
        paths = record_matches(ruleset, args.record, args.opponent, args.matches, args.out_dir,
                               map_sizes=sizes, seed0=args.first_seed)
    except ImitationError as exc:
        raise GameAIError(str(exc)) from None
    except OSError as exc:
        raise GameAIError(f"cannot write replays to {args.out_dir}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps({"replays": [str(p) for p in paths]}))
    else:
        print(f"recorded {len(paths)} matches of {args.record} vs {args.opponent} in {args.out_dir}")
    return 0


def _apm_arg(text: str | None, recurrent: bool) -> float | str | None:
    from gameai.errors import GameAIError

    if text is None:
        return "auto" if recurrent else None
    if text in ("auto", "none"):
        return None if text == "none" else text
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise GameAIError(f"--apm must be auto, none or a number of order changes per minute > 0, got {text!r}")
    return value


def run(args) -> int:
    from gameai.errors import GameAIError

    if args.record:
        return _record(args)
    from agents.imitate import (FEATURES, FRAMES, MASKS, PREV_ACTIONS, RECURRENT_MIRROR, RECURRENT_STEERING,
                                RECURRENT_TEMPERATURE, RECURRENT_TURNS, TEMPERATURE, TURNS, ImitationError, imitate)

    if not args.replays:
        raise GameAIError("name replay files or folders to learn from (or --record BOT@TIER to make some)")
    if not args.out:
        raise GameAIError("--out FILE.zip is required (where to write the cloned bot)")
    plain_only = [name for name, value in (("--frames", args.frames), ("--masks", args.masks)) if value is not None]
    if plain_only and args.recurrent:
        raise GameAIError(f"{' and '.join(plain_only)}: inputs of the plain clone, which reads stacked frames; "
                          "add --no-recurrent (the recurrent clone remembers the whole match)")
    if args.recurrent and args.prev_actions is not None and args.prev_actions > 1:
        raise GameAIError(f"--prev-actions {args.prev_actions}: the recurrent clone reads its last action or none "
                          "(0 or 1); more is for the plain clone (--no-recurrent)")
    if args.steering and not args.recurrent:
        raise GameAIError("--steering is an input of the recurrent clone: drop --no-recurrent")
    if args.mirror and not args.recurrent:
        raise GameAIError("--mirror (mirrored copies, places swapped) is for the recurrent clone: drop --no-recurrent")
    if args.apm is not None and not args.recurrent:
        raise GameAIError("--apm (the clone's order budget) is played by the recurrent clone: drop --no-recurrent")
    apm = _apm_arg(args.apm, args.recurrent)
    log = None if args.json else print
    try:
        summary = imitate(args.replays, args.out, team=args.team, bot=args.bot, epochs=args.epochs,
                          seed=args.seed, log=log,
                          frames=FRAMES if args.frames is None else args.frames,
                          prev_actions=(1 if args.recurrent else PREV_ACTIONS) if args.prev_actions is None
                          else args.prev_actions,
                          masks=MASKS if args.masks is None else args.masks,
                          features=(args.recurrent or FEATURES) if args.features is None else args.features,
                          recurrent=args.recurrent, apm=apm,
                          mirror=args.recurrent and (RECURRENT_MIRROR if args.mirror is None else args.mirror),
                          steering=args.recurrent and (RECURRENT_STEERING if args.steering is None else args.steering),
                          turns=(RECURRENT_TURNS if args.recurrent else TURNS) if args.turns is None else args.turns,
                          temperature=((RECURRENT_TEMPERATURE if args.recurrent else TEMPERATURE)
                                       if args.temperature is None else args.temperature))
    except ImitationError as exc:
        raise GameAIError(str(exc)) from None
    except OSError as exc:
        raise GameAIError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"wrote {summary['model']}: {summary['decisions']:,} decisions from {summary['team_matches']} "
              f"team-matches, agreement on them {summary['train_agreement']:.1%}; "
              f"play it with `gameai eval --bots {summary['model']},focus_fire`")
    return 0
