"""A behaviour clone with a memory as a ``Policy``: the learned bot fed its input history.

The network is a plain MaskablePPO (as ``agents.rl_policy.LearnedPolicy``), but its input is the
env's observation plus the last frames and its own previous actions (``agents.clone_input``), kept
here per team from step to step.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from agents.clone_input import CloneInput, InputHistory
from agents.clone_recurrent import RecurrentHistory
from agents.order_budget import OrderBudget, kept_actions
from agents.rl_policy import LearnedPolicy, ModelFileError
from envs.core import ObservationSpec


def check_clone_spec(name: str, obs_size: int, n_actions: int, spec: ObservationSpec) -> None:
    """A clone plays only observations of the layout it was trained on."""
    if spec.size != obs_size or spec.n_actions != n_actions:
        raise ModelFileError(
            f"clone {name!r} was trained on observations of size {obs_size} and {n_actions} actions, but this "
            f"ruleset gives {spec.size} and {spec.n_actions}; clone replays of this ruleset with `gameai imitate`")


class HistoryClonePolicy(LearnedPolicy):
    def __init__(self, model: Any, layout: CloneInput, temperature: float = 0.0, seed: int = 0, name: str = "clone"):
        super().__init__(model, temperature=temperature, seed=seed, name=name)
        if layout.size != self.obs_size or layout.n_actions != self.n_actions:
            raise ModelFileError(f"clone {name!r}: its network takes {self.obs_size} inputs and {self.n_actions} "
                                 f"actions, but its layout entry says {layout.size} and {layout.n_actions}; the "
                                 "file is damaged, make it again with `gameai imitate`")
        self.layout = layout
        self.history: InputHistory | None = None

    def check_spec(self, spec: ObservationSpec) -> None:
        check_clone_spec(self.name, self.layout.obs_size, self.n_actions, spec)

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        super().reset(spec, team, seeds)
        self.history = InputHistory(self.layout)

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.history is None:
            raise RuntimeError(f"{self.name}: call reset(spec, team, seeds) before act()")
        out = super().act(self.history.inputs(obs, mask), mask)
        self.history.taken(out)
        return out


class RecurrentClonePolicy(LearnedPolicy):
    """A recurrent clone (clone format 4) as a ``Policy``: one GRU step per unit per step, its state kept here.

    Each unit's hidden state starts from zero when the clone starts playing (``reset``): at the start
    of a match, or at a takeover mid-match, where the clone has not seen the earlier steps; its one-step
    memory (last observation and action) starts as at a match's first step. A clone with an order
    budget (its player's, ``agents.order_budget``) plays its choices at that pace: a unit whose new
    order finds no token keeps its last one, and the clone remembers what it really did."""

    def __init__(self, model: Any, entry: Any, temperature: float = 0.0, seed: int = 0, name: str = "clone"):
        super().__init__(model, temperature=temperature, seed=seed, name=name)
        layout = entry.layout
        if layout.size + entry.hidden != self.obs_size or layout.n_actions != self.n_actions:
            raise ModelFileError(f"clone {name!r}: its network takes {self.obs_size} inputs and {self.n_actions} "
                                 f"actions, but its recurrent entry says {layout.size} + {entry.hidden} and "
                                 f"{layout.n_actions}; the file is damaged, make it again with `gameai imitate`")
        self.layout = layout
        self.hidden = entry.hidden
        self.apm = entry.apm
        self.history: RecurrentHistory | None = None
        self.state: np.ndarray | None = None
        self.budget: OrderBudget | None = None
        self.last: np.ndarray | None = None

    def check_spec(self, spec: ObservationSpec) -> None:
        check_clone_spec(self.name, self.layout.obs_size, self.n_actions, spec)

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        super().reset(spec, team, seeds)
        self.history = RecurrentHistory(self.layout)
        self.state = None
        self.budget = OrderBudget(self.apm, len(seeds)) if self.apm is not None else None
        self.last = None

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.history is None:
            raise RuntimeError(f"{self.name}: call reset(spec, team, seeds) before act()")
        if self.state is None:
            self.state = np.zeros(obs.shape[:-1] + (self.hidden,), np.float32)
        rows = self.history.inputs(obs, mask)
        live, gumbel = self.prepare(mask)
        logits = None
        if live.any():
            logits, self.state[live] = recurrent_step(self.policy, rows[live], self.state[live], mask[live])
        out = self.pick(logits, live, gumbel)
        if self.budget is not None:
            last = self.last if self.last is not None else np.zeros_like(out)
            out = self.last = self.budget.grant(out, kept_actions(last, mask), obs[..., 0] > 0)
        self.history.taken(out)
        return out


def recurrent_step(policy: Any, rows: np.ndarray, state: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(masked logits (N, A), new states (N, H)) of a format-4 clone's model for N units' input rows and states.

    Rows go through in blocks of ``FORWARD_BLOCK`` (the last padded), as ``masked_logits`` does, so a
    unit's result never depends on how many other units share the pass."""
    import torch

    from agents.rl_policy import FORWARD_BLOCK

    n, a_n = len(rows), mask.shape[-1]
    padded = max(-(-n // FORWARD_BLOCK), 1) * FORWARD_BLOCK
    x = torch.zeros((padded, rows.shape[-1] + state.shape[-1]), dtype=torch.float32)
    x[:n] = torch.as_tensor(np.concatenate([rows, state], -1), dtype=torch.float32)
    with torch.no_grad():
        out = torch.cat([policy.features_extractor(b) for b in x.split(FORWARD_BLOCK)])[:n].numpy()
    logits = out[:, :a_n].astype(np.float64)
    return np.where(mask > 0, logits, -np.inf), out[:, a_n:].astype(np.float32)
