"""A fact answer keeps the sentences that say the fact (focus.py), the player's words come back in
the second person, a relation card that opens with the person's name becomes a sentence, and a
plural landmark takes "are".
No model needed: these are the engine's own text rules, on real persona files."""
from pathlib import Path

import pytest

from gameai.dialogue.embeddings import default_embedder
from gameai.dialogue.focus import focus_on_facts
from gameai.dialogue.grounding import GroundedFact, Grounding, check_grounding, relationship_fact, second_person
from gameai.dialogue.persona import load_persona, persona_from_dict
from gameai.dialogue.voice import address_words

PERSONAS = Path(__file__).resolve().parents[1] / "gameai" / "dialogue" / "data" / "conversation" / "personas"


@pytest.fixture(scope="module")
def common():
    return default_embedder().is_common_word


def _rumor(text: str) -> Grounding:
    return Grounding([GroundedFact("rumor:x", text, "rumor", line_kind="rumor", line_values={"rumor": text})], "rumor")


def test_an_unchecked_sentence_after_the_fact_is_dropped_and_its_address_word_kept(common):
    halvard = load_persona(PERSONAS / "halvard.toml")
    g = Grounding([relationship_fact(halvard, "Tobin")], "relationship")
    line = "Tobin is the innkeeper of the Sleeping Fox, who buys my eels. Lad, the toll house at Millbrook is your sister."
    assert check_grounding(line, g, halvard.currency) == []
    out = focus_on_facts(line, g, halvard.currency, address_words(halvard), common)
    assert out == "Lad, Tobin is the innkeeper of the Sleeping Fox, who buys my eels."
    assert check_grounding(out, g, halvard.currency) == []


def test_a_wrong_sentence_before_the_fact_is_dropped(common):
    kess = load_persona(PERSONAS / "kess.toml")
    rumor = kess.rumors[0].text
    out = focus_on_facts(f"Stranger, you are the caravan master. {rumor}", _rumor(rumor), kess.currency,
                         ("stranger",), common)
    # the moved address word goes in front; a common first word loses its capital, a name keeps it
    assert out == "Stranger, " + rumor[0].lower() + rumor[1:]


def test_a_sentence_that_repeats_the_fact_adds_nothing_and_goes(common):
    line = "Goblins have been seen at the Old Mill after dark. Traveller, that's the Old Mill at night."
    out = focus_on_facts(line, _rumor("Goblins have been seen at the Old Mill after dark."), "gold", ("traveller",),
                         common)
    assert out == "Traveller, goblins have been seen at the Old Mill after dark."


def test_a_trailing_address_word_moves_to_the_front_of_what_is_kept(common):
    g = Grounding([GroundedFact("price:ale", "A mug of ale costs 2 silver.", "price", check=("2",), price=2)], "price")
    out = focus_on_facts("A mug of ale is 2 silver. Best in the valley, friend.", g, "silver", ("friend",), common)
    assert out == "Friend, a mug of ale is 2 silver."


def test_a_fact_spread_over_two_sentences_keeps_both(common):
    quest = "Raiders hit our last caravan near the Broken Obelisk. Scout their camp and tell me how many they are."
    g = Grounding([GroundedFact("quest_hook:raiders", quest, "quest_offer")], "quest_hook")
    assert focus_on_facts(quest, g, "silver", ("stranger",), common) == quest


def test_lines_that_are_all_fact_or_not_a_fact_answer_are_left_alone(common):
    g = _rumor("The mill wheel stopped turning last week.")
    assert focus_on_facts("The mill wheel stopped turning last week.", g, "gold", (), common) \
        == "The mill wheel stopped turning last week."
    refusal = Grounding([GroundedFact("refuse:trust", "Earn my trust first.", "refusal")], "quest_hook")
    line = "Earn my trust first. Then we talk."
    assert focus_on_facts(line, refusal, "gold", (), common) == line
    # a draft the sentence splitter does not cover exactly (no end mark) is not cut
    assert focus_on_facts("The mill wheel stopped turning last week. And then", g, "gold", (), common) \
        == "The mill wheel stopped turning last week. And then"


def test_a_sentence_that_adds_the_facts_own_words_is_kept(common):
    # the price is in the first sentence, the item's name only in the second: both say the fact
    g = Grounding([GroundedFact("price:shield", "A steel shield costs 65 gold.", "price", check=("65",), price=65)],
                  "price")
    line = "That one is 65 gold. A steel shield like that lasts years."
    assert focus_on_facts(line, g, "gold", (), common) == line


