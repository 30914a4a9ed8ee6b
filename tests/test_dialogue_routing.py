"""Routing by words and by meaning (router.py, speech_acts.py), fact answers said whole, memory
answers, no repeats, neutral voices. Real MiniLM embeddings, the authored backend (no LLM needed
to test where a line goes). The lines are written for this file, not taken from either split."""
from __future__ import annotations

import re

import pytest

from dialogue_shared import authored, cast, embedder, engine
from gameai.dialogue import INTENTS
from gameai.dialogue.persona import persona_from_dict
from gameai.dialogue.conversation_eval.suite import load_personas
from gameai.dialogue.persona import DEFAULT_LINES
from gameai.dialogue.router import is_question


@pytest.fixture(scope="module")
def eng():
    e = engine(authored())
    yield e
    e.close()


FERRY = {
    "id": "oswin", "name": "Oswin Reed", "role": "the ferryman of Deepford",
    "speech_style": "slow and kind; calls people 'friend'",
    "facts": [{"id": "night", "text": "The ferry does not run after sunset.", "value": "sunset"}],
    "shop": {"currency": "copper", "items": [
        {"id": "passage", "name": "passage across", "price": 4, "aliases": ["ride", "trip across", "crossing"]}]},
    "relationships": [{"who": "Tilda", "relation": "my sister, who keeps the toll house"}],
    "rumors": [{"id": "eels", "text": "The eels have gone strange since the flood."}],
    "quests": [{"id": "rope", "name": "The Frayed Rope", "hook": "My tow rope is frayed; bring me new hemp from Deepford."}],
    "world": {"location": "the Deepford landing", "time": "dusk",
              "landmarks": [{"id": "mill", "name": "the Water Mill", "direction": "upstream to the north"}]},
}


@pytest.fixture(scope="module")
def oswin(eng):
    return eng.npc(persona_from_dict(FERRY, source="test ferryman"))


@pytest.mark.parametrize("line, intent", [
    ("Good morrow to you!", "greeting"),
    ("hey hey", "greeting"),
    ("Well, I'd best be going. Goodbye!", "farewell"),
    ("cheers mate, that's kind of you", "thanks"),
    ("Could you teach me to tie a proper knot?", "teaching"),
    ("How do I steer against the current?", "teaching"),
    ("Would you help me carry these crates to the cart?", "help"),
])
def test_each_new_intent_on_plain_lines(oswin, line, intent):
    r = oswin.respond(f"p-{intent}-{line[:8]}", line)
    assert r.intent.kind == intent and intent in INTENTS


def test_item_alias_by_meaning_and_fact_by_meaning(oswin):
    r = oswin.respond("p-price", "What do you charge for a ride over?")
    assert r.intent.kind == "trade" and r.intent.args["item"] == "passage" and "4" in r.text
    r = oswin.respond("p-fact", "When does the ferry stop running?")
    assert r.facts == ["fact:night"] and "sunset" in r.text


def test_relationship_by_name_and_by_meaning(oswin):
    r = oswin.respond("p-rel", "Do you know Tilda?")
    assert r.intent.kind == "relationship" and r.intent.args == {"who": "Tilda"}
    assert r.text.startswith("Tilda is my sister")
    r = oswin.respond("p-rel2", "Got any kin living nearby?")
    assert r.intent.kind == "relationship" and r.intent.args["who"] == "Tilda"


def test_quest_only_when_the_player_asks_for_work(oswin):
    assert oswin.respond("p-q", "Got any jobs going?").intent.kind == "give_quest"
    for line in ("Thanks for the help, I'll be back tomorrow.", "Could you help me build a fence?",
                 "I need something to defend myself with."):
        assert oswin.respond("p-q2", line).intent.kind != "give_quest", line


def test_free_as_available_is_not_a_request_for_free_goods(eng):
    tobin = eng.npc(cast()["tobin"])
    r = tobin.respond("p-free", "Any rooms free tonight?")
    assert r.intent.kind == "trade" and r.intent.args["item"] == "room"
    r = tobin.respond("p-free2", "How much is a room? Any discount?")
    assert r.intent.kind == "refuse" and r.intent.args["reason"] == "prices_are_fixed"


