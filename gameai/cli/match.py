"""`gameai match`: one skirmish between two bots, printed as a table or as JSON.

With no arguments it plays the default ruleset's teams, focus_fire vs kite, seed 0.
"""
from __future__ import annotations

import argparse
import json

DEFAULT_BLUE, DEFAULT_RED = "focus_fire", "kite"


def register(subparsers) -> None:
    from agents.tiers import TIERS

    bots_all = all_bots()

    bots = "; ".join(f"{k}: {v}" for k, v in bots_all.items())
    p = subparsers.add_parser(
        "match", help="play one skirmish between two bots and print the result",
        description="Play one skirmish between two bots on a ruleset (default: the packaged "
                    f"default ruleset). Bots: {bots}.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--ruleset", default=None, help="ruleset TOML file (default: the packaged default)")
    bot_arg = bot_or_model(bots_all)
    p.add_argument("--blue", default=DEFAULT_BLUE, type=bot_arg, metavar="BOT",
                   help="blue team's bot: a name above or a model .zip (`gameai train`, `gameai imitate`)")
    p.add_argument("--red", default=DEFAULT_RED, type=bot_arg, metavar="BOT", help="red team's bot (as --blue)")
    p.add_argument("--blue-tier", default="expert", choices=list(TIERS), help="blue bot's skill tier")
    p.add_argument("--red-tier", default="expert", choices=list(TIERS), help="red bot's skill tier")
    p.add_argument("--seed", type=int, default=0, help="match seed (spawns, bot noise); same seed, same match")
    p.add_argument("--max-steps", type=int, default=None, help="step limit (default: the ruleset's)")
    p.add_argument("--map", default="arena", metavar="MAP",
                   help="battlefield: 'arena' (built-in), 'skirmish' (a procedural map generated from the "
                        "seed), the folder of a map written by `gameai mapgen --out DIR`, a Tiled map (.tmj) or a "
                        "CSV / PNG grid of tiles (docs/pcg.md: designers' maps)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--events", action="store_true", help="with --json: include the full event log")
    p.add_argument("--replay", metavar="FILE", default=None,
                   help="also write a replay (seed + actions) that `gameai replay FILE` re-runs")
    p.set_defaults(func=run)


def bot_or_model(names):
    """An argparse type: a known bot name, or a path to a model .zip (checked when the match starts)."""
    def parse(value: str) -> str:
        if value in names or value.endswith(".zip"):
            return value
        raise argparse.ArgumentTypeError(f"invalid choice: {value!r} (choose from {', '.join(names)}, "
                                         "or a model .zip)")
    return parse


def make_bot(name: str, tier: str):
    """A bot name stays a name (``run_matches`` builds it); a .zip becomes a learned ``Policy`` at the tier."""
    if not name.endswith(".zip"):
        return name
    from agents.rl_policy import ModelFileError
    from agents.rl_tiers import learned_policy
    from gameai.errors import GameAIError

    try:
        return learned_policy(name, tier, name=name)  # the tier adds "@tier" to the name
    except ModelFileError as exc:
        raise GameAIError(str(exc)) from None


def all_bots() -> dict[str, str]:
    """Every bot name ``agents.make_policy`` accepts: scripted, plus shipped learned bots if any (light imports)."""
    import agents
    from agents.scripted import BOTS

    try:
        return dict(agents.ALL_BOTS)
    except (AttributeError, ImportError):
        return dict(BOTS)


def load_ruleset_arg(path: str | None):
    from envs.ruleset import RulesetError, default_ruleset, load_ruleset
    from gameai.errors import GameAIError

    try:
        return default_ruleset() if path is None else load_ruleset(path)
    except RulesetError as exc:
        raise GameAIError(f"{exc}\nFix the ruleset (guide: docs/designer-ruleset.md) and run again.") from None


