"""Both teams played by one learned network: one forward pass per step for every live unit of
every environment in the batch.

A balance sweep plays a learned bot against itself (``bots = ["ppo"]``), a whole work unit of
matches as one batch. Each team's policy would run its own pass over its own units; here the
two teams' live units go through the network together, then each team picks its actions from
its rows with its own per-environment random streams, exactly as it would alone. The result is
the same as two separate passes, bit for bit (``masked_logits`` gives each row the same logits
whatever shares its pass), so this is purely a saving of work.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def _learned_parts(pol: Any) -> tuple[Any, Any] | None:
    """(tier wrapper or None, LearnedPolicy) if ``pol`` is a learned bot, else None."""
    from agents.rl_policy import LearnedPolicy
    from agents.tiers import TieredPolicy

    def plain(p: Any) -> bool:
        # a clone with a memory (agents.clone_policy) builds its own input in act(): it cannot share the pass
        return isinstance(p, LearnedPolicy) and type(p).act is LearnedPolicy.act

    if plain(pol):
        return None, pol
    if isinstance(pol, TieredPolicy) and plain(pol.base):
        return pol, pol.base
    return None


class SharedForward:
    """Acts for several teams whose learned policies share one network (see ``pair``)."""

    def __init__(self, parts: Sequence[tuple[Any, Any]]):
        self.tiers = [t for t, _ in parts]
        self.learned = [lp for _, lp in parts]
        self.network = self.learned[0].policy

    @classmethod
    def pair(cls, *policies: Any) -> "SharedForward | None":
        """A shared pass for these policies, or None unless all are learned bots on the same network."""
        parts = [_learned_parts(p) for p in policies]
        if any(p is None for p in parts) or len({id(lp.policy) for _, lp in parts}) != 1:
            return None
        return cls(parts)

    def act(self, obs: Sequence[np.ndarray], mask: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Each team's (B, U_team) actions from its (B, U_team, D) observations and masks."""
        from agents.rl_policy import masked_logits

        seen = [tier.seen(o, m) if tier is not None else (o, m) for tier, o, m in zip(self.tiers, obs, mask)]
        prepared = [lp.prepare(m_seen) for lp, (_, m_seen) in zip(self.learned, seen)]
        rows_obs = [o_seen[live] for (o_seen, _), (live, _) in zip(seen, prepared)]
        rows_mask = [m_seen[live] for (_, m_seen), (live, _) in zip(seen, prepared)]
        counts = [len(r) for r in rows_obs]
        logits = masked_logits(self.network, np.concatenate(rows_obs), np.concatenate(rows_mask)) \
            if sum(counts) else np.zeros((0, mask[0].shape[-1]))
        out = []
        for tier, lp, (live, gumbel), team_logits, o, m in zip(
                self.tiers, self.learned, prepared, np.split(logits, np.cumsum(counts)[:-1]), obs, mask):
            intent = lp.pick(team_logits, live, gumbel)
            out.append(tier.limit(intent, o, m) if tier is not None else intent)
        return out
