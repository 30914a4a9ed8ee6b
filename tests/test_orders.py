"""The order layer: orders become the right core actions (paths, chosen targets, hold, retreat)."""
from __future__ import annotations

import numpy as np
import pytest

from agents.arena import run_matches
from agents.orders import OrderError, OrderPolicy, flow_field
from envs import core
from envs.ruleset import default_ruleset
from envs.spec import ATTACK0, HOLD
from pcg.tiles import Tile

G, M, S = int(Tile.GRASSLAND), int(Tile.MOUNTAIN), int(Tile.SWAMP)


def walled_grid() -> np.ndarray:
    """12×10 grassland with a mountain wall at x = 6, open only at y = 8."""
    grid = np.full((10, 12), G, dtype=np.int16)
    grid[:, 6] = M
    grid[8, 6] = G
    return grid


class Match:
    """One hand-placed environment: blue units driven by an OrderPolicy, red units hold."""

    def __init__(self, blue: dict, red: dict, cells: list[tuple[int, int]], grid=None, fallback=None):
        self.params = core.compile_params(default_ruleset(), max_steps=400)
        self.spec = core.observation_spec(self.params)
        self.state = core.reset(self.params, blue, red, [0], walled_grid() if grid is None else grid)
        self.state.x[0], self.state.y[0] = zip(*cells)
        core.refresh(self.params, self.state)
        self.n_blue = int((self.state.team[0] == 0).sum())
        self.policy = OrderPolicy(fallback=fallback)
        self.policy.bind(self.params, self.state)
        self.policy.reset(self.spec, 0, [0])
        self.trail: list[tuple[int, int]] = []
        self.events = []

    def step(self) -> np.ndarray:
        obs, mask = core.observe(self.params, self.state, self.spec)
        acts = np.zeros((1, self.state.n_units), dtype=np.int64)
        acts[:, :self.n_blue] = self.policy.act(obs[:, :self.n_blue], mask[:, :self.n_blue])
        self.events.append(core.step_inplace(self.params, self.state, acts))
        self.trail.append((int(self.state.x[0, 0]), int(self.state.y[0, 0])))
        return acts[0]


def test_flow_field_costs_follow_the_gap_and_terrain():
    params = core.compile_params(default_ruleset())
    grid = walled_grid()
    warrior = default_ruleset().unit_names.index("warrior")
    field = flow_field(grid, params.passable[warrior], params.move_cost, (11, 0))
    assert field[0, 11] == 0 and np.isinf(field[0, 6])  # goal; the wall
    # from (0, 0): 8 steps down to the gap at (6, 8), 8 back up to (11, 0); grassland costs 1 a cell
    assert field[0, 0] == 16
    assert field[0, 5] == 8 + 8
    knight = default_ruleset().unit_names.index("knight")
    swampy = grid.copy()
    swampy[8, 6] = S  # the only gap becomes swamp: knights are blocked there, warriors are not
    assert np.isinf(flow_field(swampy, params.passable[knight], params.move_cost, (11, 0))[0, 0])
    assert np.isfinite(flow_field(swampy, params.passable[warrior], params.move_cost, (11, 0))[0, 0])


def test_a_move_order_walks_through_the_gap_to_the_cell():
    m = Match({"warrior": 1}, {"warrior": 1}, [(1, 1), (11, 9)])
    m.policy.order(0, [0], "move", cell=(10, 1))
    for _ in range(200):
        acts = m.step()
        assert acts[0] == HOLD or 1 <= acts[0] <= 8  # a move order never attacks
        if m.policy.order_of(0, 0) is None:
            break
    assert m.trail[-1] == (10, 1)
    assert (6, 8) in m.trail  # through the only gap in the wall


def test_an_attack_order_chases_and_hits_the_chosen_enemy_not_the_nearest():
    m = Match({"warrior": 1}, {"archer": 2}, [(1, 1), (2, 2), (4, 5)])
    near, far = 1, 2
    assert m.state.enemies[0, 0, 0] == near
    m.policy.order(0, [0], "attack", target=far)
    hits = []
    for _ in range(150):
        m.step()
        t = int(m.events[-1].attack_target[0, 0])
        if t >= 0:
            hits.append(t)
        if m.policy.order_of(0, 0) is None:
            break
    assert hits and set(hits) == {far}
    assert not m.state.alive[0, far] and m.state.alive[0, near]


