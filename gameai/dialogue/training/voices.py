"""Hand-authored speech styles: how a line is said, apart from what is said.

Each voice has the sentence that goes on the persona card (`style`, with {addr} for the word the
NPC calls people) and the habits that make its lines sound like that card: openers, closers, where
the address word goes, and whole-line transforms (no contractions, a stammer, clipped sentences).
The address word is drawn apart from the voice, so the model learns to take it from the card.
"""
from __future__ import annotations

import re

ADDRESSES = ("traveller", "friend", "stranger", "wanderer", "pilgrim", "lad", "lass", "dear", "love",
             "good sir", "my friend", "youngster", "outlander", "mate", "child", "cousin", "neighbour",
             "sunshine", "honoured guest", "stranger-friend")

VOICES: list[dict] = [
    {"id": "blunt", "style": "short blunt sentences; calls people '{addr}'",
     "openers": ["Hm.", "Right.", "Listen.", "Fine.", "Aye."], "closers": ["That's all.", "Enough said.", "Go on, then."],
     "clip": True},
    {"id": "courtly", "style": "long courteous sentences, never a contraction; calls people '{addr}'",
     "openers": ["Ah,", "Indeed,", "Why,", "Truly,"], "closers": ["I am glad to be of service.", "It is my pleasure to say so."],
     "formal": True},
    {"id": "chatty", "style": "cheerful and chatty, laughs easily; calls people '{addr}'",
     "openers": ["Oh!", "Ha!", "Oh, you'll like this.", "Well now!"], "closers": ["Isn't that something?", "Ha, there you go!"]},
    {"id": "nervous", "style": "nervous, stammers and hedges; calls people '{addr}'",
     "openers": ["Oh, um,", "W-well,", "I, um,", "Er,"], "closers": ["I think.", "If that's all right.", "Sorry, I ramble."],
     "stammer": True},
    {"id": "salty", "style": "rough sailor's talk, says 'aye'; calls people '{addr}'",
     "openers": ["Aye,", "Har,", "Aye, well,"], "closers": ["Mark my words.", "Aye, that's the way of it."]},
    {"id": "weary", "style": "tired and plain, sighs a lot; calls people '{addr}'",
     "openers": ["*sigh*", "Ah, well.", "Mm.", "Long day."], "closers": ["Not that anyone asks.", "That's how it goes."],
     "no_stage": True},
    {"id": "grand", "style": "boastful, talks up their own deeds; calls people '{addr}'",
     "openers": ["Ha! Ask the best and you get the best.", "You came to the right one.", "Of course I know."],
     "closers": ["Nobody does it better.", "Remember who told you."]},
    {"id": "kindly", "style": "warm and motherly, gentle with everyone; calls people '{addr}'",
     "openers": ["Oh, bless you,", "Now then,", "There, there."], "closers": ["You take care now.", "Mind how you go."]},
    {"id": "dry", "style": "dry humour and understatement; calls people '{addr}'",
     "openers": ["Well.", "Funny you should ask.", "Ah."], "closers": ["Try not to die of excitement.", "Riveting, I know."]},
    {"id": "wary", "style": "suspicious, speaks low and guarded; calls people '{addr}'",
     "openers": ["Keep your voice down.", "Who's asking?", "Quietly, now."], "closers": ["You didn't hear it from me.", "Now move along."]},
    {"id": "pious", "style": "serene, speaks of the gods and blessings; calls people '{addr}'",
     "openers": ["Peace be with you.", "The gods hear you.", "Blessings,"], "closers": ["Walk in the light.", "May the gods keep you."]},
    {"id": "scholarly", "style": "precise and bookish, likes exact words; calls people '{addr}'",
     "openers": ["Precisely.", "A fair question.", "Strictly speaking,"], "closers": ["It is all in the records.", "Accuracy matters."],
     "formal": True},
]
# weary's "*sigh*" is a stage direction: the engine strips those, so voices never use them in lines.
for v in VOICES:
    if v.get("no_stage"):
        v["openers"] = [o for o in v["openers"] if not o.startswith("*")]

_CONTRACTIONS = {"don't": "do not", "won't": "will not", "can't": "cannot", "it's": "it is", "i'm": "I am",
                 "you're": "you are", "that's": "that is", "there's": "there is", "isn't": "is not",
                 "i'll": "I will", "you'll": "you will", "we'll": "we will", "didn't": "did not",
                 "i've": "I have", "we're": "we are", "they're": "they are", "doesn't": "does not",
                 "wasn't": "was not", "aren't": "are not", "let's": "let us", "here's": "here is",
                 "what's": "what is", "i'd": "I would", "you'd": "you would", "couldn't": "could not",
                 "wouldn't": "would not", "shouldn't": "should not", "he's": "he is", "she's": "she is"}
_CONTR_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in _CONTRACTIONS) + r")\b", re.IGNORECASE)


def _expand(text: str) -> str:
    def sub(m: re.Match) -> str:
        word = _CONTRACTIONS[m.group(1).lower()]
        return word[0].upper() + word[1:] if m.group(1)[0].isupper() else word
    return _CONTR_RE.sub(sub, text)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _decap(s: str, keep: frozenset[str]) -> str:
    first = s.split(" ", 1)[0]
    if first in keep or first == "I" or first.startswith("I'"):
        return s
    return s[:1].lower() + s[1:]


def speak(core: str, voice: dict, addr: str, rng, names: frozenset[str], allow_extra: bool = True,
          fact: bool = False) -> str:
    """The core line said in this voice. At most two sentences leave here (the engine's limit).
    fact: the line states a fact, so no sentence of it may be clipped away."""
    text = core.strip()
    n_sent = len(re.findall(r"[.!?](?:\s|$)", text))
    if voice.get("clip") and n_sent >= 2 and rng.random() < 0.5 and not fact:
        text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
        n_sent = 1
    r = rng.random()
    if allow_extra and n_sent <= 1 and r < 0.35 and voice["openers"]:
        op = voice["openers"][rng.integers(len(voice["openers"]))]
        text = f"{op} {_decap(text, names)}" if op.endswith(",") else f"{op} {text}"
    elif allow_extra and n_sent <= 1 and r < 0.55 and voice["closers"]:
        text = f"{text} {voice['closers'][rng.integers(len(voice['closers']))]}"
    r = rng.random()
    if r < 0.25 and not text.startswith(tuple(voice["openers"])):
        text = f"{_cap(addr)}, {_decap(text, names)}"
    elif r < 0.45:
        m = re.search(r"[.!?](?=\s|$)", text)
        if m:
            text = f"{text[:m.start()]}, {addr}{text[m.start():]}"
    if voice.get("formal"):
        text = _expand(text)
    if voice.get("stammer") and rng.random() < 0.4:
        first = text.split(" ", 1)
        if len(first) == 2 and first[0][:1].isalpha() and len(first[0]) > 1:
            text = f"{first[0][0]}-{first[0]} {first[1]}"
    return text
