"""How well does behaviour cloning from replays imitate a bot? (issue 14, part 3 targets)

Records ``--matches`` matches of ``--bot`` (e.g. kite@average) against ``--opponent`` on training
map seeds (sizes 24 and 32 in turn), clones them with ``agents.imitate.imitate``, then on
held-out map seeds (never used for recording) reports:

(a) agreement: the teacher plays its own matches; on every live unit's decision the clone's
    argmax action (same observation, same mask) is compared with
    - the action the tiered teacher actually sent (reaction delay, decision noise and APM cap
      included: partly unpredictable from the current observation by design), and
    - the untiered base strategy's action on the same observation (a shadow copy of the base bot
      fed the current observations: the well-defined deterministic target);
(b) win rate against ``--opponent`` on ``--eval-seeds`` held-out seeds x 2 sides, per map size,
    for the clone (argmax, and played at the teacher's tier) next to the teacher itself.

Usage: PYTHONPATH=. python benchmarks/eval_imitation.py --bot kite@average --work /tmp/imi
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GAMEAI_THREADS", "1")

import numpy as np  # noqa: E402


def near(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Same action, or both moves at most 45 degrees apart (a scripted bot's step direction comes from
    a continuous vector, so neighbouring directions are often equally good)."""
    from envs.spec import MOVE0

    da, db = a - MOVE0, b - MOVE0
    moves = (da >= 0) & (da < 8) & (db >= 0) & (db < 8)
    return (a == b) | (moves & (np.minimum((da - db) % 8, (db - da) % 8) <= 1))


class Shadowed:
    """The teacher (tiered bot) playing, with the clone and an untiered base copy watching each decision."""

    def __init__(self, teacher, shadow, clone_policy):
        self.teacher, self.shadow, self.clone = teacher, shadow, clone_policy
        self.name = teacher.name
        # decisions; clone == sent action; clone == base action; sent == base; clone near base (see near())
        self.counts = np.zeros(5, dtype=np.int64)

    def reset(self, spec, team, seeds):
        self.teacher.reset(spec, team, seeds)
        self.shadow.reset(spec, team, seeds)

    def act(self, obs, mask):
        from agents.rl_policy import masked_logits

        sent = self.teacher.act(obs, mask)
        base = self.shadow.act(obs, mask)
        live = (mask[..., 1:] > 0).any(-1)
        if live.any():
            guess = masked_logits(self.clone, obs[live], mask[live]).argmax(-1)
            self.counts += [live.sum(), (guess == sent[live]).sum(), (guess == base[live]).sum(),
                            (sent[live] == base[live]).sum(), near(guess, base[live]).sum()]
        return sent