def test_hold_stays_put_and_strikes_what_is_in_range():
    m = Match({"archer": 1}, {"warrior": 1}, [(1, 1), (4, 1)], fallback="focus_fire")
    m.policy.order(0, [0], "hold")
    for _ in range(10):
        acts = m.step()
        assert acts[0] == HOLD or acts[0] >= ATTACK0
    assert m.trail[-1] == (1, 1)
    assert any(int(ev.attack_target[0, 0]) == 1 for ev in m.events)


def test_retreat_goes_back_to_where_the_team_started():
    m = Match({"warrior": 2}, {"warrior": 1}, [(1, 1), (1, 3), (11, 9)])
    m.policy.order(0, [0], "move", cell=(4, 6))
    for _ in range(30):
        m.step()
    m.policy.order(0, [0], "retreat")
    rally = m.policy.order_of(0, 0).cell
    assert rally in ((1, 1), (1, 3))
    for _ in range(60):
        m.step()
        if m.policy.order_of(0, 0) is None:
            break
    assert m.trail[-1] == rally


def test_a_group_gathers_around_its_cell():
    m = Match({"warrior": 4}, {"warrior": 1}, [(0, 0), (1, 0), (0, 1), (1, 1), (11, 9)])
    m.policy.order(0, [0, 1, 2, 3], "move", cell=(3, 4))
    for _ in range(80):
        m.step()
    cells = list(zip(m.state.x[0, :4].tolist(), m.state.y[0, :4].tolist()))
    assert all(max(abs(x - 3), abs(y - 4)) <= 2 for x, y in cells), cells  # packed around the cell
    assert all(m.policy.order_of(0, u) is None for u in range(4))


def test_bad_orders_are_refused_with_the_reason():
    m = Match({"warrior": 1, "knight": 1}, {"warrior": 1}, [(1, 1), (2, 1), (11, 9)])
    with pytest.raises(OrderError, match="unknown order"):
        m.policy.order(0, [0], "dance")
    with pytest.raises(OrderError, match="not one of this team's units"):
        m.policy.order(0, [2], "hold")
    with pytest.raises(OrderError, match="enemy unit as target"):
        m.policy.order(0, [0], "attack", target=1)
    with pytest.raises(OrderError, match="outside"):
        m.policy.order(0, [0], "move", cell=(40, 1))
    with pytest.raises(OrderError, match="cannot reach cell"):
        m.policy.order(0, [0], "move", cell=(6, 3))  # a mountain
    with pytest.raises(OrderError, match="needs a cell"):
        m.policy.order(0, [0], "move")
    m.state.alive[0, 0] = False
    core.refresh(m.params, m.state)
    with pytest.raises(OrderError, match="dead"):
        m.policy.order(0, [0], "hold")
    unbound = OrderPolicy(fallback=None)
    with pytest.raises(OrderError, match="bind"):
        unbound.order(0, [0], "hold")


def test_with_no_orders_the_same_code_plays_exactly_as_its_fallback_bot():
    rs = default_ruleset()
    army = {"warrior": 3, "archer": 2}
    seeds = [3, 4, 5, 6]
    plain = run_matches(rs, army, army, seeds, blue_bot="focus_fire", red_bot="kite")
    ordered = run_matches(rs, army, army, seeds, blue_bot=OrderPolicy("focus_fire"), red_bot="kite")
    assert [r.to_dict() | {"config": None} for r in plain] == [r.to_dict() | {"config": None} for r in ordered]


def test_hold_ground_fallback_strikes_in_range_and_never_walks():
    from agents.orders import HoldGroundPolicy

    # blue: a hurt archer and a healer side by side; red: a warrior standing in the archer's range
    m = Match({"archer": 1, "healer": 1}, {"warrior": 1}, [(1, 1), (1, 2), (5, 1)], fallback=HoldGroundPolicy())
    m.state.hp[0, 0] *= 0.5
    core.refresh(m.params, m.state)
    start = [(int(m.state.x[0, i]), int(m.state.y[0, i])) for i in range(2)]
    acts = [m.step() for _ in range(12)]
    assert [(int(m.state.x[0, i]), int(m.state.y[0, i])) for i in range(2)] == start  # nobody walked
    assert any(a[0] == ATTACK0 for a in acts)  # the archer shoots the warrior
    assert any(a[1] >= ATTACK0 + m.spec.k for a in acts)  # the healer heals the archer
    assert all(a[i] == HOLD or ATTACK0 <= a[i] for a in acts for i in range(2))
