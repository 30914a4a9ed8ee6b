"""A failed model line is drawn again before any authored line, and a guard that cuts a line never
leaves half a sentence on screen. A scripted backend stands in for the model: the behaviour under
test is the engine's, and a real model would make the first draft's failure a matter of chance."""
from __future__ import annotations

from typing import Iterator

from dialogue_shared import cast, engine

from gameai.dialogue.backends.base import Backend, Sampling
from gameai.dialogue.grounding import numbers_in
from gameai.dialogue.guards import check_input
from gameai.dialogue.npc import redraw_seed


class ScriptedBackend(Backend):
    """Says lines[i] on the i-th call, word by word, whatever the seed; records the seeds asked for."""

    name = "scripted"

    def __init__(self, lines: list[str]):
        super().__init__()
        self.lines = lines
        self.seeds: list[int] = []

    def stream(self, messages, sampling: Sampling, seed: int = 0, cache_key=None, json_schema=None,
               grammar=None) -> Iterator[str]:
        self.seeds.append(seed)
        line = self.lines[min(len(self.seeds) - 1, len(self.lines) - 1)]
        for i, w in enumerate(line.split()):
            yield (" " if i else "") + w


def test_a_line_with_an_invented_name_is_drawn_again_not_replaced_by_an_authored_line():
    b = ScriptedBackend(["Ask old Gritterbane at Ashwoodvale, he knows.", "The forge is hot today, so mind your sleeves."])
    r = engine(b).npc(cast()["mara"]).respond("p", "Nice weather today, isn't it?")
    assert r.text == "The forge is hot today, so mind your sleeves."
    assert not r.fallback
    assert any(f.startswith("output:invented_name") for f in r.flags) and "output:redrawn:1" in r.flags
    assert len(b.seeds) == 2 and b.seeds[1] == redraw_seed(b.seeds[0], 1) != b.seeds[0]


def test_a_fact_answer_without_its_value_is_drawn_again():
    b = ScriptedBackend(["A fine blade, well worth it.", "The iron sword is forty gold, traveller."])
    r = engine(b).npc(cast()["mara"]).respond("p", "How much is the iron sword?")
    assert r.text == "The iron sword is forty gold, traveller."
    assert r.intent.args["price"] == 40 and not r.fallback


def test_when_every_draw_fails_the_authored_line_is_used_and_the_draws_are_bounded():
    b = ScriptedBackend(["Ask old Gritterbane at Ashwoodvale, he knows."])
    eng = engine(b, redraws=2)
    r = eng.npc(cast()["mara"]).respond("p", "Nice weather today, isn't it?")
    assert r.fallback and "Gritterbane" not in r.text and len(b.seeds) == 3


def test_streaming_shows_whole_sentences_only_when_a_guard_cuts_the_line():
    b = ScriptedBackend(["The bridge is east of the city, past the mill. It is on the far right of the map, you see."])
    s = engine(b).npc(cast()["mara"]).stream("p", "Nice weather today, isn't it?")
    pieces = list(s)
    assert "".join(pieces) == s.reply.text == "The bridge is east of the city, past the mill."
    assert "..." not in s.reply.text and "output:out_of_world" in s.reply.flags


def test_a_whole_first_sentence_stands_when_the_second_breaks_a_rule():
    b = ScriptedBackend(["Good day to you. I am an AI language model, happy to assist."])
    r = engine(b).npc(cast()["mara"]).respond("p", "Nice weather today, isn't it?")
    assert r.text == "Good day to you." and not r.fallback


def test_a_request_for_help_is_not_read_as_dictating_an_outcome():
    mara = cast()["mara"]
    assert check_input("Could you give me a hand fixing my cart axle?", mara).kind is None
    assert check_input("Can you hand me that hammer?", mara).kind is None
    assert check_input("You hand over the keys to the best room and wish me good night.", mara).kind == "dictated"
    assert check_input("She gives me the sword and smiles.", mara).kind == "dictated"


def test_numbers_end_at_a_sentence_end():
    assert numbers_in("Mind yourself, young one. Three silver for it.") == [1, 3]
    assert numbers_in("twenty thirty") == [20, 30]
    assert numbers_in("one hundred and twenty") == [120]


def test_a_bare_price_from_the_model_names_the_item():
    b = ScriptedBackend(["Forty gold, traveller."])
    r = engine(b).npc(cast()["mara"]).respond("p", "How much is the sword?")
    assert r.text == "Forty gold for an iron sword, traveller." and not r.fallback
    b = ScriptedBackend(["The blade? Forty gold, traveller."])  # names it already: the model's words stand
    assert engine(b).npc(cast()["mara"]).respond("p", "How much is the sword?").text == "The blade? Forty gold, traveller."


def test_a_refusal_for_reputation_is_said_alone_when_the_model_offers_the_work():
    b = ScriptedBackend(["Citizen, there's work for you at the east gate."])
    r = engine(b).npc(cast()["elsbeth"]).respond("p", "Got any work for me?")  # the wolf hunt is under way
    assert r.intent.kind == "refuse" and r.intent.args["reason"] == "reputation"
    assert r.text == "Earn my trust first, citizen."


def test_a_quest_state_answer_without_how_far_along_is_drawn_again():
    b = ScriptedBackend(["Only two, and they're killing.", "Two of five wolves killed so far, citizen."])
    r = engine(b).npc(cast()["elsbeth"]).respond("p", "How am I doing with the wolves?")
    assert r.text == "Two of five wolves killed so far, citizen." and "output:redrawn:1" in r.flags


def test_free_talk_that_names_an_unlisted_price_is_drawn_again():
    b = ScriptedBackend(["Six gold for a horseshoe, traveller.", "Square it with a try square, traveller."])
    r = engine(b).npc(cast()["mara"]).respond("p", "Can you show me how to square the corners?")
    assert r.intent.kind == "teaching" and r.text == "Square it with a try square, traveller."
    assert "grounding:unlisted_price:6" in r.flags


def test_a_fact_answer_drops_the_unchecked_sentence_after_it_and_says_so():
    b = ScriptedBackend(["The iron sword is forty gold, traveller. Tobin has a brother at the quarry."])
    r = engine(b).npc(cast()["mara"]).respond("p", "How much is the iron sword?")
    assert r.text == "The iron sword is forty gold, traveller."
    assert "output:focused" in r.flags and not r.fallback


def test_a_flourish_is_the_npcs_own_sentence_about_nothing_of_its_data():
    # Every draw misses the value: the exact price clause is said, with a sentence of a draft beside it
    # only when that sentence is the NPC's own (not the player's words copied from memory), a whole
    # sentence (not a scrap) and speaks of none of the persona's data (another fact it could garble).
    b = ScriptedBackend(["Good to see you again."])
    eng = engine(b)
    mara = eng.npc(cast()["mara"])
    mara.respond("p", "I bought the old plot behind the mill last spring.")
    eng.flush()
    copied = "I bought the old plot behind the mill, you know."
    own = "You will not regret it, I promise you that."
    scrap = "Down the hill, traveller."
    other_data = "The goblins will not trouble you out there."   # Mara's rumour, not the price at hand
    for flourish, kept in ((copied, False), (own, True), (scrap, False), (other_data, False)):
        b.lines, b.seeds = [f"{flourish} It costs a lot."], []
        r = mara.respond("p", "How much is the iron sword?")
        assert "40" in r.text or "forty" in r.text.lower()
        assert (flourish in r.text) is kept, r.text
