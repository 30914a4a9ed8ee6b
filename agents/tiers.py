"""Skill tiers: the same strategy played by a novice, an average or an expert player.

A tier wraps any ``Policy`` with three human limits, so balance results can be reported per
skill level:

- **reaction delay**: decisions are made on what the player saw ``reaction_delay`` steps ago; a
  decision no longer allowed now (target moved out of range, cell taken) becomes hold;
- **decision noise**: with probability ``noise`` a unit does a random valid action instead;
- **APM cap**: the team may change at most ``apm`` unit orders per minute of game time
  (``agents.order_budget``); a unit without a fresh order keeps its last one.

All randomness is drawn per environment from (match seed, team, policy seed), so a match plays
the same whatever else is in the batch.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from agents.order_budget import OrderBudget, kept_actions
from agents.policy import Policy, env_generators, random_valid
from envs.spec import ObservationSpec


@dataclass(frozen=True)
class SkillTier:
    name: str
    reaction_delay: int      # steps (one step is STEP_SECONDS of game time)
    noise: float             # probability of a random valid action per unit per step
    apm: float | None        # order changes per minute for the whole team; None = unlimited


TIERS: dict[str, SkillTier] = {
    "novice": SkillTier("novice", reaction_delay=3, noise=0.25, apm=120.0),
    "average": SkillTier("average", reaction_delay=1, noise=0.08, apm=300.0),
    "expert": SkillTier("expert", reaction_delay=0, noise=0.0, apm=None),
}


def get_tier(tier: str | SkillTier) -> SkillTier:
    """A tier by name, or from a tier file when the name ends in ``.toml`` (``agents.tier_file``)."""
    if isinstance(tier, SkillTier):
        return tier
    if isinstance(tier, str) and tier.endswith(".toml"):
        from agents.tier_file import load_tier_file

        return load_tier_file(tier)
    if tier not in TIERS:
        raise ValueError(f"unknown skill tier {tier!r}; available tiers: {', '.join(TIERS)} "
                         "(or a tier file, NAME.toml, from `gameai calibrate`)")
    return TIERS[tier]


class TieredPolicy:
    """``base`` played with the limits of ``tier``."""

    def __init__(self, base: Policy, tier: str | SkillTier = "expert", seed: int = 0):
        self.base = base
        self.tier = get_tier(tier)
        self.seed = int(seed)
        self.name = f"{getattr(base, 'name', type(base).__name__)}@{self.tier.name}"

    @property
    def obs_layout(self) -> int:
        """The observation layout the base bot reads (learned bots may need a newer one than layout 1)."""
        return getattr(self.base, "obs_layout", 1)

    def reset(self, spec: ObservationSpec, team: int, seeds: Sequence[int]) -> None:
        self.base.reset(spec, team, seeds)
        # a separate stream from the base policy's: SeedSequence entropy (seed, team, policy seed + 1)
        self.rngs = env_generators(seeds, team, self.seed + 1)
        self.history: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=self.tier.reaction_delay + 1)
        self.prev: np.ndarray | None = None
        self.budget = OrderBudget(self.tier.apm, len(seeds)) if self.tier.apm is not None else None

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        seen_obs, seen_mask = self.seen(obs, mask)
        return self.limit(self.base.act(seen_obs, seen_mask), obs, mask)

    # act() in two halves around the base policy's decision, so that agents.learned_batch can
    # decide for both teams in one forward pass.
    def seen(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What the player decides on: the observation and mask of ``reaction_delay`` steps ago."""
        self.history.append((obs.copy(), mask.copy()) if self.tier.reaction_delay else (obs, mask))
        return self.history[0]

    def limit(self, intent: np.ndarray, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The base policy's ``intent`` as this tier plays it now: invalid orders hold, noise, APM cap."""
        tier = self.tier
        intent = np.asarray(intent, dtype=np.int64)
        ok = np.take_along_axis(mask, intent[..., None], -1)[..., 0] > 0
        intent = np.where(ok, intent, 0)
        if tier.noise > 0:
            draws = np.stack([g.random(mask.shape[1]) for g in self.rngs])
            intent = np.where(draws < tier.noise, random_valid(mask, self.rngs), intent)
        if self.budget is not None:
            intent = self._cap(intent, obs, mask)
        self.prev = intent
        return intent

    def _cap(self, intent: np.ndarray, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        prev = self.prev if self.prev is not None else np.zeros_like(intent)
        return self.budget.grant(intent, kept_actions(prev, mask), obs[..., 0] > 0)
