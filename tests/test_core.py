"""The batched core's rules, checked on small hand-set scenarios (numbers worked out by hand)."""
from __future__ import annotations

import numpy as np
import pytest

from envs import core
from envs.maps import MapError, builtin_arena
from envs.ruleset import apply_overrides, default_ruleset
from pcg.tiles import Tile

G, F, S, M = int(Tile.GRASSLAND), int(Tile.FOREST), int(Tile.SWAMP), int(Tile.MOUNTAIN)


def scenario(units, grid=None, ruleset=None, n_envs=1, max_steps=None):
    """units: [(team, type_name, x, y)] -> (params, state, slot index of each listed unit)."""
    r = ruleset or default_ruleset()
    grid = np.full((8, 8), G, dtype=np.int16) if grid is None else np.asarray(grid, dtype=np.int16)
    comp = {"blue": {}, "red": {}}
    for team, name, _, _ in units:
        comp[team][name] = comp[team].get(name, 0) + 1
    params = core.compile_params(r, max_steps=max_steps)
    state = core.reset(params, comp["blue"], comp["red"], list(range(n_envs)), terrain=grid)
    team_codes, types = state.team[0], state.utype[0]
    taken, slots = set(), []
    for team, name, x, y in units:
        ti, ui = (0 if team == "blue" else 1), r.unit_names.index(name)
        slot = next(i for i in range(len(team_codes))
                    if team_codes[i] == ti and types[i] == ui and i not in taken)
        taken.add(slot)
        slots.append(slot)
        state.x[:, slot], state.y[:, slot] = x, y
    core.refresh(params, state)
    return params, state, slots


def act(state, **per_slot):
    a = np.zeros(state.hp.shape, dtype=np.int64)
    for slot, action in per_slot.items():
        a[:, int(slot[1:])] = action
    return a


ATTACK_NEAREST = core.ATTACK0
HEAL_NEAREST = core.ATTACK0 + core.DEFAULT_K
EAST, WEST = 3, 7


def test_attack_applies_armor_defence_and_cooldown():
    grid = np.full((8, 8), G)
    grid[1, 4] = F  # the target stands in a forest (defence 0.25)
    params, s, (archer, warrior) = scenario([("blue", "archer", 1, 1), ("red", "warrior", 4, 1)], grid)
    s, ev = core.step(params, s, act(s, **{f"u{archer}": ATTACK_NEAREST}))
    # hit = max(11 - 3 armor, 11 * 0.1) * (1 - 0.25) = 6
    assert s.hp[0, warrior] == pytest.approx(114.0)
    assert ev.attack_target[0, archer] == warrior and ev.damage[0, archer] == pytest.approx(6.0)
    assert s.cooldown[0, archer] == 1  # cooldown 2, one step already ticked
    _, mask = core.observe(params, s)
    assert mask[0, archer, ATTACK_NEAREST] == 0, "cannot attack while on cooldown"
    s, ev = core.step(params, s, act(s, **{f"u{archer}": ATTACK_NEAREST}))
    assert s.hp[0, warrior] == pytest.approx(114.0), "an attack on cooldown does nothing"
    s, ev = core.step(params, s, act(s, **{f"u{archer}": ATTACK_NEAREST}))
    assert s.hp[0, warrior] == pytest.approx(108.0)


def test_armor_floor_and_out_of_range():
    params, s, (healer, knight) = scenario([("blue", "healer", 1, 1), ("red", "knight", 3, 1)])
    s, _ = core.step(params, s, act(s, **{f"u{healer}": ATTACK_NEAREST}))
    assert s.hp[0, knight] == pytest.approx(240 - 3 * 0.1), "armor 8 > damage 3: the 10% floor applies"
    params, s, (healer, knight) = scenario([("blue", "healer", 1, 1), ("red", "knight", 5, 1)])
    _, mask = core.observe(params, s)
    assert mask[0, healer, ATTACK_NEAREST] == 0, "distance 4 > range 3.5"
    s, _ = core.step(params, s, act(s, **{f"u{healer}": ATTACK_NEAREST}))
    assert s.hp[0, knight] == 240


