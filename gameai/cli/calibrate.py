"""`gameai calibrate REPLAYS… --out tier.toml --name NAME`: fit a skill tier to a player's replays."""
from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "calibrate", help="measure a player's style from replays and write a skill tier that plays like them",
        description="Re-run each replay, measure the chosen side's style (actions per minute, reaction delay, "
                    "attack accuracy, focus on weak targets, retreat habit) and fit tier parameters (APM cap, "
                    "reaction delay, decision noise) and the closest scripted strategy. The tier file plays "
                    "wherever a tier is named: `gameai eval --bots kite@NAME.toml,focus_fire`, a sweep spec's "
                    "tiers, the demo.")
    p.add_argument("replays", nargs="*", metavar="REPLAY",
                   help="replay files (from `gameai match --replay FILE`, the demo, or `gameai imitate --record`), "
                        "or folders of them")
    p.add_argument("--out", required=True, help="tier file to write (.toml)")
    p.add_argument("--name", required=True, help="the tier's name (e.g. alice)")
    p.add_argument("--team", default="blue", choices=["blue", "red", "both"],
                   help="which side of each replay is the player (default blue)")
    p.add_argument("--bot", default=None, metavar="NAME",
                   help="measure the side played by this bot instead of --team (e.g. kite@average)")
    p.add_argument("--ruleset", default=None, help="the ruleset the replays must have been played under "
                                                   "(default: the packaged one)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from gameai.cli.match import load_ruleset_arg
    from gameai.errors import GameAIError

    if not args.replays:
        raise GameAIError("name replay files or folders to calibrate from")
    if not args.out.endswith(".toml"):
        raise GameAIError(f"--out must name a .toml file (tiers are looked up by that ending), got {args.out!r}")
    from agents.calibrate import CalibrationError, calibrate
    from agents.imitate import ImitationError, load_replays
    from agents.tier_file import TIER_FIELDS, write_tier_file
    from gameai_schema import Invalid

    try:
        TIER_FIELDS["name"](args.name)
    except Invalid as bad:
        raise GameAIError(f"--name {args.name!r}: {bad.expected}") from None
    ruleset = load_ruleset_arg(args.ruleset)
    try:
        style = calibrate(load_replays(args.replays), args.name, team=args.team, bot=args.bot,
                          ruleset_dict=ruleset.to_dict())
    except (CalibrationError, ImitationError) as exc:
        raise GameAIError(str(exc)) from None
    try:
        write_tier_file(args.out, style.tier, style.base_bot, style.measured())
    except OSError as exc:
        raise GameAIError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    t = style.tier
    if args.json:
        print(json.dumps({"tier": {"name": t.name, "reaction_delay": t.reaction_delay, "noise": t.noise,
                                   "apm": t.apm}, "measured": style.measured(), "out": args.out}))
        return 0
    m = style.measured()
    print(f"measured {m['decisions']:,} unit decisions in {m['replays']} team-matches:")
    print(f"  actions per minute  {m['apm']:.0f}   reaction delay  {m['reaction_delay_s']:.1f} s   "
          f"attack accuracy  {m['attack_accuracy']:.0%}   weak-target focus  {m['weak_target_focus']:.0%}   "
          f"retreat habit  {m['retreat_habit']:.0%}")
    print(f"  plays most like {style.base_bot} ({m['agreement']:.0%} of order changes explained)")
    cap = "unlimited" if t.apm is None else f"{t.apm:.0f}" + ("" if style.apm_capped else " (peak pace; never ran out)")
    print(f"fitted tier {t.name!r}: reaction delay {t.reaction_delay} steps, noise {t.noise:.2f}, APM cap {cap}")
    print(f"wrote {Path(args.out)}; play it with `gameai eval --bots {style.base_bot}@{args.out},focus_fire`")
    return 0
