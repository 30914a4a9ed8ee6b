"""What each part of the recurrent clone is worth, on the dev split only (issue 14 imitation follow-up).

Reads the recorded matches ``benchmarks/eval_imitation.py`` writes in ``--work`` (train: the first
``--matches``, dev: the next ``--dev-matches``; the held-out test folder is never read), trains one
recurrent clone (``agents.clone_recurrent``) per ``--variants`` entry on train and prints its dev
agreement, by kind of action, and, for a takeover, the agreement on the steps from S on when the
clone played from the start (warm) or started there from a zero state (cold).

A variant is ``full`` or names the parts it drops, joined by ``-``: ``nofeat`` (derived features),
``noprev`` (previous action), ``nodir`` (direction-aware moves), ``nodelay`` (previous frame's
features and allowed moves), ``noprog`` (progress memory); e.g. ``--variants full,nodir,nodir-nodelay``.

Usage: PYTHONPATH=. python benchmarks/imitation_recurrent.py --bot kite@average --work /tmp/imi --turns 4
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

PARTS = {"nofeat": "features", "noprev": "prev_action", "nodir": "directions", "nodelay": "delayed",
         "noprog": "progress"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bot", default="kite@average")
    ap.add_argument("--work", default="/tmp/eval_imitation")
    ap.add_argument("--matches", type=int, default=200)
    ap.add_argument("--dev-matches", type=int, default=40)
    ap.add_argument("--variants", default="full")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--turns", type=int, default=1, choices=[1, 2, 4])
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--takeover-steps", default="20,60,100", help="steps at which a cold start is scored")
    args = ap.parse_args()

    import torch

    from agents import clone_recurrent as cr
    from agents.imitate import load_replays, replay_sequences, ruleset_spec
    from agents.rl_policy import set_torch_threads

    set_torch_threads()
    have = sorted((Path(args.work) / args.bot.replace("@", "_")).glob("*.json"))
    n = args.matches + args.dev_matches
    if len(have) < n:
        print(f"need {n} recorded matches in {args.work}, found {len(have)}: run eval_imitation.py --record-only")
        return 2
    train_rep = load_replays(have[:args.matches])
    train = replay_sequences(train_rep, bot=args.bot)
    dev = replay_sequences(load_replays(have[args.matches:n]), bot=args.bot)
    spec = ruleset_spec(train_rep)
    if args.turns != 1:
        from agents.clone_augment import quarter_turns

        train = quarter_turns(spec, train, args.turns)
    for variant in args.variants.split(","):
        drop = {PARTS[p] for p in variant.split("-") if p in PARTS}
        layout = cr.RecurrentInput(spec.size, spec.n_actions, spec.n_types, float(spec.pos_scale),
                                   **{part: part not in drop for part in PARTS.values()})
        w0, c0 = time.perf_counter(), time.process_time()
        torch.manual_seed(args.seed)
        net = cr.build_net(layout, args.hidden)
        stats = cr.train(net, cr.unit_sequences(train, layout), epochs=args.epochs, seed=args.seed)
        units = cr.unit_sequences(dev, layout)
        guess, truth = cr.predict(net, units)
        hit = guess == truth
        kind = np.select([truth == 0, truth < 9, truth < 9 + spec.k], [0, 1, 2], 3)
        row = {"variant": variant, "turns": args.turns, "train": round(stats["agreement"], 4),
               "dev": round(float(hit.mean()), 4), "decisions": len(truth),
               "by_kind": {name: round(float(hit[kind == i].mean()), 4)
                           for i, name in enumerate(("hold", "move", "attack", "heal")) if (kind == i).any()},
               "cpu_s": round(time.process_time() - c0), "wall_s": round(time.perf_counter() - w0)}
        for start in (int(s) for s in args.takeover_steps.split(",") if s):
            warm, cold = [], []
            with torch.no_grad():
                for i in range(0, len(units), 64):
                    x, m, a, live = cr._pad(units, list(range(i, min(i + 64, len(units)))))
                    lw, _ = net(x)
                    lc, _ = net(x[:, start:])
                    lv = live[:, start:]
                    for out, lg in ((warm, lw[:, start:]), (cold, lc)):
                        out.append((lg.masked_fill(~m[:, start:], -1e8).argmax(-1) == a[:, start:])[lv].numpy())
            row[f"from_step_{start}"] = {"warm": round(float(np.concatenate(warm).mean()), 4),
                                         "cold": round(float(np.concatenate(cold).mean()), 4)}
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
