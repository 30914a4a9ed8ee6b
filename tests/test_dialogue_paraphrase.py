"""A fact answer in the model's words stands only when every word of it comes from the fact, the
player's line, the persona or English grammar; otherwise the exact clause is said. The model is a
scripted backend here: what is under test is the engine's verification, and a real model would make
which draft comes out a matter of chance."""
from __future__ import annotations

import pytest
from test_dialogue_redraw import ScriptedBackend

from dialogue_shared import engine
from gameai.dialogue.grounding import find_facts
from gameai.dialogue.paraphrase import fact_sources, unverified
from gameai.dialogue.persona import persona_from_dict
from gameai.dialogue.world import World

POTTER = persona_from_dict({
    "id": "nell", "name": "Nell Ashcombe", "role": "the potter of Brackwater",
    "speech_style": "warm and quick; calls people 'duck'",
    "description": "A potter with clay to her elbows.",
    "facts": [{"id": "kiln", "text": "Nell fires her kiln every ninth day.", "value": "ninth",
               "keywords": ["kiln", "fire the"]}],
    "shop": {"currency": "pennies", "items": [
        {"id": "jug", "name": "cider jug", "price": 6, "aliases": ["jug"]},
        {"id": "bowl", "name": "glazed bowl", "price": 4, "aliases": ["bowl"]}]},
    "world": {"location": "the Brackwater pottery", "time": "noon",
              "landmarks": [{"id": "pits", "name": "the clay pits", "direction": "south",
                             "distance": "a mile past the ford"}]},
}, source="test potter")
WORLD = World.from_dict(POTTER.world)


def _why(question: str, answer: str) -> str | None:
    g = find_facts(question, POTTER, WORLD, 1)
    assert g.facts, question
    return unverified(answer, fact_sources(POTTER, g, question))


@pytest.mark.parametrize("question, answer", [
    ("How much is the cider jug?", "The cider jug? Six pennies, duck."),
    ("How much is the cider jug?", "6 pennies for the cider jug."),
    ("How much is the cider jug?", "That cider jug costs 6 pennies."),
    ("Which way to the clay pits?", "The clay pits are south of here, a mile past the ford."),
    ("When do you fire the kiln?", "I fire my kiln every ninth day."),
])
def test_a_paraphrase_made_of_the_facts_own_words_is_verified(question, answer):
    assert _why(question, answer) is None


@pytest.mark.parametrize("question, answer, why", [
    # a phrase said twice: a splice
    ("How much is the cider jug?", "6 pennies for a cider jug for a cider jug.", "phrase:"),
    # the amount twice
    ("How much is the cider jug?", "Six pennies for the cider jug at 6, duck.", "number:6"),
    # a claim of its own: another direction, another amount, another thing
    ("Which way to the clay pits?", "Head north, duck. The clay pits are south of here.", "word:north"),
    ("How much is the cider jug?", "The cider jug is 6 pennies, or 9 for two.", "word:9"),
    ("When do you fire the kiln?", "I fire my kiln every ninth day, when the moon is full.", "word:moon"),
])
def test_a_paraphrase_that_splices_or_adds_a_claim_is_not(question, answer, why):
    got = _why(question, answer)
    assert got is not None and got.startswith(why)


def test_an_unverified_fact_answer_is_drawn_again_and_a_verified_draw_stands():
    b = ScriptedBackend(["Six pennies for the cider jug at 6, duck.", "The cider jug? Six pennies, duck."])
    r = engine(b).npc(POTTER).respond("p", "How much is the cider jug?")
    assert r.text == "The cider jug? Six pennies, duck." and not r.fallback
    assert any(f.startswith("output:unverified:number:6") for f in r.flags) and "output:redrawn:1" in r.flags


def test_when_no_draw_is_verified_the_exact_clause_is_said():
    b = ScriptedBackend(["Six pennies for the cider jug at 6, duck."])
    r = engine(b, redraws=2).npc(POTTER).respond("p", "How much is the cider jug?")
    assert len(b.seeds) == 3
    # the listed price once, in a well-formed authored sentence
    assert "6 pennies" in r.text and r.text.count("6") == 1 and "at 6" not in r.text and r.fallback
    assert r.intent.args["price"] == 6


def test_the_sentences_that_verify_stand_when_they_still_state_the_fact():
    b = ScriptedBackend(["The cider jug sells best at the market. Six pennies for the cider jug, duck."])
    r = engine(b).npc(POTTER).respond("p", "How much is the cider jug?")
    assert r.text == "Six pennies for the cider jug, duck." and not r.fallback
    assert "output:unverified_dropped:word:sells" in r.flags and len(b.seeds) == 1
    # ... but not when what verifies no longer states it: then the line is drawn again
    b = ScriptedBackend(["It is a fine jug. Folk pay 6 pennies for it.", "The cider jug? Six pennies, duck."])
    r = engine(b).npc(POTTER).respond("p", "How much is the cider jug?")
    assert r.text == "The cider jug? Six pennies, duck." and len(b.seeds) == 2


def test_a_verified_fact_answer_stands_in_the_models_words():
    b = ScriptedBackend(["The cider jug? Six pennies, duck."])
    r = engine(b).npc(POTTER).respond("p", "How much is the cider jug?")
    assert r.text == "The cider jug? Six pennies, duck." and not r.fallback
    assert not any(f.startswith("output:unverified") for f in r.flags)


def test_a_phrase_said_twice_counts_with_its_contraction_spelled_out():
    assert _why("When do you fire the kiln?", "It is the ninth day. I fire my kiln, it's the ninth day.") \
        .startswith("phrase:")


def test_a_claim_the_fact_denies_is_caught_though_every_word_is_the_facts():
    from gameai.dialogue.grounding import relationship_fact
    from gameai.dialogue.paraphrase import contradicted
    pits = find_facts("Which way to the clay pits?", POTTER, WORLD, 1)
    assert contradicted("You're at the clay pits, and they are south of here.", pits) == "place:you_are_there"
    assert contradicted("The clay pits are south of here, a mile past the ford.", pits) is None
    sister = persona_from_dict({"id": "v", "name": "Vell", "role": "a baker",
                                "relationships": [{"who": "Margit", "relation": "my sister, who runs the pie stall"}]},
                               source="test baker")
    g = relationship_fact(sister, "Margit")
    from gameai.dialogue.grounding import Grounding
    assert contradicted("I'm Margit, my sister.", Grounding([g], "relationship")) == "identity:Margit"
    assert contradicted("Margit is my sister, who runs the pie stall.", Grounding([g], "relationship")) is None