def test_heal_restores_hp_capped_at_max():
    params, s, (healer, warrior, enemy) = scenario(
        [("blue", "healer", 1, 1), ("blue", "warrior", 2, 2), ("red", "warrior", 7, 7)])
    s.hp[0, warrior] = 100.0
    s, ev = core.step(params, s, act(s, **{f"u{healer}": HEAL_NEAREST}))
    assert s.hp[0, warrior] == pytest.approx(112.0) and ev.heal[0, healer] == 12.0
    s.hp[0, warrior] = 115.0
    s.cooldown[0, healer] = 0
    s, _ = core.step(params, s, act(s, **{f"u{healer}": HEAL_NEAREST}))
    assert s.hp[0, warrior] == 120.0, "capped at max hp"
    _, mask = core.observe(params, s)
    assert mask[0, healer, HEAL_NEAREST] == 0, "nothing to heal at full hp (and on cooldown)"


def test_death_kill_credit_and_dead_units_are_inert():
    params, s, (w1, w2, victim) = scenario(
        [("blue", "warrior", 1, 1), ("blue", "archer", 1, 3), ("red", "healer", 2, 2)])
    s.hp[0, victim] = 10.0
    s, ev = core.step(params, s, act(s, **{f"u{w1}": ATTACK_NEAREST, f"u{w2}": ATTACK_NEAREST,
                                           f"u{victim}": ATTACK_NEAREST}))
    # warrior hits 14-1=13, archer 11-1=10: 23 > 10 hp; the warrior hit hardest and gets the kill
    assert not s.alive[0, victim] and s.hp[0, victim] == 0.0 and ev.killed[0, victim]
    assert ev.killer[0, victim] == w1 and s.kills[0, w1] == 1 and s.kills[0, w2] == 0
    # damage dealt is counted without overkill: 10 hp shared 13:10
    assert s.damage_dealt[0, [w1, w2]].sum() == pytest.approx(10.0)
    assert s.damage_dealt[0, w1] == pytest.approx(10 * 13 / 23)
    # the victim's simultaneous attack still landed (it was alive at the start of the step)
    assert s.hp[0, w1] < 120.0
    assert s.occupant[0, 2, 2] == -1, "its cell is free"
    assert s.done[0] and s.winner[0] == core.BLUE_WINS and s.t[0] == 1
    # a finished match no longer changes
    before = s.copy()
    s, _ = core.step(params, s, act(s, **{f"u{victim}": EAST, f"u{w1}": EAST}))
    assert np.array_equal(s.x, before.x) and np.array_equal(s.hp, before.hp) and s.t[0] == 1


def test_dead_unit_never_acts_or_takes_damage():
    params, s, (archer, dead, other) = scenario(
        [("blue", "archer", 1, 1), ("red", "warrior", 3, 1), ("red", "warrior", 6, 6)])
    s.alive[0, dead] = False
    s.hp[0, dead] = 0.0
    core.refresh(params, s)
    assert (s.enemies[0, archer] != dead).all(), "dead units are not targets"
    x0 = s.x[0, dead]
    s, ev = core.step(params, s, act(s, **{f"u{dead}": WEST, f"u{archer}": ATTACK_NEAREST}))
    assert s.x[0, dead] == x0 and s.hp[0, dead] == 0.0 and ev.damage[0, archer] == 0.0


def test_movement_uses_speed_and_move_cost():
    grid = np.full((8, 8), G)
    grid[1, 3] = F  # cost 1.5
    params, s, (knight, enemy) = scenario([("blue", "knight", 1, 1), ("red", "warrior", 7, 7)], grid)
    east = act(s, **{f"u{knight}": EAST})
    s, _ = core.step(params, s, east)
    assert s.x[0, knight] == 1 and s.move_points[0, knight] == pytest.approx(0.5)  # speed 0.5 < cost 1
    s, _ = core.step(params, s, east)
    assert s.x[0, knight] == 2 and s.move_points[0, knight] == pytest.approx(0.0)
    for _ in range(2):
        s, _ = core.step(params, s, east)
    assert s.x[0, knight] == 2, "forest costs 1.5: three steps at speed 0.5"
    s, _ = core.step(params, s, east)
    assert s.x[0, knight] == 3
    s, _ = core.step(params, s, act(s))  # holding resets move points
    assert s.move_points[0, knight] == 0.0


