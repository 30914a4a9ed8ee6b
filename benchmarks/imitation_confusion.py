"""Where does a behaviour clone disagree with its recorded bot? (issue 14 part 3, dev split only)

Reads the recorded matches that ``benchmarks/eval_imitation.py`` writes in ``--work`` (train: the
first ``--matches``, dev: the next ``--dev-matches``; the held-out test folder is never read here),
trains one clone per ``--layouts`` entry on train (or reuses its zip), and breaks its **dev**
agreement down by the kind of the recorded action (hold, move, attack, heal), by the kind the clone
picked, and by situation (unit ranged or melee, weapon ready, nearest enemy inside/at/beyond range,
the recorded action repeating the previous one, the previous action no longer allowed ...).
For moves where both step, how far apart the two directions are (0 = same, 1 = neighbouring ...).

Usage: PYTHONPATH=. python benchmarks/imitation_confusion.py --bot kite@average --work /tmp/imi \
           --layouts 3:2:0
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GAMEAI_THREADS", "1")

import numpy as np  # noqa: E402


def kinds(action: np.ndarray, k: int) -> np.ndarray:
    """0 hold, 1 move, 2 attack, 3 heal."""
    from envs.spec import ATTACK0

    return np.select([action == 0, action < ATTACK0, action < ATTACK0 + k], [0, 1, 2], 3)


KIND_NAMES = ("hold", "move", "attack", "heal")


def situations(seqs, spec) -> dict[str, np.ndarray]:
    """Per live decision (rows as ``agents.imitate.sequence_decisions``): named boolean situations."""
    out: dict[str, list[np.ndarray]] = {}
    ps = spec.pos_scale
    for o, m, a in seqs:
        live = (m[..., 1:] > 0).any(-1)
        prev = np.concatenate([np.zeros_like(a[:1]), a[:-1]])
        rng = o[..., spec.OWN_RANGE] * ps
        e = spec.enemies(o)
        near, dist = e[..., 0, 0] > 0, e[..., 0, 3] * ps
        ready = o[..., spec.OWN_READY] > 0
        prev_ok = np.take_along_axis(m, prev[..., None], -1)[..., 0] > 0
        can_att = (m[..., 9:9 + spec.k] > 0).any(-1)
        s = {
            "ranged (range > 2.5)": rng > 2.5,
            "melee": rng <= 2.5,
            "weapon ready": ready,
            "reloading": ~ready,
            "can attack now": can_att,
            "no enemy in view": ~near,
            "nearest enemy < 0.6 range": near & (dist < 0.6 * rng),
            "nearest enemy 0.6-1.0 range": near & (dist >= 0.6 * rng) & (dist <= rng),
            "nearest enemy beyond range": near & (dist > rng),
            "action = previous action": a == prev,
            "action != previous action": a != prev,
            "previous action not allowed now": ~prev_ok,
        }
        for name, v in s.items():
            out.setdefault(name, []).append(v[live])
    return {k: np.concatenate(v) for k, v in out.items()}


def direction_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Steps between two move actions (1-8) around the compass, 0-4."""
    d = np.abs((a - 1) - (b - 1)) % 8
    return np.minimum(d, 8 - d)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bot", default="kite@average")
    ap.add_argument("--work", default="/tmp/eval_imitation")
    ap.add_argument("--matches", type=int, default=200)
    ap.add_argument("--dev-matches", type=int, default=40)
    ap.add_argument("--layouts", default="3:2:0", help="FRAMES:PREV_ACTIONS:MASKS[:FEATURES[:TURNS]], comma-separated")
    ap.add_argument("--net", default="128,128")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reuse", action="store_true", help="reuse clone zips already in --work")
    args = ap.parse_args()

    from agents.imitate import agreement, clone_sequences, load_replays, replay_sequences, sequence_decisions
    from agents.clone_file import read_clone_layout
    from agents.rl_policy import load_model, masked_logits
    work = Path(args.work)
    tag = args.bot.replace("@", "_")
    have = sorted((work / tag).glob("*.json"))
    n = args.matches + args.dev_matches
    if len(have) < n:
        print(f"need {n} recorded matches in {work / tag}, found {len(have)}: run eval_imitation.py --record-only")
        return 2
    t0 = time.perf_counter()
    train = replay_sequences(load_replays(have[:args.matches]), bot=args.bot)
    dev = replay_sequences(load_replays(have[args.matches:n]), bot=args.bot)
    spec = _spec()
    sit = situations(dev, spec)
    print(f"re-ran {args.matches} train + {args.dev_matches} dev matches in {time.perf_counter() - t0:.0f} s",
          flush=True)
    for lay in args.layouts.split(","):
        parts = [int(x) for x in lay.split(":")]
        frames, prev, masks = parts[:3]
        feats = bool(parts[3]) if len(parts) > 3 else False
        path = work / f"conf_{tag}_{lay.replace(':', '_')}.zip"
        t1 = time.perf_counter()
        if not (args.reuse and path.is_file()):
            extra = {"features": True, "n_types": spec.n_types, "pos_scale": float(spec.pos_scale)} if feats else {}
            if len(parts) > 4 and parts[4] != 1:
                extra.update(turns=parts[4], spec=spec)
            clone_sequences(train, path, epochs=args.epochs, seed=args.seed,
                            net_arch=[int(s) for s in args.net.split(",")], frames=frames, prev_actions=prev,
                            masks=bool(masks), **extra)
        layout = read_clone_layout(path)
        data = sequence_decisions(dev, layout)
        policy = load_model(path).policy
        guess = np.concatenate([masked_logits(policy, data.obs[i:i + 8192], data.mask[i:i + 8192]).argmax(-1)
                                for i in range(0, len(data), 8192)])
        act = data.action
        hit = guess == act
        print(f"\nlayout {lay}: dev agreement {hit.mean():.1%} on {len(act):,} decisions "
              f"(train+score {time.perf_counter() - t1:.0f} s)")
        ka, kg = kinds(act, spec.k), kinds(guess, spec.k)
        print("  recorded kind -> clone kind (share of all decisions; row agreement)")
        for i, name in enumerate(KIND_NAMES):
            row = ka == i
            if not row.any():
                continue
            cells = "  ".join(f"{KIND_NAMES[j]} {(row & (kg == j)).mean():6.1%}" for j in range(4))
            print(f"    {name:<7} {row.mean():6.1%} of decisions | {cells} | agree {hit[row].mean():6.1%}")
        both = (ka == 1) & (kg == 1)
        gap = direction_gap(act[both], guess[both])
        print("  both move: direction gap " + "  ".join(f"{g}: {(gap == g).mean():.1%}" for g in range(5)))
        att = (ka == 2) & (kg == 2)
        print(f"  both attack: same target slot {(act[att] == guess[att]).mean():.1%}")
        print("  by situation: share of decisions, agreement, share of all misses")
        misses = (~hit).sum()
        for name, v in sit.items():
            if v.any():
                print(f"    {name:<34} {v.mean():6.1%}  agree {hit[v].mean():6.1%}  "
                      f"misses {(~hit & v).sum() / misses:6.1%}")
    return 0


def _spec():
    from envs import core
    from envs.ruleset import default_ruleset

    return core.observation_spec(core.compile_params(default_ruleset()))


if __name__ == "__main__":
    sys.exit(main())
