"""Sweep throughput with the learned bot against the same sweep with `focus_fire`, same run.

    .venv/bin/python benchmarks/bench_sweep_learned.py                 # 768 matches per variant, 3 repeats
    .venv/bin/python benchmarks/bench_sweep_learned.py --configs 4 --matches 96 --repeats 5

Variants, interleaved within each repeat so the shared machine's slow phases hit all alike, each
playing the identical sweep (benchmarks/sweep_bench_common.py) into a fresh store, in this
process (one worker: CPU time is then this process's own, exact under any load):

- `focus_fire`: the scripted peer;
- `ppo`: the learned bot as sweeps play it now: both teams' live units in one forward pass per
  step (agents/learned_batch.py), in fixed blocks of rows (agents/rl_policy.FORWARD_BLOCK);
- `ppo, per-team passes`: the path before that change, rebuilt here: each team its own forward
  pass over exactly its live rows (rows unblocked, so a 1-3 row pass rounds differently).

Target (issue 16): the learned sweep's matches/s >= 0.3x focus_fire's. Figures are medians of
`--repeats` runs, as matches per CPU second (the figure that survives the machine's load) and
per wall second; ratios are against focus_fire. The two ppo variants must agree match for match
except where the old path's small-pass rounding flipped a near-tied choice: their agreement is
printed.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gameai.balance.design import build_design  # noqa: E402
from gameai.balance.play import warm_up  # noqa: E402
from gameai.balance.spec import load_spec  # noqa: E402
from gameai.balance.store import ResultStore  # noqa: E402
from gameai.balance.sweep import make_runner, play  # noqa: E402
from sweep_bench_common import MATCHUPS, sweep_spec  # noqa: E402


def _old_masked_logits(policy, obs, mask):
    """agents.rl_policy.masked_logits before fixed blocks: one pass over exactly these rows."""
    import torch

    with torch.no_grad():
        t = torch.as_tensor(obs, dtype=torch.float32)
        feats = policy.extract_features(t, policy.pi_features_extractor)
        logits = policy.action_net(policy.mlp_extractor.forward_actor(feats)).numpy().astype(np.float64)
    return np.where(mask > 0, logits, -np.inf)


@contextlib.contextmanager
def per_team_passes():
    """The learned bot's path before the shared pass: each team alone, rows unblocked."""
    import agents.arena as arena
    import agents.rl_policy as rl_policy

    saved = arena.SharedForward.pair, rl_policy.masked_logits
    arena.SharedForward.pair = staticmethod(lambda *policies: None)
    rl_policy.masked_logits = _old_masked_logits
    try:
        yield
    finally:
        arena.SharedForward.pair, rl_policy.masked_logits = saved


def timed(spec_path: Path, store_path: Path, old_path: bool):
    spec = load_spec(spec_path)
    configs = build_design(spec)
    with ResultStore(store_path) as store, make_runner("local", 1) as runner, \
            (per_team_passes() if old_path else contextlib.nullcontext()):
        c0, t0 = time.process_time(), time.perf_counter()
        out = play(spec, configs, store, runner, progress=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        rows = {r.key: (r.winner, r.steps, r.a_hp_left, r.b_hp_left) for r in out.rows}
    return wall, cpu, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", type=int, default=2, help="grid points of archer damage")
    ap.add_argument("--matches", type=int, default=64, help="matches per matchup and configuration")
    ap.add_argument("--batch", type=int, default=64, help="matches per work unit (the spec's [play] batch)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("GAMEAI_THREADS", "1")

    variants = [("focus_fire", "focus_fire", False), ("ppo", "ppo", False), ("ppo, per-team passes", "ppo", True)]
    warm_up()
    from agents import make_policy

    make_policy("ppo")                     # load the model once, outside the timings
    walls = {v: [] for v, _, _ in variants}
    cpus = {v: [] for v, _, _ in variants}
    results = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for bot in ("focus_fire", "ppo"):
            (tmp / f"{bot}.toml").write_text(sweep_spec(args.configs, args.matches, batch=args.batch, bots=(bot,)))
        for rep in range(args.repeats):
            for name, bot, old in variants:
                wall, cpu, rows = timed(tmp / f"{bot}.toml", tmp / f"{rep}-{name}.sqlite", old)
                walls[name].append(wall)
                cpus[name].append(cpu)
                results[name] = rows
                print(f"  repeat {rep + 1}: {name:22s} {len(rows)} matches  wall {wall:6.2f} s  CPU {cpu:6.2f} s",
                      flush=True)
    n = len(results["focus_fire"])
    same = sum(results["ppo"][k] == results["ppo, per-team passes"][k] for k in results["ppo"])
    print(f"\nsweep: {n} matches ({args.configs} configurations x {MATCHUPS} matchups x {args.matches}, "
          f"batch {args.batch}), one worker, medians of {args.repeats} runs; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'bot':24s} {'CPU s':>7s} {'matches/CPU s':>14s} {'vs focus_fire':>14s} {'wall s':>8s} "
          f"{'matches/s':>10s} {'vs focus_fire':>14s}")
    ff_cpu, ff_wall = statistics.median(cpus["focus_fire"]), statistics.median(walls["focus_fire"])
    for name, _, _ in variants:
        cpu, wall = statistics.median(cpus[name]), statistics.median(walls[name])
        print(f"{name:24s} {cpu:7.2f} {n / cpu:14.1f} {ff_cpu / cpu:13.2f}x {wall:8.2f} {n / wall:10.1f} "
              f"{ff_wall / wall:13.2f}x")
    ratio = ff_cpu / statistics.median(cpus["ppo"])
    print(f"\nlearned / focus_fire matches per CPU second: {ratio:.2f}x (target >= 0.3x): "
          f"{'met' if ratio >= 0.3 else 'NOT met'}")
    print(f"ppo shared pass vs per-team passes: {same} of {len(results['ppo'])} matches identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
