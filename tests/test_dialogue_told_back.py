"""A memory answer says the player's words back in the second person, never as the NPC's own
(told_back.py). Unit cases on the rewrite, and the engine with a scripted model that copies the
player's line as a small model does (whether the real model copies it is a matter of chance)."""
from __future__ import annotations

import pytest
from dialogue_shared import cast, engine
from test_dialogue_redraw import ScriptedBackend

from gameai.dialogue.grounding import second_person
from gameai.dialogue.told_back import said_back_to_them

NELL = "I'm Nell. I bought the plot behind the mill and I want to build a shed."


@pytest.mark.parametrize("reply, back", [
    # the player's line copied as the NPC's own
    ("I'm Nell. I bought the plot behind the mill, mate.", "You're Nell. You bought the plot behind the mill, mate."),
    # a short copied sentence is an echo too ("I'm Nell." is all of it)
    ("Good to see you again. I'm Nell.", "Good to see you again. You're Nell."),
    # the NPC's own first person stays its own
    ("I remember you, Nell. You bought the plot behind the mill.",
     "I remember you, Nell. You bought the plot behind the mill."),
    ("I'd build it in oak myself.", "I'd build it in oak myself."),
    # it repeats the player's words, but not their "I": the NPC's feeling stays its own
    ("I've a feeling you want to build a shed.", "I've a feeling you want to build a shed."),
])
def test_a_copied_first_person_sentence_is_turned_to_the_player(reply, back):
    assert said_back_to_them(reply, [NELL]) == back


def test_a_name_the_player_gave_is_not_taken_as_the_npcs_own():
    # "I'm Tamsin" repeats "I am Tamsin" once contractions are spelled out
    assert said_back_to_them("Good day, sister. I'm Tamsin.", ["Good day, sister. I am Tamsin."]) == \
        "Good day, sister. You're Tamsin."
    # the player gave the name in other words: the NPC claiming it is still turned
    assert said_back_to_them("I'm Corwin, of course.", ["Hello! Name's Corwin, I'm new in Oakvale."]) == \
        "You're Corwin, of course."
    # the NPC's own name stays its own
    assert said_back_to_them("I'm Mara, and you're Corwin.", ["Name's Corwin."]) == "I'm Mara, and you're Corwin."


def test_nothing_told_changes_nothing():
    assert said_back_to_them("I'm Nell.", []) == "I'm Nell."
    assert said_back_to_them("I'm Nell.", [""]) == "I'm Nell."


def test_an_i_form_mid_sentence_is_not_capitalised():
    assert second_person("Corwin, I'm new in Oakvale.") == "Corwin, you're new in Oakvale."
    assert second_person("I'm new. My name's Corwin.") == "You're new. Your name's Corwin."


def test_the_engine_says_a_copied_memory_back_to_the_player():
    told = "My horse is called Ember, she's lame in one leg."
    b = ScriptedBackend(["Nice mare you have there.", "My horse is called Ember, she's lame in one leg."])
    npc = engine(b).npc(cast()["mara"])
    npc.respond("p-told", told)
    r = npc.respond("p-told", "Do you remember what my horse is called?")
    assert r.facts and r.facts[0].startswith("memory:")
    assert r.text == "Your horse is called Ember, she's lame in one leg."
    assert "output:told_back" in r.flags and not r.fallback
