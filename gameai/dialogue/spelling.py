"""A player's line as the router should read it: chat shorthand spelled out, and a misspelt name of
one of the NPC's own things spelt as the NPC spells it.

Players type fast: "hw do i get to gull pt", "wheres the chaple", "hw much for a candel". The
router's word rules and MiniLM both miss such lines. Two mendings, both narrow:
- a closed table of chat shorthand ("hw", "u", "ur", "pls", "pt"); "ya" and "wheres" are not in
  it, the router reads them as they are;
- a word that is neither an English word (a whole token of MiniLM's vocabulary, or one inflected)
  nor one of the NPC's own words, but is one of the NPC's own words with two letters swapped or one
  letter dropped or added (the names and aliases of its wares, its landmarks, its people, its
  quests, its facts' keywords): that word. "cattle" stays "cattle" beside a castle (an English
  word), "skint" stays beside a saint (one letter put for another is not taken); "chaple" becomes
  "chapel".
The mended line is for routing only: memory, guards and the prompt keep the player's own words.
"""
from __future__ import annotations

import difflib
import re
from typing import Callable

from gameai.dialogue.guards import words
from gameai.dialogue.persona import Persona
from gameai.dialogue.world import World

# Chat shorthand that no English word spells.
SHORTHAND = {
    "hw": "how", "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "wat": "what",
    "wot": "what", "wut": "what", "wots": "what's", "wud": "would", "cud": "could", "shud": "should", "abt": "about",
    "thru": "through", "tho": "though", "nite": "night", "tmrw": "tomorrow", "2day": "today", "2nite": "tonight",
    "b4": "before", "bc": "because", "cuz": "because", "coz": "because", "ppl": "people", "msg": "message",
    "pt": "point", "rd": "road",
}
# How close a slip must be to the NPC's word (difflib's ratio: "chaple"/"chapel" 0.83, "candel"/
# "candle" 0.83, "tavrn"/"tavern" 0.91), and how long the typed word must be: a short word has too
# many near neighbours.
CLOSE = 0.8
MIN_LENGTH = 5

_WORD = re.compile(r"[A-Za-z0-9']+")
_SUFFIXES = ("s", "es", "d", "ed", "ing", "er", "ers", "y", "ly")


def _known(word: str, own: frozenset[str], is_english: Callable[[str], bool]) -> bool:
    """An English word or one of the NPC's, or one of those inflected ("saddles", "ferrets",
    "carved"): only an unknown word may be a slip."""
    stems = [word] + [word[:-len(x)] for x in _SUFFIXES if word.endswith(x) and len(word) - len(x) >= 3]
    return any(s in own or is_english(s) for s in stems)


def own_words(persona: Persona, world: World) -> frozenset[str]:
    """The words the NPC's own things are named by."""
    texts = [it.name for it in persona.shop] + [a for it in persona.shop for a in it.aliases]
    texts += [lm.name for lm in world.landmarks] + [lm.id.replace("_", " ") for lm in world.landmarks]
    texts += [who for who, _ in persona.relationships] + [q.name for q in persona.quests]
    texts += [k for f in persona.facts for k in f.keywords] + [world.location]
    return frozenset(w for t in texts for w in words(t) if w.isalpha())


def _slip_of(typed: str, word: str) -> bool:
    """Could `typed` be `word` mistyped: the same first letter, and two letters swapped ("chaple"),
    or one letter missing or added inside it ("jerkey", "tavrn"). One letter put for another is
    not taken: "skint" is not a slip of "saint". A word one letter longer or shorter at its end is
    another word ("carve", "carved")."""
    if typed[0] != word[0] or word.startswith(typed) or typed.startswith(word):
        return False
    if len(typed) == len(word):
        return sorted(typed) == sorted(word)
    return abs(len(typed) - len(word)) == 1


def mend(text: str, own: frozenset[str], is_english: Callable[[str], bool]) -> str:
    """The line with shorthand spelled out and slips of the NPC's own words mended; the same line
    when there is nothing to mend."""
    def fix(m: re.Match) -> str:
        w = m.group(0)
        low = w.lower()
        if low in SHORTHAND:
            return SHORTHAND[low]
        if len(low) < MIN_LENGTH or not low.isalpha() or _known(low, own, is_english):
            return w
        near = difflib.get_close_matches(low, [o for o in own if _slip_of(low, o)], n=1, cutoff=CLOSE)
        return near[0] if near else w

    return _WORD.sub(fix, text)
