"""`gameai replay FILE`: re-run a saved match from its seed and actions and check the result matches."""
from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "replay", help="re-run a replay written by `gameai match --replay FILE`",
        description="Re-run a replay (seed + every step's actions) through the simulation core, print the "
                    "result, and check it is identical to the recorded one (exit 1 if not).")
    p.add_argument("file", help="replay file (JSON) written by `gameai match --replay FILE`")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--invariants", action="store_true",
                   help="also check the rule invariants of `gameai playtest`'s fuzzing on every step (exit 1 if one "
                        "breaks): reproduces a fuzzing finding, or shows a fix holds")
    p.set_defaults(func=run)


def run(args) -> int:
    import sys

    from agents.replay import ReplayError, load_replay, replay, same_outcome
    from gameai.cli.match import print_result, result_json
    from gameai.errors import GameAIError

    try:
        data = load_replay(args.file)
        result = replay(data, source=args.file)
    except ReplayError as exc:
        raise GameAIError(str(exc)) from None
    recorded = data.get("result")
    identical = recorded is not None and same_outcome(result.to_dict(), recorded)
    broken = None
    if args.invariants:
        from gameai.playtest.fuzz import check_replay

        try:
            broken = check_replay(data, source=args.file)
        except ReplayError as exc:
            raise GameAIError(str(exc)) from None
    if args.json:
        out = result_json(result)
        out["identical_to_recording"] = identical
        if broken is not None:
            out["invariants_broken"] = [{"invariant": n, "detail": d, "step": t} for n, d, t in broken]
        print(json.dumps(out))
    else:
        where = "built-in arena" if data.get("terrain") is None else "recorded map"
        print_result(result, f"embedded in {args.file}", map_name=where)
        print("identical to the recorded result" if identical else
              "DIFFERENT from the recorded result" if recorded is not None else "no recorded result to compare")
        if broken is not None:
            print("rule invariants: all held" if not broken else
                  "\n".join(f"rule invariant broken at step {t}: {n}: {d}" for n, d, t in broken))
    if broken:
        return 1
    if recorded is not None and not identical:
        print(f"gameai replay: {args.file}: the re-run differs from the recording", file=sys.stderr)
        return 1
    return 0
