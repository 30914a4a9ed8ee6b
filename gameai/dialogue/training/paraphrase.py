"""Varied wording for the training set: how players open and close what they ask, the second
remark an NPC adds after the core of an answer, and several sentence frames for each kind of fact.

Why: a template set teaches the templates. The first set repeated 15% of its NPC lines exactly and
79% of its player lines; the model learns the voice and the value better when the same content
comes in many words. Everything here is written for training only: none of it is taken from the
conversation benchmark (its lines, personas and word lists stay unseen; a test checks).
Mid-sentence capitals come only from slots the prompt names (town, name, landmark), as the
engine's name check requires.
"""
from __future__ import annotations

import re

from gameai.dialogue.training.voices import _decap


def pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


# --- the player's side ------------------------------------------------------------------------
# Greetings and hedges in front of a question; a "," or ":" lead runs into the question.
PLAYER_LEADS = ["Excuse me.", "Sorry to bother you.", "Hey,", "Say,", "Quick question:", "Pardon me,", "Hello there.",
                "Hi.", "Listen,", "One thing:", "I was wondering,", "{First},", "Hail, {first}.", "Morning.",
                "Evening.", "Ho there,", "You there,", "Begging your pardon,", "Forgive me,", "Hello, {first}.",
                "Ah, {first}.", "Good to see you.", "Right,", "So,", "Tell me,", "Honest question:", "Oi,",
                "Well met.", "Hullo.", "Pardon the dust on me.", "Mind if I ask something?", "Busy? Sorry.",
                "Hm,", "Now then,", "Before I forget,", "Just wondering,"]
PLAYER_TAILS = ["I'm new in {town}.", "I'm in a bit of a hurry.", "Thanks.", "If you don't mind my asking.",
                "Please.", "Just curious.", "My feet are killing me.", "Someone said you'd know.",
                "I've asked around already.", "No rush.", "I've come a long way.", "Thanks in advance.",
                "Be honest with me.", "It's been a long road.", "I won't keep you long.", "I'd be grateful.",
                "Nobody else will tell me.", "Straight answer, if you can.", "I'm not from around here.",
                "The last person I asked just shrugged."]


def player_line(rng, core: str, d: dict, names: frozenset[str]) -> str:
    """The question as one of many players might put it: sometimes a greeting first, sometimes a tail."""
    text = core
    r = rng.random()
    if r < 0.45:
        lead = pick(rng, PLAYER_LEADS).format(**d)
        text = f"{lead} {_decap(text, names)}" if lead[-1] in ",:" else f"{lead} {text[:1].upper()}{text[1:]}"
    if rng.random() < 0.3:
        tail = pick(rng, PLAYER_TAILS).format(**d)
        text = text if re.search(r"[.!?]$", text) else text + ("?" if _asks(text) else ".")
        text = f"{text} {tail}"
    return text


def _asks(text: str) -> bool:
    return bool(re.match(r"(?i)(?:.*\b)?(what|where|how|which|who|when|why|is|are|do|does|can|could|will|would|any)\b",
                         text))


