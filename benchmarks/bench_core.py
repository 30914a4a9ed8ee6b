"""Agent-steps per second: the batched core vs a per-agent Python loop of the same rules, and the PettingZoo face.

    .venv/bin/python benchmarks/bench_core.py            # 64 envs × 32 units, 5 repeats
    .venv/bin/python benchmarks/bench_core.py --envs 256 --repeats 7

All implementations replay the SAME recorded actions (focus_fire vs kite bots, played once by the
core) from the same spawns, so they do identical work; the reference's final states are checked
against the core's. An agent-step is one unit slot of one running environment advancing one step.
Figures are medians of several runs. The machine is shared (2 cores, other jobs running), so we
print both wall-clock rates and process-CPU-time rates (time this process actually ran), plus
the load average; ratios are measured within the same run.
Target (issue 2): core >= 2,000,000 agent-steps/s median at 64 × 32, and >= 10× the per-agent loop.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from agents.arena import run_matches
from envs import core
from envs.reference import ReferenceSkirmish
from envs.ruleset import apply_overrides, default_ruleset

SIDE = {"warrior": 6, "archer": 5, "knight": 3, "healer": 2}  # 16 units a side, 32 in all


def timed(fn) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--envs", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ref-envs", type=int, default=4, help="environments the slow per-agent loop replays")
    ap.add_argument("--max-steps", type=int, default=200)
    args = ap.parse_args()

    ruleset = apply_overrides(default_ruleset(), {"match.budget": 1000, "match.arena_width": 32,
                                                  "match.arena_height": 32})
    params = core.compile_params(ruleset, max_steps=args.max_steps)
    spec = core.observation_spec(params)
    seeds = list(range(args.envs))
    recorded: list[np.ndarray] = []
    run_matches(ruleset, SIDE, SIDE, seeds, blue_bot="focus_fire", red_bot="kite", max_steps=args.max_steps,
                actions_out=recorded)
    n_units = recorded[0].shape[1]
    print(f"workload: {args.envs} envs × {n_units} units, {len(recorded)} steps of recorded focus_fire-vs-kite "
          f"actions, 32×32 built-in arena; load average at start: {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")

    # --- batched core ------------------------------------------------------------------------
    def replay_core(with_obs: bool):
        state = core.reset(params, SIDE, SIDE, seeds)
        count = 0
        obs = (np.empty((args.envs, n_units, spec.size), np.float32),
               np.empty((args.envs, n_units, spec.n_actions), np.int8))
        w0, c0 = time.perf_counter(), time.process_time()
        for acts in recorded:
            count += int((~state.done).sum()) * n_units
            core.step_inplace(params, state, acts)
            if with_obs:
                core.observe(params, state, spec, out=obs)
        return count, time.perf_counter() - w0, time.process_time() - c0, state

    replay_core(True)  # warm-up (loads the compiled kernels)
    core_runs = [replay_core(False) for _ in range(args.repeats)]
    obs_runs = [replay_core(True) for _ in range(args.repeats)]
    final = core_runs[-1][3]

    # --- per-agent reference loop ------------------------------------------------------------
    ref_envs = list(range(min(args.ref_envs, args.envs)))

    def replay_reference():
        start = core.reset(params, SIDE, SIDE, [seeds[b] for b in ref_envs])
        sims = [ReferenceSkirmish.from_core(params, start, i) for i in range(len(ref_envs))]
        count = 0
        w0, c0 = time.perf_counter(), time.process_time()
        for acts in recorded:
            for i, b in enumerate(ref_envs):
                if not sims[i].done:
                    count += n_units
                    sims[i].step(acts[b].tolist())
        return count, time.perf_counter() - w0, time.process_time() - c0, sims

    ref_runs = [replay_reference() for _ in range(max(3, args.repeats // 2))]
    for i, b in enumerate(ref_envs):  # same actions, same rules: same outcome
        sim = ref_runs[-1][3][i]
        assert [u.hp for u in sim.units] == final.hp[b].tolist() and sim.t == int(final.t[b]), f"env {b} differs"

    # --- PettingZoo face ---------------------------------------------------------------------
    from envs.pettingzoo_face import parallel_env

    def run_face(steps: int = 300):
        env = parallel_env(ruleset=ruleset, blue=SIDE, red=SIDE, max_steps=args.max_steps)
        rng = np.random.default_rng(0)
        obs, _ = env.reset(seed=0)
        count = 0
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            if not env.agents:
                obs, _ = env.reset()
            noise = rng.random((len(obs), spec.n_actions))  # one draw per step: a random valid action each
            acts = {a: int(np.argmax(o["action_mask"] * noise[i])) for i, (a, o) in enumerate(obs.items())}
            count += len(env.agents)
            obs, *_ = env.step(acts)
        return count, time.perf_counter() - w0, time.process_time() - c0, None

    face_runs = [run_face() for _ in range(args.repeats)]

    def rates(runs):
        return (statistics.median(c / w for c, w, _, _ in runs), statistics.median(c / cp for c, _, cp, _ in runs))

    rows = [("batched core: step", rates(core_runs)), ("batched core: step + observe", rates(obs_runs)),
            ("PettingZoo ParallelEnv (1 env)", rates(face_runs)),
            ("per-agent Python loop (reference)", rates(ref_runs))]
    ref_wall, ref_cpu = rows[-1][1]
    print(f"\n{'implementation':<36}{'agent-steps/s (wall)':>22}{'(CPU time)':>14}{'× ref (wall)':>14}"
          f"{'× ref (CPU)':>13}")
    for name, (wall, cpu) in rows:
        print(f"{name:<36}{wall:>22,.0f}{cpu:>14,.0f}{wall / ref_wall:>14.1f}{cpu / ref_cpu:>13.1f}")
    core_wall, core_cpu = rows[0][1]
    print(f"\nmedians of {args.repeats} runs (reference: {len(ref_runs)} runs on {len(ref_envs)} envs); reference "
          f"end states checked equal to the core's. Load average at end: {os.getloadavg()[0]:.2f}")
    print(f"target >= 2,000,000 agent-steps/s: {'met' if core_wall >= 2e6 else 'NOT met'} (wall), "
          f"{'met' if core_cpu >= 2e6 else 'NOT met'} (CPU time); target >= 10× the per-agent loop: "
          f"{'met' if core_wall / ref_wall >= 10 else 'NOT met'} (wall)")


if __name__ == "__main__":
    main()
