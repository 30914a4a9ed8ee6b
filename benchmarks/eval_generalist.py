"""How well the ruleset-general learned bot plays rulesets it never trained on (issue #16's targets).

Held-out rulesets: ``--rulesets`` draws of every archetype's hp, damage, range, speed, cooldown,
armor and heal in ×0.5–×2 of the default (``agents.rl_randomize.default_ranges``, log-uniform),
from the seed stream ``np.random.default_rng([EVAL_STREAM, i])``. Training draws its rulesets from
``default_rng([train seed, group])`` streams (small integers), so these rulesets are never used in
training (different SeedSequence entropy; continuous values, so a collision is also practically
impossible). Map seeds are ``agents.map_seeds.held_out_seeds`` (never drawn in training); every
seed is played from both sides. Armies: each ruleset's default teams.

``--split dev`` plays rulesets from ``DEV_STREAM`` and map seeds from ``DEV_SEED_START`` instead: choose
a training recipe there, and report the test split (the default), which no choice has looked at.

Per held-out ruleset:
- the generalist vs ``focus_fire``, and the old ``ppo`` (layout 1, default ruleset only) vs ``focus_fire``
  as the baseline;
- for the first ``--specialists`` rulesets (the expensive part): a specialist fine-tuned from the
  generalist on that ruleset with ``--specialist-fraction`` (default 20%) of the generalist's
  training steps, then generalist vs specialist, and the unit-matrix win rates (equal-cost single
  archetype armies, every pair, the bot playing both sides) from the generalist and from the
  specialist: Spearman correlation and median absolute difference over all pairs of all rulesets.

    PYTHONPATH=. python benchmarks/eval_generalist.py --generalist ppo_general --rulesets 12 --seeds 50 \
        --specialists 2 --out benchmarks/data/eval_generalist.json

``--generalist-matrix`` also plays the generalist's unit matrix on rulesets without a specialist.
``--compare A.json B.json`` then says how far two such runs (two training seeds or recipes) agree
with each other on the same rulesets: are the verdicts the game's, or the bot's?
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EVAL_STREAM = 0x6E16_E7A1  # the held-out rulesets' seed stream (issue 16, evaluation)
DEV_STREAM = 0x6E16_DE70   # development rulesets: for choosing a training recipe without touching the above
DEV_SEED_START = 300_000   # development map seeds start here in the held-out seed range (the test uses 0-49,999
                           # for matches and 50,000+ for the unit matrix)


def held_out_rulesets(n: int, stream: int = EVAL_STREAM):
    from agents.rl_randomize import RuleDraws
    from envs.ruleset import default_ruleset

    draws = RuleDraws.default(default_ruleset())
    out = []
    for i in range(n):
        rng = np.random.default_rng([stream, i])
        values = draws.draw_values(rng)
        out.append(draws.base.with_values(values))
    return out


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def learned(path_or_name: str):
    """A factory of expert-tier policies for a shipped bot name or a model path."""
    from agents import make_policy
    from agents.pretrained import LEARNED_BOTS
    from agents.rl_tiers import learned_policy

    if path_or_name in LEARNED_BOTS:
        return lambda: make_policy(path_or_name)
    return lambda: learned_policy(path_or_name, name=Path(path_or_name).stem)


def unit_matrix(ruleset, make_bot, seeds, map_size) -> dict[str, float]:
    """Win rate of the first archetype's equal-cost army over the second's, the same bot on both sides."""
    from agents.arena import run_matches
    from envs.ruleset import equal_cost_army

    out = {}
    for a, b in combinations(ruleset.unit_names, 2):
        try:
            ta, tb = equal_cost_army(ruleset, a), equal_cost_army(ruleset, b)
        except ValueError:
            continue
        from agents.map_seeds import terrain_for

        wins = matches = 0
        for blue, red, mine in ((ta, tb, "blue"), (tb, ta, "red")):
            res = run_matches(ruleset, blue, red, seeds, blue_bot=make_bot(), red_bot=make_bot(),
                              terrain=terrain_for(map_size))
            wins += sum(r.winner == mine for r in res)
            matches += len(res)
        out[f"{a}>{b}"] = wins / matches
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generalist", default="ppo_general", help="shipped bot name or model .zip")
    ap.add_argument("--baseline", default="ppo", help="the old learned bot (shipped name)")
    ap.add_argument("--split", choices=("test", "dev"), default="test",
                    help="test: the held-out rulesets and seeds the figures are reported on; dev: rulesets and "
                         "map seeds of their own, to compare training recipes without tuning on the test split")
    ap.add_argument("--rulesets", type=int, default=12)
    ap.add_argument("--seeds", type=int, default=50, help="held-out map seeds per ruleset (each both sides)")
    ap.add_argument("--matrix-seeds", type=int, default=10, help="held-out map seeds per unit pair and side")
    ap.add_argument("--specialists", type=int, default=1,
                    help="the first N rulesets get a fine-tuned specialist (-1 with --only: all of those)")
    ap.add_argument("--specialist-fraction", type=float, default=0.2, help="of the generalist's training steps")
    ap.add_argument("--generalist-steps", type=int, default=0, help="0: read from the model's .json report")
    ap.add_argument("--map-size", type=int, default=32)
    ap.add_argument("--work", default="/tmp/eval_generalist", help="where specialists are written")
    ap.add_argument("--out", default=None, help="write all figures as JSON here")
    ap.add_argument("--only", type=int, nargs="*", default=None,
                    help="evaluate only these ruleset indices (to split the work over processes; see --merge)")
    ap.add_argument("--merge", nargs="*", default=None, metavar="JSON",
                    help="combine the --out files of split runs (later files win per ruleset) and summarise")
    ap.add_argument("--compare", nargs=2, default=None, metavar=("A_JSON", "B_JSON"),
                    help="how far the unit-matrix verdicts of two evaluated generalists (two --out files on the "
                         "same rulesets, e.g. two training seeds) agree with each other, generalist with "
                         "generalist and specialist with specialist; A1.json,A2.json,... averages several runs' "
                         "win rates first (the verdict of an ensemble of training runs)")
    ap.add_argument("--generalist-matrix", action="store_true",
                    help="also play the generalist's unit matrix on rulesets without a specialist (cheap: no "
                         "fine-tune), so that --compare can set two training runs' verdicts side by side")
    ap.add_argument("--specialists-only", action="store_true", help="skip the focus_fire part (a split run)")
    ap.add_argument("--part", choices=("all", "generalist", "baseline"), default="all",
                    help="which bots play focus_fire (to split the work over processes)")
    args = ap.parse_args(argv)
    if args.compare:
        try:
            groups = [[f for f in arg.split(",") if f] for arg in args.compare]
            if set(groups[0]) & set(groups[1]):
                raise ValueError("a run is on both sides; the two sides must be independent runs")
            report = compare(*(ensemble([json.loads(Path(f).read_text()) for f in g]) for g in groups))
            report["runs"] = [len(g) for g in groups]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"eval_generalist: cannot compare {args.compare[0]} and {args.compare[1]}: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(report, indent=1))
        return 0
    if args.merge:
        rows: dict[int, dict] = {}
        for f in args.merge:
            for r in json.loads(Path(f).read_text())["rulesets"]:
                rows[r["ruleset"]] = {**rows.get(r["ruleset"], {}), **r}
        summary = summarize([rows[i] for i in sorted(rows)])
        print(json.dumps(summary, indent=1))
        if args.out:
            Path(args.out).write_text(json.dumps({"summary": summary, "rulesets": [rows[i] for i in sorted(rows)]},
                                                 indent=1))
        return 0

    from agents.map_seeds import held_out_seeds
    from agents.pretrained import LEARNED_BOTS, model_path
    from agents.rl_eval import head_to_head
    from agents.rl_finetune import fine_tune

    gen_path = str(model_path(args.generalist)) if args.generalist in LEARNED_BOTS else args.generalist
    steps = args.generalist_steps
    if not steps and args.part == "baseline":
        steps = 1  # the generalist plays no part
    if not steps:
        steps = int(json.loads(Path(gen_path).with_suffix(".json").read_text())["steps"])
    spec_steps = int(round(args.specialist_fraction * steps))
    first = DEV_SEED_START if args.split == "dev" else 0
    seeds = held_out_seeds(args.seeds, start=first)
    m_seeds = held_out_seeds(args.matrix_seeds, start=first + 50_000)
    stream = DEV_STREAM if args.split == "dev" else EVAL_STREAM
    make_gen, make_base = learned(args.generalist), learned(args.baseline)
    from agents import make_policy

    t0, c0 = time.perf_counter(), cpu_seconds()
    rows = []
    for i, ruleset in enumerate(held_out_rulesets(args.rulesets, stream)):
        if args.only is not None and i not in args.only:
            continue
        blue, red = dict(ruleset.teams["blue"]), dict(ruleset.teams["red"])
        row = {"ruleset": i, "values": {k: ruleset.get(k) for k in sorted(_varied_keys(ruleset))}}
        if not args.specialists_only and args.part in ("all", "generalist"):
            g = head_to_head(ruleset, make_gen, lambda: make_policy("focus_fire"), seeds, args.map_size, blue, red)
            row.update(generalist_vs_focus_fire=g["win_rate"])
        if not args.specialists_only and args.part in ("all", "baseline"):
            b = head_to_head(ruleset, make_base, lambda: make_policy("focus_fire"), seeds, args.map_size, blue, red)
            row.update(baseline_vs_focus_fire=b["win_rate"])
        if i < args.specialists or (args.only is not None and args.specialists < 0):
            out = Path(args.work) / f"specialist_{i}.zip"
            ts = time.perf_counter()
            fine_tune(gen_path, ruleset, spec_steps, seed=1000 + i, out=out, log=lambda m: None, map_size=args.map_size)
            row["specialist_steps"] = spec_steps
            row["specialist_train_s"] = round(time.perf_counter() - ts, 1)
            make_spec = learned(str(out))
            hs = head_to_head(ruleset, make_gen, make_spec, seeds, args.map_size, blue, red)
            row["generalist_vs_specialist"] = hs["win_rate"]
            row["matrix_generalist"] = unit_matrix(ruleset, make_gen, m_seeds, args.map_size)
            row["matrix_specialist"] = unit_matrix(ruleset, make_spec, m_seeds, args.map_size)
        elif args.generalist_matrix:
            row["matrix_generalist"] = unit_matrix(ruleset, make_gen, m_seeds, args.map_size)
        rows.append(row)
        print(f"ruleset {i:2d}: " + "   ".join(f"{k} {v:.1%}" for k, v in row.items()
                                                if isinstance(v, float) and k.startswith(("generalist", "baseline"))),
              flush=True)
    summary = summarize(rows)
    summary.update(wall_s=round(time.perf_counter() - t0, 1), cpu_s=round(cpu_seconds() - c0, 1),
                   seeds=args.seeds, matrix_seeds=args.matrix_seeds, generalist=args.generalist,
                   generalist_steps=steps, split=args.split, eval_stream=stream)
    print(json.dumps(summary, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps({"summary": summary, "rulesets": rows}, indent=1))
    return 0


def _varied_keys(ruleset):
    from agents.rl_randomize import default_ranges

    return [r.key for r in default_ranges(ruleset)]


def summarize(rows) -> dict:
    gen = [r["generalist_vs_focus_fire"] for r in rows if "generalist_vs_focus_fire" in r]
    base = [r["baseline_vs_focus_fire"] for r in rows if "baseline_vs_focus_fire" in r]
    both = [r for r in rows if "generalist_vs_focus_fire" in r and "baseline_vs_focus_fire" in r]
    out = {"rulesets": len(gen)}  # a run split with --part plays one of the two bots
    if gen:
        out.update(generalist_vs_focus_fire_mean=float(np.mean(gen)), generalist_vs_focus_fire_min=float(np.min(gen)))
    if base:
        out["baseline_vs_focus_fire_mean"] = float(np.mean(base))
    if both:
        out["generalist_beats_baseline_on"] = int(sum(r["generalist_vs_focus_fire"] > r["baseline_vs_focus_fire"]
                                                      for r in both))
    spec_rows = [r for r in rows if "generalist_vs_specialist" in r]
    out["specialist_rulesets"] = len(spec_rows)
    if spec_rows:
        out["generalist_vs_specialist_mean"] = float(np.mean([r["generalist_vs_specialist"] for r in spec_rows]))
        g = [r["matrix_generalist"][k] for r in spec_rows for k in r["matrix_generalist"]]
        s = [r["matrix_specialist"][k] for r in spec_rows for k in r["matrix_generalist"]]
        out.update({f"matrix_{k}": v for k, v in agreement(g, s).items()})
    return out


def agreement(a, b) -> dict:
    """Spearman correlation and median absolute difference (points) of two lists of unit-matrix win rates."""
    from scipy.stats import spearmanr

    return {"pairs": len(a), "spearman": float(spearmanr(a, b).statistic) if len(a) > 2 else None,
            "median_abs_diff_points": float(np.median(np.abs(np.array(a) - np.array(b))) * 100) if a else None}


def ensemble(runs: list[dict]) -> dict:
    """One run whose unit-matrix win rates are the mean of several runs' on the rulesets they all played
    (each matrix kind kept only where every run has it)."""
    if not runs:
        raise ValueError("no runs to average")
    if len(runs) == 1:
        return runs[0]
    by_run = [{r["ruleset"]: r for r in run["rulesets"] if "matrix_generalist" in r} for run in runs]
    rows = []
    for i in sorted(set.intersection(*(set(b) for b in by_run))):
        first = by_run[0][i]
        if any(b[i]["values"] != first["values"] for b in by_run):
            raise ValueError(f"ruleset {i} has different numbers in the runs (another split or stream?)")
        row = {"ruleset": i, "values": first["values"]}
        for which in ("matrix_generalist", "matrix_specialist"):
            if all(which in b[i] for b in by_run):
                row[which] = {k: float(np.mean([b[i][which][k] for b in by_run])) for k in first[which]}
        rows.append(row)
    return {"rulesets": rows}


def compare(a: dict, b: dict) -> dict:
    """Verdict agreement between two evaluation runs on the same rulesets (e.g. two training seeds).

    Whether a unit-matrix verdict belongs to the game or to the bot that played it: if two generalists
    trained the same way disagree with each other more than each does with its own specialist, the
    verdict is mostly the bot's.
    """
    rows_a = {r["ruleset"]: r for r in a["rulesets"] if "matrix_generalist" in r}
    rows_b = {r["ruleset"]: r for r in b["rulesets"] if "matrix_generalist" in r}
    shared = sorted(set(rows_a) & set(rows_b))
    if not shared:
        raise ValueError("the two runs share no ruleset with a unit matrix")
    for i in shared:
        if rows_a[i]["values"] != rows_b[i]["values"]:
            raise ValueError(f"ruleset {i} has different numbers in the two runs (another split or stream?)")
    report = {"rulesets": len(shared)}
    for which in ("matrix_generalist", "matrix_specialist"):
        if not all(which in rows_a[i] and which in rows_b[i] for i in shared):
            continue  # a run played with --generalist-matrix has no specialists to compare
        pairs = [(rows_a[i][which][k], rows_b[i][which][k]) for i in shared for k in sorted(rows_a[i][which])]
        report[which.removeprefix("matrix_")] = agreement([x for x, _ in pairs], [y for _, y in pairs])
    return report


if __name__ == "__main__":
    raise SystemExit(main())
