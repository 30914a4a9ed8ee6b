"""Skill tiers for learned bots: one trained network played as a novice, average or expert.

A learned bot's tier sets how it picks among its network's action preferences (sampling
temperature: 0 = always its best move, higher = looser play) and the human limits shared with the
scripted bots (``agents.tiers``): reaction delay and an APM cap. Decision noise is left at 0
here because temperature already plays that role, in a way that keeps "good" mistakes likelier
than absurd ones. The tier names match ``agents.tiers.TIERS``, so a sweep can ask for any bot at
"novice", "average" or "expert".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from agents.tiers import SkillTier, TieredPolicy


@dataclass(frozen=True)
class LearnedTier:
    name: str
    temperature: float
    limits: SkillTier  # reaction delay and APM (noise 0)


LEARNED_TIERS: dict[str, LearnedTier] = {
    "novice": LearnedTier("novice", 1.5, SkillTier("novice", reaction_delay=3, noise=0.0, apm=120.0)),
    "average": LearnedTier("average", 0.7, SkillTier("average", reaction_delay=1, noise=0.0, apm=300.0)),
    "expert": LearnedTier("expert", 0.0, SkillTier("expert", reaction_delay=0, noise=0.0, apm=None)),
}


def get_learned_tier(tier: str) -> LearnedTier:
    if tier not in LEARNED_TIERS:
        raise ValueError(f"unknown skill tier {tier!r}; available tiers: {', '.join(LEARNED_TIERS)}")
    return LEARNED_TIERS[tier]


@lru_cache(maxsize=8)
def _cached_model(path: str, mtime: float) -> tuple[Any, Any]:
    """(model, clone input layout or None, the clone's play temperature): a version-2 or -3 clone
    (``agents.clone_file``) reads a history, a version-4 one keeps a recurrent state."""
    from agents.clone_file import read_clone_entry
    from agents.rl_policy import load_model

    return (load_model(path), *read_clone_entry(path))


def learned_policy(model: Any, tier: "str | LearnedTier" = "expert", seed: int = 0, name: str = "ppo",
                   temperature: float | None = None) -> TieredPolicy:
    """A trained model (object or .zip path) as a ``Policy`` at a skill tier.

    ``temperature`` replaces the tier's (0 = its best move, 1 = a sample from its action
    distribution: a behaviour clone then makes its player's slips as often as they did). A clone
    played plainly (tier "expert", no ``temperature``) plays at the temperature its file gives.

    Models loaded from a path are cached per process (read-only at play time), so building many
    bots for a sweep loads the file once.
    """
    from agents.clone_file import RecurrentEntry
    from agents.clone_policy import HistoryClonePolicy, RecurrentClonePolicy
    from agents.rl_policy import LearnedPolicy

    t = tier if isinstance(tier, LearnedTier) else get_learned_tier(tier)
    if temperature is not None:
        t = LearnedTier(t.name, float(temperature), t.limits)
    if isinstance(model, (str, os.PathLike)):
        from agents.rl_policy import ModelFileError

        path = os.fspath(model)
        if not os.path.isfile(path):
            raise ModelFileError(f"model file {path} does not exist; train one with `gameai train --out {path}`")
        model, layout, own_temperature = _cached_model(os.path.abspath(path), os.path.getmtime(path))
        if layout is not None:
            if temperature is None and t.name == "expert":
                t = LearnedTier(t.name, own_temperature, t.limits)
            player = RecurrentClonePolicy if isinstance(layout, RecurrentEntry) else HistoryClonePolicy
            return TieredPolicy(player(model, layout, t.temperature, seed, name), t.limits, seed)
    base = LearnedPolicy(model, temperature=t.temperature, seed=seed, name=name)
    return TieredPolicy(base, t.limits, seed)


def make_learned(name: str, tier: str = "expert", seed: int = 0) -> TieredPolicy:
    """A shipped learned bot (``agents.pretrained.LEARNED_BOTS``) at a skill tier."""
    from agents.pretrained import model_path

    get_learned_tier(tier)
    return learned_policy(model_path(name), tier, seed, name=name)
