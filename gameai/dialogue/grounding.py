"""Facts come from data: find the facts a question asks for, and check the model stated them right.

The model only phrases a fact; `check_grounding` verifies the value (price, direction, quest state)
appears in the output and that no other price is claimed. A failed check means a templated line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gameai.dialogue.guards import words
from gameai.dialogue.persona import Fact, Persona
from gameai.dialogue.place_words import place_aliases
from gameai.dialogue.self_reference import speak_as
from gameai.dialogue.world import World

PRICE_CUES = frozenset({"much", "cost", "costs", "owe", "fee", "price", "prices", "sell", "selling", "buy", "worth", "charge",
                        "pay", "afford", "purchase"})
# Asking the way or how far ("how far is it to Millbrook?" asks for the landmark's distance).
_DIRECTION_CUES = {"where", "way", "direction", "directions", "find", "path", "road", "reach", "get", "located", "lead",
                   "go", "far", "distance"}
_QUEST_STATE_CUES = {"progress", "status", "state", "going", "done", "finished", "complete", "how", "update"}
# Asking for work: "help" is not here (a player asking for help is not asking for a quest).
_QUEST_OFFER_CUES = {"work", "job", "jobs", "quest", "quests", "task", "tasks", "errand", "errands", "hire", "hiring",
                     "employ", "earn", "bounty", "bounties", "contract"}
# Asking for goods without paying: "free" only in that sense ("for free", "free of charge", "give me
# ... free"), never "any rooms free tonight?" or "are you free?".
_ASKS_FREE = re.compile(r"\bfor (?:free|nothing)\b|\bfree of charge\b|\b(?:give|hand|let)\b.*\b(?:free|gratis)\b|"
                        r"\bdiscount|\bcheaper\b|\bas a gift\b|\bon the house\b", re.I)
_RUMOR_CUES = {"rumor", "rumors", "rumour", "rumours", "news", "gossip", "heard", "happening", "tidings", "new"}
_WHERE_AM_I = re.compile(r"\bwhere (?:exactly |even |on earth |in the world )?(?:am i|is this|are we|have i (?:come|ended up|landed))\b|"
                         r"\bwhat(?:'s|s| is)? (?:this place|the name of this (?:place|town|village)|this (?:town|village|place) "
                         r"(?:is )?called)\b|\b(?:what|which) (?:town|village|place|city) is this\b|"
                         # "what time is it?", not "what time does the show start?" or "what time do you ring?"
                         r"\bwhat time\b(?!(?:'s|s| is| does| do| did| will) (?:the|you|ya|he|she|they|we)\b)|\bwhat place\b|\bwhat hour\b|"
                         r"\b(?:what|which) (?:street|lane|road|quarter|district|island|region|land|country|county|realm|"
                         r"shire|hamlet|settlement|port|harbour|harbor|bay|valley|part of (?:town|the city)) is this\b|"
                         r"\bis it (?:still |getting )?(?:noon|midnight|morning|evening|night|dark|light|dawn|dusk|late|early)"
                         r"(?: yet)?\b", re.I)
# A keyword matches its inflected forms ("leave" -> "leaves", "dig" -> "digging", "depart" -> "departure"),
# not another word that starts with it ("late" is not "lately", "pass" is not "passage").
_INFLECTION = r"(?:[a-z]?(?:s|es|d|ed|ing|er|ers|ure))?"
_GENERIC = {"the", "old", "of", "a", "an", "to", "great", "little", "big", "north", "south", "east", "west"}
_COMPASS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"}

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """English words for 0..9999 (the prices NPCs quote); digits beyond that."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " and " + number_words(n % 100))
    if n < 10000:
        return _ONES[n // 1000] + " thousand" + ("" if n % 1000 == 0 else " " + number_words(n % 1000))
    return str(n)


def numbers_in(text: str) -> list[int]:
    """Whole numbers written as digits or English words (up to the thousands)."""
    low = text.lower().replace("-", " ")
    found = [int(x.replace(",", "")) for x in re.findall(r"\b\d[\d,]*\b", low)]
    ws = low.split()
    vals = {w: i for i, w in enumerate(_ONES)} | {w: i * 10 for i, w in enumerate(_TENS) if w != "_"}
    cur, active = 0, False
    for raw in ws + ["."]:
        w = raw.strip(".,!?;:'\"")
        if w in vals:
            if active and vals[w] >= 10 and cur % 10 == 0 and cur % 100 != 0:
                found.append(cur)  # "twenty thirty" is two numbers; "twenty-three" was split above
                cur = 0
            cur += vals[w]
            active = True
            if raw.rstrip("'\"")[-1:] in ".,!?;:":  # "young one. Three" is 1 and 3, not 4
                found.append(cur)
                cur, active = 0, False
        elif w == "hundred" and active:
            cur *= 100
        elif w == "thousand" and active:
            cur *= 1000
        elif w == "and" and active:
            continue
        else:
            if active:
                found.append(cur)
            cur, active = 0, False
    return found


@dataclass(frozen=True)
class GroundedFact:
    """A fact the engine retrieved for this turn.

    id: stable id the game can log ("price:iron_sword", "landmark:old_well", "quest:wolves", ...).
    statement: the sentence the prompt gives the model. check: what the output must contain.
    line: (kind, values) of the templated line used when the check fails.
    """

    id: str
    statement: str
    kind: str
    check: tuple[str, ...] = ()
    price: int | None = None
    line_kind: str = "fact"
    line_values: dict[str, Any] = field(default_factory=dict)
    # Content words of which the line must carry at least half (a relation, a rumour): a name
    # alone does not answer "who is Bettany?".
    convey: tuple[str, ...] = ()
    # A memory answer's source: the player's own lines, as they said them (told_back.py).
    told: tuple[str, ...] = ()


def verb_be(name: str) -> str:
    """ "are" for a plural name ("the Salt Flats are west of here"), else "is": a model copies the
    fact's sentence, agreement error and all ("the salt flats is west of here")."""
    last = name.split()[-1].lower() if name.split() else ""
    plural = len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is", "'s"))
    return "are" if plural else "is"


def strong_cue(text: str, topic: str | None, asks_free: bool = False) -> bool:
    """Did the line ask for this topic in so many words (a price word, "where", "work"), rather
    than only name the thing? A named thing alone yields to what kind of talk the line is."""
    ws = {w.split("'")[0] for w in words(text)}
    if topic == "price":
        return bool(ws & PRICE_CUES) or asks_free
    if topic == "direction":
        return bool(ws & {"where", "way", "direction", "directions", "located", "far", "reach", "path"})
    if topic == "quest_offer":
        return bool(ws & (_QUEST_OFFER_CUES - {"earn"}))
    return topic in ("shop", "location", "quest_state", "fact")


@dataclass
class Grounding:
    facts: list[GroundedFact]
    # The question type that decides the intent: price|shop|direction|quest_state|quest_offer|rumor|location|fact|
    # relationship|memory, a kind of talk without data (greeting|farewell|thanks|teaching|help), or None
    topic: str | None = None
    asks_free: bool = False


def _mentions(ws: list[str], text_low: str, name: str, aliases: tuple[str, ...] = (), head: bool = False) -> bool:
    for cand in (name, *aliases):
        c = cand.lower()
        if re.search(rf"(?<!\w){re.escape(c)}(?:s|es)?(?!\w)", text_low):
            return True
    # Without the full name: its distinctive words ("mill" of "the Old Mill"; both "wolves" and
    # "road" of "Wolves on the North Road", so a question about the road is not about the quest).
    distinct = [w for w in words(name) if w not in _GENERIC and len(w) >= 3]
    need = min(2, len(distinct))
    if distinct and sum(w in ws for w in distinct) >= need:
        return True
    # A place is named by its head noun alone: "the obelisk" for "the Broken Obelisk".
    return head and bool(distinct) and distinct[-1] in ws


def named_items(text: str, persona: Persona) -> list:
    """The persona's wares the line names, by name, alias or the distinctive words of the name."""
    ws = words(text)
    low = " ".join(ws)
    return [it for it in persona.shop if _mentions(ws, low, it.name, it.aliases)]


def names_for_sale(ws: list[str]) -> bool:
    """A short question that names a ware asks for it ("and the shield?", "got rope?"), unless it
    asks something else of it: "why's one so much dearer?", "do candles keep ghosts away?"."""
    if ws and ws[0].split("'")[0] in ("why", "whys"):
        return False
    return not (ws and ws[0] in _YES_NO_OPENERS and not set(ws) & _HAVING)


_YES_NO_OPENERS = frozenset("do does did can could will would is are was were".split())
_HAVING = frozenset("you ya ye have got sell selling buy stock any some".split())
def landmark_aliases(lm) -> tuple[str, ...]:
    """What else a landmark is called: its id's words ("the inn" for id "inn") and the everyday words
    for its kind of place ("the lake" for "Sallow Mere")."""
    kind = lm.id.replace("_", " ")
    return (kind, *place_aliases(lm.name, kind))


def rumor_fact(r) -> GroundedFact:
    """A rumour of the persona's, as the fact to say."""
    return GroundedFact(f"rumor:{r.id}", r.text, "rumor", line_kind="rumor", line_values={"rumor": r.text})


_UNAPOSTROPHISED = frozenset("wheres hows whos whens whys".split())


def find_facts(text: str, persona: Persona, world: World, turn: int = 0) -> Grounding:
    """Which facts does this player line ask for? Rules over the data; no model involved."""
    ws = words(text)
    # "where's" and "wheres" are "where" questions
    wset = set(ws) | {w.split("'")[0] for w in ws} | {w[:-1] for w in ws if w in _UNAPOSTROPHISED}
    low = " ".join(ws)
    facts: list[GroundedFact] = []
    asks_free = bool(_ASKS_FREE.search(text))

    items = named_items(text, persona)
    # A bare question naming an item ("and the shield?") asks its price; a longer one without a
    # price word ("can you teach me to use a sword?") is left to the router's meaning match.
    if items and (wset & PRICE_CUES or ("?" in text and len(ws) <= 6 and names_for_sale(ws)) or asks_free):
        for it in items[:2]:
            facts.append(GroundedFact(
                f"price:{it.id}", f"The {it.name} costs {money(it.price, persona.currency)}.", "price",
                check=(str(it.price),), price=it.price, line_kind="price",
                line_values={"item": it.name, "price": it.price, "currency": currency_for(it.price, persona.currency),
                             "aliases": it.aliases}))
        return Grounding(facts, "price", asks_free)
    if persona.shop and wset & PRICE_CUES and wset & {"what", "wares", "goods", "sell", "selling", "offer", "have"}:
        listing = spoken_list([f"{with_article(it.name)} for {money(it.price, persona.currency)}" for it in persona.shop])
        # Every item must be named, by the last word of its name or an alias ("nails" of "bag of nails").
        named = tuple("|".join(dict.fromkeys([words(it.name)[-1], *(a.lower() for a in it.aliases)]))
                      for it in persona.shop if words(it.name))
        facts.append(GroundedFact("shop:list", f"I sell {listing}.", "shop", check=named,
                                  line_kind="fact", line_values={"fact": f"I sell {listing}."}))
        return Grounding(facts, "shop", asks_free)

    if _WHERE_AM_I.search(text):
        return Grounding([location_fact(world)], "location")

    stems = {singular(w) for w in wset}
    quests = [q for q in world.quests if _mentions(ws, low, q.name) or singular(q.id.lower()) in stems]
    if quests or (world.quests and wset & {"quest", "quests", "task", "tasks"} and wset & _QUEST_STATE_CUES
                  and not wset & {"work", "job", "new", "any", "another"}):
        for q in (quests or list(world.quests))[:2]:
            facts.append(quest_state_fact(q))
        return Grounding(facts, "quest_state")

    # A landmark is named by its name or by its id's words ("the inn" for id "inn", "the Crooked
    # Lantern"): a game's ids name what a thing is.
    lms = [lm for lm in world.landmarks if _mentions(ws, low, lm.name, landmark_aliases(lm), head=True)]
    if lms and wset & _DIRECTION_CUES:
        how_far = bool(wset & {"far", "distance", "long"})
        for lm in lms[:2]:
            dist = f", {lm.distance}" if lm.distance else ""
            main = next((w for w in words(lm.direction) if w in _COMPASS), words(lm.direction)[0])
            # "How far is it?" must be answered with the distance, not only the way.
            key = distance_key(lm.distance) if how_far else None
            be = verb_be(lm.name)
            facts.append(GroundedFact(f"landmark:{lm.id}", f"{lm.name} {be} {lm.direction} of here{dist}.", "direction",
                                      check=(main, key) if key else (main,), line_kind="direction",
                                      line_values={"landmark": lm.name, "direction": lm.direction, "distance": dist,
                                                   "be": be}))
        return Grounding(facts, "direction")

    if persona.quests and wset & _QUEST_OFFER_CUES and not wset & _RUMOR_CUES:
        quests = offerable(persona, world)
        q = quests[turn % len(quests)]
        if world.reputation < q.min_reputation:
            # Work the player has not earned yet: the intent is a refusal (intent.py), so the line
            # is one too; it must not tell the hook it withholds.
            facts.append(GroundedFact(f"quest_hook:{q.id}", f"You have work ('{q.name}') but will not give it to "
                                      "someone you do not trust yet; tell them to earn your trust first.", "refusal",
                                      check=("trust|earn|prove",), line_kind="refuse", line_values={"quest": q.name}))
        else:
            facts.append(GroundedFact(f"quest_hook:{q.id}", q.hook, "quest_offer", line_kind="quest_offer",
                                      line_values={"hook": q.hook, "quest": q.name}))
        return Grounding(facts, "quest_offer")

    if persona.rumors and wset & _RUMOR_CUES:
        r = persona.rumors[turn % len(persona.rumors)]
        facts.append(rumor_fact(r))
        return Grounding(facts, "rumor")

    for f in persona.facts:
        kws = [k.lower() for k in f.keywords] or [w for w in words(f.text) if len(w) >= 5]
        hits = sum(1 for k in kws if re.search(rf"(?<!\w){re.escape(k)}{_INFLECTION}(?!\w)", low))
        if hits >= (1 if f.keywords else 2):
            facts.append(persona_fact(persona, f))
    return Grounding(facts[:2], "fact" if facts else None, asks_free)


# A quest's state, by its opening words: how far along it is, whatever the game calls it.
_QUEST_PHASES = (
    ("open", re.compile(r"(?:not\b|available|offered|open|unstarted)", re.I)),
    ("done", re.compile(r"(?:complete|completed|done|finished|fulfilled|succeeded|solved|turned in|handed in)\b", re.I)),
    ("failed", re.compile(r"(?:failed|abandoned|lost|given up)\b", re.I)),
    ("underway", re.compile(r"(?:in progress|under ?way|ongoing|active|started|begun|accepted|taken)\b", re.I)),
)
# What the answer must carry when the model phrases it, per phase (any one of them).
_PHASE_CHECK = {"open": "not|yet|nobody|hasn't|haven't", "done": "done|complete|completed|finished|over",
                "failed": "failed|lost|over", "underway": "progress|underway|under way|ongoing|still|yet|so far|more|getting there"}


def quest_phase(state: str) -> tuple[str | None, str]:
    """(phase, detail): "in progress: 2 of 5 wolves" -> ("underway", "2 of 5 wolves"); a state the
    engine does not know -> (None, the state)."""
    head, _, detail = state.strip().rstrip(".").partition(":")
    for phase, pat in _QUEST_PHASES:
        if pat.match(head.strip()):
            return phase, detail.strip()
    return None, state.strip().rstrip(".")


def quest_state_answers(name: str, state: str, objective: str = "") -> list[str]:
    """Three whole sentences that say a quest's state from its data, in a speaker's words: "Wolves
    on the North Road? Still under way, with two of five wolves killed." Never "Name: in progress."
    The objective of a quest under way (the game's own phrase, e.g. "two of five wolves killed")
    is joined with "with" or after "So far,", where a phrase of any grammar reads well; a quest not
    taken up yet, done or failed is said without it (its objective is no longer news). The phrasings were chosen with the
    conversation suite's fluency judge: a colon before the objective reads as a splice to it."""
    phase, detail = quest_phase(state)
    obj = (objective or detail).strip().rstrip(".")
    name = name.strip().rstrip(".?!")
    first, _, rest = name.partition(" ")
    the = f"{first.lower()} {rest}" if first in ("The", "A", "An") and rest else name
    w = f", with {obj}." if obj else "."
    if phase == "underway":
        # The game's own word for it when it reads as "still ..." ("in progress", "ongoing").
        head = state.partition(":")[0].strip().lower()
        still = head if head in ("in progress", "under way", "underway", "ongoing", "active") else "under way"
        if not obj:
            return [f"{name}? Still {still}.", f"{name}? It is still {still}.", f"As for {the}, it is still {still}."]
        return [f"{name}? Still {still}{w}", f"{name}? Still {still}. So far, {obj}.",
                f"{name}? We are getting there{w}"]
    if phase == "done":
        return [f"{name}? That one is done.", f"As for {the}, it is done.", f"{name}? That task is done."]
    if phase == "failed":
        return [f"{name}? That one has failed.", f"As for {the}, it came to nothing.", f"{name}? That task has failed."]
    if phase == "open":
        return [f"{name}? Nobody has taken that one up yet.", f"As for {the}, it has not been started yet.",
                f"{name}? It has not been started yet."]
    where = f"{detail}; {obj}" if obj and obj != detail else detail
    return [f"As for {the}, this is where it stands: {where}.", f"{name}? As it stands: {where}.",
            f"Here is how {the} stands: {where}."]


def quest_state_fact(q) -> GroundedFact:
    """A quest in the world (world.QuestState) as a fact: the prompt's statement, what the model's
    line must carry (the objective's count when it has one, else a word of the state), and the
    composed sentences the NPC says when the model's line fails its checks."""
    phase, detail = quest_phase(q.state)
    obj = q.objective or detail
    counts = numbers_in(obj) if obj and phase in ("underway", None) else []
    if counts and phase is not None:
        # the count and how far along it is: "only two, and they're killing" is not an answer
        check = (str(counts[0]), _PHASE_CHECK[phase])
    elif counts:
        check = (str(counts[0]),)
    elif phase is not None:
        check = (_PHASE_CHECK[phase],)
    else:
        check = tuple(w for w in words(q.state) if w not in _GENERIC)[:1]
    answers = quest_state_answers(q.name, q.state, q.objective)
    # Two sentences, not "...; two of five wolves killed.": a small model copies a semicolon's
    # second half as a clause of its own ("is in progress, and two of five wolves killed").
    statement = f"The quest '{q.name}' is {q.state}." + (f" So far, {q.objective}." if q.objective else "")
    return GroundedFact(f"quest:{q.id}", statement, "quest_state", check=check, line_kind="quest_state",
                        line_values={"quest": q.name, "state": q.state, "objective": q.objective,
                                     "answer": answers[0], "answers": answers})


def offerable(persona: Persona, world: World) -> list:
    """The persona's quest hooks worth offering, best first: those the player has not taken up yet
    (the world lists no state for them, or a state like "not started") and whose reputation the
    player has; else those not taken up yet (refused for reputation); else all of them."""
    taken = {q.id for q in world.quests if quest_phase(q.state)[0] != "open"}
    fresh = [q for q in persona.quests if q.id not in taken]
    return [q for q in fresh if world.reputation >= q.min_reputation] or fresh or list(persona.quests)


_DISTANCE_FILLER = frozenset("a an the of on at to from in into by along across up down past through beyond behind "
                             "over under near round around".split())


def distance_key(distance: str) -> str | None:
    """The word of a landmark's distance that an answer to "how far?" must carry: the amount or
    the thing measured by ("half a mile along the river" -> "half", "a day's ride" -> "day",
    "two days on foot" -> "2", "across the square" -> "square")."""
    for w in words(distance):
        w = w.split("'")[0]
        if w in _DISTANCE_FILLER or len(w) < 3 and not w.isdigit():
            continue
        nums = numbers_in(w)
        return str(nums[0]) if nums else w
    return None


def singular(word: str) -> str:
    """A plural noun's singular, by the regular English endings ("wolves" -> "wolf", "berries" ->
    "berry", "boxes" -> "box", "pelts" -> "pelt"); other words as they are."""
    if len(word) <= 3 or word.endswith("ss"):
        return word
    if word.endswith("ves"):
        return word[:-3] + "f"
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes", "sses")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def location_fact(world: World) -> GroundedFact:
    """Where the player and the NPC are, and the time of day."""
    # Checked: the place's first proper name must be said ("the Sleeping Fox inn" -> "Sleeping").
    names = re.findall(r"\b[A-Z][\w']+", world.location)
    return GroundedFact("world:location", f"You are both at {world.location}; it is {world.time}.",
                        "location", check=tuple(names[:1]), line_kind="location",
                        line_values={"location": world.location, "time": world.time})


def name_the_priced_item(text: str, grounding: Grounding, currency: str) -> str:
    """A price answer that says only the amount ("Five copper." / "30 silver, stranger.") names
    what it prices, right after the amount: "Five copper for a crossing." A bare amount is not a
    sentence; the fluency judge reads it as broken, and a player who asked two prices cannot tell
    which one it answers. Lines that name the item (or say more than the amount) stay as they are."""
    prices = [f for f in grounding.facts if f.kind == "price"]
    if grounding.topic != "price" or len(prices) != 1 or len(words(text)) > 5:
        return text
    f = prices[0]
    item = str(f.line_values.get("item", ""))
    low = " ".join(words(text))
    names = [item, *(a for a in f.line_values.get("aliases", ()))]
    if not item or any(re.search(rf"(?<!\w){re.escape(n.lower())}", low) for n in names if n):
        return text
    cur = re.escape(currency.lower().rstrip("s"))
    m = re.search(rf"\b(\S+)\s+{cur}s?\b", text, re.I)
    if not m or f.price not in numbers_in(m.group(1)):
        return text
    return text[:m.end()] + f" for {with_article(item)}" + text[m.end():]


def with_article(name: str) -> str:
    """"mug of ale" -> "a mug of ale", "iron sword" -> "an iron sword"; a plural or a name that
    has its own article stays as it is ("nails", "the house wine")."""
    ws = name.split()
    if not ws:
        return name
    cut = next((i for i, w in enumerate(ws) if i and w.lower() in ("of", "for", "with", "from")), len(ws))
    head = ws[cut - 1].lower()  # "bag" of "bag of nails", "room" of "room for the night"
    if ws[0].lower() in ("a", "an", "the", "some", "one", "two", "three") or is_plural(head) or ws[0][:1].isupper():
        return name
    return ("an " if ws[0][:1].lower() in "aeiou" else "a ") + name


# Nouns that end in -s and are one thing ("a reading lens", "a mooring pass", "a brass compass").
_SINGULAR_IN_S = frozenset("lens gas canvas atlas bias chaos news series species bus iris axis trellis abacus "
                           "cactus walrus octopus".split())


def is_plural(noun: str) -> bool:
    noun = noun.lower()
    return noun.endswith("s") and not noun.endswith(("ss", "us", "is")) and noun not in _SINGULAR_IN_S


def currency_for(amount: int, currency: str) -> str:
    """"penny" for 1 of "pennies", "crown" for 1 of "crowns"; "gold" and 2 "crowns" as they are."""
    if amount == 1 and is_plural(currency):
        return "penny" if currency.lower() == "pennies" else singular(currency)
    return currency


def money(amount: int, currency: str) -> str:
    """"1 penny", "2 crowns", "1 gold": an amount with its currency in agreement."""
    return f"{amount} {currency_for(amount, currency)}"


def spoken_list(parts: list[str]) -> str:
    """"a, b and c": a list as people say it."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def persona_fact(persona: Persona, f: Fact) -> GroundedFact:
    """A [[facts]] entry as the NPC says it of itself ("Brannoch keeps a flock" -> "I keep a flock")."""
    said = speak_as(f.text, persona)
    return GroundedFact(f"fact:{f.id}", said, "fact", check=(f.value,) if f.value else (),
                        line_kind="fact", line_values={"fact": said})


def relationship_fact(persona: Persona, who: str) -> GroundedFact:
    """A person of [[relationships]] as a fact: "Tobin is an old friend who pours her ale."."""
    card = dict(persona.relationships)[who].strip().rstrip(".")
    rel = speak_as(first_person(card), persona, relation=True)
    first = rel.split()[0].lower() if rel.split() else ""
    named = _NAMED_RELATION.match(card)
    if first in ("a", "an", "the", "my", "our", "one"):
        said = f"{who} is {rel}."
    elif named and who.split()[0] in named.group("name").split():
        # "Brother Anselm, the keeper of the abbey library" -> "Brother Anselm is the keeper of ...";
        # "Commander Hale, who runs the fort" -> "Commander Hale runs the fort". (A "Who: relation"
        # statement is copied as it stands by a small model: "Anselm: Brother Anselm, ...".)
        rest = speak_as(first_person(named.group("rest")), persona, relation=True)
        said = f"{named.group('name')} {rest[4:]}." if rest.lower().startswith("who ") \
            else f"{named.group('name')} is {rest}."
    else:
        said = f"{who}: {rel}."
    # The name, and most of what the relation says, must be in the line ("Tobin" alone is not an answer).
    content = {w for w in words(rel) if len(w) >= 4} - {"your", "their", "with", "from", "who", "that"}
    return GroundedFact(f"relationship:{who}", said, "relationship", check=(who.split()[0],), line_kind="fact",
                        line_values={"fact": said, "who": who}, convey=tuple(sorted(content)))


# A relation that opens with the person's own name and title: "Captain Morrow, her old rival".
_NAMED_RELATION = re.compile(r"^(?P<name>(?:[A-Z][\w'-]*\s+){0,3}[A-Z][\w'-]*),\s*(?P<rest>\S.*)$", re.S)
_THIRD_PERSON_OWNER = re.compile(r"^(?:his|her|their)\b", re.I)


def first_person(relation: str, owner: str = "my") -> str:
    """A relation written on the persona's card ("his apprentice, quick with a trowel") as the NPC
    says it ("my apprentice, ...") or as the prompt tells it to the model (owner="your"). Only a
    leading possessive is turned: it can only be the persona's; one further in may be the other
    person's ("who lost his wife")."""
    return _THIRD_PERSON_OWNER.sub(owner, relation)


# The player's words as the NPC says them back: "I'm looking for my brother" -> "you're looking for
# your brother". A small model given the player's line verbatim repeats it as its own ("I'm looking
# for my brother Dain." from the innkeeper).
_TO_SECOND_PERSON = {"i": "you", "i'm": "you're", "im": "you're", "i've": "you've", "ive": "you've",
                     "i'll": "you'll", "i'd": "you'd", "me": "you", "my": "your", "mine": "yours",
                     "myself": "yourself", "we": "you", "we're": "you're", "us": "you", "our": "your",
                     "ours": "yours", "ourselves": "yourselves",
                     # ... and "you" in the player's words is the NPC: "I told you" -> "you told me"
                     "you": "me", "your": "my", "yours": "mine", "you're": "I'm", "yourself": "myself"}
_AFTER_I = {"am": "are", "was": "were"}
_I_FORMS = frozenset("i i'm im i've ive i'll i'd".split())
# Pronouns are not what a memory is about: neither person's form must be said back.
PERSON_FORMS = frozenset(w.lower() for w in (*_TO_SECOND_PERSON, *_TO_SECOND_PERSON.values()))
_PERSON_WORD = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?")


def second_person(text: str) -> str:
    """The player's first-person words turned to the listener's second person."""
    out, prev = [], ""
    pos = 0
    for m in _PERSON_WORD.finditer(text):
        w = m.group(0)
        low = w.lower().replace("\u2019", "'")
        rep = _TO_SECOND_PERSON.get(low) or (_AFTER_I.get(low) if prev in ("i", "we") else None)
        if low == "you" and (_starts_sentence(text, m.start()) or text[:m.start()].rstrip()[-1:] in ",;:"):
            rep = "I"  # the subject: "you said I could stay" -> "I said you could stay"
        out.append(text[pos:m.start()])
        # Capitalised at a sentence start, or where the word was (a name-like "My"), but not for
        # an "I" form mid-sentence ("Corwin, I'm new" -> "Corwin, you're new").
        if rep is not None and rep != "I" and (_starts_sentence(text, m.start()) or
                                               w[:1].isupper() and low not in _I_FORMS):
            rep = rep[:1].upper() + rep[1:]
        out.append(w if rep is None else rep)
        pos, prev = m.end(), low
    out.append(text[pos:])
    return "".join(out)


def _starts_sentence(text: str, i: int) -> bool:
    before = text[:i].rstrip()
    return not before or before[-1] in ".!?\"'"


def value_grammar(grounding: Grounding) -> str | None:
    """A GBNF grammar that makes the model say the fact's value (llama.cpp) in its first sentence:
    free words (no digits, no sentence end, no stage directions) before the literal value, free words
    after it. The output check still runs afterwards."""
    values = [v for f in grounding.facts for v in f.check]
    if len(values) != 1 or "|" in values[0] or grounding.topic == "quest_state":
        return None
    v = values[0].replace("\\", "").replace('"', "")
    # The value stands as a word of its own: a space before it and no letter or digit right after
    # it (otherwise the model glues it on: "you65", "Isouth").
    return (f'root ::= pre " {v}" post\n'
            'pre ::= [^0-9.!?()*\\[\\]{}<>\\n]{1,60}\n'
            'post ::= ([^0-9a-zA-Z()*\\[\\]{}<>\\n] [^0-9()*\\[\\]{}<>\\n]{0,120})?\n')


def stated_value(value: str, low: str, nums: list[int]) -> bool:
    """Does the lower-cased text state the value (a number among `nums`, or the word or its plural)?"""
    if value.isdigit():
        return int(value) in nums
    # A plural counts for a word ("nails" for "nail"; "planks" for "plank").
    return re.search(rf"(?<!\w){re.escape(value)}(?:s|es)?(?!\w)", low) is not None


def check_grounding(text: str, grounding: Grounding, currency: str) -> list[str]:
    """Problems with how the output states the facts; empty when every value is right."""
    problems: list[str] = []
    low = text.lower()
    nums = numbers_in(text)
    for f in grounding.facts:
        for value in f.check:
            if not any(stated_value(v, low, nums) for v in value.lower().split("|")):  # "a|b": either
                problems.append(f"grounding:missing_value:{f.id}")
                break
        if f.convey:
            need = max(1, len(f.convey) // 2)
            if len(set(f.convey) & set(words(text))) < need:
                problems.append(f"grounding:fact_not_conveyed:{f.id}")
        if not f.check and f.kind in ("rumor", "quest_offer", "fact", "memory"):
            # A fact without a single value: the output must carry most of its content words
            # (of a memory, the player's own words after "Earlier they told you:").
            content = {w for w in words(f.statement.split(":", 1)[-1] if f.kind == "memory" else f.statement)
                       if len(w) >= 4} - PERSON_FORMS
            said = set(words(text))
            if content and len(content & said) < 0.5 * len(content):
                problems.append(f"grounding:fact_not_conveyed:{f.id}")
        if f.kind == "direction":
            main = f.check[0] if f.check else ""
            wrong = [w for w in _COMPASS - {main} if re.search(rf"\b{w}\b", low) and w not in main]
            if wrong and main not in low:
                problems.append(f"grounding:wrong_direction:{f.id}")
    # Any amount of money the NPC states must be a price from data.
    allowed = {f.price for f in grounding.facts if f.price is not None}
    allowed |= {int(n) for f in grounding.facts if f.kind == "shop" for n in re.findall(r"\d+", f.statement)}
    return problems + unlisted_prices(text, allowed, currency)


def unlisted_prices(text: str, allowed: set[int], currency: str) -> list[str]:
    """Amounts of money the line states that are not in `allowed` (a problem for each)."""
    cur = re.escape(currency.lower().rstrip("s"))
    money = rf"(?:{cur}s?|gold|silver|copper|coins?|crowns?|pieces?|golds)"
    out = []
    for m in re.finditer(rf"(\S+(?:[ -]\S+){{0,2}})\s+{money}\b", text.lower()):
        stated = numbers_in(m.group(1))
        if stated and stated[-1] not in allowed:
            out.append(f"grounding:unlisted_price:{stated[-1]}")
    return out