def test_blocked_terrain_impassable_tiles_and_map_edge():
    grid = np.full((8, 8), G)
    grid[1, 2] = S  # swamp: blocked for knights only
    grid[3, 2] = M  # mountain: impassable for everyone
    params, s, (knight, warrior, enemy) = scenario(
        [("blue", "knight", 1, 1), ("blue", "warrior", 1, 3), ("red", "warrior", 7, 7)], grid)
    _, mask = core.observe(params, s)
    assert mask[0, knight, EAST] == 0 and mask[0, warrior, EAST] == 0
    for _ in range(3):
        s, _ = core.step(params, s, act(s, **{f"u{knight}": EAST, f"u{warrior}": EAST}))
    assert (s.x[0, knight], s.x[0, warrior]) == (1, 1)
    params, s, (edge, enemy) = scenario([("blue", "warrior", 0, 0), ("red", "warrior", 7, 7)])
    for _ in range(3):
        s, _ = core.step(params, s, act(s, **{f"u{edge}": WEST}))
    assert (s.x[0, edge], s.y[0, edge]) == (0, 0)


def test_one_unit_per_cell_and_alternating_move_order():
    r = apply_overrides(default_ruleset(), {"units.warrior.speed": 1.0})
    params, s, (a, b, enemy) = scenario(
        [("blue", "warrior", 1, 1), ("red", "warrior", 3, 1), ("red", "warrior", 7, 7)], ruleset=r)
    both = act(s, **{f"u{a}": EAST, f"u{b}": WEST})  # both want cell (2, 1)
    s, _ = core.step(params, s, both)  # step 0: index order, blue slot first
    assert (s.x[0, a], s.x[0, b]) == (2, 3)
    params, s, (a, b, enemy) = scenario(
        [("blue", "warrior", 1, 1), ("red", "warrior", 3, 1), ("red", "warrior", 7, 7)], ruleset=r)
    s, _ = core.step(params, s, act(s))
    s, _ = core.step(params, s, act(s, **{f"u{a}": EAST, f"u{b}": WEST}))  # step 1: reverse order
    assert (s.x[0, a], s.x[0, b]) == (1, 2)
    assert s.occupant[0, 1, 2] == b and s.occupant[0, 1, 3] == -1


def test_step_limit_rules():
    for rule, expected in (("most_hp_left", core.BLUE_WINS), ("draw", core.DRAW), ("most_units_left", core.DRAW)):
        r = apply_overrides(default_ruleset(), {"match.at_step_limit": rule, "match.max_steps": 3})
        params, s, (bw, rw) = scenario([("blue", "warrior", 0, 0), ("red", "warrior", 7, 7)], ruleset=r)
        s.hp[0, rw] = 50.0
        for _ in range(3):
            s, ev = core.step(params, s, act(s))
        assert s.done[0] and s.winner[0] == expected and ev.done[0], rule


def test_both_teams_wiped_is_a_draw():
    params, s, (a, b) = scenario([("blue", "warrior", 1, 1), ("red", "warrior", 2, 1)])
    s.hp[0, :] = 5.0
    s, _ = core.step(params, s, act(s, **{f"u{a}": ATTACK_NEAREST, f"u{b}": ATTACK_NEAREST}))
    assert s.winner[0] == core.DRAW and not s.alive[0].any()


def test_vision_hides_far_enemies():
    grid = np.full((4, 20), G)
    params, s, (w, e) = scenario([("blue", "warrior", 0, 0), ("red", "warrior", 19, 0)], grid)
    assert (s.enemies[0, w] == -1).all(), "19 cells > vision 7"
    params, s, (w, a, e) = scenario(
        [("blue", "warrior", 0, 0), ("blue", "archer", 12, 0), ("red", "warrior", 19, 0)], grid)
    assert s.enemies[0, w, 0] == e, "an ally's sight is shared"


def test_step_is_pure_and_rejects_bad_action_shapes():
    r = default_ruleset()
    params = core.compile_params(r)
    s = core.reset(params, r.teams["blue"], r.teams["red"], [0, 1])
    before = s.copy()
    s2, _ = core.step(params, s, np.full(s.hp.shape, EAST))
    for name in ("x", "hp", "t", "move_points"):
        assert np.array_equal(getattr(s, name), getattr(before, name))
    assert not np.array_equal(s2.move_points, s.move_points)
    with pytest.raises(ValueError, match="actions must have shape"):
        core.step(params, s, np.zeros((3, 3)))


