"""A behaviour clone with a memory as a ``Policy``: the learned bot fed its input history.

The network is a plain MaskablePPO (as ``agents.rl_policy.LearnedPolicy``), but its input is the
env's observation plus the last frames and its own previous actions (``agents.clone_input``), kept
here per team from step to step.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from agents.clone_input import CloneInput, InputHistory
from agents.rl_policy import LearnedPolicy, ModelFileError
from envs.core import ObservationSpec


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
        if spec.size != self.layout.obs_size or spec.n_actions != self.n_actions:
            raise ModelFileError(
                f"clone {self.name!r} was trained on observations of size {self.layout.obs_size} and "
                f"{self.n_actions} actions, but this ruleset gives {spec.size} and {spec.n_actions}; "
                "clone replays of this ruleset with `gameai imitate`")

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        super().reset(spec, team, seeds)
        self.history = InputHistory(self.layout)

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.history is None:
            raise RuntimeError(f"{self.name}: call reset(spec, team, seeds) before act()")
        out = super().act(self.history.inputs(obs, mask), mask)
        self.history.taken(out)
        return out
