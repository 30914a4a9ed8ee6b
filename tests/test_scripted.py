"""Scripted bots, skill tiers and run_matches: valid actions, distinct play, batch-independent results."""
from __future__ import annotations

import json

import numpy as np
import pytest

from agents import make_policy
from agents.arena import MatchResult, run_matches
from agents.policy import Policy
from agents.scripted import BOTS, STRATEGIES, base_policy
from agents.tiers import TIERS
from envs import core
from envs.maps import builtin_arena
from envs.ruleset import default_ruleset, equal_cost_army

R = default_ruleset()
BLUE, RED = R.teams["blue"], R.teams["red"]


def wins(results, team="blue"):
    return sum(r.winner == team for r in results)


def test_registry_and_tiers():
    assert len(STRATEGIES) >= 3 and set(STRATEGIES) <= set(BOTS)
    assert {"novice", "average", "expert"} <= set(TIERS)
    for name in BOTS:
        assert isinstance(make_policy(name, "novice"), Policy)
    with pytest.raises(ValueError, match="unknown bot 'chess'; available bots: focus_fire"):
        make_policy("chess")
    with pytest.raises(ValueError, match="unknown skill tier 'god'"):
        make_policy("kite", "god")


def _mid_battle(seeds=range(8), steps=25):
    params = core.compile_params(R)
    spec = core.observation_spec(params)
    state = core.reset(params, BLUE, RED, list(seeds))
    pol = {t: make_policy("focus_fire") for t in (0, 1)}
    idx = {t: np.flatnonzero(state.team[0] == t) for t in (0, 1)}
    for t, p in pol.items():
        p.reset(spec, t, list(seeds))
    for _ in range(steps):
        obs, mask = core.observe(params, state, spec)
        a = np.zeros(state.hp.shape, dtype=np.int64)
        for t, p in pol.items():
            a[:, idx[t]] = p.act(obs[:, idx[t]], mask[:, idx[t]])
        core.step_inplace(params, state, a)
    obs, mask = core.observe(params, state, spec)
    return spec, obs[:, idx[0]], mask[:, idx[0]]


@pytest.mark.parametrize("name", list(BOTS))
@pytest.mark.parametrize("tier", ["novice", "expert"])
def test_bots_only_pick_valid_actions(name, tier):
    spec, obs, mask = _mid_battle()
    pol = make_policy(name, tier, seed=3)
    pol.reset(spec, 0, list(range(obs.shape[0])))
    for _ in range(5):
        a = pol.act(obs, mask)
        assert a.shape == obs.shape[:2]
        assert (np.take_along_axis(mask, a[..., None], -1) == 1).all()


def test_strategies_play_differently():
    spec, obs, mask = _mid_battle(steps=30)
    acts = {}
    for name in STRATEGIES:
        p = base_policy(name)
        p.reset(spec, 0, list(range(obs.shape[0])))
        acts[name] = p.act(obs, mask)
    names = list(acts)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert (acts[a] != acts[b]).any(), f"{a} and {b} chose identical actions everywhere"


def test_a_match_depends_only_on_its_own_seed():
    kw = dict(blue_bot="kite", red_bot="retreat", blue_tier="novice", red_tier="average")
    seeds = [11, 3, 7, 5, 2] + list(range(100, 143))  # a big batch: numpy may take other code paths
    batch = run_matches(R, BLUE, RED, seeds, **kw)
    alone = run_matches(R, BLUE, RED, [7], **kw)[0]
    pair = run_matches(R, BLUE, RED, [5, 7], **kw)[1]
    assert batch[2].to_dict() == alone.to_dict() == pair.to_dict()
    assert batch[-1].to_dict() == run_matches(R, BLUE, RED, [142], **kw)[0].to_dict()
    again = run_matches(R, BLUE, RED, seeds[:5], **kw)
    assert [r.to_dict() for r in again] == [r.to_dict() for r in batch[:5]]
    assert len({json.dumps(r.events["kills"]) for r in batch}) > 1, "different seeds, different matches"


