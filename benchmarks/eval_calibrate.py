"""Does calibration recover a known tier from its recorded matches? (issue 14, part 3 target: APM cap and
reaction delay within 10%)

For each ``--bots`` entry (BOT@TIER), records ``--matches`` matches against focus_fire on training
map seeds (``agents.imitate.record_matches``: sizes 24 and 32, both sides), calibrates a tier from
them (``agents.calibrate.calibrate``, the code behind ``gameai calibrate``), and prints the fitted
reaction delay, APM cap and noise beside the true tier's, with the relative errors. Then, on
``--eval-seeds`` held-out map seeds x 2 sides, the win rate against ``--opponent`` of the strategy at
the fitted tier beside the strategy at its true tier (does the tier play like the player?).

Usage: PYTHONPATH=. python benchmarks/eval_calibrate.py --bots kite@average,focus_fire@novice,retreat@average
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bots", default="kite@average,focus_fire@novice,retreat@average")
    ap.add_argument("--matches", type=int, default=20)
    ap.add_argument("--eval-seeds", type=int, default=50)
    ap.add_argument("--opponent", default="focus_fire@average", help="who the fitted and true tiers play")
    args = ap.parse_args(argv)
    from agents.calibrate import calibrate
    from agents.imitate import load_replays, record_matches
    from agents.map_seeds import HELD_OUT_SEED0
    from agents.rl_eval import head_to_head
    from agents.tiers import get_tier
    from envs.ruleset import default_ruleset
    from agents import make_policy

    rs = default_ruleset()
    seeds = list(range(HELD_OUT_SEED0, HELD_OUT_SEED0 + args.eval_seeds))
    print(f"{'bot@tier':22s}{'delay true/fit':>16s}{'APM cap true/fit':>20s}{'err':>7s}{'noise true/fit':>16s}"
          f"{'strategy':>12s}{'measured APM':>14s}{'win: true / fitted':>22s}")
    for spec in args.bots.split(","):
        bot, tier_name = spec.split("@")
        true = get_tier(tier_name)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            paths = record_matches(rs, spec, "focus_fire", args.matches, tmp)
            style = calibrate(load_replays(paths), f"fit_{tier_name}", bot=spec, ruleset_dict=rs.to_dict())
            took = time.perf_counter() - t0
        fit = style.tier
        err = abs(fit.apm - true.apm) / true.apm if true.apm else float("nan")
        opp_bot, _, opp_tier = args.opponent.partition("@")
        opponent = lambda: make_policy(opp_bot, opp_tier or "expert")  # noqa: E731
        win_true = head_to_head(rs, lambda: make_policy(bot, true), opponent, seeds)["win_rate"]
        win_fit = head_to_head(rs, lambda: make_policy(style.base_bot, fit), opponent, seeds)["win_rate"]
        cap_true = "none" if true.apm is None else f"{true.apm:.0f}"
        print(f"{spec:22s}{true.reaction_delay:>8d} / {fit.reaction_delay:<5d}{cap_true:>10s} / {fit.apm:<7.0f}"
              f"{100 * err:6.1f}%{true.noise:>9.2f} / {fit.noise:<5.2f}{style.base_bot:>12s}{style.apm:14.0f}"
              f"{100 * win_true:>13.0f}% / {100 * win_fit:.0f}%   ({took:.0f} s to record and fit)", flush=True)
    print(f"{args.matches} recorded matches per bot (training seeds); win rates on {args.eval_seeds} held-out "
          f"seeds x 2 sides against {args.opponent}; target: delay and APM cap within 10%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
