"""Domain-randomised training throughput next to fixed-ruleset training, measured in the same run.

Run:  PYTHONPATH=. python benchmarks/bench_randomize.py [--steps 32768] [--repeats 3]

Both run MaskablePPO ``.learn()`` with the `gameai train` defaults (512 slots, 32x32 generated
maps, the scripted league) on 1 torch thread:

- fixed: one ``UnitSlotVecEnv`` on the default ruleset and teams (observation layout 1, as `ppo`);
- fixed v2: the same in observation layout 2 (the cost of the stats section alone);
- randomised: ``SlotGroupsVecEnv`` of 8 groups of 64 slots, each drawing a ruleset
  (``RuleDraws.default``: stats ×0.5–×2) and random armies every 32 matches (`--randomize default`).

Figures are medians of ``--repeats`` interleaved runs (the machine is shared and noisy), with
ratios to fixed; idle = share of slot-steps with no live unit (waiting for a match or a draw).
"""
from __future__ import annotations

import argparse
import statistics
import time

from agents.rl_train import TrainConfig

_CFG = TrainConfig(steps=1, out="unused.zip")


def run(kind: str, steps: int, seed: int) -> tuple[float, float]:
    import torch
    from sb3_contrib import MaskablePPO

    from agents.league import League
    from agents.rl_randomize import RuleDraws, fingerprint
    from agents.rl_train import _make_venv
    from envs.ruleset import default_ruleset

    r = default_ruleset()
    draws = RuleDraws.default(r) if kind == "randomised" else None
    cfg = TrainConfig(steps=steps, out="unused.zip", obs_layout=1 if kind == "fixed" else 2,
                      randomize=fingerprint(draws))
    venv = _make_venv(cfg, r, League(), seed, draws)
    torch.manual_seed(seed)
    model = MaskablePPO("MlpPolicy", venv, n_steps=cfg.n_steps, batch_size=cfg.batch_size, n_epochs=cfg.n_epochs,
                        learning_rate=cfg.learning_rate, seed=seed, device="cpu", verbose=0,
                        policy_kwargs={"net_arch": list(cfg.net_arch)})
    t = time.perf_counter()
    model.learn(steps)
    return model.num_timesteps / (time.perf_counter() - t), venv.idle_fraction


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=2 * _CFG.n_slots * _CFG.n_steps)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from agents.rl_policy import set_torch_threads

    set_torch_threads()
    kinds = ("fixed", "fixed v2", "randomised")
    for k in kinds:
        run(k, _CFG.n_slots * _CFG.n_steps, 99)  # warm-up: numba caches, torch init
    sps = {k: [] for k in kinds}
    idle = {k: [] for k in kinds}
    for rep in range(args.repeats):  # interleaved, so all kinds see the same machine load
        for k in kinds:
            s, i = run(k, args.steps, rep)
            sps[k].append(s)
            idle[k].append(i)
        print(f"run {rep + 1}: " + "   ".join(f"{k} {sps[k][-1]:,.0f}/s" for k in kinds), flush=True)
    base = statistics.median(sps["fixed"])
    print(f"\nmedian of {args.repeats} runs, {args.steps:,} agent-steps each, {_CFG.n_slots} slots, 1 torch thread")
    for k in kinds:
        m = statistics.median(sps[k])
        print(f"  {k:<11} {m:9,.0f} agent-steps/s  ×{m / base:.2f} of fixed   idle slots {statistics.median(idle[k]):.1%}")


if __name__ == "__main__":
    main()