def test_results_are_consistent_and_json_safe():
    res = run_matches(R, BLUE, RED, range(6), blue_bot="focus_fire", red_bot="kite", record_attacks=True)
    for r in res:
        assert isinstance(r, MatchResult)
        d = json.loads(json.dumps(r.to_dict()))
        assert d["winner"] in ("blue", "red", "draw") and d["steps"] == r.steps == r.events["duration"]
        for team, other in (("blue", "red"), ("red", "blue")):
            stats = r.unit_stats[team]
            assert sum(s["count"] for s in stats.values()) == sum((BLUE if team == "blue" else RED).values())
            assert r.kills[team] == sum(s["deaths"] for s in r.unit_stats[other].values())
            assert r.damage[team] == pytest.approx(sum(s["damage_taken"] for s in r.unit_stats[other].values()))
            assert r.damage[team] == pytest.approx(sum(r.events["damage_by_step"][team]))
            assert r.damage[team] == pytest.approx(sum(a["damage"] for a in r.events["attacks"]
                                                       if (a["attacker"] < 7) == (team == "blue")))
            assert r.survivors[team] == sum(s["count"] - s["deaths"] for s in stats.values())
        assert len(r.events["kills"]) == r.kills["blue"] + r.kills["red"]
        if r.winner != "draw":
            loser = "red" if r.winner == "blue" else "blue"
            assert r.survivors[r.winner] > 0 and (r.survivors[loser] == 0 or r.steps == R.match.max_steps)


def test_skill_shows_in_results():
    seeds = list(range(24))
    assert wins(run_matches(R, BLUE, RED, seeds, red_bot="random")) >= 22, "any strategy beats random play"
    expert_vs_novice = run_matches(R, BLUE, RED, seeds, blue_tier="expert", red_tier="novice")
    assert wins(expert_vs_novice) >= 18


def test_equal_cost_armies_and_custom_terrain():
    archers, warriors = equal_cost_army(R, "archer"), equal_cost_army(R, "warrior")
    maps = {s: builtin_arena(20 + 2 * s, 16) for s in range(3)}
    res = run_matches(R, archers, warriors, range(3), terrain=lambda s: maps[s], max_steps=60)
    assert all(r.steps <= 60 for r in res)
    assert list(res[0].unit_stats["blue"]) == ["archer"] and res[0].unit_stats["red"]["warrior"]["count"] == 10


def test_a_policy_object_plugs_in():
    class Charge:
        """A minimal custom policy: always advance east (or west for red), else hold."""

        def reset(self, spec, team, seeds):
            self.move = 3 if team == 0 else 7

        def act(self, obs, mask):
            return np.where(mask[..., self.move] > 0, self.move, 0)

    res = run_matches(R, BLUE, RED, [1, 2], blue_bot=Charge(), red_bot="focus_fire", max_steps=80)
    assert all(r.config["blue_bot"] == "Charge" for r in res)
    assert all(r.damage["blue"] == 0.0 for r in res), "it never attacks"


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="seeds must be whole numbers >= 0"):
        run_matches(R, BLUE, RED, [-1])
    with pytest.raises(ValueError, match="unknown unit"):
        run_matches(R, {"dragon": 1}, RED, [0])
    with pytest.raises(ValueError, match="the team is empty"):
        run_matches(R, {}, RED, [0])
    with pytest.raises(TypeError, match="bot name or a Policy"):
        run_matches(R, BLUE, RED, [0], blue_bot=42)


def test_bots_find_their_way_around_a_wall():
    from pcg.tiles import Tile

    grid = np.full((16, 16), int(Tile.GRASSLAND), dtype=np.int16)
    grid[0:13, 8] = int(Tile.MOUNTAIN)  # a wall between the spawn zones, open only at the bottom
    res = run_matches(R, {"warrior": 2}, {"warrior": 2}, range(6), terrain=grid, max_steps=200)
    # greedy steering alone leaves both teams pressed against the wall, never fighting
    assert all(r.kills["blue"] + r.kills["red"] > 0 for r in res), [r.steps for r in res]