def test_spawns_come_from_the_seed_alone():
    r = default_ruleset()
    params = core.compile_params(r)
    a = core.reset(params, r.teams["blue"], r.teams["red"], [7, 8, 9])
    b = core.reset(params, r.teams["blue"], r.teams["red"], [9, 7])
    assert np.array_equal(a.x[0], b.x[1]) and np.array_equal(a.y[2], b.y[0])
    assert not np.array_equal(a.x[0], a.x[1])
    w = r.match.arena_width
    blue = a.team[0] == core.BLUE
    assert (a.x[:, blue] < w // 4).all() and (a.x[:, ~blue] >= w - w // 4).all()


def test_observation_and_mask_shapes_and_dead_rows():
    r = default_ruleset()
    params = core.compile_params(r)
    spec = core.observation_spec(params)
    s = core.reset(params, r.teams["blue"], r.teams["red"], [3])
    s.alive[0, 0] = False
    s.hp[0, 0] = 0
    core.refresh(params, s)
    obs, mask = core.observe(params, s, spec)
    assert obs.shape == (1, 14, spec.size) and obs.dtype == np.float32
    assert mask.shape == (1, 14, spec.n_actions) and mask.dtype == np.int8
    assert not obs[0, 0].any() and mask[0, 0].tolist() == [1] + [0] * (spec.n_actions - 1)
    assert (obs[0, 1:, spec.OWN_HP] == 1.0).all() and np.isfinite(obs).all()


def test_maps_are_checked():
    r = default_ruleset()
    params = core.compile_params(r)
    with pytest.raises(MapError, match="2-D grid"):
        core.reset(params, r.teams["blue"], r.teams["red"], [0], terrain=np.zeros(10, dtype=int))
    with pytest.raises(MapError, match=r"tile ids \[99\]"):
        core.reset(params, r.teams["blue"], r.teams["red"], [0], terrain=np.full((8, 8), 99))
    walled = np.full((8, 8), M)
    walled[:, 3:5] = G
    with pytest.raises(MapError, match=r"no free cell left for a \w+ of the blue team \(the left 2 columns\)"):
        core.reset(params, r.teams["blue"], r.teams["red"], [0], terrain=walled)
    r2 = apply_overrides(r, {})
    no_snow = r2.to_dict()
    del no_snow["terrain"]["snow"]
    from envs.ruleset import parse_ruleset

    p2 = core.compile_params(parse_ruleset(no_snow))
    with pytest.raises(MapError, match="snow"):
        core.reset(p2, r.teams["blue"], r.teams["red"], [0], terrain=np.full((8, 8), int(Tile.SNOW)))


def test_a_map_with_spawn_points_gathers_each_team_around_its_point():
    from types import SimpleNamespace as NS

    r = default_ruleset()
    params = core.compile_params(r)
    game_map = NS(tiles=np.full((20, 20), G, dtype=np.int16), spawns=[NS(team=0, x=3, y=16), NS(team=1, x=15, y=4)])
    s = core.reset(params, r.teams["blue"], r.teams["red"], [5, 6], terrain=game_map)
    blue = s.team[0] == core.BLUE
    for b in range(2):
        assert ((s.x[b, blue] - 3) ** 2 + (s.y[b, blue] - 16) ** 2 <= 4).all()  # 7 units fill the nearest cells
        assert ((s.x[b, ~blue] - 15) ** 2 + (s.y[b, ~blue] - 4) ** 2 <= 4).all()
    assert not np.array_equal(s.x[0], s.x[1]), "ties between equally near cells are broken by the seed"


def test_terrain_callable_gives_each_seed_its_own_map():
    r = default_ruleset()
    params = core.compile_params(r)
    maps = {1: builtin_arena(24, 24), 2: np.full((12, 16), G, dtype=np.int16)}
    s = core.reset(params, r.teams["blue"], r.teams["red"], [1, 2], terrain=lambda seed: maps[seed])
    assert s.map_w.tolist() == [24, 16] and s.map_h.tolist() == [24, 12]
    assert (s.terrain[1, 12:, :] == -1).all(), "padding outside the smaller map"
