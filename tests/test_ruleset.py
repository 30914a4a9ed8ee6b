"""The TOML ruleset: the shipped default, round-trips, overrides, and a clear error for every bad case."""
from __future__ import annotations

import math
import pickle
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from envs.ruleset import (MatchRules, RulesetError, apply_overrides, default_ruleset, default_ruleset_text,
                          equal_cost_army, load_ruleset, parse_ruleset)
from pcg.tiles import TILE_IDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "rulesets" / "default.toml"


def test_default_ruleset_is_the_example_file():
    assert default_ruleset_text() == EXAMPLE.read_text(encoding="utf-8")
    assert load_ruleset(EXAMPLE) == default_ruleset()


def test_default_ruleset_has_the_required_content():
    r = default_ruleset()
    assert len(r.unit_names) >= 4
    assert any(u.heal > 0 for u in r.units.values()), "a healer archetype"
    assert any(u.range >= 3 for u in r.units.values()), "a ranged archetype"
    # every value is the file's own, under its own name, with whole-number stats kept whole
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert r.unit_names == tuple(raw["units"]), "file order is the core's type index"
    for name, u in r.units.items():
        written = raw["units"][name]
        for stat in ("hp", "damage", "range", "speed", "armor", "vision"):
            assert getattr(u, stat) == written[stat] and type(getattr(u, stat)) is float, (name, stat)
        for stat in ("cooldown", "cost"):
            assert getattr(u, stat) == written[stat] and type(getattr(u, stat)) is int, (name, stat)
        assert u.heal == written.get("heal", 0.0)
        assert u.blocked_terrain == tuple(written.get("blocked_terrain", ()))
    assert r.units["knight"].blocked_terrain == ("swamp",)
    assert r.match == MatchRules(**raw["match"])
    assert r.teams == raw["teams"]
    # terrain ids line up with the PCG tiles: every tile has a table, under the tile's own id
    assert {t.name: t.tile_id for t in r.terrain.values()} == TILE_IDS
    assert r.team_cost(r.teams["blue"]) <= r.match.budget


def test_every_example_ruleset_loads():
    files = sorted((ROOT / "examples" / "rulesets").glob("*.toml"))
    assert EXAMPLE in files
    for f in files:
        load_ruleset(f)


def test_to_dict_round_trips():
    r = default_ruleset()
    assert parse_ruleset(r.to_dict()) == r
    assert parse_ruleset(tomllib.loads(r.to_toml())) == r


def test_apply_overrides_changes_one_value_and_revalidates():
    r = default_ruleset()
    r2 = apply_overrides(r, {"units.archer.damage": 12.5, "teams.blue.archer": 3})
    assert r2.units["archer"].damage == 12.5 and r2.teams["blue"]["archer"] == 3
    assert r.units["archer"].damage == 11.0, "the original is not modified"
    assert r2.units["warrior"] == r.units["warrior"]


@pytest.mark.parametrize("overrides, path, expected", [
    ({"units.archer.dmg": 1.0}, "units.archer.dmg", "unknown key path"),
    ({"units.ghost.damage": 1.0}, "units.ghost.damage", "unknown key path"),
    ({"units.archer.damage": -1.0}, "units.archer.damage", "finite number >= 0"),
    ({"units.archer.damage": math.nan}, "units.archer.damage", "non-finite"),
    ({"match.max_steps": 0}, "match.max_steps", "whole number >= 1"),
])
def test_apply_overrides_rejects_bad_paths_and_values(overrides, path, expected):
    with pytest.raises(RulesetError) as info:
        apply_overrides(default_ruleset(), overrides)
    assert path in str(info.value) and expected in str(info.value)
    assert info.value.path == path


def test_equal_cost_army_fills_the_budget():
    r = default_ruleset()
    for name, unit in r.units.items():
        army = equal_cost_army(r, name)
        assert list(army) == [name]
        assert army[name] * unit.cost <= r.match.budget < (army[name] + 1) * unit.cost
    assert equal_cost_army(r, "warrior", budget=35) == {"warrior": 3}
    with pytest.raises(RulesetError, match="unknown unit"):
        equal_cost_army(r, "dragon")
    with pytest.raises(RulesetError, match="more than the budget"):
        equal_cost_army(r, "knight", budget=5)


# --- every bad file gives an error naming the file, the key path, the value and what is expected ---

def _write(tmp_path: Path, edit) -> Path:
    """The default ruleset as TOML text with one textual edit applied."""
    text = EXAMPLE.read_text(encoding="utf-8")
    new = edit(text)
    assert new != text, "the edit must change the file"
    p = tmp_path / "bad.toml"
    p.write_text(new, encoding="utf-8")
    return p


