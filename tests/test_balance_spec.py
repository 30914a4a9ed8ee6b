"""Sweep specs: designs from the TOML, and a clear error for every kind of bad spec."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

from gameai.balance.design import build_design, from_unit
from gameai.balance.spec import Param, SpecError, load_spec

BASE = """
name = "t"
master_seed = 5
[matchups]
equal_cost = ["warrior", "archer", "knight"]
[play]
tiers = ["novice", "expert"]
matches = 4
"""


def write(tmp_path, text: str, name="spec.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_grid_design_covers_every_combination_and_keeps_whole_number_fields_whole(tmp_path):
    spec = load_spec(write(tmp_path, BASE + """
[params]
"units.archer.damage" = { range = [8, 14], steps = 4 }
units.knight.cost = [16, 20]
[design]
include_base = false
"""))
    configs = build_design(spec)
    assert len(configs) == 8
    assert {dict(c.overrides)["units.archer.damage"] for c in configs} == {8.0, 10.0, 12.0, 14.0}
    costs = {dict(c.overrides)["units.knight.cost"] for c in configs}
    assert costs == {16, 20} and all(isinstance(v, int) for v in costs)   # cost is an int field
    assert len({c.id for c in configs}) == 8


@pytest.mark.parametrize("kind,n", [("sobol", 8), ("lhs", 7), ("random", 5)])
def test_quasi_random_designs_are_reproducible_and_stay_in_bounds(tmp_path, kind, n):
    text = BASE + f"""
