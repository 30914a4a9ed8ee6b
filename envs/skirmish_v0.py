"""The skirmish as PettingZoo publishes environments: a versioned module with ``env``, ``parallel_env``, ``raw_env``.

    from envs import skirmish_v0
    penv = skirmish_v0.parallel_env(max_steps=200)   # ParallelEnv: every unit an agent
    aec = skirmish_v0.env()                          # AEC form, with PettingZoo's usual checks
    venv = skirmish_v0.vector_env(64)                # 64 skirmishes, one row per unit, one step call

The version in the name changes whenever a change to the rules' code or the observation layout
would make results differ, so results recorded against ``skirmish_v0`` stay comparable.
Keyword arguments are those of ``envs.pettingzoo_face.SkirmishParallelEnv`` (ruleset, blue, red,
terrain, max_steps, k, rewards, render_mode).
"""
from __future__ import annotations

from typing import Any

from pettingzoo.utils.conversions import parallel_to_aec_wrapper
from pettingzoo.utils.wrappers import AssertOutOfBoundsWrapper, OrderEnforcingWrapper

from envs.pettingzoo_face import SkirmishParallelEnv
from envs.vector_face import SkirmishVectorEnv


def parallel_env(**kwargs: Any) -> SkirmishParallelEnv:
    """The ParallelEnv: all agents act at once."""
    return SkirmishParallelEnv(**kwargs)


def raw_env(**kwargs: Any):
    """The AEC form without wrappers (agents act one after another; the step resolves when all have acted)."""
    return parallel_to_aec_wrapper(SkirmishParallelEnv(**kwargs))


def env(**kwargs: Any):
    """The AEC form with PettingZoo's standard wrappers: actions checked against the space, call order enforced."""
    return OrderEnforcingWrapper(AssertOutOfBoundsWrapper(raw_env(**kwargs)))


def vector_env(num_skirmishes: int = 64, **kwargs: Any) -> SkirmishVectorEnv:
    """``num_skirmishes`` skirmishes stepped together, every unit one row (see ``envs.vector_face``)."""
    return SkirmishVectorEnv(num_skirmishes, **kwargs)


__all__ = ["env", "parallel_env", "raw_env", "vector_env"]