BAD_CASES = [
    # (id, edit, key path, bad value shown, expected-text)
    ("unknown-key", lambda s: s.replace("damage = 11.0\n", "damage = 11.0\nmana = 5\n"),
     "units.archer.mana", "5", "unknown key; valid keys are hp, damage"),
    ("wrong-type", lambda s: s.replace("damage = 11.0", 'damage = "lots"'),
     "units.archer.damage", "'lots'", "expected a finite number >= 0, got str"),
    ("bool-for-number", lambda s: s.replace("damage = 11.0", "damage = true"),
     "units.archer.damage", "True", "got bool"),
    ("negative", lambda s: s.replace("damage = 11.0", "damage = -11.0"),
     "units.archer.damage", "-11.0", "got a negative number"),
    ("nan", lambda s: s.replace("damage = 11.0", "damage = nan"),
     "units.archer.damage", "nan", "non-finite"),
    ("inf", lambda s: s.replace("hp = 70.0", "hp = inf"),
     "units.archer.hp", "inf", "non-finite"),
    ("float-cooldown", lambda s: s.replace("cooldown = 3", "cooldown = 2.5"),
     "units.knight.cooldown", "2.5", "whole number >= 1"),
    ("speed-too-high", lambda s: s.replace("speed = 0.5", "speed = 3.0"),
     "units.knight.speed", "3.0", "<= 1"),
    ("missing-stat", lambda s: s.replace("vision = 6.0\n", ""),
     "units.knight.vision", None, "missing required key"),
    ("missing-terrain", lambda s: s.replace('blocked_terrain = ["swamp"]', 'blocked_terrain = ["lava"]'),
     "units.knight.blocked_terrain", "'lava'", "names a terrain type this ruleset does not define"),
    ("unknown-terrain-table", lambda s: s.replace("[terrain.snow]", "[terrain.lava]"),
     "terrain.lava", None, "unknown terrain type"),
    ("defence-too-high", lambda s: s.replace("defence = 0.35", "defence = 1.5"),
     "terrain.settlement.defence", "1.5", "< 1"),
    ("passable-not-bool", lambda s: s.replace("passable = false", 'passable = "no"', 1),
     "terrain.deep_water.passable", "'no'", "expected true or false"),
    ("empty-team", lambda s: s.replace("[teams.red]\nwarrior = 3\narcher = 2\nknight = 1\nhealer = 1",
                                       "[teams.red]"),
     "teams.red", "{}", "the team is empty"),
    ("all-zero-team", lambda s: s.replace("[teams.red]\nwarrior = 3\narcher = 2\nknight = 1\nhealer = 1",
                                          "[teams.red]\nwarrior = 0"),
     "teams.red", "{'warrior': 0}", "the team is empty"),
    ("team-unknown-unit", lambda s: s.replace("[teams.red]\nwarrior = 3", "[teams.red]\ndragon = 3"),
     "teams.red.dragon", "3", "unknown unit; defined units are warrior, archer, knight, healer"),
    ("over-budget", lambda s: s.replace("budget = 100", "budget = 50"),
     "teams.blue", None, "costs 86, more than the match budget of 50"),
    ("negative-count", lambda s: s.replace("[teams.red]\nwarrior = 3", "[teams.red]\nwarrior = -3"),
     "teams.red.warrior", "-3", "got a negative number"),
    ("bool-for-count", lambda s: s.replace("cost = 10", "cost = false"),
     "units.warrior.cost", "False", "expected a whole number >= 1, got bool"),
    ("passable-int", lambda s: s.replace("passable = false", "passable = 0", 1),
     "terrain.deep_water.passable", "0", "expected true or false, got int"),
    ("terrain-unknown-key", lambda s: s.replace("[terrain.snow]", "[terrain.snow]\nslippery = true"),
     "terrain.snow.slippery", "True", "unknown key; valid keys are move_cost, passable, defence"),
    ("unknown-team", lambda s: s + "\n[teams.green]\nwarrior = 1\n", "teams.green", None, "unknown team"),
    ("bad-choice", lambda s: s.replace('at_step_limit = "most_hp_left"', 'at_step_limit = "coin"'),
     "match.at_step_limit", "'coin'", "expected one of 'draw', 'most_hp_left', 'most_units_left'"),
    ("unknown-section", lambda s: s + "\n[economy]\ngold = 5\n", "economy", None, "unknown section"),
    ("missing-section", lambda s: s.split("# ---- Default teams")[0], "teams", None, "missing section [teams]"),
]


