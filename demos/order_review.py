"""Teaching mode: the squad judges each of the player's orders before carrying it out.

Judging (``agents.order_judge``: short Monte Carlo rollouts, ~0.15 s of CPU, 2-3 s the first time)
runs on a worker thread, so frames keep drawing and taking input meanwhile. The order is held
*pending* (a marker on the map) and is applied, or not, at a fixed game step: ``JUDGE_STEPS``
after the step it was given on. That keeps a match deterministic — the same orders on the same
steps play the same match however fast the machine is — at the price that, if a verdict is still
out at its step, the battle waits for it (the frame loop does not). Carrying an order out at once
and retracting it on refusal would let the units act on an order the squad rejects, and where the
retraction lands would depend on the machine's speed.

The judge never sees the live state: the order is judged on a copy taken on the main thread when
it is given (``core.select`` copies), and on a copy of the standing orders.
"""
from __future__ import annotations

import copy
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

#: Game steps (0.5 s each) between giving an order and carrying it out, when the squad judges it.
JUDGE_STEPS = 2
#: The enemy model when the opponent is not a scripted bot at a named tier (adaptive, learned).
DEFAULT_ENEMY = ("focus_fire", "average")


@dataclass
class PendingOrder:
    units: list[int]
    kind: str
    cell: tuple[int, int] | None
    target: int | None
    due_step: int
    where: tuple[int, int] | None  # where the marker is drawn
    future: Future


def enemy_model(opponent_name: str) -> tuple[str, str]:
    """(bot, tier) the judge plays the opponent as: the opponent itself when it is a scripted bot at a tier."""
    from agents.scripted import BOTS
    from agents.tiers import TIERS

    bot, _, tier = opponent_name.partition("@")
    return (bot, tier) if bot in BOTS and tier in TIERS else DEFAULT_ENEMY


class OrderReview:
    """The squad's judge for one played match (blue, team 0); ``close()`` when the match is left."""

    def __init__(self, params, opponent_name: str, seed: int):
        from agents.order_judge import HOLD_GROUND, OrderJudge

        bot, tier = enemy_model(opponent_name)
        # The player's idle units hold their ground (HoldGroundPolicy), so that is the default plan.
        self.judge = OrderJudge(params, team=0, ally_bot=HOLD_GROUND, enemy_bot=bot, enemy_tier=tier, seed=seed)
        self.enemy = f"{bot}@{tier}"
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="order-judge")
        self.pending: list[PendingOrder] = []

    def warm_up(self, state, standing) -> None:
        """Judge a throwaway order now, so the kernels are loaded before the player's first order."""
        living = [int(u) for u in (state.team[0] == 0).nonzero()[0] if state.alive[0, u]]
        if living:
            self._submit(state, standing, living[:1], "hold", None, None)

    def submit(self, state, standing, units, kind, cell, target, where) -> PendingOrder:
        p = PendingOrder(list(units), kind, cell, target, int(state.t[0]) + JUDGE_STEPS, where,
                         self._submit(state, standing, units, kind, cell, target))
        self.pending.append(p)
        return p

    def _submit(self, state, standing, units, kind, cell, target) -> Future:
        from envs import core

        snapshot = core.select(state, [0])  # a copy, taken on this (the main) thread
        orders = copy.copy(standing)
        orders._orders = {k: v for k, v in standing._orders.items() if k[0] == 0}
        orders._rally = dict(standing._rally)
        return self.pool.submit(self.judge.judge, snapshot, 0, list(units), kind, cell=cell, target=target,
                                standing=orders)

    def due(self, step: int) -> tuple[list[PendingOrder], bool]:
        """The pending orders whose verdicts are in and whose step has come, in the order given, and
        whether the battle may take ``step`` (False: a verdict due now is still out)."""
        ready = []
        while self.pending and self.pending[0].due_step <= step:
            if not self.pending[0].future.done():
                return ready, False
            ready.append(self.pending.pop(0))
        return ready, True

    def close(self) -> None:
        """Forget pending orders; a judgement under way finishes on its thread and is dropped."""
        for p in self.pending:
            p.future.cancel()
        self.pending = []
        self.pool.shutdown(wait=False, cancel_futures=True)
