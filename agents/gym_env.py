"""``gymnasium.make("gameai/Skirmish-v0")``: the Gymnasium face with its opponent given by name.

After ``pip install`` (wheel or editable) the id is there with nothing imported but Gymnasium::

    import gymnasium
    env = gymnasium.make("gameai/Skirmish-v0", opponent="kite", opponent_tier="average")

Gymnasium 1.x has no entry-point plugin loader, so the install puts ``_gameai_gym_hook.pth`` in
site-packages: it registers the id, by the string entry point below, when Gymnasium finishes
importing (``_gameai_gym_hook.py``). From a checkout that was not installed, name this module in
the id, which makes Gymnasium import it, or import it (it registers through the same function)::

    env = gymnasium.make("agents.gym_env:gameai/Skirmish-v0")
    import agents.gym_env                     # registers the id

Registered here rather than in ``envs.gym_face`` because resolving a bot name ("kite", "ppo", ...)
needs the bot registry, and imports point down the layers (envs must not import agents). The id
is registered by its string entry point, so importing this module loads neither the core's
kernels nor the bots; they load when an environment is made.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envs.gym_face import SkirmishEnv

from _gameai_gym_hook import ENTRY_POINT, ENV_ID, register as _register  # noqa: F401  (the id's one home)


def make_skirmish_env(*, opponent: Any = "focus_fire", opponent_tier: str = "expert", **kwargs: Any) -> "SkirmishEnv":
    """The learner commands one team; ``opponent`` is a bot name (played at ``opponent_tier``) or a Policy."""
    from envs.gym_face import SkirmishEnv

    if isinstance(opponent, str):
        from agents import make_policy

        opponent = make_policy(opponent, opponent_tier)
    return SkirmishEnv(opponent=opponent, **kwargs)


def register_envs() -> None:
    """Register ``gameai/Skirmish-v0`` with Gymnasium (idempotent: no re-register, so no Gymnasium warning)."""
    _register()


register_envs()
