"""Chat shorthand and slips of the NPC's own words, mended for routing (spelling.py)."""
from __future__ import annotations

import pytest

from dialogue_shared import embedder
from gameai.dialogue.persona import persona_from_dict
from gameai.dialogue.place_words import place_aliases
from gameai.dialogue.spelling import mend, own_words
from gameai.dialogue.world import World

PERSONA = persona_from_dict({
    "id": "tova", "name": "Tova", "role": "the chandler",
    "shop": {"currency": "pennies", "items": [{"id": "candle", "name": "tallow candle", "price": 2, "aliases": ["candle"]},
                                              {"id": "lamp", "name": "castle lamp", "price": 9}]},
    "world": {"landmarks": [{"id": "chapel", "name": "Saint Ebbe's chapel", "direction": "north"}]},
}, source="test chandler")


@pytest.fixture(scope="module")
def own():
    return own_words(PERSONA, World.from_dict(PERSONA.world or None))


@pytest.mark.parametrize("typed, meant", [
    ("hw much for a candel", "how much for a candle"),
    ("wheres the chaple", "wheres the chapel"),
    ("r u open", "are you open"),
])
def test_shorthand_and_slips_are_mended(own, typed, meant):
    assert mend(typed, own, embedder().is_common_word).lower() == meant


@pytest.mark.parametrize("line", [
    "any cattle for sale",          # an English word near "castle" stays
    "how many candles",             # an inflection of the NPC's word stays
    "i'm skint",                    # slang that only drops a letter of nothing of the NPC's
    "",                             # nothing to mend
    "   ",
    "12 ??? !!",
    "ünïcödé çhàpel",
])
def test_words_that_are_not_slips_stay(own, line):
    assert mend(line, own, embedder().is_common_word) == line


def test_place_aliases_by_kind():
    assert "lake" in place_aliases("Sallow Mere", "mere")
    assert "grain store" in place_aliases("Shadd's granary", "granary")
    assert place_aliases("Gull Point", "gull point") == ()
    assert "mere" not in place_aliases("Sallow Mere", "mere")