def test_statements_are_not_routed_to_data_by_meaning(oswin):
    r = oswin.respond("p-stmt", "I came down from the Water Mill this morning with my cousin.")
    assert r.intent.kind == "small_talk" and not r.facts
    assert is_question("where even is this") and is_question("Is it far?") and not is_question("I like boats.")


def test_memory_question_answers_with_what_the_player_said(oswin):
    player = "p-mem"
    oswin.respond(player, "My name's Aldric and I'm hunting a white stag.")
    oswin.respond(player, "Lovely evening on the water.")
    r = oswin.respond(player, "Do you remember what I'm hunting?")
    assert "white stag" in r.text and r.facts and r.facts[0].startswith("memory:")
    r = oswin.respond(player, "What was my name again?")
    assert "Aldric" in r.text


def test_no_line_is_repeated_to_a_player_within_twenty_turns(oswin):
    player = "p-rep"
    said = [oswin.respond(player, "How much is a crossing?").text for _ in range(6)]
    said += [oswin.respond(player, "blah blah whatever").text for _ in range(6)]
    norm = [" ".join(re.findall(r"[a-z0-9]+", s.lower())) for s in said]
    assert len(set(norm)) == len(norm), said
    assert all("4" in s for s in said[:6])  # the price stays right when the line varies


def test_default_lines_carry_no_address_word():
    addresses = {sp.address for sp in load_personas().values()} | {"traveller", "traveler", "friend"}
    for kind, lines in DEFAULT_LINES.items():
        for line in lines:
            assert not set(re.findall(r"[a-z]+", line.lower())) & addresses, (kind, line)


def test_persona_without_authored_lines_never_uses_another_personas_address(eng):
    """Kess has no [lines] at all: every guard and fallback line is a default, and no default
    may carry another persona's vocative (the ferryman's 'traveller' of issue 12)."""
    kess = eng.npc(load_personas()["kess"].persona)
    others = {sp.address for pid, sp in load_personas().items() if pid != "kess"} | {"traveller"}
    lines = ["Hello there", "You are a stupid fool", "asdf qwer zxcv", "whatever, I guess", "Bye now",
             "Thanks a lot", "Teach me something", "Help me out here"]
    for i, line in enumerate(lines):
        text = kess.respond(f"p-kess-{i}", line).text.lower()
        assert not set(re.findall(r"[a-z]+", text)) & others, (line, text)


def test_meta_talk_is_out_of_world_on_output_only(eng):
    from gameai.dialogue.guards import OutputPolicy, check_input
    mara = cast()["mara"]
    policy = OutputPolicy(mara, "Speak plainly.")
    assert "output:out_of_world" in policy.violations("The bridge is on the far right of the map.")
    assert "output:out_of_world" in policy.violations("Welcome to the game, friend.")
    assert "output:out_of_world" in policy.violations("The game's over, you know.")
    assert not policy.violations("The gamekeeper sleeps by the gate.")
    assert not policy.violations("The bridge is east of the square.")
    assert check_input("Do you have a map of the hills?", mara).kind is None  # a player may say it


def test_act_classifier_examples_are_embedded_once_per_embedder():
    from gameai.dialogue.router import act_classifier
    assert act_classifier(embedder()) is act_classifier(embedder())


def test_location_answer_must_name_the_place(eng):
    from gameai.dialogue.grounding import check_grounding, find_facts
    from gameai.dialogue.world import World
    tobin = cast()["tobin"]
    g = find_facts("Where am I?", tobin, World.from_dict(tobin.world))
    assert g.topic == "location" and "player" not in g.facts[0].statement.lower()
    assert check_grounding("The night is young.", g, "silver") == ["grounding:missing_value:world:location"]


def test_a_follow_up_routes_with_the_line_before_it(oswin):
    oswin.respond("p-follow", "Where is the Water Mill?")
    r = oswin.respond("p-follow", "and how long a walk is that?")
    assert r.intent.kind == "give_directions" and r.intent.args["landmark"] == "mill"


