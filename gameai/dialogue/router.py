"""Route a player line by words and by meaning: which data it asks for, or which kind of talk it is.

First the keyword rules of grounding.find_facts (an item's name with a price cue, a landmark with
a direction cue, a fact's keywords, ...): exact, cheap, and right when they fire. Then meaning:
MiniLM embeddings of the line against the persona's data (item names and aliases, facts,
relationships, rumours, landmarks) and against example sentences of speech acts (greeting,
farewell, thanks, teaching, asking for help or work, the shop, people, memory). A quest is offered
only when the player asks for work.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from gameai.dialogue.grounding import (PRICE_CUES, GroundedFact, Grounding, find_facts, location_fact, named_items,
                                       names_for_sale, persona_fact, quest_phase, quest_state_fact, relationship_fact,
                                       rumor_fact, second_person, spoken_list, strong_cue)
from gameai.dialogue.guards import words
from gameai.dialogue.memory import Memory
from gameai.dialogue.persona import Persona
from gameai.dialogue.place_words import place_aliases
from gameai.dialogue.speech_acts import ActClassifier, after_greeting
from gameai.dialogue.world import World

# How close a line must be to a piece of the persona's data to be about it (tuned on dev only).
DATA_THRESHOLD = 0.45
# A memory question is answered from the player's own line closest to it, if at least this close.
MEMORY_THRESHOLD = 0.1
# ... and without a memory word, only when it is this close (tuned on dev only).
MEMORY_SOFT_THRESHOLD = 0.45
# How many of the player's lines a memory answer may bring back, and how close the runners-up must
# be relative to the closest (chosen on dev memory questions and a fresh unseen dev batch).
RECALL_LINES = 3
RECALL_RELATIVE = 0.5
# An NPC line this close in meaning to a quest's hook offered that quest (a paraphrase of it counts).
OFFERED_THRESHOLD = 0.6
# A price asked without naming the ware ("what do the hand coverings go for?") is the price of the
# ware closest in meaning, when it is this close (tuned on dev only).
PRICE_ITEM_THRESHOLD = 0.33
# The way asked without naming the place ("where can a fella get a pint?"): the landmark closest in
# meaning, when it is this close (tuned on dev only).
WAY_THRESHOLD = 0.3
WAY_THRESHOLD_CLEAR = 0.25  # ... or this close and clearly nearer than the next landmark
WAY_MARGIN = 0.05
# Hearsay ("is it true the bells rang by themselves?") is the rumour closest in meaning, when this close.
HEARSAY_THRESHOLD = 0.3
# A question put to the NPC about itself or its things ("what do you call the big noisy one?") is
# about the persona's fact closest in meaning at this lower bar (tuned on dev only).
FACT_QUESTION_THRESHOLD = 0.35
# A linked follow-up ("and the little bell?") asks the last line's question about its own thing,
# when a ware or landmark is this close to it (tuned on dev only).
FOLLOW_SUBJECT_THRESHOLD = 0.4
FOLLOW_SUBJECT_MARGIN = 0.1
_OWN_SUBJECT_KIND = {"price": "item", "direction": "landmark"}
# A line that names one datum but is much closer in meaning to another goes to the other.
OVERRIDE_THRESHOLD = 0.7
# A question about people goes to a rumour instead of the NPC's own circle only when the rumour is
# this much closer than every relationship (tuned on dev only).
RUMOR_OVER_PERSON = 0.1
RUMOR_FLOOR = 0.3
_QUESTION_START = frozenset("who whom whose what what's whats where where's wheres when why how how's which is are "
                            "was were do does did can could would will shall should may any anything got know tell hear heard whatcha "
                            "don't dont doesn't doesnt didn't didnt isn't isnt aren't arent won't wont can't cant ain't aint "
                            "have has seen heard and wot wots wat wats wut whats hows wheres whos".split())
# Data a line asks for in so many words, which a request to be taught or helped does not override.
_ASKED_DATA = ("price", "shop", "quest_state", "location")
SOCIAL = ("greeting", "farewell", "thanks", "teaching", "help")
# The speech acts that ask for the persona's data, and the kind of datum each is answered from.
_DATA_KIND_OF_ACT = {"work": "quest", "rumor": "rumor", "people": "relationship", "place": "location"}

_classifiers: dict[int, ActClassifier] = {}


def act_classifier(embedder) -> ActClassifier:
    """One classifier per embedder (its example sentences are embedded once)."""
    c = _classifiers.get(id(embedder))
    if c is None or c.embedder is not embedder:
        c = _classifiers[id(embedder)] = ActClassifier(embedder)
    return c


@dataclass(frozen=True)
class DataOption:
    kind: str      # item | fact | relationship | rumor | landmark
    key: str       # id (or the person's name)
    text: str      # what is embedded


def data_options(persona: Persona, world: World) -> list[DataOption]:
    out = []
    for it in persona.shop:
        for name in (it.name, *it.aliases):
            out.append(DataOption("item", it.id, f"How much is the {name}?"))
    for f in persona.facts:
        out.append(DataOption("fact", f.id, f.text))
    for who, rel in persona.relationships:
        # As the NPC says it ("Bettany is my apprentice, ..."): closer to "who's your apprentice?"
        # than the card's "Bettany: his apprentice, ...".
        out.append(DataOption("relationship", who, relationship_fact(persona, who).statement))
    for r in persona.rumors:
        out.append(DataOption("rumor", r.id, r.text))
    for lm in world.landmarks:
        out.append(DataOption("landmark", lm.id, landmark_text(lm)))
    return out


def landmark_text(lm) -> str:
    """A landmark as a question for the way, with what its id says it is ("Where is the Sour Flagon,
    the tavern?"): a game's ids name what a thing is."""
    kind = lm.id.replace("_", " ").lower()
    return f"Where is {lm.name}?" if kind in lm.name.lower() else f"Where is {lm.name}, the {kind}?"


class Router:
    def __init__(self, persona: Persona, embedder):
        self.persona = persona
        self.embedder = embedder
        self.acts = act_classifier(embedder)

    def route(self, text: str, query: np.ndarray, world: World, turn: int,
              player_lines: list[Memory] | None = None) -> Grounding:
        """Keyword data asked for in so many words; else what kind of talk the line is by its
        wording; else the persona's data closest in meaning; else the nearest kind of talk."""
        p = self.persona
        if ABOUT_SELF.search(text):
            # "Tell me about yourself": the persona's own name and role are the fact to state,
            # not whatever datum sits nearest ("The Forge in Oakvale.").
            return Grounding([self_fact(p)], "self")
        rest = after_greeting(text)
        if rest is not None and is_question(rest):
            # "Good morning! What is the nearest landmark?": the greeting must not swallow the
            # question; the question routes on its own when it asks for the persona's data
            g_rest = self.route(rest, self.embedder.embed_one(rest), world, turn, player_lines)
            if g_rest.facts:
                return g_rest
        g = find_facts(text, p, world, turn)
        asking = is_question(text)
        if asking and _TENURE.search(text.replace("’", "'")) and g.topic not in ("price", "quest_state"):
            # "been doing this long?", "how long have you been ringing here?": how long the NPC has
            # been at it, a fact counted in years, though no word of the line names it
            spans = [f for f in p.facts if _YEARS.search(f.text)]
            if spans:
                f = spans[self._closest([f.text for f in spans], query)]
                return Grounding([persona_fact(p, f)], "fact")
        if asking and g.topic != "quest_state" and asks_progress(text):
            # "how's the job standing now?", "any luck yet?": the state of the quest the player has
            # in hand, whatever they call it
            q = self._quest_in_hand(text, query, world, player_lines or [])
            if q is not None:
                return Grounding([quest_state_fact(q)], "quest_state")
        if asking and player_lines and set(words(text)) & _PERSON_POINTING and mentioned_person(text, p, world) is None:
            # "is she any good at her job though?" after "who's Tilda?": she is the person the last
            # line named, whatever else the line's words touch
            prev = last_player_line(player_lines)
            who = mentioned_person(prev, p, world) if prev else None
            if who is not None:
                return self._about_person(who, text, query)
        if asking and _ASKS_NAME.search(text.replace("’", "'")) and g.topic not in ("price", "relationship"):
            # "that big brute with one ear, what do you call him?": a name the NPC gave something,
            # a fact that says what it is called (after the person a follow-up points back at: "what's
            # her name?" after "who's the girl at the loom?")
            names = [f for f in p.facts if _NAMING.search(f.text)]
            if names and mentioned_person(text, p, world) is None:
                f = names[self._closest([f.text for f in names], query)]
                return Grounding([persona_fact(p, f)], "fact")
        act, act_score, cued = self.acts.classify(text, query, question=asking)
        if act == "rumor" and _HOW_MUCH_OF.search(text):
            # "how long before it's safe to touch?" asks a measure; "safe" is not news here
            act, cued = None, False
        if act == "memory":
            told = recall(player_lines or [], query)
            if told:
                return Grounding([memory_fact(told)], "memory")
        if asking and asks_opinion(text) and g.topic not in ("price", "direction", "quest_state") \
                and not _MEASURE_QUESTION.search(text) and not set(words(text)) & _MONEY_WORDS:
            # "if a bear came after your hives, would you fight it off?", "reckon it'll rain?": the
            # NPC's opinion or what it would do, asked; not a datum the line's words touch
            return Grounding([])
        if _PRICE_QUOTED_BACK.search(text.replace("’", "'")) and not _ASKS_PRICE.search(text):
            # "12 silver for a spyglass?? that's robbery", "eight for mead? they sell it for five in
            # town": the player says the price back, to object; they ask nothing of the shop
            return Grounding([])
        # "Teach me ..." / "help me ..." say what the line is for, whatever facts it names.
        requested = cued and act in ("teaching", "help") and g.topic not in _ASKED_DATA
        # "what sort of charms do you sell?", "what can I buy off you? permits and that?": the list,
        # though the line names a ware
        listing = (cued and act == "shop" and g.topic == "price" and bool(p.shop)
                   and not set(words(text)) & {"much", "cost", "costs", "price", "charge"})
        # A line that neither asks nor wants anything tells: "I'm hauling pots to sell at the fair"
        # names a ware and a price word, but it is the player's news, not a question for the shop.
        # A question word anywhere still asks ("if I measure an inch on your map, how far is that?").
        wants = asking or bool(_WANTS.search(text.replace("’", "'"))) or bool(set(words(text)) & _WH_WORDS)
        by_name = named_person(text, p) if asking and g.topic in ("shop", "fact", "rumor", "quest_offer") else None
        if by_name is not None and not set(words(text)) & (_MONEY_WORDS - _TRADE_VERBS):
            # "you sell to Tolliver the baker?": a question that names a person of the NPC's circle
            # is about them, though it names a trade or a topic too
            return self._about_person(by_name, text, query)
        if asking and g.topic not in ("price", "relationship") and _ASKS_WHO.search(text):
            # "who's the girl with the lamb in her arms?", "this reeve, what's he like?": a person of
            # the NPC's circle, named or described, before any datum the same words touch
            who = mentioned_person(text, p, world)
            if who is not None:
                return self._about_person(who, text, query)
            if _WHO_DESCRIBED.search(text):
                # "who's the big lad hauling stones?", "whose dog is that?": someone pointed at and
                # described, not named; the nearest of the NPC's people (or of the talk's) by meaning
                routed = self._act_route("people", text, query, p, world, turn)
                if routed.facts:
                    return routed
        if not requested and not listing:
            asked = self._asked_in_so_many_words(text, query, world, turn, g, asking, act if cued else None)
            if asked is not None:
                return asked
        if g.facts and strong_cue(text, g.topic, g.asks_free) and not requested and not listing and wants:
            return g
        if wants and not asking and not g.facts and not (cued and act in ("teaching", "help")):
            # an order without a price word: "and a mug of ale while I wait"
            items = named_items(text, p)
            if items:
                return find_facts(f"How much is the {items[0].name}?", p, world, turn)
        # An offer of work put to the NPC is a request for it, question or not: "I'm free for a few days
        # if you want anything fetched", "you seem bothered, need a hand with something".
        offers = cued and act == "work" and bool(_TO_YOU.search(text))
        if cued and act != "memory" and (asking or act in SOCIAL or offers or (wants and act in ("work", "shop"))):
            routed = self._act_route(act, text, query, p, world, turn)
            if routed.topic is not None:
                return routed
        # "what's this spot called?" points at here, not at the last line's subject
        follow = follow_up_kind(text) if asking and not g.facts and player_lines and act != "place" else None
        if follow == "linked" or (follow == "pointing" and not names_datum(text, p, world)
                                  and mentioned_person(text, p, world) is None):
            # "how long a walk is that?" after "where is Greyhill?": the question leans on the
            # last one, so route both lines together (by structure, not by any persona's words)
            # before its own nearest datum ("walk" is near the ferry's "passage"). A line that
            # only points back but names its own subject ("where's this well then?") does not
            # lean on the last one.
            prev = last_player_line(player_lines)
            if prev is not None:
                joined = f"{prev} {text}"
                joined_query = self.embedder.embed_one(joined)
                if act in ("people", "rumor"):
                    # The line says what kind of talk it is ("does anyone you know live there?"),
                    # the line before says about what: the person or rumour closest to both.
                    routed = self._act_route(act, joined, joined_query, p, world, turn)
                    if routed.facts:
                        return routed
                g2 = self.route(joined, joined_query, world, turn)
                if follow == "linked" and g2.topic in _OWN_SUBJECT_KIND and g2.facts:
                    own = self._own_subject(query, world, _OWN_SUBJECT_KIND[g2.topic], g2.facts[0].id.split(":", 1)[-1])
                    if own is not None:
                        return self._data_route(own, text, p, world, turn)
                # "is he any good?" points back at a person: only a person answers it
                about_person = follow == "pointing" and not set(words(text)) & (_POINTING - _PERSON_POINTING)
                if g2.facts and (g2.topic == "relationship" or not about_person):
                    return g2
        measure = bool(_MEASURE_QUESTION.search(text)) and not set(words(text)) & _MONEY_WORDS
        opt, score = self._nearest_data(query, world, items=not measure and names_for_sale(words(text))) \
            if asking else (None, -1.0)
        if g.facts and asking:
            # Only named, not asked for: the closest datum by meaning, when it is much closer.
            if opt is not None and score >= OVERRIDE_THRESHOLD and not _same_target(opt, g):
                return self._data_route(opt, text, p, world, turn)
            return g
        who = mentioned_person(text, p, world)
        if who is not None and asking:
            return self._about_person(who, text, query)
        # A question whose form asks for a kind of data (work, news, people, the place) gets that
        # kind: a datum of another kind that shares its topic words ("... around the abbey?" and
        # "the keeper of the abbey library") does not take it.
        own_kind = act in _DATA_KIND_OF_ACT and self._has_data_for(act)
        kind = _DATA_KIND_OF_ACT.get(act)
        if act == "place" and _WHERE_IS_A_THING.search(text):
            kind = "landmark"  # "where's the smithy?" asks the way to a place, not where here is
        about_you = opt is not None and opt.kind == "fact" and bool(_TO_YOU.search(text)) and not measure
        threshold = FACT_QUESTION_THRESHOLD if about_you else DATA_THRESHOLD
        if opt is not None and score >= threshold and (opt.kind == kind if own_kind else score >= act_score):
            return self._data_route(opt, text, p, world, turn)
        if act is not None and act != "memory" and (asking or act in SOCIAL) \
                and (act not in _DATA_KIND_OF_ACT or self._has_data_for(act)):
            return self._act_route(act, text, query, p, world, turn)
        if asking and player_lines:
            # A question about something the player said ("and what am I delivering?"), asked
            # without the word "remember": the player's own line is far closer than any datum.
            told = recall(player_lines, query, MEMORY_SOFT_THRESHOLD)
            if told:
                return Grounding([memory_fact(told)], "memory")
        return g if asking else Grounding([])

    def _asked_in_so_many_words(self, text: str, query: np.ndarray, world: World, turn: int, g: Grounding,
                                asking: bool, cued_act: str | None) -> Grounding | None:
        """The form of the line says what it asks, though no word of it names the datum: a price
        ("what'd you want for ...", "what's the fee"), the way ("which way to ...", "where can I get
        ...", "is there a ... nearby"), or hearsay ("is it true ...", "someone said ..."). The datum
        is the persona's closest in meaning of that kind."""
        p, low = self.persona, " ".join(words(text.replace("’", "'")))
        if p.rumors and _HEARSAY.search(low) and g.topic not in ("price", "direction", "quest_state"):
            sims = self._sims([r.text for r in p.rumors], query)
            if float(sims.max()) >= HEARSAY_THRESHOLD:
                r = p.rumors[int(np.argmax(sims))]
                return Grounding([rumor_fact(r)], "rumor")
        if not asking:
            return None
        # A fact the line names by its keywords ("what's the toll on cargo?" for a fact on tolls) and
        # an offer to work off a debt ("could I work off the fee?") are not a ware's price.
        if p.shop and g.topic == "fact" and _PRICE_ASKED.search(low) and not _MEASURE_ONLY.search(low):
            # "what do the beeswax ones go for?": a ware named and its price asked, over a fact that
            # shares the ware's word
            items = named_items(text, p)
            if items:
                return find_facts(f"How much is the {items[0].name}?", p, world, turn)
        if p.shop and g.topic not in ("price", "fact") and cued_act != "work" and _PRICE_ASKED.search(low) \
                and not _MEASURE_ONLY.search(low):
            if g.topic == "shop" and _LISTING.search(low):
                return g
            items = named_items(text, p)
            if items:
                return find_facts(f"How much is the {items[0].name}?", p, world, turn)
            ranked = self._ranked(query, world, "item")
            return self._data_route(ranked[0][0], text, p, world, turn) if ranked[0][1] >= PRICE_ITEM_THRESHOLD else None
        if world.landmarks and g.topic not in ("direction", "fact") and _WAY_ASKED.search(low):
            ranked = self._ranked(query, world, "landmark")
            best = ranked[0][1]
            runner_up = ranked[1][1] if len(ranked) > 1 else -1.0
            if best >= WAY_THRESHOLD or best >= WAY_THRESHOLD_CLEAR and best - runner_up >= WAY_MARGIN:
                return self._data_route(ranked[0][0], text, p, world, turn)
        return None

    def _own_subject(self, query: np.ndarray, world: World, kind: str, last: str) -> DataOption | None:
        """The ware or landmark a linked follow-up names by meaning ("and the saddler's?" after "which
        way's the weir?"), when it is clearly nearer to it than to the last line's (`last`, an id):
        "and how far is it?" is about equally near every place, and stays with the last line's."""
        ranked = self._ranked(query, world, kind)
        last_sim = max((s for o, s in ranked if o.key == last), default=-1.0)
        best, sim = ranked[0] if ranked else (None, -1.0)
        if best is not None and best.key != last and sim >= FOLLOW_SUBJECT_THRESHOLD \
                and sim - last_sim >= FOLLOW_SUBJECT_MARGIN:
            return best
        return None

    def _ranked(self, query: np.ndarray, world: World, kind: str) -> list[tuple[DataOption, float]]:
        """The persona's data of one kind (an item's name and each alias count apart), nearest in
        meaning first."""
        opts = [o for o in data_options(self.persona, world) if o.kind == kind]
        if kind == "landmark":
            # A line that asks the way may name the place by an everyday word for its kind ("the
            # lake" for Sallow Mere): each counts apart, as an item's aliases do. Only here, where
            # the way is asked: among every datum, more near-duplicates only add near misses.
            opts += [DataOption("landmark", lm.id, f"Where is the {w}?") for lm in world.landmarks
                     for w in place_aliases(lm.name, lm.id.replace("_", " "))]
        sims = self._sims([o.text for o in opts], query)
        return sorted(zip(opts, (float(x) for x in sims)), key=lambda t: -t[1])

    def _quest_in_hand(self, text: str, query: np.ndarray, world: World, lines: list[Memory]):
        """The quest a progress question is about: one the game has under way or done, else one this
        NPC offered the player earlier in the talk (an NPC line close in meaning to its hook). A bare
        "how are you doing?" is about the quest only when the line names work or points at it."""
        hooks = {q.id: q.hook for q in self.persona.quests}
        held = [q for q in world.quests if quest_phase(q.state)[0] in ("underway", "done", "failed")]
        said = [m.embedding for m in lines if m.speaker == "npc"]
        if said and hooks:
            ids = list(hooks)
            sims = self.embedder.embed([hooks[i] for i in ids]) @ np.stack(said).T
            offered = {ids[i] for i in range(len(ids)) if float(sims[i].max()) >= OFFERED_THRESHOLD}
            held += [q for q in world.quests if q.id in offered and q not in held]
        ws = set(words(text))
        if not held:
            # not offered in this talk: only when the line names the quest ("any progress with the
            # widow's grave thing?" for "The Restless Grave")
            named = {q.id for q in self.persona.quests
                     if ws & {w for w in words(q.name) if len(w) >= 4 and w not in _NAME_FILLER}}
            held = [q for q in world.quests if q.id in named]
            if not held:
                return None
        if not ws & _WORK_WORDS and not ws & _POINTING and not ws & {"now", "yet", "next"}:
            return None
        if len(held) == 1:
            return held[0]
        texts = [f"{q.name}. {hooks.get(q.id, '')}" for q in held]
        return held[self._closest(texts, query)]

    def _has_data_for(self, act: str) -> bool:
        """Can the persona answer this kind of talk from its data (an innkeeper without quests
        cannot answer "can I have a room?" with work)?"""
        p = self.persona
        return {"work": bool(p.quests), "rumor": bool(p.rumors), "people": bool(p.relationships or p.rumors),
                "place": True}.get(act, False)

    def _nearest_data(self, query: np.ndarray, world: World, items: bool = True) -> tuple[DataOption | None, float]:
        """The persona's datum closest in meaning; items=False leaves the shop out (a question of
        how long or how many asks a measure, not a price)."""
        opts = [o for o in data_options(self.persona, world) if items or o.kind != "item"]
        if not opts:
            return None, -1.0
        sims = self.embedder.embed([o.text for o in opts]) @ np.asarray(query, dtype=np.float32)
        i = int(np.argmax(sims))
        return opts[i], float(sims[i])

    def _data_route(self, opt: DataOption, text: str, p: Persona, world: World, turn: int) -> Grounding:
        if opt.kind == "item":
            it = next(x for x in p.shop if x.id == opt.key)
            return find_facts(f"How much is the {it.name}?", p, world, turn)
        if opt.kind == "fact":
            f = next(x for x in p.facts if x.id == opt.key)
            return Grounding([persona_fact(p, f)], "fact")
        if opt.kind == "relationship":
            return Grounding([relationship_fact(p, opt.key)], "relationship")
        if opt.kind == "rumor":
            r = next(x for x in p.rumors if x.id == opt.key)
            return Grounding([rumor_fact(r)], "rumor")
        lm = next(x for x in world.landmarks if x.id == opt.key)
        return find_facts(f"Where is {lm.name}?", p, world, turn)

    def _act_route(self, act: str, text: str, query: np.ndarray, p: Persona, world: World, turn: int) -> Grounding:
        """The route of a kind of talk: work -> a quest hook, rumor -> the closest rumour, shop ->
        the list, people -> the closest relationship; social acts carry no data."""
        if act == "work" and p.quests:
            return find_facts("Any work?", p, world, turn)
        if act == "rumor" and p.rumors:
            r = p.rumors[self._closest([r.text for r in p.rumors], query)]
            return Grounding([rumor_fact(r)], "rumor")
        if act == "shop" and p.shop:
            return find_facts("What do you sell?", p, world, turn)
        if act == "people" and (p.relationships or p.rumors):
            who = mentioned_person(text, p, world)
            if who is None:
                # The closest person, or a rumour when one is closer: "who's that stranger everyone
                # talks about?" asks about a person of the talk, not of the NPC's own circle.
                rel_sims = self._sims([relationship_fact(p, w).statement for w, _ in p.relationships], query)
                rum_sims = self._sims([r.text for r in p.rumors], query)
                best_rel = float(rel_sims.max()) if len(rel_sims) else -1.0
                if len(rum_sims) and float(rum_sims.max()) >= max(best_rel + RUMOR_OVER_PERSON, RUMOR_FLOOR):
                    r = p.rumors[int(np.argmax(rum_sims))]
                    return Grounding([rumor_fact(r)], "rumor")
                if not len(rel_sims):
                    return Grounding([])
                who = p.relationships[int(np.argmax(rel_sims))][0]
            return Grounding([relationship_fact(p, who)], "relationship")
        if act == "place":
            if _WHERE_IS_A_THING.search(text):
                # "where's the nearest place to sleep?" asks the way to somewhere, not where here is
                return Grounding([])
            return Grounding([location_fact(world)], "location")
        if act in SOCIAL:
            return Grounding([], act)
        return Grounding([])

    def _about_person(self, who: str, text: str, query: np.ndarray) -> Grounding:
        """Someone of the NPC's circle: who they are to the NPC, or the news of them when the line
        asks what they are up to ("and the baron, what's he up to these days?", "is Father Osric
        leaving? I heard something") and a rumour names them."""
        p = self.persona
        low = " ".join(words(text.replace("’", "'")))
        if _NEWS_OF_SOMEONE.search(low) or _HEARSAY.search(low):
            named = {w for w in words(who) if len(w) >= 3 and w not in _NAME_FILLER}
            news = [r for r in p.rumors if named & set(words(r.text))]
            if news:
                r = news[self._closest([r.text for r in news], query)]
                return Grounding([rumor_fact(r)], "rumor")
        return Grounding([relationship_fact(p, who)], "relationship")

    def _closest(self, texts: list[str], query: np.ndarray) -> int:
        return int(np.argmax(self._sims(texts, query)))

    def _sims(self, texts: list[str], query: np.ndarray) -> np.ndarray:
        if not texts:
            return np.zeros(0, np.float32)
        return self.embedder.embed(texts) @ np.asarray(query, dtype=np.float32)


# "Where is/are/can ... <a thing>", not "where is this / where are we".
_WHERE_IS_A_THING = re.compile(r"\bwhere(?:'s|s| is| are| can| do| does| would)\s+(?!(?:this|here|we|i)\b)", re.I)


# A price asked in so many words, though no ware is named: "what'd you want for ...", "what do
# they go for", "what's the damage", "what's the fee", "what would you charge", "how much for one".
_PRICE_ASKED = re.compile(r"\b(?:go(?:es)? for|want for|(?:the|your) damage|(?:the|your|a) (?:fee|toll|charge|price|cost)|"
                          r"(?:would|will|do|d|'d) you charge|set me back|do i owe|how much (?:for|is|are|'s|s|do|does|would|to)|"
                          r"what(?:'s|s| is| does| do| would| will) (?:it|that|one|they|them) cost|cost(?:s)? me|"
                          r"cost\W*$|how much\W*$)\b")
# ... but "how much does it weigh" asks a measure.
_MEASURE_ONLY = re.compile(r"\bhow much (?:\w+ ){0,3}(?:weigh|weighs|hold|holds|longer|time|water|room|drink|drinks|eat|"
                           r"eats|burn|burns|use|uses|need|needs|carry|carries|make|makes|earn|earns|fit|fits)\b")
# A price question for the whole list: "what are your rates, all of them?".
_LISTING = re.compile(r"\b(?:rates|prices|all|everything|things|stuff|wares|goods|what (?:do|d|'d) you sell)\b")
# Asking the way to a kind of place: "which way to the big grain store", "how do I get down to ...",
# "point me at ...", "where can a fella get a pint", "is there a church about", "where does the parson live".
_WAY_ASKED = re.compile(r"\b(?:which way|what way|how (?:do|can|would|should|will) (?:i|we|you|one) get (?:to|down|up|over|across|out|there)|"
                        r"point me|where (?:can|could|would|do|might|should) (?:i|we|one|a \w+|a \w+ \w+) (?:get|find|draw|fetch|grab|"
                        r"eat|drink|sleep|pray|stay|wash|rest|water|cross|wade)(?!.*\bfrom\W*$)|"
                        r"is there (?:a|an|any|anywhere|somewhere|some) .*\b(?:near|nearby|about|around|round here|close by|hereabouts)|"
                        r"where does (?:the |your |that |this )?\w+ live|where(?:'s|s| is| are) (?:the|that|those|your) (?!(?:\w+ )?"
                        # "where's your lad?" asks after a person, not the way
                        r"(?:lad|lass|boy|girl|man|woman|wife|husband|son|daughter|apprentice|friend|brother|sister|"
                        r"mother|father|mum|dad|master|mistress|dog|cat|horse)\b)|"
                        r"is (?:the|your) (?:\w+ ){1,3}far\b)")
# Hearsay the player asks about: "is it true ...", "someone said ...", "I heard ...", "they say ...".
_HEARSAY = re.compile(r"\b(?:is it true|(?:i|we)(?:'ve| have)? heard|^heard\b|word is|rumou?r has it|"
                      # someone said it: "bloke at the inn swore they were", "folk keep saying"
                      r"(?:someone|somebody|everyone|everybody|they|folk|folks|people|bloke|fellow|feller|man|woman|lad|"
                      r"girl|chap|men|lads)\b(?: \w+){0,3} (?:said|say|says|told me|swore|swears|reckons|"
                      r"reckoned|(?:keep|keeps|was|were|are|is) (?:saying|on about|talking about|mentioning|going on about)))\b")


# What someone is up to lately: news of them, not who they are.
_NEWS_OF_SOMEONE = re.compile(r"\b(?:up to|planning|plans|leaving|left|going away|moving|coming back|been doing|"
                              r"happened (?:to|with)|happening with|going on with|any news|news of|heard whispers|"
                              r"heard something|these days|lately)\b")
# A line put to the NPC: "what do you call the big one?" (its facts answer at a lower bar).
_TO_YOU = re.compile(r"\b(?:you|your|yours|ya|ye|yer|yourself)\b", re.I)

# A question about a person: "who's ...", "who is it that ...", "what's he like?".
_ASKS_WHO = re.compile(r"(?:^|[,;:.!?] ?)who(?:se|m)?\b|\bwho(?:'s|s| is| are| was)\b|"
                       r"\bwhat(?:'s|s| is| are) (?:he|she|they|him|her) like\b", re.I)
# Someone pointed at and described: "who's the girl dipping wicks?", "whose dog is that?" (not
# "who built the tower?", which asks a fact).
_WHO_DESCRIBED = re.compile(r"\bwho(?:'s|s| is| was| are)\s+(?:the|that|this|those|these)\b|"
                            r"\bwhose \w+(?: \w+)? (?:is|was|are) (?:that|this|it|those|these)\b", re.I)
# How long the NPC has been at something: "how long have you been ...", "been at this game long?".
_TENURE = re.compile(r"\bhow long (?:have|'ve|had|d) (?:you|ya|ye)\b|\bhow long (?:you|ya|ye) (?:been|had)\b|"
                     r"^\W*(?:\w+,? )?(?:you )?been (?:\w+ ){1,3}long\b", re.I)
_YEARS = re.compile(r"\b(?:years?|decades?|since)\b", re.I)
# Asking what something is called, and the facts that say it.
_ASKS_NAME = re.compile(r"\bwhat (?:do|d|d'|did|does) (?:you|ya|ye|they|folk|folks|people|anyone) call\b|"
                        r"\bwhat(?:'s|s| is| was) (?:its|his|her|their) name\b|"
                        r"\bwhat(?:'s|s| is| was) (?:it|he|she|that|this|they) called\b|"
                        r"\b(?:has|does) (?:it|he|she|that|this) (?:got |have )?a name\b", re.I)
_NAMING = re.compile(r"\b(?:named|called|name|names|known as)\b", re.I)
# An amount said first, then what it buys ("12 silver for a bit of paper??"), and a price not asked.
_AMOUNT = r"(?:\d+|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-\w+)?|one|two|three|four|five|six|seven|" \
          r"eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|a hundred)"
_PRICE_QUOTED_BACK = re.compile(rf"^\W*(?:\w+,? )?{_AMOUNT} (?:\w+ )?for\b", re.I)
_ASKS_PRICE = re.compile(r"\bhow much\b|\bwhat(?:'s|s| is| do| does| would)\b|\bcost\b|\bprice\b", re.I)
# Asking the NPC's opinion, or what it would do: "d'you reckon ...", "in your opinion", "what would
# you do?", "good idea or bad?", "if ..., would you ...?", "do you ever get bored of it?".
_OPINION = re.compile(r"\bin your (?:opinion|view)\b|\bwhat would you do\b|\b(?:good|bad) idea\b|"
                      r"^if\b[^?]*\bwould (?:you|ya|ye)\b|\bever get (?:bored|tired|lonely|sick|fed up)\b", re.I)
# ... or "do you think / reckon ...?" put as the question itself ("reckon it'll rain?"), not as a
# hedge on a question for a datum ("what hour would you reckon it is?") or for someone's measure
# ("what do you think of Tobin?").
_RECKON = re.compile(r"\b(?:d'?you|do you|you) (?:think|reckon)\b(?! (?:of|about)\b)|^(?:\w+ )?reckon\b(?! (?:of|about)\b)|"
                     r"[,;:] ?reckon\b", re.I)


def asks_opinion(text: str) -> bool:
    low = text.replace("’", "'").strip().lower()
    if _OPINION.search(low):
        return True
    m = _RECKON.search(low)
    return m is not None and not set(words(low[:m.start()])) & _WH_WORDS
# A question of how long, how old, how many...: a fact's measure, not news ("how long before it's
# safe to touch?"), and with "how far" and "when" not an item's price ("how long does the mead
# have to sit?").
_MEASURE = "long|old|many|heavy|big|deep|tall|wide|often|soon|fast|hot"
_MEASURE_WORDS = frozenset(_MEASURE.split("|")) | {"far", "much"}
_HOW_MUCH_OF = re.compile(rf"\bhow (?:{_MEASURE})\b", re.I)
_MEASURE_QUESTION = re.compile(rf"\bhow (?:{_MEASURE}|far)\b|\bwhen\b", re.I)
# Words of money (grounding's price cues, and the coins and costs people name): a question with one
# asks a price, whatever else it measures ("how many silver for the cloak?").
_MONEY_WORDS = PRICE_CUES | frozenset("coin coins gold silver copper cheap dear expensive".split())
_TRADE_VERBS = frozenset("sell selling buy purchase".split())
# How a piece of work is getting on: "how's it looking?", "how are your strays coming along?",
# "any luck yet?", "where does that leave the job?", "how do we stand now?".
_PROGRESS = re.compile(r"\bhow(?:'s|s| is| are| does| do| did)?\b[^?]*?\b(?:going|coming(?: along)?|looking|getting on|"
                       r"shaping up|standing|stand|progressing|doing)\b|\bany (?:luck|progress|news of)\b|"
                       r"\b(?:how|where)(?:'s|s| is| are| do) things\b|\bwhat(?:'s|s| is) the latest on\b|"
                       r"\bany (?:sign|word) of\b|"
                       r"\bhow(?:'s|s| is| are) (?:the|that|your|our|my) (?:\w+ )?"
                       r"(?:business|job|work|task|errand|hunt|search)\b|"
                       r"\bwhere does (?:that|this|it) leave\b|\b(?:state|status|progress) of\b|"
                       r"\bwhat(?:'s|s| is) the (?:state|status)\b|"
                       # what comes next in it: "what do I do next?", "what do you want me to do now?"
                       r"\bwhat (?:do|should|shall|must|can|d) (?:i|we) do (?:next|now)\b|\bwhat(?:'s|s| is) (?:next|my next)\b|"
                       r"\bwhat (?:do|d) you want (?:me|us) to do (?:next|now)\b", re.I)
_WORK_WORDS = frozenset("job work task quest errand business search hunt bounty contract".split())


def asks_progress(text: str) -> bool:
    return bool(_PROGRESS.search(text.replace("’", "'")))


def is_question(text: str) -> bool:
    """A line that asks something: a question mark, a question word first ("where even is this"),
    or first in a later clause ("go on then, what's the latest"), after a filler ("so whats the
    state of it now"), an indirect question ("i was wondering how heavy a fleece is"), or a request
    to be told or shown ("tell me the way to ...", "point me to the mill")."""
    if "?" in text or _INDIRECT_QUESTION.search(text.replace("’", "'")):
        return True
    for clause in _CLAUSE_BREAK.split(text):
        ws = words(clause)
        while ws and ws[0] in _FILLERS:
            ws = ws[1:]
        if ws[:2] in (["what", "a"], ["what", "an"]) or ws in (["how", "do"], ["how", "do", "you", "do"]):
            continue  # "what a reek!" exclaims; "how do" greets
        if ws and (ws[0] in _QUESTION_START or ws[0].split("'")[0] in _QUESTION_START):
            return True
    ws = words(text)
    if _TAG_QUESTION.search(text.replace("’", "'")):
        return True
    return len(ws) >= 2 and ws[0] in _REQUEST_VERBS and ws[1] in ("me", "us")


# "you got a brother, don't you", "cold out, isn't it": a statement that asks to be confirmed.
_TAG_QUESTION = re.compile(r"\b(?:don't|doesn't|didn't|isn't|aren't|wasn't|weren't|won't|can't|haven't|hasn't|ain't|"
                           r"dont|doesnt|didnt|isnt|arent|wont|cant|havent|aint) (?:you|ya|ye|it|he|she|they|we|i)\W*$",
                           re.I)


_CLAUSE_BREAK = re.compile(r"[,;:.!\u2014]+\s*")
_WH_WORDS = frozenset("how what where when why who which".split())
_FILLERS = frozenset("so and but well oh ooh ok okay alright right now then say also anyway hmm um er wait".split())
_INDIRECT_QUESTION = re.compile(r"\bi(?: was| am|'m)? (?:wonder|wondering|curious)\b|\bi'?d (?:like|love) to know\b|"
                                r"\btell me\b", re.I)
# Wanting something without asking: "I'd like a sword", "and a mug of ale while I wait", "I'm
# looking for paid work".
_WANTS = re.compile(r"^(?:and|then|plus|also) (?:a|an|one|two|some|another) |\bplease\b|"
                    r"\b(?:i(?:'d| would) like|i want|i need|i'll (?:take|have|buy)|give me|sell me|"
                    r"let me (?:buy|have)|i could (?:use|do with)|i'?m after|i am after|"
                    r"looking for (?:\w+ )?(?:work|job|jobs|employment|a room|a bed)|(?:a job|work|anything) for me)\b|"
                    r"^(?:(?:ok|okay|right|so|oh),? )?(?:and|plus|what about|how about) "
                    r"(?:the |a |an |some |your )?\w+\W*$", re.I)
# Imperatives that ask to be told something: "tell me ...", "show us ...".
_REQUEST_VERBS = frozenset("tell show point direct guide lead remind fill explain describe".split())


# A follow-up leans on the line before it: it starts with a linking word or points back with a
# pronoun instead of naming its subject.
_FOLLOW_UP_START = frozenset("and but so also then what's whats how's hows".split())
_PERSON_POINTING = frozenset("he she him her his".split())
_POINTING = frozenset("that this it its it's there them they those these one".split()) | _PERSON_POINTING


def is_follow_up(text: str) -> bool:
    return follow_up_kind(text) is not None


def follow_up_kind(text: str) -> str | None:
    """"linked": the line opens by linking to the last one ("and ...", "what if ...", "how about
    ..."); "pointing": it only points back with a pronoun or a demonstrative ("is it far?",
    "where's this well then?"); None: it stands alone."""
    ws = words(text)
    if not ws or len(ws) > 9:
        return None
    if ws[0] in _FOLLOW_UP_START and len(ws) <= 7 or ws[:2] in (["what", "if"], ["what", "about"], ["how", "about"]):
        return "linked"
    bare = [w for w in ws if w not in _FILLERS]
    if 2 <= len(bare) <= 3 and bare[0] == "how" and bare[1].split("'")[0] in _MEASURE_WORDS:
        return "linked"  # "how far?", "ok, and how long's that"
    return "pointing" if set(ws) & _POINTING else None


def names_datum(text: str, persona: Persona, world: World) -> bool:
    """Does the line name a thing of the persona's data by a distinctive word of its name (an item,
    a landmark, a person, a quest): then it carries its own subject."""
    ws = set(words(text))
    names = [it.name for it in persona.shop] + [a for it in persona.shop for a in it.aliases]
    names += [lm.name for lm in world.landmarks] + [w for w, _ in persona.relationships]
    names += [q.name for q in persona.quests] + [q.name for q in world.quests]
    return any(w in ws for n in names for w in words(n) if len(w) >= 3 and w not in _NAME_FILLER)


_NAME_FILLER = frozenset("the and for with from old new".split())


def last_player_line(lines: list[Memory]) -> str | None:
    said = [m for m in lines if m.speaker == "player"]
    return max(said, key=lambda m: m.turn).text if said else None


ABOUT_SELF = re.compile(r"\b(?:who are you|who (?:might|would) you be|(?<!said )(?<!say )your name|about yourself|"
                        r"introduce yourself|who you are)\b", re.I)


def self_fact(persona: Persona) -> GroundedFact:
    """Who the NPC is, from its card: the first name must be said."""
    return GroundedFact("persona:self", f"You are {persona.name}, {persona.role}.", "fact",
                        check=(persona.name.split()[0],), line_kind="intro",
                        line_values={"name": persona.name, "role": persona.role})


def _same_target(opt: DataOption, g: Grounding) -> bool:
    return any(f.id.split(":", 1)[-1] == opt.key for f in g.facts)


def named_person(text: str, persona: Persona) -> str | None:
    """A person of [[relationships]] named in the line by a word of their name ("Tobin")."""
    ws = set(words(text))
    for who, _ in persona.relationships:
        if any(w in ws for w in words(who) if len(w) >= 3 and w not in ("the", "old")):
            return who
    return None


def mentioned_person(text: str, persona: Persona, world: World | None = None) -> str | None:
    """A person of [[relationships]] named in the line, by a word of the name ("Tobin") or by a
    distinctive word of the relation ("the innkeeper" for "Tobin: the innkeeper ..."). A word of
    the relation that also names the persona's own setting (its role, its location, a landmark,
    a ware: "abbey" of "the keeper of the abbey library" for the abbey's healer, "Millbrook" of
    "who keeps the toll house at Millbrook") says where the person is, not who: "is this the
    abbey?" is not about the librarian."""
    who = named_person(text, persona)
    if who is not None:
        return who
    ws = set(words(text))
    setting = _setting_words(persona, world)
    for who, rel in persona.relationships:
        distinct = [w for w in words(rel) if len(w) >= 5 and w not in _COMMON_RELATION_WORDS
                    and not _in_setting(w, setting)]
        # A compound names its head: "the smith" for "the blacksmith", "the keeper" for "the innkeeper".
        # A word's own stem names it too: "the mill" for "the miller", "the lamb" for "the orphan lambs".
        if any(w in ws or any(len(x) >= 5 and len(w) - len(x) >= 2 and w.endswith(x) for x in ws)
               or any(len(x) >= 4 and 0 < len(w) - len(x) <= 2 and w.startswith(x) for x in ws) for w in distinct):
            return who
    return kin_named(ws, persona)


# Words of one tie of kin: "were you ever married?" asks about the wife of "his late wife".
_KIN = tuple(frozenset(g.split()) for g in (
    "married marry wed wedded wife wives husband spouse widow widower betrothed sweetheart",
    "brother brothers sister sisters sibling siblings twin",
    "mother mum mam ma father dad da pa parents",
    "son sons daughter daughters child children",
    "niece nephew", "uncle aunt auntie", "cousin cousins", "grandmother grandfather granny gran grandad grandson granddaughter"))


def kin_named(ws: set[str], persona: Persona) -> str | None:
    """The one person of [[relationships]] tied to the NPC by the kin the line asks about ("any
    family?": the one kin of any kind)."""
    asked = [g for g in _KIN if ws & g] or ([_ANY_KIN] if ws & _FAMILY else [])
    for group in asked:
        hits = [who for who, rel in persona.relationships if set(words(rel)) & group]
        if len(hits) == 1:
            return hits[0]
    return None


_ANY_KIN = frozenset().union(*_KIN)
_FAMILY = frozenset("family kin kinfolk relatives relations folks".split())


def _in_setting(word: str, setting: set[str]) -> bool:
    """A word of the setting, or its plural ("traps" of the ware "trap"); "the miller" is a person
    though the mill is a landmark."""
    return word in setting or word.endswith("s") and (word[:-1] in setting or word.endswith("es") and word[:-2] in setting)


def _setting_words(persona: Persona, world: World | None) -> set[str]:
    texts = [persona.role, persona.description, *(it.name for it in persona.shop),
             *(a for it in persona.shop for a in it.aliases)]
    w = world if world is not None else World.from_dict(persona.world or None)
    texts += [w.location, *(lm.name for lm in w.landmarks)]
    return {x for t in texts for x in words(t)}


_COMMON_RELATION_WORDS = frozenset("about after again always before being could every friend friends other "
                                   "their there these thing those under where which while would years".split())


def recall(player_lines: list[Memory], query: np.ndarray, threshold: float = MEMORY_THRESHOLD) -> list[Memory]:
    """The player's own earlier lines that a memory question asks about: the closest by meaning,
    and up to two runners-up when they are at least half as close (what a player told often spans
    lines, and "so what's my trade?" is closer to their introduction than to "I play fiddle at
    fairs for my bread"); questions and lines that only ask to be remembered are skipped (what the
    player asked is not what they told)."""
    told = [m for m in player_lines if m.speaker == "player" and tells_something(m.text)]
    if not told:
        return []
    sims = np.stack([m.embedding for m in told]) @ np.asarray(query, dtype=np.float32)
    order = np.argsort(-sims, kind="stable")
    best = float(sims[order[0]])
    if best < threshold:
        return []
    floor = max(threshold, RECALL_RELATIVE * best)
    picked = [told[int(i)] for i in order[:RECALL_LINES] if float(sims[int(i)]) >= floor]
    return sorted(picked, key=lambda m: m.turn)


def tells_something(line: str) -> bool:
    """Does a player's line tell something about them: a part of it that is not a question ("is
    there any work about? I'm short this month." tells; "where exactly is this, I've not tied up
    here before" asks), and not only a request to be remembered ("bet you've forgotten my name")?"""
    if _ASKS_TO_BE_REMEMBERED.search(line):
        return False
    for part in re.split(r"(?<=[.!?])\s+", line.strip()):
        ws = words(part)
        while ws and ws[0] in _FILLERS:
            ws = ws[1:]
        if ws and not part.endswith("?") and ws[0] not in _QUESTION_START:
            return True
    return False


# "bet you've forgotten my name already" asks to be remembered; it tells nothing.
_ASKS_TO_BE_REMEMBERED = re.compile(r"\b(?:remember|recall|forget|forgot|forgotten)\b", re.I)


def memory_fact(told: list[Memory]) -> GroundedFact:
    """What the player told, quoted back: their words exactly, so nothing is misremembered."""
    quotes = []
    for m in told:
        said = m.text.strip().replace('"', "'")
        quotes.append(f'"{said}"' if said[-1:] in ".!?" else f'"{said}."')
    # The prompt gives their words in the second person ("you're looking for your brother"): given
    # "I'm looking for my brother", a small model says it as its own.
    return GroundedFact(f"memory:{told[0].turn}",
                        "Earlier they told you: " + " ".join(second_person(q.strip('"')) for q in quotes),
                        "memory", line_kind="fact", line_values={"fact": "You told me, " + spoken_list(quotes)},
                        told=tuple(m.text.strip() for m in told))

