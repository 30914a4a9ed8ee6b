"""The persona's own forms of address (gameai/dialogue/voice.py)."""
import pytest

from gameai.dialogue.persona import persona_from_dict
from gameai.dialogue.voice import address_words, keep_own_address


def _persona(style: str = "", lines: dict | None = None):
    return persona_from_dict({"id": "p", "name": "Pell Ashby", "role": "the miller", "speech_style": style,
                              "lines": lines or {}})


def test_declared_address_word_comes_from_the_speech_style_and_authored_lines():
    assert address_words(_persona("gruff; calls people 'pup'")) == ("pup",)
    assert address_words(_persona("warm; says \"neighbour\"")) == ("neighbour",)
    assert address_words(_persona("soft", {"greeting": ["Come in, dear."]})) == ("dear",)
    assert address_words(_persona("soft and slow")) == ()


@pytest.mark.parametrize("line, fixed", [
    ("Come with me, stranger.", "Come with me, pup."),
    ("Stranger, the flats lie west.", "Pup, the flats lie west."),
    ("Well, my friend, the sword is forty gold.", "Well, pup, the sword is forty gold."),
    ("Good day, sir! The mill is east.", "Good day, pup! The mill is east."),
    ("Off with you, pup.", "Off with you, pup."),                   # its own word stays
    ("I came here with my friend, he is tall.", "I came here with my friend, he is tall."),  # not a vocative
    ("The sailor sold me a rope.", "The sailor sold me a rope."),
])
def test_foreign_vocatives_become_the_personas_own(line, fixed):
    assert keep_own_address(line, _persona("barks; calls people 'pup'")) == fixed


def test_a_persona_with_no_address_word_speaks_neutrally():
    p = _persona("soft and slow")
    assert keep_own_address("Come with me, stranger.", p) == "Come with me."
    assert keep_own_address("Lad, the well is dry.", p) == "The well is dry."
    assert keep_own_address("Well, my friend, it rains.", p) == "Well, it rains."


def test_a_sentence_that_is_only_a_form_of_address_takes_the_personas_own():
    from gameai.dialogue.voice import keep_own_address
    p = persona_from_dict({"id": "bee", "name": "Gisela", "role": "a beekeeper",
                           "speech_style": "sing-song; calls people 'sweetling'"}, source="test")
    assert keep_own_address("My friend.", p) == "My sweetling."
    assert keep_own_address("Honey. Two marks a jar.", p) == "Honey. Two marks a jar."  # a ware, not a vocative
