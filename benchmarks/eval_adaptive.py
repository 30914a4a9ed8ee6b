"""Adaptive difficulty against simulated players: does each land near a 50% win rate?

    .venv/bin/python benchmarks/eval_adaptive.py              # 40 matches per player, 6 players
    .venv/bin/python benchmarks/eval_adaptive.py --matches 80 --players kite@novice,retreat@expert

A scripted bot at a fixed tier stands in for a player and plays a session against the adaptive
opponent (the shipped ``ppo`` ladder), one held-out map seed per match (never used to calibrate
the ladder, which used training seeds 0-9). Prints each player's win rate with its 95% Wilson
interval, where the difficulty settled, and the shown rating. Target (issue 14): each within
50% ± 10 over 40 matches.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from agents.adaptive import shipped_ladder, simulate_player
from agents.rl_eval import wilson
from envs.ruleset import default_ruleset


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--matches", type=int, default=40)
    ap.add_argument("--players", default="focus_fire@novice,focus_fire@average,focus_fire@expert,"
                                        "kite@novice,kite@average,kite@expert")
    args = ap.parse_args()
    ladder = shipped_ladder()
    rs = default_ruleset()
    print(f"{'simulated player':<22}{'win rate':>9}  {'95% CI':<14}{'difficulty (last 10)':>22}{'rating':>8}{'s':>7}")
    met = 0
    players = args.players.split(",")
    for spec in players:
        bot, _, tier = spec.partition("@")
        t0 = time.perf_counter()
        r = simulate_player(ladder, rs, bot, tier or "expert", args.matches)
        wins = sum(r["outcomes"])
        lo, hi = wilson(int(round(wins)), args.matches)
        settled = float(np.mean(r["difficulties"][-10:]))
        ok = abs(r["win_rate"] - 0.5) <= 0.10
        met += ok
        print(f"{r['player']:<22}{r['win_rate']:>9.1%}  [{lo:.0%}, {hi:.0%}]{'':<3}{settled:>22.2f}"
              f"{r['ratings'][-1]:>8.1f}{time.perf_counter() - t0:>7.0f}{'' if ok else '  (outside 50% ± 10)'}")
    print(f"\n{met} of {len(players)} simulated players within 50% ± 10 over {args.matches} matches")


if __name__ == "__main__":
    main()
