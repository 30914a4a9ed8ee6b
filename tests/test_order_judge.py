"""The squad's order judge: rollouts on the batched core, verdicts with numbers, bad orders refused."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agents.order_judge import OrderError, OrderJudge
from agents.order_situations import Situation, generate
from envs import core
from envs.ruleset import default_ruleset

DEV = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "order_situations_dev.jsonl"


@pytest.fixture(scope="module")
def params():
    return core.compile_params(default_ruleset())


def dev_rows():
    return [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]


def test_same_seed_same_judgement_and_the_live_state_is_untouched(params):
    sit = generate(params, 3)
    st = sit.restore(params)
    before = st.copy()
    a = OrderJudge(params, continuations=6, horizon=20).judge(st, 0, **sit.order_args())
    b = OrderJudge(params, continuations=6, horizon=20).judge(st, 0, **sit.order_args())
    assert a.verdict == b.verdict and a.reason == b.reason
    assert np.array_equal(a.order.advantage, b.order.advantage) and np.array_equal(a.plan.advantage, b.plan.advantage)
    for name in ("x", "y", "hp", "alive", "t", "cooldown"):
        assert np.array_equal(getattr(st, name), getattr(before, name))
    c = OrderJudge(params, continuations=6, horizon=20, seed=5).judge(st, 0, **sit.order_args())
    assert not np.array_equal(a.plan.advantage, c.plan.advantage)  # another seed: other continuations


def test_batched_rollouts_equal_one_environment_at_a_time(params):
    """The batched judge carries orders out with numpy over environments; the peer steps each
    continuation alone through OrderPolicy's own per-unit loop. Same games, order kind by kind."""
    seen = {}
    for row in dev_rows():
        seen.setdefault(row["proposal"], row)
    assert {"all_on_weakest", "dash_behind", "hold_all", "retreat_all", "pair_on_nearest"} <= set(seen)
    for row in seen.values():
        sit = Situation.from_dict(row)
        st = sit.restore(params)
        batched = OrderJudge(params, continuations=3, horizon=30).judge(st, 0, **sit.order_args())
        alone = OrderJudge(params, continuations=3, horizon=30, batched=False).judge(st, 0, **sit.order_args())
        assert np.array_equal(batched.order.advantage, alone.order.advantage), row["proposal"]
        assert np.array_equal(batched.plan.advantage, alone.plan.advantage)
        assert batched.verdict == alone.verdict


def test_the_order_is_carried_out_in_the_rollouts(params):
    """A lone unit told to walk into the enemy's far corner is not where the plan would put it."""
    sit = generate(params, 3)
    st = sit.restore(params)
    judge = OrderJudge(params, continuations=3, horizon=30)
    j_hold = judge.judge(st, 0, units=sit.units[:1], kind="hold")
    j_move = judge.judge(st, 0, units=sit.units[:1], kind="move", cell=(23, 23))
    assert not np.array_equal(j_hold.order.advantage, j_move.order.advantage)
    assert np.array_equal(j_hold.plan.advantage, j_move.plan.advantage)  # the plan does not depend on the order


def test_clearly_suicidal_and_clearly_good_dev_orders(params):
    """From the dev split (labelled by 128 continuations to the match end): the biggest win drops are
    refused, orders the truth finds no worse are not."""
    rows = dev_rows()
    worst = max((r for r in rows if r["truth"] == "suicidal"), key=lambda r: r["truth_plan_win"] - r["truth_order_win"])
    best = min((r for r in rows if r["truth"] == "good"), key=lambda r: r["truth_plan_win"] - r["truth_order_win"])
    judge = OrderJudge(params)
    for row, want in ((worst, "refuse"), (best, "accept")):
        sit = Situation.from_dict(row)
        j = judge.judge(sit.restore(params), 0, **sit.order_args())
        assert j.verdict == want, (row["seed"], j.reason)
        facts = j.facts()
        assert facts["order_lost"] == round(j.order.ordered_lost) and facts["units_ordered"] == len(sit.units)
        assert f"{j.order.ordered_lost:.1f} of {len(sit.units)}" in j.reason  # the reason carries the numbers


def test_bad_orders_get_clear_errors(params):
    sit = generate(params, 3)
    st = sit.restore(params)
    judge = OrderJudge(params, continuations=2, horizon=2)
    dead = core.select(st, [0])
    u = sit.units[0]
    dead.alive[0, u] = False
    dead.hp[0, u] = 0
    core.refresh(params, dead)
    with pytest.raises(OrderError, match=f"unit {u} is dead"):
        judge.judge(dead, 0, units=[u], kind="hold")
    enemy = int(np.flatnonzero(st.team[0] == 1)[0])
    with pytest.raises(OrderError, match="not one of this team's units"):
        judge.judge(st, 0, units=[enemy], kind="hold")
    with pytest.raises(OrderError, match="unknown order"):
        judge.judge(st, 0, units=[u], kind="charge")
    with pytest.raises(OrderError, match="environment 3 does not exist"):
        judge.judge(st, 3, units=[u], kind="hold")
    with pytest.raises(OrderError, match="attack needs an enemy"):
        judge.judge(st, 0, units=[u], kind="attack", target=u)
    over = st.copy()
    over.done[0] = True
    with pytest.raises(OrderError, match="is over"):
        judge.judge(over, 0, units=[u], kind="hold")
    with pytest.raises(ValueError, match="unknown bot"):
        OrderJudge(params, enemy_bot="nobody")
    with pytest.raises(ValueError, match="continuations must be >= 2"):
        OrderJudge(params, continuations=1)


def test_the_default_plan_can_be_to_hold_ground(params):
    sit = generate(params, 3)
    st = sit.restore(params)
    hold = OrderJudge(params, ally_bot="hold_ground", continuations=3, horizon=20).judge(st, 0, **sit.order_args())
    bot = OrderJudge(params, continuations=3, horizon=20).judge(st, 0, **sit.order_args())
    assert not np.array_equal(hold.plan.advantage, bot.plan.advantage)
    assert hold.verdict in ("accept", "warn", "refuse")


def test_a_situation_round_trips_through_plain_data(params):
    sit = generate(params, 7)
    back = Situation.from_dict(json.loads(json.dumps(sit.to_dict())))
    a, b = sit.restore(params), back.restore(params)
    for name in ("x", "y", "hp", "alive", "cooldown", "t", "terrain", "occupant", "enemies"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
