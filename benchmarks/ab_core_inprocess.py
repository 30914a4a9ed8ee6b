"""A/B of the batched core in ONE process: another checkout's ``envs/core.py`` against this one's.

    git worktree add /tmp/base <commit>                  # the code to compare against
    .venv/bin/python benchmarks/ab_core_inprocess.py /tmp/base --rounds 60
    git worktree remove /tmp/base

Why beside ``ab_bench_core.py`` (which alternates whole processes): on this shared 2-core machine
at load 15-30 a process-level round is long enough for the load to change under it, and its
per-round ratios spread ±15%. Here the base core is loaded by path as a second module (its own
compiled kernels) and both replay the same recorded bot actions (as ``bench_core.py``) in short
paired replays, alternating which goes first, so each pair shares its moment's load. Prints the
median new/base ratio of CPU-time agent-steps/s with a distribution-free interval for the median.
The two cores' end states are checked equal first. Only ``envs/core.py`` comes from the base
checkout: it imports this checkout's ``envs/spec.py``, ``envs/maps.py`` and the rest, so it compares
two cores of the same observation layout (for a layout change, use ``ab_bench_core.py``).
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from agents.arena import run_matches
from envs import core as new_core
from envs.ruleset import apply_overrides, default_ruleset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab_bench_core import median_interval  # noqa: E402

SIDE = {"warrior": 6, "archer": 5, "knight": 3, "healer": 2}


def load_base_core(base: Path):
    path = base / "envs" / "core.py"
    if not path.is_file():
        raise SystemExit(f"{base} has no envs/core.py: give the root of a gameai checkout")
    spec = importlib.util.spec_from_file_location("base_core", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["base_core"] = module  # numba's cache and dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base", type=Path, help="checkout to compare against")
    ap.add_argument("--rounds", type=int, default=60, help="paired replays per row")
    ap.add_argument("--envs", type=int, default=64)
    ap.add_argument("--max-steps", type=int, default=200)
    args = ap.parse_args()
    base_core = load_base_core(args.base.resolve())
    ruleset = apply_overrides(default_ruleset(), {"match.budget": 1000, "match.arena_width": 32,
                                                  "match.arena_height": 32})
    seeds = list(range(args.envs))
    recorded: list[np.ndarray] = []
    run_matches(ruleset, SIDE, SIDE, seeds, blue_bot="focus_fire", red_bot="kite", max_steps=args.max_steps,
                actions_out=recorded)

    def replay(core, with_obs: bool):
        params = core.compile_params(ruleset, max_steps=args.max_steps)
        spec = core.observation_spec(params)
        state = core.reset(params, SIDE, SIDE, seeds)
        n = state.n_units
        out = (np.empty((args.envs, n, spec.size), np.float32), np.empty((args.envs, n, spec.n_actions), np.int8))
        count, c0 = 0, time.process_time()
        for acts in recorded:
            count += int((~state.done).sum()) * n
            core.step_inplace(params, state, acts)
            if with_obs:
                core.observe(params, state, spec, out=out)
        return count / (time.process_time() - c0), state

    ends = [replay(c, True)[1] for c in (base_core, new_core)]  # also the warm-up
    for f in new_core.fields(new_core.SkirmishState):
        assert getattr(ends[0], f.name).tobytes() == getattr(ends[1], f.name).tobytes(), f"end states differ: {f.name}"
    print(f"base {args.base.resolve()}, new {Path(new_core.__file__).parents[1]}; {args.envs} envs × "
          f"{ends[0].n_units} units, {len(recorded)} recorded steps; end states equal")
    for with_obs in (False, True):
        ratios, rates = [], {"base": [], "new": []}
        for r in range(args.rounds):
            pair = {}
            for name, core in (("base", base_core), ("new", new_core)) if r % 2 == 0 else \
                    (("new", new_core), ("base", base_core)):
                pair[name] = replay(core, with_obs)[0]
                rates[name].append(pair[name])
            ratios.append(pair["new"] / pair["base"])
        lo, hi, level = median_interval(sorted(ratios))
        print(f"{'step + observe' if with_obs else 'step':<16} base {statistics.median(rates['base']):>11,.0f}  "
              f"new {statistics.median(rates['new']):>11,.0f} CPU-time agent-steps/s; new/base median "
              f"{statistics.median(ratios):.3f}, {level:.1%} interval {lo:.3f}-{hi:.3f} ({args.rounds} pairs)")


if __name__ == "__main__":
    main()
