"""Persona TOML and world data: the shipped cast loads; bad files get messages naming file and field."""

import pytest

from gameai.dialogue import PersonaError, World, WorldError, cast_dir, load_cast, load_persona
from gameai.dialogue.persona import DEFAULT_LINES, persona_from_dict


def test_shipped_cast_loads_with_facts_secrets_prices_and_worlds():
    cast = load_cast()
    assert {p.id for p in cast} == {"mara", "tobin", "elsbeth", "wren"}
    mara = next(p for p in cast if p.id == "mara")
    assert mara.name == "Mara Ironhand"
    assert {it.id: it.price for it in mara.shop}["iron_sword"] == 40
    assert mara.secrets and mara.facts and mara.quests and mara.relationships and mara.rumors
    w = World.from_dict(mara.world)
    assert w.location == "the Forge in Oakvale" and any(lm.id == "old_mill" for lm in w.landmarks)


def test_persona_lines_fall_back_to_defaults_and_format_values():
    mara = load_persona(cast_dir() / "mara.toml")
    assert "40 gold" in mara.line("price", 0, item="iron sword", price=40, currency="gold")
    assert mara.line("puzzled", 0) in DEFAULT_LINES["puzzled"]
    assert mara.line("intro", 0, name=mara.name, role=mara.role) == "I am Mara Ironhand, the blacksmith of Oakvale."


def test_missing_persona_file_says_where_examples_are(tmp_path):
    with pytest.raises(PersonaError, match="persona file not found.*cast"):
        load_persona(tmp_path / "nobody.toml")


def test_broken_toml_names_the_file_and_the_problem(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('name = "Mara"\nrole = \n', encoding="utf-8")
    with pytest.raises(PersonaError, match=r"broken\.toml: not valid TOML"):
        load_persona(bad)


def test_non_utf8_file_is_rejected_cleanly(tmp_path):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('name = "Ma\xefra"\n'.encode("latin-1"))
    with pytest.raises(PersonaError, match="not UTF-8"):
        load_persona(bad)


@pytest.mark.parametrize("data, field", [
    ({"role": "smith"}, "'name'"),
    ({"name": "Mara", "role": "smith", "shop": {"items": [{"id": "s", "name": "sword", "price": -5}]}}, "shop.items[0].price"),
    ({"name": "Mara", "role": "smith", "shop": {"items": [{"id": "s", "name": "sword", "price": 1.5}]}}, "shop.items[0].price"),
    ({"name": "Mara", "role": "smith", "facts": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}, "'facts'"),
    ({"name": "Mara", "role": "smith", "favourite_colour": "red"}, "'favourite_colour'"),
    ({"name": "Mara", "role": "smith", "lines": {"shout": ["hey"]}}, "lines.shout"),
    ({"name": "Mara", "role": "smith", "on_foreign_language": "guess"}, "on_foreign_language"),
    ({"name": "Mara", "role": "smith", "traits": "gruff"}, None),  # a single string is accepted as one trait
])
def test_bad_fields_are_named(data, field):
    if field is None:
        assert persona_from_dict(data, "p.toml").traits == ("gruff",)
        return
    with pytest.raises(PersonaError) as err:
        persona_from_dict(data, "p.toml")
    assert "p.toml" in str(err.value) and field in str(err.value)


def test_empty_cast_folder_is_an_error(tmp_path):
    with pytest.raises(PersonaError, match="no persona .toml files"):
        load_cast(tmp_path)


@pytest.mark.parametrize("data, msg", [
    ({"reputation": "high"}, "reputation"),
    ({"reputation": float("nan")}, "reputation"),
    ({"landmarks": [{"id": "well", "name": "Well"}]}, "landmarks\\[0\\].direction"),
    ({"inventory": {"sword": "one"}}, "inventory"),
    ({"weather": "rain"}, "unknown field 'weather'"),
    ("Oakvale", "must be a mapping"),
])
def test_bad_world_data_is_named(data, msg):
    with pytest.raises(WorldError, match=msg):
        World.from_dict(data)


def test_world_from_plain_data_round_trip():
    w = World.from_dict({"location": "Oakvale", "time": "dawn", "reputation": 12,
                         "landmarks": [{"id": "w", "name": "the Well", "direction": "north"}],
                         "quests": [{"id": "q", "name": "Rats", "state": "in progress"}],
                         "inventory": {"bread": 2}})
    assert w.landmarks[0].direction == "north" and w.quests[0].state == "in progress" and w.inventory["bread"] == 2
