"""Imitation warm start: clone a scripted bot into the PPO network before self-play.

PPO from scratch spends most of a short budget discovering that units should walk towards the
enemy and shoot. Cloning a scripted bot first (behaviour cloning, as AlphaStar starts from human
play) gives the learner a competent start in a minute; PPO then improves on the teacher instead
of rediscovering it. The teacher plays the learner's units in the same slot env (same league
opponents, same training maps); the policy head learns its actions (masked cross-entropy) and the
value head the discounted returns those actions earned, so PPO's first advantages are sensible.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def collect(venv: Any, teacher: str, steps: int, gamma: float) -> dict[str, np.ndarray]:
    """``steps`` slot-steps of the teacher playing the learner's side: obs, masks, actions, returns."""
    n_iter = max(1, steps // venv.num_envs)
    obs = venv.reset()
    o_buf, m_buf, a_buf = [], [], []
    r_buf = np.zeros((n_iter, venv.num_envs), dtype=np.float32)
    d_buf = np.zeros((n_iter, venv.num_envs), dtype=bool)
    live_buf = np.zeros((n_iter, venv.num_envs), dtype=bool)
    for t in range(n_iter):
        acts = venv.teacher_actions(teacher)
        o_buf.append(obs)
        m_buf.append(venv.action_masks().copy())
        a_buf.append(acts)
        live_buf[t] = venv.slot_env >= 0
        obs, rew, done, _ = venv.step(acts)
        r_buf[t], d_buf[t] = rew, done
    ret = np.zeros_like(r_buf)
    g = np.zeros(venv.num_envs, dtype=np.float32)
    for t in range(n_iter - 1, -1, -1):  # the unfinished tail is cut off (a small, short-lived bias)
        g = r_buf[t] + gamma * g * (~d_buf[t])
        ret[t] = g
    keep = live_buf.reshape(-1)
    return {"obs": np.concatenate(o_buf)[keep], "mask": np.concatenate(m_buf)[keep],
            "action": np.concatenate(a_buf)[keep], "return": ret.reshape(-1)[keep]}


def clone(policy: Any, data: dict[str, np.ndarray], epochs: int = 4, batch_size: int = 1024, lr: float = 1e-3,
          seed: int = 0, log: Callable[[str], None] | None = None, cosine: bool = False) -> dict[str, float]:
    """Fit the policy head to the teacher's actions and the value head to its returns.

    Without ``data["return"]`` (replays hold no rewards) only the policy head is fitted.
    ``cosine`` decays the learning rate to 0 over the run (a closer fit when cloning is the end
    product, not a warm start for PPO).
    """
    import torch

    gen = torch.Generator().manual_seed(seed)
    obs = torch.as_tensor(data["obs"], dtype=torch.float32)
    mask = torch.as_tensor(data["mask"], dtype=torch.bool)
    act = torch.as_tensor(data["action"], dtype=torch.int64)
    ret = torch.as_tensor(data["return"], dtype=torch.float32) if "return" in data else None
    opt = torch.optim.Adam(policy.parameters(), lr=lr)
    policy.set_training_mode(True)
    n = len(obs)
    total_steps = epochs * -(-n // batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, total_steps) if cosine else None
    stats = {}
    for ep in range(epochs):
        perm = torch.randperm(n, generator=gen)
        tot_ce = tot_v = correct = 0.0
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            feats = policy.extract_features(obs[idx], policy.pi_features_extractor)
            lat_pi, lat_vf = policy.mlp_extractor(feats)
            logits = policy.action_net(lat_pi).masked_fill(~mask[idx], -1e8)
            ce = torch.nn.functional.cross_entropy(logits, act[idx])
            v_loss = (torch.nn.functional.mse_loss(policy.value_net(lat_vf).squeeze(-1), ret[idx])
                      if ret is not None else torch.zeros(()))
            opt.zero_grad()
            (ce + 0.5 * v_loss).backward()
            opt.step()
            if sched is not None:
                sched.step()
            tot_ce += ce.item() * len(idx)
            tot_v += v_loss.item() * len(idx)
            correct += (logits.argmax(-1) == act[idx]).sum().item()
        stats = {"epoch": ep + 1, "cross_entropy": tot_ce / n, "value_mse": tot_v / n, "agreement": correct / n}
        if log:
            value = f", value mse {stats['value_mse']:.3f}" if ret is not None else ""
            log(f"imitation epoch {ep + 1}/{epochs}: agreement with teacher {stats['agreement']:.1%}{value}")
    policy.set_training_mode(False)
    return stats
