"""Explorer coverage on a 128×128 map per archetype: frontier explorers vs random walkers, same run.

Target (issue 15): >= 95% of the reachable cells for each archetype in <= 60 s. The peer is the
classic baseline, random-walk explorers: the same number of units from the same spawns on the
same core, given the same number of steps the frontier explorers needed. Medians of --repeats.

    PYTHONPATH=. python benchmarks/bench_playtest_explorer.py [--size 128] [--seed 0] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def random_walk(view, utype: int, steps: int, units: int, seed: int) -> float:
    """Coverage of random walkers (a uniformly random move every step) after ``steps`` steps."""
    from envs import core

    name = view.unit_names[utype]
    params = core.compile_params(view.params.ruleset, max_steps=steps + 1)
    state = core.reset(params, {name: units}, {name: units}, [seed], view.gm)
    rng = np.random.default_rng(seed)
    reachable = view.reach(utype, 0) | view.reach(utype, 1)
    visited = np.zeros(view.shape, dtype=bool)
    for _ in range(steps):
        visited[state.y[0], state.x[0]] = True
        core.step_inplace(params, state, rng.integers(1, 9, size=(1, state.n_units)))
    visited[state.y[0], state.x[0]] = True
    return float((visited & reachable).sum() / reachable.sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import pcg
    from envs.core import compile_params
    from envs.ruleset import default_ruleset
    from gameai.playtest.explorer import UNITS_PER_TEAM, explore
    from gameai.playtest.mapview import MapView

    gm = pcg.skirmish_map(args.seed, args.size)
    view = MapView(f"skirmish {args.size} seed {args.seed}", gm, compile_params(default_ruleset()))
    explore(view, 0, max_steps=5)  # warm numba caches outside the timings
    print(f"map: pcg.skirmish_map({args.seed}, {args.size}); {UNITS_PER_TEAM} explorers per spawn; "
          f"medians of {args.repeats}")
    print(f"{'archetype':<10}{'reachable':>10}{'coverage':>10}{'steps':>7}{'wall s':>8}{'cpu s':>7}"
          f"{'random walk':>13}{'ratio':>7}  target (>=95% in <=60 s)")
    ok = True
    for u, name in enumerate(view.unit_names):
        walls, cpus, runs = [], [], []
        for _ in range(args.repeats):
            t, c = time.perf_counter(), time.process_time()
            runs.append(explore(view, u, seed=args.seed))
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        run = runs[0]
        rand = random_walk(view, u, run.steps, UNITS_PER_TEAM, args.seed)
        met = run.coverage >= 0.95 and statistics.median(walls) <= 60
        ok &= met
        print(f"{name:<10}{int(run.reachable.sum()):>10}{run.coverage:>10.1%}{run.steps:>7}"
              f"{statistics.median(walls):>8.2f}{statistics.median(cpus):>7.2f}{rand:>13.1%}"
              f"{run.coverage / max(rand, 1e-9):>6.1f}x  {'met' if met else 'MISSED'}")
    print("all targets met" if ok else "some targets missed")


if __name__ == "__main__":
    main()
