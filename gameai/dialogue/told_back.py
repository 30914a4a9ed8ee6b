"""A memory answer says the player's words back to them: in the second person, never as the NPC's own.

Asked "what's my name again?" after "I'm Nell. I bought the plot behind the mill", the small model
often copies the player's line as it stands: "I'm Nell. I bought the plot behind the mill." The
NPC then claims to be the player. On session 6's dev run 8 of the 18 memory answers did this,
though the prompt already gives the player's words in the second person. Here a sentence of a
memory answer that repeats the player's own words in the first person (ECHO_WORDS in a row, one
of them "I", "my", ...; or the whole sentence when it is shorter) is turned to the second person
with the rule the prompt uses (grounding.second_person): "You're Nell. You bought the plot behind
the mill." A sentence in the NPC's own words ("I remember you.") is left alone.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from gameai.dialogue.grounding import second_person
from gameai.dialogue.guards import ngrams, words

ECHO_WORDS = 3
_FIRST_PERSON = frozenset("i i'm im i've ive i'll i'd me my mine myself we we're us our ours".split())
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


# Contractions spelled out, so that "I'm Tamsin" repeats "I am Tamsin" and "name's" is "name is".
_SPELLED_OUT = {"i'm": ("i", "am"), "im": ("i", "am"), "i've": ("i", "have"), "ive": ("i", "have"),
                "i'll": ("i", "will"), "i'd": ("i", "would"), "name's": ("name", "is"), "names": ("name", "is")}
# "I am X", "my name is X", "call me X": the speaker gives a name.
_NAMING = (("i", "am"), ("name", "is"), ("call", "me"))


def said_back_to_them(text: str, told: Sequence[str]) -> str:
    """The memory answer with every first-person sentence that repeats the player's `told` lines,
    or gives a name the player gave as its own, turned to the second person; unchanged when there
    is none."""
    told_words = [_spelled(words(line)) for line in told]
    if not any(told_words):
        return text
    names = {w.lower() for line in told for w in re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+", line)}
    out = []
    for sent in _SENTENCE_BREAK.split(text.strip()):
        ws = _spelled(words(sent))
        if ws and (_repeats_in_first_person(ws, told_words) or _claims_a_name(ws, names)):
            sent = second_person(sent)
        out.append(sent)
    return " ".join(out)


def _spelled(ws: list[str]) -> list[str]:
    return [x for w in ws for x in _SPELLED_OUT.get(w, (w,))]


def _claims_a_name(ws: list[str], names: set[str]) -> bool:
    """ "I am Corwin" where Corwin is a name the player gave: the NPC takes the player's name."""
    return any(tuple(ws[i:i + 2]) in _NAMING and ws[i + 2] in names for i in range(len(ws) - 2))


def _repeats_in_first_person(ws: list[str], told_words: list[list[str]]) -> bool:
    """Do ECHO_WORDS words in a row of the sentence, one of them "I", "my", ..., come from the
    player's lines? ("I've a feeling it's oak, not pine" repeats "oak, not pine" but its "I" is
    the NPC's own.)"""
    n = min(ECHO_WORDS, len(ws))
    mine = {g for g in ngrams(ws, n) if _FIRST_PERSON & set(g)}
    return any(mine & ngrams(t, n) for t in told_words if len(t) >= n)