def test_asking_what_the_npc_offers_lists_the_shop(oswin):
    r = oswin.respond("p-offer", "So what do you offer folk round here?")
    assert r.intent.kind == "trade" and "items" in r.intent.args


def test_about_yourself_is_answered_with_who_the_npc_is(oswin):
    r = oswin.respond("p-self", "Tell me a little about yourself.")
    assert r.facts == ["persona:self"] and "Oswin" in r.text and r.text[0].isupper()


def test_a_greeting_does_not_swallow_the_question_after_it(oswin):
    plain = oswin.respond("p-greet-a", "Where is the Water Mill?")
    greeted = oswin.respond("p-greet-b", "Good morning! Where is the Water Mill?")
    assert greeted.intent.kind == plain.intent.kind == "give_directions"
    assert greeted.intent.args["landmark"] == plain.intent.args["landmark"] == "mill"
    # a greeting alone, or with small talk after it, is still a greeting
    assert oswin.respond("p-greet-c", "Good morning to you.").intent.kind == "greeting"


def test_after_greeting_reads_only_an_opening_greeting():
    from gameai.dialogue.speech_acts import after_greeting

    assert after_greeting("Hello there, how much is the sword?") == "how much is the sword?"
    assert after_greeting("Good day! What news?") == "What news?"
    assert after_greeting("Good morning to you.") is None
    assert after_greeting("Where is the mill? Hello?") is None
    assert after_greeting("Highway robbery, that price.") is None


# ---------------------------------------------------------------- session 5: the weak routes
# Lines written for this file (not taken from either split), to the suite's dev personas.

@pytest.fixture(scope="module")
def suite_npcs(eng):
    personas = {pid: sp.persona for pid, sp in load_personas().items()}
    return {pid: eng.npc(personas[pid]) for pid in ("mara", "tobin", "elsbeth", "halvard", "ysolde", "kess", "orrin")}


def route(npc, player, *lines):
    from gameai.dialogue.conversation_eval.judges import route_of
    r = None
    for line in lines:
        r = npc.respond(player, line)
    return route_of(r), r


@pytest.mark.parametrize("pid, line, want", [
    # a fact keyword matches its inflections, not a longer word ("late" is not "lately")
    ("halvard", "Do you ever cross late?", ("fact", "ferry_hours")),
    # "how far" asks the way; a place is named by its head noun ("the obelisk")
    ("kess", "How far away is the obelisk?", ("directions", "obelisk")),
    ("halvard", "how far to millbrook", ("directions", "millbrook")),
    # a relation word that names the persona's own setting does not point at a person
    ("kess", "Who's the caravan master?", ("relationship", "Tarek")),
    # a compound names its head: "the smith" is "the blacksmith"
    ("tobin", "Is the smith a good customer?", ("relationship", "Mara")),
    # a question in a later clause, and a request to be shown, ask
    ("tobin", "go on, what's the news", ("rumor", None)),
    ("tobin", "Tell me the way to the chapel.", ("directions", "chapel")),
    # the place itself, by meaning
    ("orrin", "What do folks call this spot?", ("location", None)),
    # news by the question's form, without a news word
    ("mara", "What are the farmers chattering about?", ("rumor", "goblins_mill")),
    ("ysolde", "What's the talk in the valley?", ("rumor", "white_stag")),
    # a question about a person of the talk, not of the NPC's circle
    ("tobin", "Who is the fellow paying in foreign gold?", ("rumor", "stranger")),
    ("mara", "Got any friends in town?", ("relationship", "Tobin")),
    # asking for work gets work, not the datum sharing its topic word ("abbey")
    ("ysolde", "Does anyone at the abbey need a helping hand?", ("quest_offer", "missing_pilgrim")),
    # a quest named in the singular
    ("elsbeth", "How's the wolf hunt coming along?", ("quest_state", "wolves")),
    # offering one's service asks for work; asking for a hand is asking for help
    ("orrin", "Need anything carried?", ("quest_offer", "well_house")),
    ("halvard", "Is there anything for a traveller to do round here?", ("quest_offer", "snapped_rope")),
    ("kess", "Anything I could help with?", ("quest_offer", "raiders")),
    ("ysolde", "Can I lend a hand, Sister?", ("quest_offer", "missing_pilgrim")),
    ("halvard", "Lend me a hand with this crate?", ("help", None)),
    # where here is, and where a thing is, are not the same question
    ("tobin", "Where are we, exactly?", ("location", None)),
])
def test_weak_routes_on_plain_lines(suite_npcs, pid, line, want):
    (got, target), r = route(suite_npcs[pid], f"p5-{pid}-{line[:12]}", line)
    assert got == want[0] and (want[1] is None or target == want[1]), (line, got, target, r.text)