# --- the NPC's second remark, by topic ----------------------------------------------------------
# Added after a one-sentence core (the engine keeps at most two sentences). No values here:
# a remark never states a number, a direction or a price that the facts do not give.
REMARKS = {
    "way": ["Stay on the road and you'll be fine.", "Keep the sun on your left in the morning.",
            "Mind the ruts after the rain.", "Don't stop for strangers on the way.", "The path's plain enough.",
            "Ask at {spot} if you lose it.", "Go before it gets dark.", "Watch for {foe} past the last houses.",
            "Take water with you.", "You'll know it when you see it.", "Folk rarely get lost going that way.",
            "Don't take the first fork, whatever you do."],
    "where": ["Quiet enough, most days.", "You look like you need a sit down.", "Lost your bearings, have you?",
              "Nobody gets lost here for long.", "Good a place as any to rest.", "You'll get used to it."],
    "teach": ["Slowly at first.", "Don't rush it.", "Your hands will learn before your head does.",
              "Everyone gets it wrong the first dozen times.", "I learned that the hard way.",
              "Watch me once, then you try.", "Practice does the rest.", "Mind your fingers while you're at it.",
              "It took me a season to get it right.", "That's half the craft, right there.",
              "Nobody told me that when I started.", "Do it every day and it'll come."],
    "fight": ["Better still, stay out of their way.", "And come back alive.", "I've seen brave folk not come back.",
              "Courage helps, but sense helps more.", "Don't go at night.", "Keep your wits about you.",
              "Don't be a hero.", "Bring a friend if you can.", "Run if it goes badly; there's no shame in it."],
    "quest": ["It's been weighing on me.", "I'd do it myself if I had the time.", "Be careful out there.",
              "You'd have my thanks, and more.", "Nobody else will go.", "I'll make it worth your while.",
              "Think it over.", "Don't dawdle if you take it."],
    "idle": ["But enough about that.", "Funny how things go.", "Life goes on.", "Can't complain, mostly.",
             "That's {town} for you.", "Ask anyone here.", "Makes the days pass.", "Such is life.",
             "Don't get me started.", "There's always more work.", "It keeps me honest."],
    "build": ["Steady now.", "Good, just like that.", "Put your back into it.", "Careful, it's heavier than it looks.",
              "We'll be done before supper.", "Many hands and all that.", "Don't force it.",
              "That's the hard part done.", "Take your time."],
    "price": ["Fair price, that.", "Made with care.", "It'll last you years.", "That's the last one I have.",
              "You won't find better in {town}.", "Good value, if you ask me.", "I don't haggle much.",
              "Cash first, mind.", "Worth every coin.", "Sold three of them yesterday."],
    "refuse": ["I've work to do at {place}.", "Go and bother someone else.", "Off with you.", "Now, buy something or move along.",
               "The {job} of {town} isn't so easily fooled.", "Let's leave it there.", "I've said all I'll say.",
               "Don't push your luck.", "We're done with that.", "Ask me about my trade instead."],
    "odd": ["Now, what did you really want?", "Sit down a moment.", "You look tired.", "Maybe you need a meal.",
            "Strange folk come through {town} these days.", "Ask me about something I know."],
    "fact": ["Everyone here knows it.", "Ask anyone.", "That's the truth of it.", "Or near enough.",
             "Not that it matters much.", "Funny you should ask.", "I remember it well.", "Still true today."],
}


# Lines with no value in them repeat most: they get a remark more often.
_OFTEN = {"refuse": 0.6, "odd": 0.5, "idle": 0.55, "build": 0.5, "quest": 0.5}


def with_remark(rng, core: str, topic: str, d: dict, swap: bool = False) -> str:
    """The core line, and now and then a second remark on the same topic (never a second value).
    swap: the core states nothing that must stay, so a two-sentence core may trade its second
    sentence for the remark."""
    if rng.random() >= _OFTEN.get(topic, 0.4):
        return core
    sentences = re.split(r"(?<=[.!?])\s+", core.strip())
    if len(sentences) >= 2:
        if not swap:
            return core
        core = sentences[0]
    return f"{core} {pick(rng, REMARKS[topic]).format(**d)}"


# --- fact sentence frames for the prompt --------------------------------------------------------
# The engine writes facts in its own frames (grounding.py); trained on several frames per kind,
# the model reads the fact for its content rather than its shape.
PRICE_FRAMES = ["The {ware} costs {price} {cur}.", "A {ware} sells for {price} {cur} here.",
                "Price of the {ware}: {price} {cur}.", "You sell the {ware} for {price} {cur}.",
                "For the {ware}, {price} {cur}."]
WAY_FRAMES = ["{Lm} is {dir} of here, {dist}.", "{Lm}: {dir}, {dist}.", "The way to {lm} is {dir}, {dist}.",
              "{Lm} lies {dir}, {dist} away."]
WHERE_FRAMES = ["You are both at {loc}; it is {time}.", "The place: {loc}. The time: {time}.",
                "Here is {loc}, and it is {time}.", "You are at {loc}; it is {time}."]
