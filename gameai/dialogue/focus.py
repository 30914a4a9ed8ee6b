"""A fact answer says the fact: the sentences around it that add nothing of it are dropped.

A 135M model that has stated a value well tends to keep going, and what it adds is unchecked and
mostly where it goes wrong: "Tobin is the innkeeper of the Sleeping Fox, who buys his eels. Lad,
the toll house at Millbrook is your sister." A draft that passed the fact checks keeps the run of
sentences from the first to the last one that adds something of the facts (a value to check, or a
content word of a fact's statement not said before), the rest goes; a short opener before it stays
("The blade? Forty gold."). The persona's form of address
from a dropped sentence moves to the front of what is kept ("Stranger, sand raiders have been seen
..."; "Best in the valley, friend." gives "Friend, a mug of ale is 2 silver.").

Refusals, self-introductions and memory answers are left whole: a refusal's reason and an
introduction's flourish are the point of the line, and a memory answer's content is the player's
own loose words, too loose to tell which sentence says them.
"""
from __future__ import annotations

import re
from typing import Callable

from gameai.dialogue.grounding import PERSON_FORMS, Grounding, check_grounding, numbers_in, stated_value
from gameai.dialogue.guards import sentences, words

# Words this short are mostly function words; a fact's content is in the longer ones.
MIN_CONTENT_LEN = 4
SHORT_OPENER_WORDS = 3
_NAME = re.compile(r"\b[A-Z][a-z]+")
_MID_SENTENCE_NAME = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+")
_TRAILING_VOCATIVE = re.compile(r",\s+(?P<voc>(?:(?:my|dear|old|young)\s+)?(?P<w>[A-Za-z']+))[.!?]$")
_LEADING_VOCATIVE = re.compile(r"^(?P<voc>(?:(?:my|dear|old|young)\s+)?(?P<w>[A-Za-z']+)),\s+(?P<rest>\S.*)$", re.S)


def _bare(ws: list[str]) -> set[str]:
    """Words without a possessive or contracted "'s" ("Pip's" says "pip")."""
    return {w[:-2] if w.endswith("'s") else w for w in ws}


def _content(statement: str) -> set[str]:
    # The longer words, and every name whatever its length ("Pip", "Ned").
    names = {w.lower() for w in _NAME.findall(statement)}
    return {w for w in _bare(words(statement)) if len(w) >= MIN_CONTENT_LEN or w in names} - PERSON_FORMS


def _values(check: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [tuple(v.lower().split("|")) for v in check]


def _states(sentence: str, alternatives: tuple[str, ...]) -> bool:
    low, nums = sentence.lower(), numbers_in(sentence)
    return any(stated_value(v, low, nums) for v in alternatives)


def focus_on_facts(text: str, grounding: Grounding, currency: str, address: tuple[str, ...],
                   is_common_word: Callable[[str], bool], names: frozenset[str] = frozenset()) -> str:
    """`text` (a line that passed check_grounding) without the sentences that add nothing of the
    facts; `text` itself when nothing would go or the shorter line would fail the checks."""
    facts = [f for f in grounding.facts if f.kind not in ("refusal", "memory") and f.line_kind != "intro"]
    if not facts or len(facts) != len(grounding.facts):
        return text
    sents = sentences(text)
    if len(sents) < 2 or " ".join(sents) != " ".join(text.split()):
        return text  # a line the splitter does not cover exactly is left as it is
    values = [v for f in facts for v in _values(f.check)]
    content = set().union(*(_content(f.statement) for f in facts))
    said_values: set[tuple[str, ...]] = set()
    said_words: set[str] = set()
    adds = []
    for s in sents:
        new_values = {v for v in values if v not in said_values and _states(s, v)}
        new_words = (_bare(words(s)) & content) - said_words
        adds.append(bool(new_values or new_words))
        said_values |= new_values
        said_words |= new_words
    if not any(adds):
        return text
    first = adds.index(True)
    last = len(adds) - 1 - adds[::-1].index(True)
    # A short opener stays: an echo of the question or an interjection ("The blade? Forty gold.",
    # "Aye. ...") is how people start an answer, and too short to go wrong.
    while first > 0 and (sents[first - 1].endswith("?") or len(words(sents[first - 1])) <= SHORT_OPENER_WORDS):
        first -= 1
    if first == 0 and last == len(sents) - 1:
        return text
    kept = " ".join(sents[first:last + 1])
    if check_grounding(kept, grounding, currency):
        return text
    # Words that stay capitalised after a moved vocative: the given names and the facts' own names.
    names = names | {n.lower() for f in facts for n in _MID_SENTENCE_NAME.findall(f.statement)} \
        | {v.lower() for f in facts for v in f.check if v[:1].isupper()}
    return _carry_address(kept, sents[:first] + sents[last + 1:], address,
                          lambda w: (is_common_word(w) or is_common_word(w.rstrip("s"))) and w not in names)


def _carry_address(kept: str, dropped: list[str], address: tuple[str, ...],
                   lower_ok: Callable[[str], bool]) -> str:
    """Put the persona's own vocative of a dropped sentence in front of the kept ones, unless they
    already address the listener."""
    own = {a.lower() for a in address}
    if not own or any(re.search(rf"\b{re.escape(a)}\b", kept, re.I) for a in own):
        return kept
    for s in dropped:
        m = _LEADING_VOCATIVE.match(s) or _TRAILING_VOCATIVE.search(s)
        if m and m.group("w").lower() in own:
            first, _, rest = kept.partition(" ")
            # "Sand raiders ..." -> "Stranger, sand raiders ..."; a name keeps its capital.
            stem = first.lower().split("'")[0]   # "He's" -> "he"
            lead = first[:1].lower() + first[1:] if stem.isalpha() and stem != "i" and lower_ok(stem) else first
            voc = m.group("voc")
            return f"{voc[:1].upper() + voc[1:]}, {lead}{' ' + rest if rest else ''}"
    return kept
