"""What each part of the recurrent clone is worth, on the dev split only (issue 14 imitation follow-up).

Reads the recorded matches ``benchmarks/eval_imitation.py`` writes in ``--work`` (train: the first
``--matches``, dev: the next ``--dev-matches``; the held-out test folder is never read), trains one
recurrent clone (``agents.clone_recurrent``) per ``--variants`` entry on train and prints its dev
agreement, by kind of action, and, for a takeover, the agreement on the steps from S on when the
clone played from the start (warm) or started there from a zero state (cold).

A variant is ``full`` or names the parts it drops, joined by ``-``: ``nofeat`` (derived features),
``noprev`` (previous action), ``nodir`` (direction-aware moves), ``nodelay`` (previous frame's
features and allowed moves), ``noprog`` (progress memory); e.g. ``--variants full,nodir,nodir-nodelay``;
or parts it adds: ``steer`` (the wall follower's memory, ``agents.clone_steering``), ``slots`` (the
unit's place in its team, ``agents.imitate.RECURRENT_SLOTS`` places): ``--variants full,slots,steer-slots``.

``--shadow`` also splits the dev decisions by what the recorded bot's strategy explains: shadowed on
the frame a step before (a one-step reaction delay), with its steering memory (``agents.scripted``),
whether the sent action is the shadow's (the rest: decision noise and the APM cap's kept orders), and
where the shadow was starting or following a walk around an obstacle.

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
ADDS = ("steer", "slots")


def shadow_flags(bot: str, spec, seqs) -> dict:
    """Per team-match (T, U) arrays: the untiered strategy's action on the frame a step before, with its steering
    memory, and that memory's state (walk around starting, under way, its step)."""
    from agents.scripted import STRATEGIES, ScriptedPolicy

    class Shadow(ScriptedPolicy):
        def _steer(self, moving, vec):
            # this step's walk around, read off the memory as ScriptedPolicy._steer updates it
            if self._nav is not None:
                best, since, detour, _ = self._nav
                dist = np.hypot(vec[..., 0], vec[..., 1])
                pursuing = moving & (dist > 0.1)
                stuck = np.where(pursuing & ~(dist < best - 0.05), since + 1, 0)
                start = pursuing & (stuck >= self.STUCK_STEPS) & (detour == 0)
                left = np.where(start, self.DETOUR_STEPS, detour)
                on = pursuing & (left > 0)
                self.flags = (start, on, np.where(on, self.DETOUR_STEPS - left + 1, 0))
            else:
                self.flags = None  # the first step: no walk around yet
            return super()._steer(moving, vec)

    out = []
    for o, m, a in seqs:
        pol = Shadow(bot, STRATEGIES[bot])
        pol.reset(spec, 0, [0])
        t_n, u_n = a.shape
        rec = {k: np.zeros((t_n, u_n), np.int64) for k in ("shadow", "start", "on", "step")}
        for t in range(t_n):
            s = max(t - 1, 0)
            pol.flags = None
            wish = np.asarray(pol.act(o[s][None], m[s][None]))[0]
            rec["shadow"][t] = np.where(m[t][np.arange(u_n), wish] > 0, wish, 0)
            if pol.flags is not None:
                for key, v in zip(("start", "on", "step"), pol.flags):
                    rec[key][t] = v[0]
        rec["t"] = np.broadcast_to(np.arange(t_n)[:, None], (t_n, u_n))
        out.append(rec)
    return out


def shadow_breakdown(flags, seqs, guess, truth) -> dict:
    """Dev agreement by what the shadow explains, in the order ``predict`` returns the decisions."""
    cat = {k: [] for k in flags[0]}
    for rec, (o, m, a) in zip(flags, seqs):
        live = (m[..., 1:] > 0).any(-1)
        for u in range(o.shape[1]):
            if live[:, u].any():
                for k in cat:
                    cat[k].append(rec[k][:, u][live[:, u]])
    cat = {k: np.concatenate(v) for k, v in cat.items()}
    hit, expl = guess == truth, cat["shadow"] == truth
    groups = {"shadow explains": expl, "decision noise or a kept order": ~expl,
              "explained: a walk around starts": expl & (cat["start"] == 1),
              "explained: walk around, its first 2 steps": expl & (cat["on"] == 1) & (cat["step"] <= 2),
              "explained: walk around, later steps": expl & (cat["on"] == 1) & (cat["step"] > 2),
              "explained: no walk around": expl & (cat["on"] == 0),
              "steps 0-19": cat["t"] < 20, "steps 20-59": (cat["t"] >= 20) & (cat["t"] < 60),
              "steps 60 on": cat["t"] >= 60}
    return {"shadow_explains": round(float(expl.mean()), 4),
            "clone_is_shadow": round(float((guess == cat["shadow"]).mean()), 4),
            **{name: {"share": round(float(sel.mean()), 4), "agree": round(float(hit[sel].mean()), 4),
                      "of_misses": round(float((~hit & sel).sum() / max((~hit).sum(), 1)), 4)}
               for name, sel in groups.items()}}


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
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--shadow", action="store_true",
                    help="also split dev agreement by what the bot's shadowed strategy explains (scripted bots)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--takeover-steps", default="20,60,100", help="steps at which a cold start is scored")
    args = ap.parse_args()

    import torch

    from agents import clone_recurrent as cr
    from agents.imitate import RECURRENT_SLOTS, load_replays, replay_sequences, ruleset_spec
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
    flags = shadow_flags(args.bot.split("@")[0], spec, dev) if args.shadow else None
    if args.turns != 1:
        from agents.clone_augment import quarter_turns

        train = quarter_turns(spec, train, args.turns)
    for variant in args.variants.split(","):
        drop = {PARTS[p] for p in variant.split("-") if p in PARTS}
        add = {p for p in variant.split("-") if p in ADDS}
        layout = cr.RecurrentInput(spec.size, spec.n_actions, spec.n_types, float(spec.pos_scale),
                                   **{part: part not in drop for part in PARTS.values()}, steering="steer" in add,
                                   slots=RECURRENT_SLOTS if "slots" in add else 0)
        w0, c0 = time.perf_counter(), time.process_time()
        torch.manual_seed(args.seed)
        net = cr.build_net(layout, args.hidden, args.width)
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
        if flags is not None:
            row["shadow"] = shadow_breakdown(flags, dev, guess, truth)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
