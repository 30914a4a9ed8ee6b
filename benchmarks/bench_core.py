"""Agent-steps per second: the batched core and the PettingZoo faces vs a per-agent Python loop of the same rules.

    .venv/bin/python benchmarks/bench_core.py            # 64 envs × 32 units, 7 repeats
    .venv/bin/python benchmarks/bench_core.py --envs 256 --repeats 7

The core and the reference replay the SAME recorded actions (focus_fire vs kite bots, played once by
the core) from the same spawns, so they do identical work; the reference's final states are checked
against the core's. An agent-step is one unit slot of one running environment advancing one step.
Figures are medians of several runs. The machine is shared (2 cores, other jobs running), so we
print both wall-clock rates and process-CPU-time rates (time this process actually ran), plus
the load average; ratios are measured within the same run. The ParallelEnv's ratios to the loops are
also given per round (its run and the loop's run of the same round share that moment's load) as the
median of the rounds' ratios with their range: 2,000 steps a run, since 600-step runs swung 2.2-3.3x.
The two faces are driven as a user would: each step stacks the live agents' action masks and picks
one random legal action per agent with one argmax (the ParallelEnv gets a dict, the vector env an
array); for them an agent-step is one live agent advancing one step. Random legal actions move
almost every unit every step, which costs the core more per step than the bots' recorded play.
Targets: core >= 2,000,000 agent-steps/s median at 64 × 32 and >= 10× the per-agent loop (issue 2);
PettingZoo ParallelEnv (1 env × 32 units) >= 3× the per-agent loop, and the batched vector env
(64 × 32) >= 1,000,000 agent-steps/s (issue 18).
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
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--ref-envs", type=int, default=4, help="environments the slow per-agent loop replays")
    ap.add_argument("--max-steps", type=int, default=200)
    ap.add_argument("--face-steps", type=int, default=2000,
                    help="ParallelEnv steps per run (~10 matches: a short run's ratio swings with the load)")
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

    def live_agent_steps_of_reference() -> int:
        """The reference workload counted as the faces count it: one LIVE unit advancing one step
        (the rows above count every unit slot of an unfinished match, as the core row does, so
        those two compare like with like). Untimed; the workload is deterministic."""
        start = core.reset(params, SIDE, SIDE, [seeds[b] for b in ref_envs])
        sims = [ReferenceSkirmish.from_core(params, start, i) for i in range(len(ref_envs))]
        live = 0
        for acts in recorded:
            for i, b in enumerate(ref_envs):
                if not sims[i].done:
                    live += sum(u.alive for u in sims[i].units)
                    sims[i].step(acts[b].tolist())
        return live

    ref_live_total = live_agent_steps_of_reference()

    # --- PettingZoo faces -------------------------------------------------------------------
    from envs import skirmish_v0

    def run_face(steps: int = args.face_steps, record: list | None = None):
        env = skirmish_v0.parallel_env(ruleset=ruleset, blue=SIDE, red=SIDE, max_steps=args.max_steps)
        rng = np.random.default_rng(0)
        obs, _ = env.reset(seed=0)
        count = 0
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            if not env.agents:
                obs, _ = env.reset()
            agents = env.agents
            masks = np.array([obs[a]["action_mask"] for a in agents])
            acts = np.argmax(masks * rng.random(masks.shape), axis=1)  # a random legal action each
            count += len(agents)
            actions = dict(zip(agents, acts.tolist()))
            if record is not None:  # untimed pass: the workload for the reference to replay
                record.append((env.match_seed, [actions.get(a, 0) for a in env.possible_agents], len(agents),
                               env.sim.hp[0].tolist()))
            obs, *_ = env.step(actions)
        return count, time.perf_counter() - w0, time.process_time() - c0, env

    face_workload: list = []
    last_env = run_face(record=face_workload)[3]
    face_final = (last_env.sim.hp[0].tolist(), int(last_env.sim.t[0]))

    def replay_reference_on_face_actions():
        """The per-agent loop on exactly the ParallelEnv's workload (its random actions, its matches)."""
        starts = {seed: core.reset(params, SIDE, SIDE, [seed]) for seed, *_ in face_workload}
        sims = {seed: ReferenceSkirmish.from_core(params, st, 0) for seed, st in starts.items()}
        count = sum(live for _, _, live, _ in face_workload)
        w0, c0 = time.perf_counter(), time.process_time()
        for seed, acts, _, _ in face_workload:
            sims[seed].step(acts)
        return count, time.perf_counter() - w0, time.process_time() - c0, sims

    # same actions, same rules: same states, step by step
    check = {seed: ReferenceSkirmish.from_core(params, core.reset(params, SIDE, SIDE, [seed]), 0)
             for seed, *_ in face_workload}
    for seed, acts, _, hp in face_workload:
        assert [u.hp for u in check[seed].units] == hp, f"match {seed} differs"
        check[seed].step(acts)
    assert [u.hp for u in check[face_workload[-1][0]].units] == face_final[0], "last match differs"

    def run_vector(steps: int = 2 * args.max_steps):  # every skirmish restarts at least once
        venv = skirmish_v0.vector_env(args.envs, ruleset=ruleset, blue=SIDE, red=SIDE, max_steps=args.max_steps)
        rng = np.random.default_rng(0)
        obs, _ = venv.reset(seed=0)
        count = 0
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):  # finished skirmishes restart inside step(), and that time counts
            mask = obs["action_mask"]
            acts = np.argmax(mask * rng.random(mask.shape, dtype=np.float32), axis=1)
            count += int(venv.in_play.sum())
            obs, *_ = venv.step(acts)
        return count, time.perf_counter() - w0, time.process_time() - c0, None

    run_vector(10)  # warm-up
    # Repeats are interleaved (one run of each row per round), so a burst of load from other jobs
    # on this shared machine falls on every row alike and the same-run ratios stay fair.
    core_runs, obs_runs, ref_runs, face_runs, ref_face_runs, vector_runs = [], [], [], [], [], []
    for _ in range(args.repeats):
        core_runs.append(replay_core(False))
        obs_runs.append(replay_core(True))
        ref_runs.append(replay_reference())
        face_runs.append(run_face())
        ref_face_runs.append(replay_reference_on_face_actions())
        vector_runs.append(run_vector())
    # The same timed reference runs, counted in live agent-steps (what the ParallelEnv counts).
    ref_live_runs = [(ref_live_total, w, cp, sims) for _, w, cp, sims in ref_runs]
    final = core_runs[-1][3]
    for i, b in enumerate(ref_envs):  # same actions, same rules: same outcome
        sim = ref_runs[-1][3][i]
        assert [u.hp for u in sim.units] == final.hp[b].tolist() and sim.t == int(final.t[b]), f"env {b} differs"

    def rates(runs):
        return (statistics.median(c / w for c, w, _, _ in runs), statistics.median(c / cp for c, _, cp, _ in runs))

    rows = [("batched core: step", rates(core_runs)), ("batched core: step + observe", rates(obs_runs)),
            ("PettingZoo ParallelEnv (1 env)", rates(face_runs)),
            (f"vector env ({args.envs} envs, one step call)", rates(vector_runs)),
            ("per-agent loop on the ParallelEnv's actions", rates(ref_face_runs)),
            ("per-agent loop (reference), live agents", rates(ref_live_runs)),
            ("per-agent Python loop (reference)", rates(ref_runs))]
    ref_wall, ref_cpu = rows[-1][1]
    print(f"\n{'implementation':<44}{'agent-steps/s (wall)':>22}{'(CPU time)':>14}{'× ref (wall)':>14}"
          f"{'× ref (CPU)':>13}")
    for name, (wall, cpu) in rows:
        print(f"{name:<44}{wall:>22,.0f}{cpu:>14,.0f}{wall / ref_wall:>14.1f}{cpu / ref_cpu:>13.1f}")
    core_wall, core_cpu = rows[0][1]
    print(f"\nmedians of {args.repeats} interleaved runs (reference on {len(ref_envs)} envs); reference "
          f"end states checked equal to the core's. Load average at end: {os.getloadavg()[0]:.2f}")
    print(f"target >= 2,000,000 agent-steps/s: {'met' if core_wall >= 2e6 else 'NOT met'} (wall), "
          f"{'met' if core_cpu >= 2e6 else 'NOT met'} (CPU time); target >= 10× the per-agent loop: "
          f"{'met' if core_wall / ref_wall >= 10 else 'NOT met'} (wall)")
    vec_wall, vec_cpu = rows[3][1]
    def paired(runs, peers):
        """Per-round ratios of agent-steps/s (wall, CPU): each round's runs shared that moment's load."""
        wall = [(c / w) / (pc / pw) for (c, w, _, _), (pc, pw, _, _) in zip(runs, peers)]
        cpu = [(c / cp) / (pc / pcp) for (c, _, cp, _), (pc, _, pcp, _) in zip(runs, peers)]
        return wall, cpu

    def spread(ratios) -> str:
        return f"{statistics.median(ratios):.2f}× (range {min(ratios):.2f}-{max(ratios):.2f})"

    (vs_ref_wall, vs_ref_cpu), (vs_same_wall, vs_same_cpu) = paired(face_runs, ref_runs), paired(face_runs, ref_face_runs)
    vs_live_wall, vs_live_cpu = paired(face_runs, ref_live_runs)
    print(f"ParallelEnv vs the per-agent loop (reference row, every unit slot counted), median of {args.repeats} "
          f"per-round ratios: {spread(vs_ref_wall)} wall, {spread(vs_ref_cpu)} CPU time")
    print(f"ParallelEnv vs the per-agent loop (reference row, live agents counted as the face counts them): "
          f"{spread(vs_live_wall)} wall, {spread(vs_live_cpu)} CPU time")
    print(f"ParallelEnv vs the per-agent loop on the same actions (its random play, end states checked equal): "
          f"{spread(vs_same_wall)} wall, {spread(vs_same_cpu)} CPU time")

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"target ParallelEnv >= 3× the per-agent loop (median per-round ratio): vs the reference row "
          f"{met(statistics.median(vs_ref_wall) >= 3)} (wall), {met(statistics.median(vs_ref_cpu) >= 3)} (CPU time); "
          f"vs the reference row in live agent-steps {met(statistics.median(vs_live_wall) >= 3)} (wall), "
          f"{met(statistics.median(vs_live_cpu) >= 3)} (CPU time); "
          f"vs the loop on the same actions {met(statistics.median(vs_same_wall) >= 3)} (wall), "
          f"{met(statistics.median(vs_same_cpu) >= 3)} (CPU time)")
    print(f"target vector env >= 1,000,000 agent-steps/s: {met(vec_wall >= 1e6)} (wall), {met(vec_cpu >= 1e6)} "
          "(CPU time)")

if __name__ == "__main__":
    main()