@pytest.mark.parametrize("said, back", [
    ("I'm looking for my brother, he's tall with red hair.", "You're looking for your brother, he's tall with red hair."),
    ("My name is Corwin and I am a trapper.", "Your name is Corwin and you are a trapper."),
    ("We came from Lowhearth. I was born there.", "You came from Lowhearth. You were born there."),
    ("I owe you 5 gold.", "You owe me 5 gold."),
    ("You said I could sleep in your barn.", "I said you could sleep in my barn."),
    ("Name's Dain, I told you.", "Name's Dain, you told me."),
])
def test_the_players_words_come_back_in_the_second_person(said, back):
    assert second_person(said) == back


def test_a_memory_fact_gives_the_model_the_players_words_in_the_second_person():
    import numpy as np

    from gameai.dialogue.memory import Memory
    from gameai.dialogue.router import memory_fact

    m = Memory(id=1, turn=3, speaker="player", text="I'm looking for my brother Dain.", importance=5.0,
               embedding=np.zeros(4, np.float32))
    f = memory_fact([m])
    assert f.statement == "Earlier they told you: You're looking for your brother Dain."
    g = Grounding([f], "memory")
    # the NPC saying it back in its own words passes; pronouns are not what the memory is about
    assert check_grounding("Your brother Dain, you're looking for him.", g, "silver") == []
    assert "grounding:fact_not_conveyed:memory:3" in check_grounding("I'm not sure, friend.", g, "silver")


def test_a_relation_that_opens_with_the_persons_name_becomes_a_sentence():
    p = persona_from_dict({"id": "x", "name": "Ysolde", "role": "the abbess", "relationships": [
        {"who": "Anselm", "relation": "Brother Anselm, the keeper of the abbey library"},
        {"who": "Hale", "relation": "Commander Hale, who runs the fort"},
        {"who": "Morrow", "relation": "Captain Morrow, her old rival, who undercuts her prices"},
        {"who": "Maud", "relation": "keeps the toll house"}]})
    assert relationship_fact(p, "Anselm").statement == "Brother Anselm is the keeper of the abbey library."
    assert relationship_fact(p, "Hale").statement == "Commander Hale runs the fort."
    assert relationship_fact(p, "Morrow").statement == "Captain Morrow is my old rival, who undercuts her prices."
    # a relation of another shape keeps the card's own form
    assert relationship_fact(p, "Maud").statement == "Maud: keeps the toll house."


def test_a_short_opener_stays(common):
    g = Grounding([GroundedFact("price:ale", "A mug of ale costs 2 silver.", "price", check=("2",), price=2)], "price")
    assert focus_on_facts("The ale? 2 silver a mug. Tobin's brother brews it in the cellar.", g, "silver", (), common) \
        == "The ale? 2 silver a mug."
    assert focus_on_facts("Aye. 2 silver a mug.", g, "silver", (), common) == "Aye. 2 silver a mug."


def test_a_short_name_is_part_of_the_fact_and_memory_answers_stay_whole(common):
    g = _rumor("Old Ned's dog Pip bit the miller.")
    # "Pip's" says the name: the first sentence states the fact, the second adds nothing
    assert focus_on_facts("Pip bit the miller, lad. Nasty business down at the water.", g, "gold", ("lad",), common) \
        == "Pip bit the miller, lad."
    from gameai.dialogue.grounding import GroundedFact as F
    memory = Grounding([F("memory:2", "Earlier they told you: Your dog's called Pip, he's no trouble.", "memory")],
                       "memory")
    assert focus_on_facts("Pip's your dog, lad. He's no trouble.", memory, "gold", ("lad",), common) \
        == "Pip's your dog, lad. He's no trouble."


def test_a_plural_landmark_takes_are_in_the_fact_and_the_composed_line():
    from gameai.dialogue.grounding import find_facts, verb_be
    from gameai.dialogue.world import World

    assert [verb_be(n) for n in ("the Salt Flats", "the Ashen Hills", "the Old Mill", "the Broken Obelisk",
                                 "the Pass", "Lowhearth")] == ["are", "are", "is", "is", "is", "is"]
    kess = load_persona(PERSONAS / "kess.toml")
    world = World.from_dict({"location": "the oasis", "time": "noon", "landmarks": [
        {"id": "flats", "name": "the salt flats", "direction": "west", "distance": "half a day's ride"}]})
    g = find_facts("Which way to the salt flats?", kess, world, 1)
    assert g.facts[0].statement == "the salt flats are west of here, half a day's ride."
    assert kess.line("direction", 0, **g.facts[0].line_values).startswith("the salt flats are west of here")
