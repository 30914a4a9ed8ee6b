"""A persona card's notes about the persona ("Idris mends nets", "his boat") are said by the NPC of
itself ("I mend nets", "my boat"), and someone else's pronouns are left alone."""
from __future__ import annotations

import pytest

from gameai.dialogue.grounding import find_facts, relationship_fact
from gameai.dialogue.persona import persona_from_dict
from gameai.dialogue.self_reference import pronouns_of, speak_as
from gameai.dialogue.world import World

NETMAKER = persona_from_dict({
    "id": "idris", "name": "Idris Fennow", "role": "the net-mender of Coldharbour",
    "description": "A stooped old man who has mended the fleet's nets since he was nine.",
    "facts": [
        {"id": "nets", "text": "Idris mends nine nets a week.", "value": "nine", "keywords": ["nets a week"]},
        {"id": "twine", "text": "His twine comes from the ropewalk at Saltby.", "value": "Saltby",
         "keywords": ["twine"]},
        {"id": "boat", "text": "Idris's boat is called the Grey Gull.", "value": "Grey Gull", "keywords": ["boat"]},
    ],
    "relationships": [
        {"who": "Bryn", "relation": "his daughter, who rows him out to the moorings"},
        {"who": "Osk", "relation": "the harbour warden, who fines Idris for drying nets on the quay"},
    ],
}, source="test net-mender")

WEAVER = persona_from_dict({
    "id": "ama", "name": "Sister Ama", "role": "the weaver of the abbey",
    "description": "She has woven the abbey's altar cloths for thirty years.",
    "facts": [{"id": "loom", "text": "Her loom was built by her father.", "value": "father", "keywords": ["loom"]}],
}, source="test weaver")


@pytest.mark.parametrize("card, said", [
    ("Idris mends nine nets a week.", "I mend nine nets a week."),
    ("Idris Fennow has mended nets for fifty years.", "I have mended nets for fifty years."),
    ("Idris is the oldest man on the quay.", "I am the oldest man on the quay."),
    ("His twine comes from the ropewalk at Saltby.", "My twine comes from the ropewalk at Saltby."),
    ("Idris's boat is called the Grey Gull.", "My boat is called the Grey Gull."),
    ("The harbour warden fines Idris twice a year.", "The harbour warden fines me twice a year."),
    ("The best net he ever made still hangs in the inn.", "The best net I ever made still hangs in the inn."),
    ("Idris always washes his hands in brine.", "I always wash my hands in brine."),
    ("Idris carries a bone needle and is never without it.", "I carry a bone needle and am never without it."),
    # Someone else has come up in the sentence: the pronouns after that may be theirs.
    ("His wife Morwen sells fish; she opens at dawn.", "My wife Morwen sells fish; she opens at dawn."),
])
def test_a_persona_fact_is_said_in_the_first_person(card, said):
    assert speak_as(card, NETMAKER) == said


def test_a_possessive_her_and_an_object_her_are_told_apart():
    assert speak_as("Her loom was built by her father.", WEAVER) == "My loom was built by my father."
    assert speak_as("the prioress, who pays her in thread", WEAVER, relation=True) == "the prioress, who pays me in thread"
    # A title is not the persona's name: "Sister" alone stays.
    assert speak_as("Ama weaves at dawn; every Sister brings her wool.", WEAVER) == \
        "I weave at dawn; every Sister brings her wool."


def test_the_pronouns_of_a_persona_come_from_its_card_and_none_when_it_does_not_say():
    assert pronouns_of(NETMAKER) == "he" and pronouns_of(WEAVER) == "she"
    neutral = persona_from_dict({"id": "x", "name": "Vale", "role": "a guide",
                                 "facts": [{"id": "a", "text": "The pass closes in winter."}]}, source="test")
    assert pronouns_of(neutral) is None
    # Without pronouns only the name is turned.
    assert speak_as("Vale knows the pass; his map is old.", neutral) == "I know the pass; his map is old."


def test_grounded_facts_and_relationships_speak_in_the_first_person():
    world = World.from_dict(NETMAKER.world)
    g = find_facts("How many nets a week do you mend?", NETMAKER, world, 1)
    assert [f.statement for f in g.facts] == ["I mend nine nets a week."]
    assert g.facts[0].line_values["fact"] == "I mend nine nets a week."
    bryn = relationship_fact(NETMAKER, "Bryn")
    assert bryn.statement == "Bryn is my daughter, who rows me out to the moorings."
    osk = relationship_fact(NETMAKER, "Osk")
    assert osk.statement == "Osk is the harbour warden, who fines me for drying nets on the quay."