def test_where_a_thing_is_is_not_where_here_is(suite_npcs):
    (got, _), _r = route(suite_npcs["mara"], "p5-where", "Where's the nearest place to get a drink?")
    assert got != "location"


def test_find_facts_keywords_match_inflections_only():
    from gameai.dialogue.grounding import find_facts
    from gameai.dialogue.world import World
    halvard = load_personas()["halvard"].persona
    world = World.from_dict(halvard.world)
    assert find_facts("Has the river been quiet lately?", halvard, world).facts == []
    assert [f.id for f in find_facts("Is it too late to cross?", halvard, world).facts] == ["fact:ferry_hours"]


def test_setting_words_do_not_name_a_person():
    from gameai.dialogue.router import mentioned_person
    personas = {pid: sp.persona for pid, sp in load_personas().items()}
    assert mentioned_person("Is this the abbey?", personas["ysolde"]) is None  # "keeper of the abbey library"
    assert mentioned_person("Who keeps the library?", personas["ysolde"]) == "Anselm"
    assert mentioned_person("Is it far to Millbrook?", personas["halvard"]) is None  # "toll house at Millbrook"
    assert mentioned_person("Where does your sister live?", personas["halvard"]) == "Maud"


def test_follow_ups_lean_on_the_line_before_only_when_they_do_not_name_their_subject(suite_npcs):
    # "this well" names its subject: it is not the quest of the line before
    assert route(suite_npcs["orrin"], "p5-fu1", "Got any jobs?", "Where's this well, then?")[0] == ("directions", "well")
    # "there" points back: the person who lives where the last line asked the way to
    got = route(suite_npcs["halvard"], "p5-fu2", "How do I get to Millbrook?", "know anybody who lives there?")[0]
    assert got == ("relationship", "Maud")
    # "what if" links: the price of the other ware
    got = route(suite_npcs["halvard"], "p5-fu3", "How much to cross?", "what if I bring my wagon")[0]
    assert got == ("price", "cart_crossing")


def test_is_question_reads_later_clauses_and_requests():
    assert is_question("go on then, what's new") and is_question("Show me the way to the mill.")
    assert not is_question("I like boats, they float.") and not is_question("Show the bread to the baker.")


def test_work_offers_a_quest_not_taken_up_and_refuses_one_not_earned(suite_npcs):
    # Elsbeth's wolf hunt is under way; her other quest needs reputation 40 (the player has 5)
    (got, target), r = route(suite_npcs["elsbeth"], "p5-work", "Got any work for me?")
    assert got == "quest_offer" and target == "smuggler_ring"
    assert r.intent.kind == "refuse" and r.intent.args["reason"] == "reputation"
    assert "contraband" not in r.text.lower()  # the withheld hook is not told
    r = suite_npcs["orrin"].respond("p5-work2", "Got any work for me?")
    assert r.intent.kind == "give_quest" and r.intent.args["quest"] == "well_house"


