"""Training throughput: agent-steps/s through SB3 with parameter sharing, next to SB3 PPO on CartPole-v1.

Run:  .venv/bin/python benchmarks/bench_train.py [--steps 65536] [--repeats 3]

Both sides run ``.learn()`` for the same number of timesteps with the same PPO settings
(the `gameai train` defaults: n_steps, batch size, epochs, network size), on 1 torch thread:

- gameai: MaskablePPO (sb3-contrib) on ``UnitSlotVecEnv`` — 512 slots, each a live unit of the
  learner's team in a pool of skirmishes on generated 32x32 maps, opponents from the league.
  One timestep here is one unit's decision (an agent-step), through the full rollout + update.
- reference: SB3 PPO on CartPole-v1 in a DummyVecEnv of as many envs — SB3's own overhead on an
  environment that costs almost nothing, so the ratio says how close the skirmish pipeline
  (simulation, masks, league opponents, slot bookkeeping) comes to SB3's ceiling.

Figures are medians of ``--repeats`` runs; the machine is shared with other work and noisy, so
single runs swing. Also printed: the share of idle (dead, waiting) slots in the gameai batch.
"""
from __future__ import annotations

import argparse
import statistics
import time

from agents.rl_train import TrainConfig

_CFG = TrainConfig(steps=1, out="unused.zip")  # the `gameai train` defaults
SLOTS = _CFG.n_slots
PPO_KW = dict(n_steps=_CFG.n_steps, batch_size=_CFG.batch_size, n_epochs=_CFG.n_epochs,
              learning_rate=_CFG.learning_rate, device="cpu", verbose=0,
              policy_kwargs={"net_arch": list(_CFG.net_arch)})


def gameai_run(steps: int, seed: int) -> tuple[float, float]:
    from sb3_contrib import MaskablePPO

    from agents.league import League
    from agents.rl_slots import UnitSlotVecEnv
    from envs.ruleset import default_ruleset

    venv = UnitSlotVecEnv(default_ruleset(), League(), SLOTS, map_size=_CFG.map_size, seed=seed)
    model = MaskablePPO("MlpPolicy", venv, seed=seed, **PPO_KW)
    t = time.perf_counter()
    model.learn(steps)
    return model.num_timesteps / (time.perf_counter() - t), venv.idle_fraction


def cartpole_run(steps: int, seed: int) -> float:
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    venv = make_vec_env("CartPole-v1", n_envs=SLOTS, seed=seed)
    model = PPO("MlpPolicy", venv, seed=seed, **PPO_KW)
    t = time.perf_counter()
    model.learn(steps)
    return model.num_timesteps / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=4 * SLOTS * PPO_KW["n_steps"], help="timesteps per run")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from agents.rl_policy import set_torch_threads

    set_torch_threads()
    import pcg

    pcg.skirmish_map(0)  # load compiled kernels before timing
    gameai_run(SLOTS * PPO_KW["n_steps"], 99)  # warm-up: numba caches, torch init
    ours, idle, ref = [], [], []
    for r in range(args.repeats):  # interleaved, so both sides see the same machine load
        sps, idle_frac = gameai_run(args.steps, r)
        ours.append(sps)
        idle.append(idle_frac)
        ref.append(cartpole_run(args.steps, r))
        print(f"run {r + 1}: gameai {sps:,.0f} agent-steps/s   CartPole PPO {ref[-1]:,.0f} steps/s", flush=True)
    o, c = statistics.median(ours), statistics.median(ref)
    print(f"\nmedian of {args.repeats} runs, {args.steps:,} timesteps each, {SLOTS} slots/envs, 1 torch thread")
    print(f"  gameai MaskablePPO, parameter sharing : {o:10,.0f} agent-steps/s  (idle slots {statistics.median(idle):.1%})")
    print(f"  SB3 PPO, CartPole-v1 (reference)      : {c:10,.0f} steps/s")
    print(f"  ratio gameai / CartPole               : {o / c:10.2f}x")


if __name__ == "__main__":
    main()
