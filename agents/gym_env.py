"""``gymnasium.make("gameai/Skirmish-v0")``: the Gymnasium face with its opponent given by name.

Registered here rather than in ``envs.gym_face`` because resolving a bot name ("kite",
"ppo", ...) needs the bot registry, and imports point down the layers (envs must not
import agents). Importing this module registers the id::

    import gymnasium, agents.gym_env
    env = gymnasium.make("gameai/Skirmish-v0", opponent="kite", opponent_tier="average")
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym

from envs.gym_face import SkirmishEnv

ENV_ID = "gameai/Skirmish-v0"


def make_skirmish_env(*, opponent: Any = "focus_fire", opponent_tier: str = "expert", **kwargs: Any) -> SkirmishEnv:
    """The learner commands one team; ``opponent`` is a bot name (played at ``opponent_tier``) or a Policy."""
    if isinstance(opponent, str):
        from agents import make_policy

        opponent = make_policy(opponent, opponent_tier)
    return SkirmishEnv(opponent=opponent, **kwargs)


if ENV_ID not in gym.registry:
    gym.register(id=ENV_ID, entry_point="agents.gym_env:make_skirmish_env", max_episode_steps=None)