def test_quest_state_is_a_sentence_built_from_the_quest_data():
    from gameai.dialogue.grounding import check_grounding, Grounding, quest_state_fact
    from gameai.dialogue.persona import Persona
    from gameai.dialogue.world import QuestState
    p = Persona("x", "X", "someone")
    cases = [("in progress", "two of five wolves killed", "two of five wolves killed"),
             ("in progress: 3 of 4 posts set", "", "3 of 4 posts set"),
             ("not started", "find the hammer", "yet"), ("complete", "", "done"), ("failed", "", "failed|nothing")]
    for state, objective, said in cases:
        f = quest_state_fact(QuestState("q", "The Lost Hammer", state, objective))
        lines = {p.line("quest_state", k, **f.line_values) for k in range(3)}
        assert len(lines) == 3
        for line in lines:
            assert "Lost Hammer" in line and re.search(said, line) and line[0].isupper() and line.endswith("."), line
            assert not re.search(r"Hammer: ", line), line  # never "The Lost Hammer: in progress."
            assert check_grounding(line, Grounding([f], "quest_state"), "gold") == [], line
    f = quest_state_fact(QuestState("q", "The Lost Hammer", "in progress", "two of five wolves killed"))
    assert f.check[0] == "2"  # the count must be said, as "two" or "2", and that it is not done yet
    assert check_grounding("Still hunting, the hammer is.", Grounding([f], "quest_state"), "gold")
    assert check_grounding("Only two, and they're killing.", Grounding([f], "quest_state"), "gold")
    assert not check_grounding("Two so far. Three more to go.", Grounding([f], "quest_state"), "gold")


def test_quest_state_answer_through_the_engine(suite_npcs):
    r = suite_npcs["elsbeth"].respond("p5-qs", "How am I doing with the wolves?")
    assert r.facts == ["quest:wolves"] and "two of five wolves killed" in r.text and ": in progress" not in r.text


# ---- session 12: lines a fresh unseen batch showed the router missing (written for this file) ----

def test_a_progress_question_asks_the_state_of_the_quest_the_player_was_offered(suite_npcs):
    orrin = suite_npcs["orrin"]
    # before any offer, "how's it looking?" is chat, not a quest
    assert route(orrin, "p12-prog0", "Morning! How's it looking today?")[0][0] != "quest_state"
    got = route(orrin, "p12-prog1", "Got any work for me?", "Right, I've got the first beams up. How's it looking now?")
    assert got[0] == ("quest_state", "well_house")
    got = route(orrin, "p12-prog2", "Any jobs going?", "Any luck yet with the roof business?")
    assert got[0] == ("quest_state", "well_house")


def test_memory_questions_without_the_word_remember(oswin):
    player = "p12-mem"
    oswin.respond(player, "Evening. I'm Corra, I mend nets down at Saltby.")
    oswin.respond(player, "I sing in the chapel choir on feast days, it's how I unwind.")
    oswin.respond(player, "Bet you've forgotten my name already.")  # asks; tells nothing to bring back
    oswin.respond(player, "Lovely light on the water tonight.")
    r = oswin.respond(player, "Who is it I said I was?")
    assert "Corra" in r.text and r.facts[0].startswith("memory:")
    r = oswin.respond(player, "you still got my name right?")
    assert "Corra" in r.text
    r = oswin.respond(player, "and where did I say I sing?")
    assert "choir" in r.text


def test_a_line_that_tells_is_not_a_question_for_the_shop(oswin):
    for line in ("I'm taking my own rope to sell in Deepford tomorrow.", "My uncle paid four copper for a ride once."):
        r = oswin.respond(f"p12-tell-{line[:6]}", line)
        assert not r.facts and r.intent.kind != "trade", (line, r.intent, r.facts)
    r = oswin.respond("p12-tell-order", "And a crossing for my mule.")
    assert r.intent.kind == "trade" and r.intent.args["item"] == "passage"
    assert is_question("so whats the toll then") and is_question("i was wondering how deep the river is")


def test_who_questions_reach_a_described_person_before_a_datum(suite_npcs):
    # "miller" is named by its stem "mill"; a fact or quest sharing the words does not take the line
    from gameai.dialogue.router import mentioned_person
    halvard = load_personas()["halvard"].persona
    assert route(suite_npcs["orrin"], "p12-who", "who's that lass always at your elbow with a trowel?")[0] == \
        ("relationship", "Bettany")
    assert mentioned_person("who's the fellow down at the mill?", persona_from_dict({
        **FERRY, "relationships": [{"who": "Anselm", "relation": "the miller, her sweetheart"}]})) == "Anselm"
    assert halvard.relationships  # the suite persona is there to be asked about