def agreement(ruleset, bot, opponent, clone_path, seeds, sizes):
    from agents import make_policy
    from agents.arena import run_matches
    from agents.map_seeds import terrain_for
    from agents.rl_eval import parse_bot
    from agents.rl_policy import load_model
    from agents.scripted import base_policy

    name, tier = parse_bot(bot)
    clone = load_model(clone_path).policy
    total = np.zeros(5, dtype=np.int64)
    blue, red = ruleset.teams["blue"], ruleset.teams["red"]
    for size in sizes:
        for side in (0, 1):
            watch = Shadowed(make_policy(name, tier), base_policy(name), clone)
            opp = make_policy(*parse_bot(opponent))
            b, r = (watch, opp) if side == 0 else (opp, watch)
            run_matches(ruleset, blue, red, seeds, blue_bot=b, red_bot=r, terrain=terrain_for(size))
            total += watch.counts
    n = int(total[0])
    return {"decisions": n, "vs_sent_action": total[1] / n, "vs_base_strategy": total[2] / n,
            "teacher_sent_vs_base": total[3] / n, "near_base_strategy": total[4] / n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bot", default="kite@average")
    ap.add_argument("--opponent", default="focus_fire", help="the recorded matches' opponent")
    ap.add_argument("--eval-opponents", default=None,
                    help="comma-separated opponents for (b) (default: --opponent)")
    ap.add_argument("--matches", type=int, default=200, help="recorded training matches")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--agree-seeds", type=int, default=50, help="held-out seeds per side and map size for (a)")
    ap.add_argument("--eval-seeds", type=int, default=200, help="held-out seeds x 2 sides for (b)")
    ap.add_argument("--sizes", default="24,32")
    ap.add_argument("--work", default="/tmp/eval_imitation", help="folder for replays and the clone")
    ap.add_argument("--json", default=None, help="also write the figures to this file")
    args = ap.parse_args()

    from agents.imitate import imitate, record_matches
    from agents.map_seeds import held_out_seeds
    from agents.rl_eval import bot_factory, head_to_head, parse_bot
    from agents.rl_tiers import learned_policy
    from envs.ruleset import default_ruleset

    ruleset = default_ruleset()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(args.work)
    rec_dir = work / args.bot.replace("@", "_")
    have = sorted(rec_dir.glob("*.json")) if rec_dir.is_dir() else []
    c0, w0 = time.process_time(), time.perf_counter()
    if len(have) < args.matches:
        record_matches(ruleset, args.bot, args.opponent, args.matches, rec_dir, map_sizes=sizes)
        have = sorted(rec_dir.glob("*.json"))
    rec_cpu = time.process_time() - c0
    clone_path = work / f"clone_{args.bot.replace('@', '_')}.zip"
    c1 = time.process_time()
    summary = imitate(have[:args.matches], clone_path, bot=args.bot, epochs=args.epochs, seed=args.seed,
                      log=lambda m: print(m, flush=True))
    train_cpu = time.process_time() - c1
    print(f"recorded {args.matches} matches ({rec_cpu:.0f} s CPU), cloned {summary['decisions']:,} decisions "
          f"in {train_cpu:.0f} s CPU", flush=True)

    agree = agreement(ruleset, args.bot, args.opponent, clone_path, held_out_seeds(args.agree_seeds), sizes)
    print(f"(a) agreement on {agree['decisions']:,} held-out decisions: with the actions {args.bot} sent "
          f"{agree['vs_sent_action']:.1%}, with untiered {parse_bot(args.bot)[0]} on the same observation "
          f"{agree['vs_base_strategy']:.1%}; for scale, the teacher's own sent actions agree with untiered "
          f"{parse_bot(args.bot)[0]} on {agree['teacher_sent_vs_base']:.1%}; clone within one move direction "
          f"of untiered {parse_bot(args.bot)[0]} {agree['near_base_strategy']:.1%}", flush=True)

    _, tier = parse_bot(args.bot)
    contenders = {
        args.bot: bot_factory(args.bot),
        "clone (argmax)": lambda: learned_policy(str(clone_path), "expert", name="clone"),
        f"clone@{tier}": lambda: learned_policy(str(clone_path), tier, name=f"clone@{tier}"),
    }
    seeds = held_out_seeds(args.eval_seeds)
    rates: dict[str, dict[str, dict[int, float]]] = {}
    for opponent in (args.eval_opponents or args.opponent).split(","):
        opp = bot_factory(opponent)
        rates[opponent] = by_bot = {k: {} for k in contenders}
        for size in sizes:
            for label, make in contenders.items():
                by_bot[label][size] = head_to_head(ruleset, make, opp, seeds, map_size=size)["win_rate"]
        print(f"(b) win rate vs {opponent}, {args.eval_seeds} held-out seeds x 2 sides:")
        print(f"    {'bot':<18}" + "".join(f"{f'size {s}':>10}" for s in sizes) + f"{'mean':>10}{'vs teacher':>12}")
        ref = float(np.mean(list(by_bot[args.bot].values())))
        for label, by_size in by_bot.items():
            mean = float(np.mean(list(by_size.values())))
            print(f"    {label:<18}" + "".join(f"{by_size[s]:>10.1%}" for s in sizes)
                  + f"{mean:>10.1%}{(mean - ref) * 100:>+11.1f}p", flush=True)
    print(f"total wall {time.perf_counter() - w0:.0f} s, process CPU {time.process_time() - c0:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"bot": args.bot, "opponent": args.opponent, "training": summary,
                                               "agreement": agree, "win_rates": rates}, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