@pytest.mark.parametrize("case", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_ruleset_names_file_path_value_and_expectation(tmp_path, case):
    _, edit, path, shown, expected = case
    bad = _write(tmp_path, edit)
    with pytest.raises(RulesetError) as info:
        load_ruleset(bad)
    msg = str(info.value)
    assert re.match(re.escape(str(bad)) + r"(:\d+)?: " + re.escape(path), msg), msg
    if shown is not None:
        assert f"{path} = {shown}" in msg, msg
    assert expected in msg, msg
    assert info.value.path == path and info.value.source == str(bad)


def test_errors_point_at_the_line(tmp_path):
    bad = _write(tmp_path, lambda s: s.replace("damage = 11.0", "damage = -11.0"))
    line = next(n for n, l in enumerate(bad.read_text().splitlines(), 1) if l.startswith("damage = -11.0"))
    with pytest.raises(RulesetError) as info:
        load_ruleset(bad)
    assert info.value.line == line and str(info.value).startswith(f"{bad}:{line}: units.archer.damage = -11.0")
    bad = _write(tmp_path, lambda s: s.replace("vision = 6.0\n", ""))
    with pytest.raises(RulesetError) as info:  # a missing key: the line of its table
        load_ruleset(bad)
    assert bad.read_text().splitlines()[info.value.line - 1].startswith("[units.knight]")


def test_toml_syntax_error_and_missing_file(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text("[units.archer\nhp = 5\n", encoding="utf-8")
    with pytest.raises(RulesetError, match=r"broken\.toml: not valid TOML: .*line 1"):
        load_ruleset(p)
    with pytest.raises(RulesetError, match=r"nope\.toml: file not found"):
        load_ruleset(tmp_path / "nope.toml")


def test_ruleset_error_is_a_value_error_and_survives_pickling(tmp_path):
    assert issubclass(RulesetError, ValueError)
    bad = _write(tmp_path, lambda s: s.replace("damage = 11.0", "damage = -11.0"))
    with pytest.raises(RulesetError) as info:
        load_ruleset(bad)
    # sweep workers send errors to the coordinator between processes
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is RulesetError and str(back) == str(info.value)
    assert (back.path, back.value, back.line, back.source) == ("units.archer.damage", -11.0, info.value.line, str(bad))


def test_default_ruleset_identical_in_a_fresh_process():
    code = "from envs.ruleset import default_ruleset; print(default_ruleset().to_dict())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(default_ruleset().to_dict())


def test_key_paths_get_values_fields_and_replace_without_a_dict_round_trip():
    r = default_ruleset()
    assert r.get("units.archer.damage") == r.units["archer"].damage
    assert r.get("match.budget") == r.match.budget and r.get("terrain.forest.move_cost") == r.terrain["forest"].move_cost
    assert r.get("teams.blue.archer") == r.teams["blue"]["archer"]
    f = r.field("units.archer.speed")
    assert (f.type, f.low, f.high, f.low_open, f.high_open, f.numeric) == (float, 0, 1, True, False, True)
    assert r.field("units.knight.cost").type is int and r.field("units.knight.cost").low == 1
    assert r.field("match.at_step_limit").options == ("draw", "most_hp_left", "most_units_left")
    assert not r.field("units.archer.blocked_terrain").numeric
    r2 = r.with_values({"units.archer.damage": 13, "terrain.forest.defence": 0.5, "match.budget": 120,
                        "teams.red.healer": 0})
    assert r2.get("units.archer.damage") == 13.0 and type(r2.get("units.archer.damage")) is float
    assert r2.get("terrain.forest.defence") == 0.5 and r2.match.budget == 120
    assert "healer" not in r2.teams["red"] and r2.get("teams.red.healer") == 0
    assert r2.units["warrior"] is r.units["warrior"], "unchanged records are shared, not copied"
    # the same result as the old route through plain data
    data = r.to_dict()
    data["units"]["archer"]["damage"] = 13
    data["terrain"]["forest"]["defence"] = 0.5
    data["match"]["budget"] = 120
    data["teams"]["red"]["healer"] = 0
    assert parse_ruleset(data) == r2
    assert r.with_values({}) is r


@pytest.mark.parametrize("overrides, path, expected", [
    ({"units.knight.cost": 200}, "teams.blue", "more than the match budget"),          # a rule across tables
    ({"match.budget": 10}, "teams.blue", "more than the match budget"),
    ({"teams.blue.ghost": 2}, "teams.blue.ghost", "unknown unit"),
    ({"units.archer": 3}, "units.archer", "unknown key path"),
    ({"rules.x": 3}, "rules.x", "unknown key path ('rules'"),
    ({"terrain.forest.passable": 1}, "terrain.forest.passable", "true or false"),
])
def test_with_values_checks_fields_and_the_rules_across_tables(overrides, path, expected):
    with pytest.raises(RulesetError) as info:
        default_ruleset().with_values(overrides)
    assert info.value.path == path and expected in str(info.value)


def test_asking_an_unknown_path_names_it_without_a_value():
    with pytest.raises(RulesetError, match=r"^<default ruleset>: units\.archer\.dmg: unknown key path"):
        default_ruleset().get("units.archer.dmg")
    with pytest.raises(RulesetError, match="unknown key path"):
        default_ruleset().field("match")