def test_a_measure_question_is_not_a_price(suite_npcs):
    (got, target), r = route(suite_npcs["tobin"], "p12-measure", "how long does the stew take to cook?")
    assert got != "price", (got, target, r.text)
    (got, target), _ = route(suite_npcs["tobin"], "p12-measure2", "how much is the stew?")
    assert got == "price"


def test_list_the_shop_for_a_kind_of_ware_and_new_social_cues(oswin, suite_npcs):
    assert route(suite_npcs["orrin"], "p12-list", "what sort of tools do you sell?")[0][0] == "shop_list"
    assert route(suite_npcs["orrin"], "p12-list2", "what can I buy off you? nails and that?")[0][0] == "shop_list"
    assert route(suite_npcs["orrin"], "p12-list3", "how much are the nails?")[0] == ("price", "nails")
    assert oswin.respond("p12-bless", "bless you, that's good of you").intent.kind == "thanks"
    assert oswin.respond("p12-cheerio", "cheerio then, got to get going").intent.kind == "farewell"
    assert oswin.respond("p12-help", "a wolf's got my leg, help!").intent.kind == "help"
    assert oswin.respond("p12-thx", "thanks for all the help").intent.kind == "thanks"


@pytest.mark.parametrize("line, want", [
    ("something's been following me all night, i need help!", ("help", None)),
    ("whos the lady who keeps the toll house", ("relationship", "Tilda")),
    ("what lane is this, i'm all turned round", ("location", None)),
    ("is it dark yet?", ("location", None)),
    ("im off, the light's going", ("farewell", None)),
    ("evenin", ("greeting", None)),
    ("got any rope for sale", ("shop_list", None)),
])
def test_second_batch_of_plain_lines(oswin, line, want):
    (got, target), r = route(oswin, f"p12b-{line[:10]}", line)
    assert got == want[0] and (want[1] is None or target == want[1]), (line, got, target, r.text)


def test_a_measure_question_is_not_news_and_where_i_told_is_memory(oswin):
    (got, _), _r = route(oswin, "p12b-safe", "how long till the water's safe to drink after the flood?")
    assert got != "rumor"
    player = "p12b-mem"
    oswin.respond(player, "I came down from Harrowgate with a cart of turnips.")
    r = oswin.respond(player, "where'd i tell you i came down from")
    assert "Harrowgate" in r.text and r.facts[0].startswith("memory:")


def test_a_pronoun_follow_up_about_a_person_and_a_person_named_beside_a_trade(oswin):
    got = route(oswin, "p12c-he", "Who's Tilda?", "is she any good at her job though")[0]
    assert got == ("relationship", "Tilda")
    assert route(oswin, "p12c-news", "heard any news from tilda?")[0] == ("relationship", "Tilda")
    # a pronoun that points back at a thing still follows the thing
    got = route(oswin, "p12c-it", "Where's the water mill?", "is it far?")[0]
    assert got == ("directions", "mill")


# A persona written for the session-13 tests: lines that ask by form, not by the data's own words.
COOPER = {
    "id": "bram", "name": "Bram Hollis", "role": "the cooper of Wetherby",
    "speech_style": "blunt; calls people 'sapling'",
    "facts": [{"id": "oak", "text": "Bram's staves are split from oak felled in the Harl Wood.", "value": "Harl Wood",
               "keywords": ["staves", "timber"]},
              {"id": "hours", "text": "Bram works the shop from first light until the noon bell.", "value": "noon"}],
    "shop": {"currency": "pennies", "items": [
        {"id": "barrel", "name": "ale barrel", "price": 30, "aliases": ["barrel", "cask"]},
        {"id": "bucket", "name": "oak bucket", "price": 6, "aliases": ["bucket", "pail"]},
        {"id": "tub", "name": "washing tub", "price": 12, "aliases": ["tub"]}]},
    "relationships": [{"who": "Agna", "relation": "his wife, who keeps the books"},
                      {"who": "Col", "relation": "the brewer who buys most of his barrels"}],
    "rumors": [{"id": "drowned", "text": "A drowned man was pulled from the mill race last week."},
               {"id": "wolves", "text": "Wolves have been heard howling near the lambing pens."}],
    "world": {"location": "the cooperage on Tanner's Row", "time": "morning",
              "landmarks": [{"id": "tavern", "name": "the Hollow Tankard", "direction": "east", "distance": "two doors down"},
                            {"id": "chapel", "name": "Saint Edda's", "direction": "north", "distance": "up the hill"}]},
}


