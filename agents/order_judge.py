"""Judging a player's order by short Monte Carlo rollouts on the batched core (the squad's teaching mode).

Before allied units carry out an order they check it against the situation: the live state of one
environment is copied into 2·M environments of one core batch. In the first M the order is given
(through :class:`~agents.orders.OrderPolicy`, exactly as the live match would carry it out); in the
other M the units keep the default plan (their fallback bot). Every copy then plays ``horizon``
steps with decision noise on both sides (the allies' fallback and the enemy bot at skill tiers),
continuation j of the order and of the plan sharing one seed, so the two differ by the order and
not by luck. Where the horizon ends a match early, the ruleset's own step-limit rule
(``match.at_step_limit``) names the side that is ahead, as it would at the real limit.

The outcome of each side is the predicted units lost (all allies, and the ordered ones), enemies
killed and win probability, each with a 95% interval (Wilson for the win probability, Student t for
the means). The verdict compares the order with the plan:

- ``refuse`` when the order cuts the chance of being ahead when the rollouts end by ``refuse_drop``
  (25 points) or more AND clearly worsens the hp balance (our hp share minus theirs, paired by
  continuation): by ``refuse_balance`` (0.1) or more, with the 95% interval below zero;
- ``warn`` when it cuts that chance by ``warn_drop`` (10 points) or more, or worsens the balance
  by ``warn_balance`` (0.05) or more with the interval below zero;
- ``accept`` otherwise.

The thresholds were set on a dev split of labelled situations (seeds 0-29), never on the test split
that ``benchmarks/eval_order_judge.py`` reports.

The reason carries the rollout's numbers, and :meth:`Judgement.facts` gives them as plain data (the
dialogue bridge in ``gameai.squad`` turns them into a spoken line without importing this layer).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, fields, replace
from typing import Sequence

import numpy as np

from agents.orders import ORDER_KINDS, HoldGroundPolicy, Order, OrderError, OrderPolicy
from envs.spec import ATTACK0, DIRECTIONS, HOLD, MOVE0
from agents.policy import Policy
from envs import core

VERDICTS = ("accept", "warn", "refuse")
HOLD_GROUND = "hold_ground"  # ally_bot for an army whose idle units hold (agents.orders.HoldGroundPolicy)


@dataclass(frozen=True)
class PlanOutcome:
    """What the rollouts of one plan (the order, or the default plan) predict."""

    continuations: int
    win_prob: float
    win_ci: tuple[float, float]
    units_lost: float          # mean allied units lost during the rollout (all allies)
    units_lost_ci: tuple[float, float]
    ordered_lost: float        # mean of the ordered units lost
    enemy_killed: float
    enemy_killed_ci: tuple[float, float]
    advantage: np.ndarray = field(repr=False, compare=False, default=None)  # per continuation: our hp
    #                          share minus theirs when the rollout ends (what the step-limit rule compares)


@dataclass(frozen=True)
class Judgement:
    verdict: str               # "accept", "warn" or "refuse"
    reason: str                # one sentence with the rollout's numbers
    kind: str                  # the order: move, attack, hold, retreat
    units: tuple[int, ...]     # the ordered unit slots
    order: PlanOutcome         # with the order
    plan: PlanOutcome          # with the default plan
    horizon: int               # steps rolled out
    target: int | None = None
    target_type: str | None = None
    cell: tuple[int, int] | None = None
    seconds: float = 0.0       # wall time the judgement took
    extra: dict = field(default_factory=dict)

    def facts(self) -> dict:
        """The judgement as plain data (numbers rounded as a person would say them)."""
        n = len(self.units)
        return {
            "verdict": self.verdict, "order": self.kind, "units_ordered": n,
            "target_type": self.target_type, "cell": list(self.cell) if self.cell else None,
            "seconds_ahead": round(self.horizon * core.STEP_SECONDS),
            "order_lost": int(round(self.order.ordered_lost)), "plan_lost": int(round(self.plan.ordered_lost)),
            "order_team_lost": round(self.order.units_lost, 1), "plan_team_lost": round(self.plan.units_lost, 1),
            "order_killed": int(round(self.order.enemy_killed)), "plan_killed": int(round(self.plan.enemy_killed)),
            "order_win_pct": int(round(100 * self.order.win_prob)), "plan_win_pct": int(round(100 * self.plan.win_prob)),
            "continuations": self.order.continuations,
        }


class _RolloutOrders(OrderPolicy):
    """OrderPolicy for rollout copies of one environment. The copies share the terrain, so flow fields
    are shared across environments (keyed by unit type and goal), and, with ``vectorized``, each
    ordered unit's order is carried out for all copies at once with numpy, in the same unit order
    as OrderPolicy's per-unit loop, so the actions are the same (the tests hold both to it)."""

    def __init__(self, *args, vectorized: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.vectorized = vectorized
        self._padded: dict[tuple[int, tuple[int, int]], np.ndarray] = {}

    def _field(self, b: int, i: int, goal: tuple[int, int]) -> np.ndarray:
        return super()._field(0, i, goal)

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if not self.vectorized:
            return super().act(obs, mask)
        st = self.state
        if self.fallback is not None:
            actions = np.asarray(self.fallback.act(obs, mask)).copy()
        else:
            actions = np.zeros(mask.shape[:2], dtype=np.int64)
        slots = self._slots()
        groups: dict[tuple[int, Order], list[int]] = {}
        for (b, i), order in self._orders.items():  # unit by unit, as the loop meets them within an environment
            groups.setdefault((i, order), []).append(b)
        for (i, order), envs in groups.items():
            bs = np.array(envs)
            u = int(np.searchsorted(slots, i))
            gone = ~st.alive[bs, i] | st.done[bs]
            for b in bs[gone]:
                del self._orders[(int(b), i)]
            actions[bs[gone], u] = HOLD
            bs = bs[~gone]
            if not len(bs):
                continue
            act, finished = self._carry_out_many(bs, i, order, obs[bs, u], mask[bs, u])
            for b in bs[finished]:
                del self._orders[(int(b), i)]
            if finished.any():
                act[finished] = _strike_many(obs[bs[finished], u], mask[bs[finished], u], self.spec)
            actions[bs, u] = act
        return actions

    def _carry_out_many(self, bs: np.ndarray, i: int, order: Order, obs: np.ndarray, mask: np.ndarray):
        """This step's actions for unit i in environments ``bs``, and which of them fulfilled the order."""
        st = self.state
        if order.kind == "hold":  # a hold never ends by itself
            return _strike_many(obs, mask, self.spec), np.zeros(len(bs), dtype=bool)
        if order.kind == "attack":
            j = order.target
            act = np.zeros(len(bs), dtype=np.int64)
            finished = ~st.alive[bs, j]
            where = st.enemies[bs, i] == j                        # (m, K)
            slot = where.argmax(-1)
            in_reach = where.any(-1) & (np.take_along_axis(mask, (ATTACK0 + slot)[:, None], -1)[:, 0] > 0)
            strike = ~finished & in_reach
            act[strike] = ATTACK0 + slot[strike]
            chase = ~finished & ~in_reach
            goals = np.stack([st.x[bs, j], st.y[bs, j]], -1)
            for g in np.unique(goals[chase], axis=0):
                rows = chase & (goals[:, 0] == g[0]) & (goals[:, 1] == g[1])
                a, f = self._step_towards_many(bs[rows], i, (int(g[0]), int(g[1])), mask[rows], 0)
                act[rows], finished[rows] = a, f
            return act, finished
        radius = int(np.ceil(np.sqrt(order.group))) - 1 if order.group > 1 else 0
        return self._step_towards_many(bs, i, order.cell, mask, radius)

    def _step_towards_many(self, bs: np.ndarray, i: int, goal: tuple[int, int], mask: np.ndarray, radius: int):
        st = self.state
        x, y = st.x[bs, i].astype(np.int64), st.y[bs, i].astype(np.int64)
        arrived = np.maximum(np.abs(x - goal[0]), np.abs(y - goal[1])) <= radius
        field = self._field(int(bs[0]), i, goal)
        key = (int(st.utype[0, i]), goal)
        padded = self._padded.get(key)
        if padded is None:  # an inf border: neighbours off the map need no bounds checks
            padded = self._padded[key] = np.pad(field, 1, constant_values=np.inf)
        here = field[y, x]
        around = padded[y[:, None] + 1 + _DY, x[:, None] + 1 + _DX]          # (m, 8)
        ok = mask[:, MOVE0:MOVE0 + 8] > 0
        best, best_d = np.full(len(bs), HOLD, dtype=np.int64), here.copy()
        for d in range(8):  # the first strictly better direction wins, as in the loop
            better = ok[:, d] & (around[:, d] < best_d - 1e-9)
            best[better] = MOVE0 + d
            best_d[better] = around[better, d]
        finished = arrived.copy()
        for r in np.flatnonzero(~arrived & (best == HOLD)):
            b = int(bs[r])
            finished[r] = (not np.isfinite(here[r])) or self._blocked_by_arrived_ally(b, int(x[r]), int(y[r]), field)
        return np.where(arrived, HOLD, best), finished


_DX, _DY = DIRECTIONS[:, 0].astype(np.int64), DIRECTIONS[:, 1].astype(np.int64)


def _strike_many(obs: np.ndarray, mask: np.ndarray, spec) -> np.ndarray:
    """``agents.orders._strike`` for many rows at once."""
    k = spec.k
    heal_ok = mask[:, ATTACK0 + k:ATTACK0 + 2 * k] > 0
    hit_ok = mask[:, ATTACK0:ATTACK0 + k] > 0
    heal = ATTACK0 + k + np.where(heal_ok, spec.allies(obs)[..., 4], np.inf).argmin(-1)
    hit = ATTACK0 + np.where(hit_ok, spec.enemies(obs)[..., 4], np.inf).argmin(-1)
    return np.where(heal_ok.any(-1), heal, np.where(hit_ok.any(-1), hit, HOLD)).astype(np.int64)


class OrderJudge:
    """Judge orders for ``team``'s units against its default plan, by rollouts on the batched core.

    ``ally_bot``/``ally_tier``: how units without an order play (the default plan); ``"hold_ground"``
    for an army whose idle units stand and strike, as the demo's commanded army does. ``enemy_bot``/
    ``enemy_tier``: the opponent model (the demo passes the bot the player faces). ``continuations``
    per plan, ``horizon`` steps each; ``seed`` makes the judgement reproducible.
    """

    def __init__(self, params: core.CoreParams, *, team: int = 0, ally_bot: str = "focus_fire",
                 ally_tier: str = "average", enemy_bot: str = "focus_fire", enemy_tier: str = "average",
                 continuations: int = 24, horizon: int = 40, seed: int = 0,
                 refuse_drop: float = 0.25, refuse_balance: float = 0.1, warn_drop: float = 0.1,
                 warn_balance: float = 0.05, batched: bool = True):
        if team not in (0, 1):
            raise ValueError(f"team must be 0 (blue) or 1 (red), got {team!r}")
        if continuations < 2 or horizon < 1:
            raise ValueError(f"continuations must be >= 2 and horizon >= 1, got {continuations} and {horizon}")
        from agents import make_policy

        if ally_bot != HOLD_GROUND:
            make_policy(ally_bot, ally_tier)  # fail now, naming the bad bot or tier, not mid-judgement
        make_policy(enemy_bot, enemy_tier)
        self.params, self.team = params, int(team)
        self.spec = core.observation_spec(params)
        self.ally = (ally_bot, ally_tier)
        self.enemy = (enemy_bot, enemy_tier)
        self.continuations, self.horizon, self.seed = int(continuations), int(horizon), int(seed)
        self.refuse_drop, self.refuse_balance = refuse_drop, refuse_balance
        self.warn_drop, self.warn_balance = warn_drop, warn_balance
        self.batched = bool(batched)  # False: each continuation stepped alone (the benchmark's peer; same results)

    # --- the API --------------------------------------------------------------------------
    def judge(self, state: core.SkirmishState, env: int, units: Sequence[int], kind: str, *,
              cell: tuple[int, int] | None = None, target: int | None = None,
              standing: OrderPolicy | None = None) -> Judgement:
        """Judge ``kind`` given to ``units`` (core slots of this team) in environment ``env`` of ``state``.

        ``standing``: the live OrderPolicy, whose orders to the team's other units carry on in both
        plans. The live state is not changed. Raises OrderError for an order that cannot be given
        (a dead unit, another team's unit, an unreachable cell …).
        """
        t0 = time.perf_counter()
        if kind not in ORDER_KINDS:
            raise OrderError(f"unknown order {kind!r}; orders are {', '.join(ORDER_KINDS)}")
        if not 0 <= env < state.n_envs:
            raise OrderError(f"environment {env} does not exist (the batch has {state.n_envs})")
        if state.done[env]:
            raise OrderError(f"the match in environment {env} is over; there is nothing to order")
        units = tuple(int(u) for u in units)
        m = self.continuations
        sim = core.select(state, [env] * (2 * m))
        params = replace(self.params, max_steps=int(state.t[env]) + self.horizon)
        seeds = [self.seed * 1_000_003 + j for j in range(m)] * 2  # continuation j: same noise in both plans
        mine = self._policy(params, sim, seeds, standing, env)
        mine.order(0, units, kind, cell=cell, target=target)  # validates the order (raises OrderError)
        given = mine.order_of(0, units[0])
        start_alive = sim.alive.copy()
        if self.batched:
            for b in range(1, m):
                for u in units:
                    mine._orders[(b, u)] = given
            self._play(params, sim, mine, self._enemy(seeds))
        else:
            for b in range(2 * m):
                one = core.select(sim, [b])
                pol = self._policy(params, one, [seeds[b]], standing, env)
                if b < m:
                    for u in units:
                        pol._orders[(0, u)] = given
                self._play(params, one, pol, self._enemy([seeds[b]]))
                for f in fields(sim):
                    getattr(sim, f.name)[b] = getattr(one, f.name)[0]
        order_out = self._outcome(sim, start_alive, slice(0, m), units)
        plan_out = self._outcome(sim, start_alive, slice(m, 2 * m), units)
        names = self.params.ruleset.unit_names
        target_type = names[state.utype[env, target]] if kind == "attack" and target is not None else None
        verdict, reason = self._verdict(kind, units, order_out, plan_out, target_type, given.cell)
        return Judgement(verdict, reason, kind, units, order_out, plan_out, self.horizon, target=target,
                         target_type=target_type, cell=given.cell, seconds=time.perf_counter() - t0)

    # --- rollouts ---------------------------------------------------------------------------
    def _enemy(self, seeds) -> Policy:
        enemy = self._make(*self.enemy, seed=self.seed + 7)
        enemy.reset(self.spec, 1 - self.team, seeds)
        return enemy

    def _make(self, bot: str, tier: str, seed: int) -> Policy:
        from agents import make_policy

        if bot == HOLD_GROUND:  # the demo's commanded army: idle units stand and strike
            return HoldGroundPolicy()
        return make_policy(bot, tier, seed)

    def _policy(self, params, sim, seeds, standing: OrderPolicy | None, env: int) -> OrderPolicy:
        pol = _RolloutOrders(fallback=self._make(*self.ally, seed=self.seed + 3), vectorized=self.batched)
        pol.bind(params, sim)
        pol.reset(self.spec, self.team, seeds)
        if standing is not None:  # carry the team's other standing orders into every copy
            if env in standing._rally:
                pol._rally = {b: standing._rally[env] for b in range(sim.n_envs)}
            for u in np.flatnonzero(sim.team[0] == self.team):
                o = standing.order_of(env, int(u))
                if o is not None:
                    for b in range(sim.n_envs):
                        pol._orders[(b, int(u))] = o
        return pol

    def _play(self, params, sim, mine: Policy, enemy: Policy) -> None:
        spec = self.spec
        b_n, n = sim.n_envs, sim.n_units
        ours = np.flatnonzero(sim.team[0] == self.team)
        theirs = np.flatnonzero(sim.team[0] != self.team)
        obs = np.empty((b_n, n, spec.size), dtype=np.float32)
        mask = np.empty((b_n, n, spec.n_actions), dtype=np.int8)
        actions = np.zeros((b_n, n), dtype=np.int64)
        for _ in range(self.horizon):
            if sim.done.all():
                break
            core.observe(params, sim, spec, out=(obs, mask))
            actions[:, ours] = mine.act(obs[:, ours], mask[:, ours])
            actions[:, theirs] = enemy.act(obs[:, theirs], mask[:, theirs])
            core.step_inplace(params, sim, actions)

    def _outcome(self, sim, start_alive, rows: slice, units: tuple[int, ...]) -> PlanOutcome:
        from scipy import stats

        ours = sim.team[0] == self.team
        lost = (start_alive[rows] & ~sim.alive[rows])
        team_lost = lost[:, ours].sum(1).astype(float)
        ordered_lost = lost[:, list(units)].sum(1).astype(float)
        killed = lost[:, ~ours].sum(1).astype(float)
        wins = int((sim.winner[rows] == self.team).sum())
        n = len(team_lost)
        ci = stats.binomtest(wins, n).proportion_ci(method="wilson")
        hp = np.where(sim.alive[rows], sim.hp[rows], 0.0)
        advantage = (hp[:, ours].sum(1) / sim.start_hp[rows, self.team]
                     - hp[:, ~ours].sum(1) / sim.start_hp[rows, 1 - self.team])
        return PlanOutcome(n, wins / n, (float(ci.low), float(ci.high)), float(team_lost.mean()),
                           _mean_ci(team_lost), float(ordered_lost.mean()), float(killed.mean()), _mean_ci(killed),
                           advantage)

    # --- the verdict --------------------------------------------------------------------------
    def _verdict(self, kind, units, order: PlanOutcome, plan: PlanOutcome, target_type, cell) -> tuple[str, str]:
        n = len(units)
        # paired by continuation (same seeds): the order's effect on the hp balance, with a 95% interval
        lo, hi = _mean_ci(order.advantage - plan.advantage)
        effect = float((order.advantage - plan.advantage).mean())
        what = _describe(kind, n, target_type, cell)
        numbers = (f"{what}: we lose {order.ordered_lost:.1f} of {n} ordered units "
                   f"({order.units_lost:.1f} in all) and kill {order.enemy_killed:.1f}, "
                   f"ahead {100 * order.win_prob:.0f}% of the time (95% CI {100 * order.win_ci[0]:.0f}-"
                   f"{100 * order.win_ci[1]:.0f}%); on the plan we lose {plan.units_lost:.1f}, kill "
                   f"{plan.enemy_killed:.1f}, ahead {100 * plan.win_prob:.0f}% ({order.continuations} rollouts "
                   f"of {self.horizon * core.STEP_SECONDS:.0f} s each; hp balance {effect:+.2f}, "
                   f"95% CI {lo:+.2f} to {hi:+.2f})")
        drop = plan.win_prob - order.win_prob
        if drop >= self.refuse_drop and effect <= -self.refuse_balance and hi < 0:
            return "refuse", "refused — " + numbers
        if drop >= self.warn_drop or (effect <= -self.warn_balance and hi < 0):
            return "warn", "carried out with a warning — " + numbers
        return "accept", "accepted — " + numbers


def _describe(kind: str, n: int, target_type: str | None, cell) -> str:
    who = f"{n} unit{'s' if n != 1 else ''}"
    if kind == "attack":
        return f"{who} attacking the {target_type}"
    if kind == "move":
        return f"{who} moving to {cell}"
    if kind == "retreat":
        return f"{who} retreating to {cell}"
    return f"{who} holding"


def _mean_ci(values: np.ndarray) -> tuple[float, float]:
    """95% Student t interval of a mean."""
    from scipy import stats

    n = len(values)
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / np.sqrt(n) if sd > 0 else 0.0
    return (mean - half, mean + half)


__all__ = ["OrderJudge", "Judgement", "PlanOutcome", "Order", "OrderError", "VERDICTS"]
