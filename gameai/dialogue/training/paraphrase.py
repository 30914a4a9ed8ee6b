"""Varied wording for the training set: how players open and close what they ask, and several
sentence frames for each kind of fact in the prompt.

Why: a template set teaches the templates. The first set repeated 15% of its NPC lines exactly and
79% of its player lines; the model learns the voice and the value better when the same content
comes in many words. (The second set also glued a stock remark onto 40-60% of NPC answers, "But
enough about that."; a model tuned on it used those remarks where they made no sense, so NPC
lines are now grammar frames of their own, lines.py, with no remark added from outside.) Everything here is written for training only: none of it is taken from the
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


# --- fact sentence frames for the prompt --------------------------------------------------------
# The engine writes facts in its own frames (grounding.py); trained on several frames per kind,
# the model reads the fact for its content rather than its shape.
PRICE_FRAMES = ["The {ware} costs {price} {cur}.", "A {ware} sells for {price} {cur} here.",
                "Price of the {ware}: {price} {cur}.", "You sell the {ware} for {price} {cur}.",
                "For the {ware}, {price} {cur}."]
# ("of here" only after a compass point: "east past the fields of here" is no sentence.)
WAY_FRAMES = ["{Lm} is {dir} of here, {dist}.", "{Lm}: {dir}, {dist}.", "The way to {lm} is {dir}, {dist}.",
              "{Lm} lies {dir}, {dist} away."]
WHERE_FRAMES = ["You are both at {loc}; it is {time}.", "The place: {loc}. The time: {time}.",
                "Here is {loc}, and it is {time}.", "You are at {loc}; it is {time}."]