@pytest.fixture(scope="module")
def bram(eng):
    return eng.npc(persona_from_dict(COOPER, source="test cooper"))


@pytest.mark.parametrize("line, want", [
    # a price asked by its form, the ware by meaning
    ("what'd you want for something to carry water from the well in", ("price", "bucket")),
    ("them big round things for beer, what do they go for", ("price", "barrel")),
    # the way asked by its form, the place by meaning
    ("where can a thirsty man get a drink round here", ("directions", "tavern")),
    ("which way to the church", ("directions", "chapel")),
    # hearsay is the rumour it is about, before a fact that shares a word
    ("is it true they fished a dead fella out of the mill water", ("rumor", "drowned")),
    # kin and a tag question
    ("you're married, aren't you", ("relationship", "Agna")),
    # "how do you <do> a thing" asks to be taught
    ("how do you bend the staves without them snapping", ("teaching", None)),
    # a kind of ware wanted, not named
    ("i need something to do my washing in", ("shop_list", None)),
    # plans and declining are small talk, not leave-taking or thanks
    ("I'm off to the fair tomorrow to sell my cheeses", ("small_talk", None)),
    ("no thanks, just having a look", ("small_talk", None)),
    ("right, I'm off. mind the shop", ("farewell", None)),
    ("be seeing you", ("farewell", None)),
])
def test_session_13_lines_asked_by_their_form(bram, line, want):
    (got, target), r = route(bram, f"p13-{line[:12]}", line)
    assert got == want[0] and (want[1] is None or target == want[1]), (line, got, target, r.text)


def test_a_linked_follow_up_asks_the_last_question_about_its_own_thing(bram):
    assert route(bram, "p13-follow", "where's the Hollow Tankard?", "and the chapel?")[0] == ("directions", "chapel")
    assert route(bram, "p13-follow2", "how much is a tub?", "and a bucket?")[0] == ("price", "bucket")
    # "how far?" alone leans on the last line
    assert route(bram, "p13-far", "which way to the Hollow Tankard?", "how far?")[0] == ("directions", "tavern")


def test_a_possessive_is_not_gibberish_and_what_a_exclaims():
    from gameai.dialogue.guards import is_gibberish
    assert not is_gibberish("and the saddler's?")
    assert not is_question("what a morning")
    assert is_question("you've got a brother, haven't you")


@pytest.mark.parametrize("line", ["I've a free afternoon if you want anything fetched or carried",
                                  "sounds like trouble down there. want me to go and take a look?",
                                  "i'd be glad to help out if you need a pair of hands"])
def test_offers_of_service_are_asking_for_work(bram, line):
    act, _score, cued = bram.router.acts.classify(line, bram.context.embedder.embed_one(line), question=True)
    assert (act, cued) == ("work", True), line


@pytest.mark.parametrize("line, want", [
    ("good talking to you. till next time", ("farewell", None)),
    ("how do you know when a barrel's tight enough", ("teaching", None)),
    ("got any family round here?", ("relationship", "Agna")),
    ("is the tavern far from here", ("directions", "tavern")),
    ("is it getting dark already?", ("location", None)),
])
def test_session_13_leave_taking_kin_and_distance(bram, line, want):
    (got, target), r = route(bram, f"p13b-{line[:12]}", line)
    assert got == want[0] and (want[1] is None or target == want[1]), (line, got, target, r.text)