def resolve_map(arg: str, seed: int):
    """(map or None, description) for --map; pcg maps bring their fair spawn points."""
    from gameai.errors import GameAIError

    if arg == "arena":
        return None, "built-in arena"
    import pcg  # maps are only generated or loaded when asked for

    if arg == "skirmish":
        return pcg.skirmish_map(seed), f"procedural skirmish map (seed {seed})"
    try:
        gm = pcg.load_map(arg)
    except (pcg.MapFileError, OSError) as exc:
        raise GameAIError(f"--map {arg}: {exc}\nUse 'arena', 'skirmish', a folder written by "
                          "`gameai mapgen --out DIR`, a Tiled .tmj, or a .csv / .png grid.") from None
    return gm, f"map {arg} ({gm.tiles.shape[1]}×{gm.tiles.shape[0]})"


def result_json(result, include_events: bool = False) -> dict:
    d = result.to_dict()
    if not include_events:
        d.pop("events")
    return d


def print_result(result, ruleset_name: str, console=None, map_name: str = "built-in arena") -> None:
    """Human-readable tables: who won, then per team and per unit type."""
    from rich.console import Console
    from rich.table import Table

    from envs.core import STEP_SECONDS

    console = console or Console()
    cfg = result.config
    comp = lambda c: ", ".join(f"{n} {u}" for u, n in c.items())  # noqa: E731
    console.print(f"Skirmish · ruleset {ruleset_name} · {map_name} · seed {result.seed}")
    console.print(f"  blue: {cfg['blue_bot']:<22} {comp(cfg['blue'])}")
    console.print(f"  red:  {cfg['red_bot']:<22} {comp(cfg['red'])}")
    when = f"after {result.steps} steps ({result.steps * STEP_SECONDS:g} s of game time)"
    headline = "Draw" if result.winner == "draw" else f"Winner: {result.winner}"
    console.print(f"[bold]{headline}[/bold] {when}")
    t = Table(show_edge=False)
    for col in ("team", "survivors", "hp left", "damage dealt", "kills"):
        t.add_column(col, justify="left" if col == "team" else "right")
    for team in ("blue", "red"):
        total = sum(s["count"] for s in result.unit_stats[team].values())
        t.add_row(team, f"{result.survivors[team]}/{total}", f"{result.hp_left[team]:.0f}",
                  f"{result.damage[team]:.0f}", str(result.kills[team]))
    console.print(t)
    u = Table(show_edge=False, title="per unit type")
    for col in ("team", "unit", "count", "deaths", "kills", "damage dealt", "damage taken", "healing"):
        u.add_column(col, justify="left" if col in ("team", "unit") else "right")
    for team in ("blue", "red"):
        for name, s in result.unit_stats[team].items():
            u.add_row(team, name, str(s["count"]), str(s["deaths"]), str(s["kills"]), f"{s['damage_dealt']:.0f}",
                      f"{s['damage_taken']:.0f}", f"{s['healing']:.0f}")
    console.print(u)


def run(args) -> int:
    from agents.replay import record_match, save_replay
    from envs.maps import MapError
    from gameai.errors import GameAIError

    if args.seed < 0:
        raise GameAIError(f"--seed must be a whole number >= 0 (got {args.seed})")
    if args.max_steps is not None and args.max_steps < 1:
        raise GameAIError(f"--max-steps must be at least 1 (got {args.max_steps})")
    if args.events and not args.json:
        raise GameAIError("--events only applies with --json")
    ruleset = load_ruleset_arg(args.ruleset)
    terrain, map_name = resolve_map(args.map, args.seed)
    try:
        result, data = record_match(ruleset, ruleset.teams["blue"], ruleset.teams["red"], args.seed,
                                    blue_bot=make_bot(args.blue, args.blue_tier),
                                    red_bot=make_bot(args.red, args.red_tier), blue_tier=args.blue_tier,
                                    red_tier=args.red_tier, max_steps=args.max_steps, terrain=terrain)
    except (MapError, FileNotFoundError) as exc:  # a map with no room; a learned bot's missing model file
        raise GameAIError(str(exc)) from None
    if args.replay:
        try:
            save_replay(args.replay, data)
        except OSError as exc:
            raise GameAIError(f"cannot write the replay to {args.replay}: {exc.strerror or exc}; "
                              "choose a writable path") from None
    if args.json:
        print(json.dumps(result_json(result, args.events)))
    else:
        print_result(result, args.ruleset or "default", map_name=map_name)
        if args.replay:
            print(f"replay written to {args.replay} (re-run it with: gameai replay {args.replay})")
    return 0
