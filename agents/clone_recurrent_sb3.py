"""The recurrent clone as a MaskablePPO model, so that its file is an ordinary SB3 ``.zip``.

MaskablePPO has no recurrent policies, so the recurrent state travels in the observation: the
model's input is one step's input row (``agents.clone_recurrent.RecurrentInput``) followed by the
unit's hidden state, and its features extractor runs one GRU step and returns the action logits
followed by the new hidden state. The action head passes the logits through; the player
(``agents.clone_policy.RecurrentClonePolicy``) keeps the new state for the next step. Loaded with
``MaskablePPO.load`` the model is a stateless step function: give it the state, get the next one.
This module imports torch and SB3 at import time; it is only imported to build or load such a clone.
"""
from __future__ import annotations

import torch
from gymnasium import spaces
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

from agents.clone_recurrent import RecurrentInput, build_net


class RecurrentStepExtractor(BaseFeaturesExtractor):
    """[input row, hidden state] -> [action logits, new hidden state]: one step of the recurrent clone."""

    def __init__(self, observation_space: spaces.Box, layout: dict, hidden: int, width: int):
        self.layout = RecurrentInput(**layout)
        super().__init__(observation_space, features_dim=self.layout.n_actions + hidden)
        if observation_space.shape != (self.layout.size + hidden,):
            raise ValueError(f"a recurrent clone of input size {self.layout.size} and {hidden} hidden units takes "
                             f"{self.layout.size + hidden} numbers, not {observation_space.shape}")
        self.hidden = hidden
        self.net = build_net(self.layout, hidden, width)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        size = self.layout.size
        logits, h = self.net.step(obs[:, :size], obs[:, size:size + self.hidden])
        return torch.cat([logits, h], -1)


class _Logits(torch.nn.Module):
    """The action head: the logits the extractor computed (its first ``n`` features)."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features[..., :self.n]


class RecurrentClonePolicyNet(MaskableActorCriticPolicy):
    """A maskable actor-critic whose extractor is one recurrent step and whose action head passes its logits on."""

    def _build(self, lr_schedule) -> None:
        super()._build(lr_schedule)
        self.action_net = _Logits(int(self.action_space.n))