[params]
"units.archer.damage" = {{ range = [6, 16] }}
"units.warrior.hp" = {{ distribution = "normal", mean = 120, sd = 15, low = 90, high = 150 }}
"units.knight.armor" = {{ distribution = "loguniform", low = 2, high = 16 }}
[design]
kind = "{kind}"
samples = {n}
include_base = false
"""
    a = build_design(load_spec(write(tmp_path, text)))
    b = build_design(load_spec(write(tmp_path, text, "copy.toml")))
    assert [c.overrides for c in a] == [c.overrides for c in b]
    assert len(a) == n
    for c in a:
        d = dict(c.overrides)
        assert 6 <= d.get("units.archer.damage", 11) <= 16
        assert 90 <= d.get("units.warrior.hp", 120) <= 150
        assert 2 <= d.get("units.knight.armor", 8) <= 16


def test_latin_hypercube_puts_one_point_in_each_stratum():
    p = Param(key="units.archer.damage", low=0.0, high=10.0)
    from gameai.balance.design import unit_points

    u = unit_points("lhs", 10, 1, seed=1)[:, 0]
    vals = from_unit(p, u)
    assert sorted(np.floor(vals).astype(int).tolist()) == list(range(10))


def test_base_ruleset_is_the_first_configuration_by_default(tmp_path):
    spec = load_spec(write(tmp_path, BASE + '[params]\n"units.archer.damage" = [9, 13]\n'))
    configs = build_design(spec)
    assert configs[0].id == "base" and configs[0].overrides == ()
    assert len(configs) == 3


@pytest.mark.parametrize("extra,needle", [
    ('[params]\n"units.archer.dammage" = [9, 13]\n', "units.archer.dammage"),          # unknown key path
    ('[params]\n"units.archer.damage" = [9, -4]\n', "-4"),                              # rejected by ruleset
    ('[params]\n"units.archer.damage" = []\n', "empty"),                                # empty list
    ('[params]\n"units.archer.damage" = { range = [8, 16] }\n', "steps"),               # grid without steps
    ('[params]\n"units.archer.damage" = { range = [8, 16] }\n[design]\nkind = "sobol"\nsamples = 10\n',
     "power of two"),
    ('[params]\n"units.archer.damage" = { range = [8, 16] }\n[design]\nkind = "lhs"\nsamples = 0\n', "empty design"),
    ('[design]\ninclude_base = false\n', "empty design"),
    ('[params]\n"units.archer.damage" = { range = [16, 8], steps = 3 }\n', "low must be below high"),
    ('[params]\n"units.archer.damage" = { distribution = "cauchy", low = 1, high = 2 }\n', "unknown distribution"),
    ('[design]\nkind = "factorial"\n', "unknown design"),
    ('paramz = 3\n', "unknown key 'paramz'"),
])
def test_bad_specs_get_clear_errors(tmp_path, extra, needle):
    path = write(tmp_path, BASE + extra)
    with pytest.raises(SpecError) as err:
        build_design(load_spec(path))
    msg = str(err.value)
    assert str(path) in msg and needle in msg


@pytest.mark.parametrize("text,needle", [
    (BASE.replace('equal_cost = ["warrior", "archer", "knight"]', 'equal_cost = ["warrior", "dragon"]'), "dragon"),
    (BASE.replace("[play]", '[play]\nbots = ["focus_fire", "cheater"]'), "cheater"),
    (BASE.replace('tiers = ["novice", "expert"]', 'tiers = ["godlike"]'), "godlike"),
    (BASE.replace("matches = 4", "matches = 0"), "play.matches"),
    (BASE.replace('[matchups]\nequal_cost = ["warrior", "archer", "knight"]', "[matchups]"), "no matchups"),
    (BASE + "[armies]\nhorde = { warrior = 50 }\n[matchups.x]\n", "matchups"),
    (BASE.replace("[matchups]", "[armies]\nhorde = { warrior = 50 }\n[matchups]\nround_robin = [\"horde\"]\n"
                  "mirrors = true"), "budget"),
    (BASE.replace("[play]", '[play]\nreference_bot = "kite"'), "play.reference_bot: is not one of the bots"),
    ("name = \"t\"\n[params\n", "not valid TOML"),
    ('ruleset = "missing.toml"\n' + BASE, "no such ruleset file"),
])
def test_bad_matchups_bots_tiers_and_toml_get_clear_errors(tmp_path, text, needle):
    with pytest.raises(SpecError) as err:
        load_spec(write(tmp_path, text))
    assert needle in str(err.value)


def test_a_swept_cost_that_leaves_an_equal_cost_army_empty_is_caught_before_playing(tmp_path):
    text = BASE.replace("[matchups]", "[matchups]\nbudget = 25") + '[params]\n"units.knight.cost" = [18, 30]\n'
    spec = load_spec(write(tmp_path, text))
    with pytest.raises(SpecError, match="knight.cost=30.*budget of 25"):
        build_design(spec)


def test_a_spec_may_point_at_its_own_ruleset_file(tmp_path):
    from envs.ruleset import default_ruleset_text

    (tmp_path / "rules.toml").write_text(default_ruleset_text().replace("damage = 11.0", "damage = 33.0"))
    spec = load_spec(write(tmp_path, 'ruleset = "rules.toml"\n' + BASE))
    assert spec.base_ruleset.units["archer"].damage == 33.0


def test_a_swept_cost_that_pushes_a_named_army_over_budget_is_caught_before_playing(tmp_path):
    text = BASE.replace('[matchups]\nequal_cost = ["warrior", "archer", "knight"]',
                        '[armies]\nvolley = { archer = 6, healer = 1 }\nwall = { warrior = 5 }\n'
                        '[matchups]\npairs = [["volley", "wall"]]')
    spec = load_spec(write(tmp_path, text + '[params]\n"units.archer.cost" = [12, 16]\n'))
    with pytest.raises(SpecError, match="archer.cost=16.*armies.volley.*budget"):
        build_design(spec)


def test_errors_name_the_line_of_the_bad_key_and_keep_their_fields(tmp_path):
    path = write(tmp_path, BASE.replace("matches = 4", "matches = 0"))
    with pytest.raises(SpecError) as err:
        load_spec(path)
    e = err.value
    assert str(e).startswith(f"{path}:8: play.matches: must be at least 1 (got 0)")
    assert (e.path, e.value, e.line) == ("play.matches", 0, 8)
    import pickle

    assert str(pickle.loads(pickle.dumps(e))) == str(e)       # errors cross process boundaries whole
    quoted = write(tmp_path, BASE + '[params]\n"units.archer.dammage" = [9, 13]\n', "q.toml")
    with pytest.raises(SpecError, match=r"q\.toml:10: params\.units\.archer\.dammage: not a key path"):
        load_spec(quoted)


def test_only_numeric_ruleset_fields_can_be_swept_and_team_counts_are_whole(tmp_path):
    with pytest.raises(SpecError, match="blocked_terrain: is not a number in the ruleset"):
        load_spec(write(tmp_path, BASE + '[params]\n"units.archer.blocked_terrain" = [1, 2]\n'))
    spec = load_spec(write(tmp_path, BASE + '[params]\n"teams.blue.healer" = { range = [0, 1], steps = 2 }\n', "t.toml"))
    assert spec.param("teams.blue.healer").integer


def test_each_configuration_carries_its_validated_ruleset(tmp_path):
    spec = load_spec(write(tmp_path, BASE + '[params]\n"units.archer.damage" = [9, 13]\n'))
    configs = build_design(spec)
    assert configs[0].ruleset is spec.base_ruleset
    for c in configs[1:]:
        assert c.ruleset.get("units.archer.damage") == dict(c.overrides)["units.archer.damage"]
    from gameai.balance.plan import plan_matches, work_units

    units = work_units(spec, plan_matches(spec, configs))
    assert all(u.ruleset is u.tasks[0].config.ruleset for u in units), "workers get the ruleset built once"
