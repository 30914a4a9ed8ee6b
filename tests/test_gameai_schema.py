"""gameai_schema, the checks every data format shares: what each check accepts, how problems are worded,
the order they are reported in, and the line a TOML error points at."""
from __future__ import annotations

import math
import pickle

import pytest

from gameai_schema import Checker, DataError, Invalid, boolean, choice, integer, line_of, load_toml, number, string_list


class ToyError(DataError):
    """A format's own error type, as each format declares one."""


def expected_of(check, value) -> str:
    with pytest.raises(Invalid) as info:
        check(value)
    return info.value.expected


def test_number_bounds_and_their_wording():
    assert number(0)(0) == 0.0 and type(number(0)(3)) is float
    assert expected_of(number(0), -1) == "expected a finite number >= 0, got a negative number"
    assert expected_of(number(0, lo_open=True), 0) == "expected a finite number > 0"
    assert expected_of(number(0, 1, hi_open=True), 1.0) == "expected a finite number >= 0 and < 1"
    assert expected_of(number(hi=2.5), 3) == "expected a finite number <= 2.5"
    for bad in (math.nan, math.inf, -math.inf):
        assert expected_of(number(), bad).endswith("got a non-finite value")
    assert expected_of(number(), True).endswith("got bool")  # bool is an int in Python, not a number in TOML
    assert expected_of(number(), "5").endswith("got str")


def test_integer_boolean_choice_and_string_list():
    assert integer(1)(3) == 3
    assert expected_of(integer(1), 2.0) == "expected a whole number >= 1, got float"
    assert expected_of(integer(0), -2) == "expected a whole number >= 0, got a negative number"
    assert expected_of(integer(0), math.nan).endswith("got a non-finite value")
    assert expected_of(integer(0), False).endswith("got bool")
    assert boolean(False) is False and expected_of(boolean, 0) == "expected true or false, got int"
    assert choice(("a", "b"))("b") == "b" and expected_of(choice(("a", "b")), "c") == "expected one of 'a', 'b'"
    assert string_list("tags", '["x"]')(["x", "y"]) == ("x", "y")
    assert expected_of(string_list("tags", '["x"]'), "x") == 'expected a list of tags, like ["x"]'


FIELDS = {"hp": number(0, lo_open=True), "count": integer(0), "tag": choice(("a", "b"))}


def test_fields_reports_the_first_problem_in_file_order_then_missing_keys():
    c = Checker("npc.toml", ToyError)
    assert c.fields({"count": 2, "hp": 5}, "unit", FIELDS, required=("hp",)) == {"count": 2, "hp": 5.0}
    with pytest.raises(ToyError) as info:
        c.fields({"hp": -1, "mana": 3}, "unit", FIELDS)
    assert str(info.value) == "npc.toml: unit.hp = -1: expected a finite number > 0, got a negative number"
    with pytest.raises(ToyError) as info:
        c.fields({"mana": 3, "hp": -1}, "unit", FIELDS)
    assert str(info.value) == "npc.toml: unit.mana = 3: unknown key; valid keys are hp, count, tag"
    with pytest.raises(ToyError) as info:
        c.fields({"count": 1}, "unit", FIELDS, required=("hp", "tag"))
    assert str(info.value) == "npc.toml: unit.hp: missing required key (add `hp = ...` to [unit])"
    assert (info.value.path, info.value.value, info.value.show_value) == ("unit.hp", None, False)
    with pytest.raises(ToyError, match=r"npc.toml: unit = 5: expected a table of settings"):
        c.fields(5, "unit", FIELDS)


def test_value_names_the_path_and_the_value():
    with pytest.raises(DataError) as info:
        Checker("<dict>").value("teams.red.archer", 2.5, integer(0))
    assert str(info.value) == "<dict>: teams.red.archer = 2.5: expected a whole number >= 0, got float"


TEXT = """# a toy file
[unit]
hp = 5
count = -1   # the bad one

[unit.extra]
tag = "c"
"""


def parse_toy(data, source):
    c = Checker(source, ToyError)
    unit = dict(data["unit"])
    extra = unit.pop("extra")
    c.fields(unit, "unit", FIELDS)
    return c.fields(extra, "unit.extra", FIELDS)


def test_line_of_finds_keys_and_falls_back_to_the_table_header():
    assert line_of(TEXT, "unit.count") == 4
    assert line_of(TEXT, "unit.extra.tag") == 7
    assert line_of(TEXT, "unit.hp_missing") == 2  # a missing key: its table's header
    assert line_of(TEXT, "elsewhere") is None and line_of(TEXT, "") is None


def test_load_toml_points_at_the_line_and_keeps_the_format_error_type(tmp_path):
    p = tmp_path / "toy.toml"
    p.write_text(TEXT, encoding="utf-8")
    with pytest.raises(ToyError) as info:
        load_toml(p, parse_toy, ToyError, "a toy file")
    assert str(info.value) == f"{p}:4: unit.count = -1: expected a whole number >= 0, got a negative number"
    assert info.value.line == 4
    p.write_text(TEXT.replace("count = -1", "count = 1"), encoding="utf-8")
    with pytest.raises(ToyError, match=r"toy.toml:7: unit.extra.tag = 'c': expected one of 'a', 'b'"):
        load_toml(p, parse_toy, ToyError, "a toy file")
    with pytest.raises(ToyError, match=r"missing.toml: file not found; pass the path of a toy file$"):
        load_toml(tmp_path / "missing.toml", parse_toy, ToyError, "a toy file")
    p.write_text("[unit\n", encoding="utf-8")
    with pytest.raises(ToyError, match=r"toy.toml: not valid TOML: "):
        load_toml(p, parse_toy, ToyError, "a toy file")


def test_errors_survive_pickling_with_their_type_and_fields():
    err = ToyError("f.toml", "a.b", [1], "expected x", line=3)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ToyError and str(back) == "f.toml:3: a.b = [1]: expected x"
    assert (back.source, back.path, back.value, back.expected, back.line) == ("f.toml", "a.b", [1], "expected x", 3)
