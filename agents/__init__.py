"""Bots: scripted (with skill tiers), SB3-trained policies, self-play, ratings.

``make_policy`` and the arena are loaded on first use, so ``import agents`` stays light.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.policy import Policy


def make_policy(name: str, tier: str = "expert", seed: int = 0) -> "Policy":
    """A scripted bot from ``agents.scripted.BOTS`` played at a skill tier from ``agents.tiers.TIERS``,
    or a shipped learned bot from ``agents.pretrained.LEARNED_BOTS`` (e.g. "ppo", tiers in ``agents.rl_tiers``),
    or a model file from ``gameai train`` (a path ending in ``.zip``), played at the learned tiers.

    ``seed`` is mixed into every per-environment random stream (noise, random bot), so two bots
    of the same kind can be made to differ; results still depend only on each match's seed.
    """
    from agents.pretrained import LEARNED_BOTS, is_model_file

    if name in LEARNED_BOTS:  # learned bots (agents/pretrained) play their own tiers: see agents.rl_tiers
        from agents.rl_tiers import make_learned

        return make_learned(name, tier, seed)
    if is_model_file(name):  # a model a designer trained (`gameai train --out X.zip`), played like a shipped one
        from agents.rl_tiers import get_learned_tier, learned_policy

        get_learned_tier(tier)
        return learned_policy(name, tier, seed, name=name)
    from agents.scripted import base_policy
    from agents.tiers import TieredPolicy, get_tier

    tier_obj = get_tier(tier)  # validate before building
    return TieredPolicy(base_policy(name, seed), tier_obj, seed)


def __getattr__(name: str):
    if name == "run_matches":
        from agents.arena import run_matches

        return run_matches
    if name == "BOTS":
        from agents.scripted import BOTS

        return BOTS
    if name == "ALL_BOTS":  # scripted + learned: every name make_policy accepts
        from agents.pretrained import LEARNED_BOTS
        from agents.scripted import BOTS

        return {**BOTS, **{k: v[1] for k, v in LEARNED_BOTS.items()}}
    raise AttributeError(f"module 'agents' has no attribute {name!r}")
