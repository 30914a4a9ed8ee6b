"""``gymnasium.make("gameai/Skirmish-v0")``: the Gymnasium face with its opponent given by name.

Gymnasium 1.x finds third-party environments only in modules that have been imported (it dropped
the entry-point plugin loader of 0.26-0.29), so name this module in the id, which makes Gymnasium
import it first, or import it yourself::

    import gymnasium
    env = gymnasium.make("agents.gym_env:gameai/Skirmish-v0", opponent="kite", opponent_tier="average")

    import agents.gym_env                     # registers the id
    env = gymnasium.make("gameai/Skirmish-v0")

Registered here rather than in ``envs.gym_face`` because resolving a bot name ("kite", "ppo", ...)
needs the bot registry, and imports point down the layers (envs must not import agents). The id
is registered by its string entry point, so importing this module loads neither the core's
kernels nor the bots; they load when an environment is made.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envs.gym_face import SkirmishEnv

ENV_ID = "gameai/Skirmish-v0"


def make_skirmish_env(*, opponent: Any = "focus_fire", opponent_tier: str = "expert", **kwargs: Any) -> "SkirmishEnv":
    """The learner commands one team; ``opponent`` is a bot name (played at ``opponent_tier``) or a Policy."""
    from envs.gym_face import SkirmishEnv

    if isinstance(opponent, str):
        from agents import make_policy

        opponent = make_policy(opponent, opponent_tier)
    return SkirmishEnv(opponent=opponent, **kwargs)


def register_envs() -> None:
    """Register ``gameai/Skirmish-v0`` with Gymnasium (idempotent)."""
    from gymnasium.envs.registration import register, registry

    if ENV_ID not in registry:
        register(id=ENV_ID, entry_point=f"{__name__}:make_skirmish_env")


register_envs()