# A persona written for the session-15 tests: lines that ask by form, by description, or misspelt.
THATCHER = {
    "id": "wenna", "name": "Wenna Reedy", "role": "the thatcher of Ashby",
    "speech_style": "brisk; calls people 'duck'",
    "facts": [{"id": "years", "text": "Wenna has thatched the roofs of Ashby for twenty-six years.", "value": "twenty-six"},
              {"id": "ladder", "text": "Her longest ladder is called Old Heron, and it has forty rungs.", "value": "Old Heron"},
              {"id": "reed", "text": "Her reed is cut from the Wick marshes each winter.", "value": "Wick",
               "keywords": ["reed", "marsh"]}],
    "shop": {"currency": "pennies", "items": [
        {"id": "bundle", "name": "bundle of reed", "price": 3, "aliases": ["reed bundle"]},
        {"id": "patch", "name": "roof patching", "price": 40, "aliases": ["patch", "repair"]}]},
    "relationships": [{"who": "Dunny", "relation": "her apprentice, a gangly boy who carries the reed up the ladders"},
                      {"who": "Halden", "relation": "the reeve, who pays her for the church roof"}],
    "rumors": [{"id": "reeve_leaving", "text": "Halden the reeve is leaving for the coast before the first frost."},
               {"id": "owls", "text": "Barn owls have been nesting in the tithe barn's roof."}],
    "quests": [{"id": "nails", "name": "The Lost Spars", "hook": "Someone took my bundle of hazel spars; find them and I'll pay you."}],
    "world": {"location": "Ashby green", "time": "noon",
              "landmarks": [{"id": "tarn", "name": "Black Tarn", "direction": "west", "distance": "a mile on"},
                            {"id": "tavern", "name": "the Bent Nail", "direction": "south", "distance": "past the well"}]},
}


@pytest.fixture(scope="module")
def wenna(eng):
    return eng.npc(persona_from_dict(THATCHER, source="test thatcher"))


@pytest.mark.parametrize("line, want", [
    # how long the NPC has been at it: the fact counted in years, though no word of it is said
    ("been at the thatching long?", ("fact", "years")),
    ("how long have you been up on roofs", ("fact", "years")),
    # a name the NPC gave something
    ("that tall thing leaning on the wall, what do you call it", ("fact", "ladder")),
    # someone described, not named
    ("who's the skinny lad hauling reeds up there?", ("relationship", "Dunny")),
    # news of someone the NPC knows, when a rumour names them
    ("and Halden, what's he up to these days?", ("rumor", "reeve_leaving")),
    ("what's Halden like to work for?", ("relationship", "Halden")),
    # an opinion or what the NPC would do is small talk, though the line names its things
    ("if a storm took your roof tonight, would you patch it yourself?", ("small_talk", None)),
    ("reckon the reed will last another winter?", ("small_talk", None)),
    ("slate or reed, what would you do for a cowshed?", ("small_talk", None)),
    # a price said back to object to it asks nothing of the shop
    ("40 pennies for a patch?? you're having a laugh", ("small_talk", None)),
    # a short question that asks something else of a ware is not its price
    ("why's a patch so dear?", ("small_talk", None)),
    # an offer of work as a statement
    ("I'm about all week if you need anything fetched", ("quest_offer", "nails")),
    # the way to a place by an everyday word for its kind
    ("is the lake far from here", ("directions", "tarn")),
    ("which way to the alehouse", ("directions", "tavern")),
    # shorthand and a slip of the NPC's own word
    ("hw much for a reed bundel", ("price", "bundle")),
    ("wheres the tavrn", ("directions", "tavern")),
])
def test_session_15_lines(wenna, line, want):
    (got, target), r = route(wenna, f"p15-{line[:14]}", line)
    assert got == want[0] and (want[1] is None or target == want[1]), (line, got, target, r.text)


def test_a_name_asked_after_a_person_is_that_persons(wenna):
    # "what's his name?" points back at the person the last line asked about, not at the fact
    # that names the ladder
    (got, target), r = route(wenna, "p15-name", "is your apprentice any good?", "what's his name?")
    assert (got, target) == ("relationship", "Dunny"), r.text
