"""A persona's own forms of address: a blacksmith who says 'traveller' never calls anyone 'mate'.

A small model borrows whatever vocative it has seen most ("stranger", "lad", "my friend"). The
persona declares its own in its speech style ("calls people 'traveller'", "says 'citizen'") or uses
one in its authored lines; any other common English form of address, used as a vocative, is
replaced by the persona's first one, or dropped when the persona has none (a neutral voice).
"""
from __future__ import annotations

import re
from functools import lru_cache

from gameai.dialogue.persona import Persona

# Common English forms of address (general usage, not any persona's). Kinship words that are
# mostly literal ("my brother") are left out: replacing them would change what a line says.
FORMS_OF_ADDRESS = frozenset(
    "sir sirs madam ma'am mister missus miss lad lads lass lassie laddie boy girl son kid kiddo child children "
    "friend friends mate matey pal buddy stranger strangers traveller traveler travellers travelers wanderer "
    "citizen citizens dear dearie darling love honey sweetheart pup sailor fellow chum comrade partner "
    "neighbour neighbor youngster outsider milord milady".split())

_DECLARED = re.compile(r"\b(?:calls?|calling|says?|saying|addresses)\b[^'\"]{0,40}['\"]([A-Za-z' ]{2,20})['\"]", re.I)
_LEAD = r"(?:(?:my|dear|old|young)\s+){0,2}"


def _vocative(word_pattern: str) -> re.Pattern[str]:
    # At the start of a sentence and followed by a comma ("Stranger, the flats..."), or after a
    # comma and closing the sentence ("Come with me, stranger.").
    # A sentence that is only a form of address with "my", "dear"... ("My friend.") is one too; a bare
    # "Honey." may be a ware.
    return re.compile(rf"(?P<open>^|(?<=[.!?]\s))(?P<lead>{_LEAD})(?P<w>{word_pattern}),\s*"
                      rf"|,\s*(?P<lead2>{_LEAD})(?P<w2>{word_pattern})(?P<end>\s*[.!?,]|\s*$)"
                      rf"|(?P<open3>^|(?<=[.!?]\s))(?P<lead3>(?:(?:my|dear|old|young)\s+){{1,2}})"
                      rf"(?P<w3>{word_pattern})(?P<end3>[.!?]+)(?=\s|$)", re.I)


_ANY_FORM = _vocative("|".join(sorted((re.escape(w) for w in FORMS_OF_ADDRESS), key=len, reverse=True)))


@lru_cache(maxsize=256)
def _address_words(speech_style: str, authored: tuple[str, ...]) -> tuple[str, ...]:
    found = [m.group(1).strip().lower() for m in _DECLARED.finditer(speech_style)]
    for line in authored:
        for m in _ANY_FORM.finditer(line):
            found.append((m.group("w") or m.group("w2") or m.group("w3")).lower())
    return tuple(dict.fromkeys(w for w in found if w))


def address_words(persona: Persona) -> tuple[str, ...]:
    """The persona's own forms of address, the declared one first."""
    return _address_words(persona.speech_style or "", tuple(l for ls in persona.lines.values() for l in ls))


def keep_own_address(text: str, persona: Persona) -> str:
    """The line with every foreign vocative replaced by the persona's own (or dropped)."""
    own = address_words(persona)

    def fix(m: re.Match[str]) -> str:
        word = m.group("w") or m.group("w2") or m.group("w3")
        if word.lower() in own:
            return m.group(0)
        if m.group("w3") is not None:  # "My friend." -> "My sweetling."; kept when there is no own word
            return f"{m.group('open3')}{m.group('lead3')}{_cased(own[0], word)}{m.group('end3')}" if own else m.group(0)
        if m.group("w") is not None:  # "Stranger, the flats..." -> "Traveller, the flats..." / "The flats..."
            return f"{m.group('open')}{_cased(own[0], word)}, " if own else m.group("open")
        return f", {_cased(own[0], word)}{m.group('end')}" if own else m.group("end")

    out = _ANY_FORM.sub(fix, text)
    # A sentence whose first word lost its vocative starts with a capital again.
    return re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), out) if out != text else out


def _cased(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word
