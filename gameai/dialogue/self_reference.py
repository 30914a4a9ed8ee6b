"""The persona's card speaks of the persona in the third person; the NPC says it in the first.

Persona authors write facts as notes about the character: "Brannoch keeps a flock of ninety ewes",
"His sheepdog Bracken can gather the flock", "Her mead ages two years before she sells it",
"Lord Tarrow, who owns the upper creeks and hates Hobb". Said as they stand, the NPC talks about
itself as someone else, and a small model shown them copies them so. `speak_as` turns the
persona's own name and pronouns into "I", "me" and "my", with the verb after a new "I" in
agreement ("keeps" -> "keep", "has" -> "have", "is" -> "am").

A pronoun is the persona's only while no other name has come up in the sentence: in "His wife
Agna runs the stall; she opens at dawn" the "she" is Agna and stays. In a relationship card the
other person is the subject of every clause, so a possessive there may be theirs ("who lost his
wife") and only the object forms and the persona's name are turned (`possessives=False`).
"""
from __future__ import annotations

import re

from gameai.dialogue.persona import Persona

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|[^A-Za-z\s]+|\s+")
_MALE = re.compile(r"\b(he|him|his|himself)\b", re.I)
_FEMALE = re.compile(r"\b(she|her|hers|herself)\b", re.I)
# Words that sit between a subject and its verb ("Marrow has never dug", "Gisela always keeps").
_ADVERBS = frozenset("always never still often also once even only ever just already sometimes rarely seldom "
                     "usually mostly".split())
_IRREGULAR = {"is": "am", "has": "have", "does": "do", "goes": "go", "was": "was"}
# After a possessive "her" comes what she owns; after an object "her", one of these or the end.
_AFTER_OBJECT = frozenset("the a an this that these those some any every no all to for from with by at in on of "
                          "into about over up down out off and or but as than when while if because before after "
                          "since until once every each".split())


def pronouns_of(persona: Persona) -> str | None:
    """"he" or "she" as the card speaks of the persona (its description first, then its facts),
    or None when it does not say."""
    for text in (persona.description, " ".join(f.text for f in persona.facts)):
        he, she = len(_MALE.findall(text)), len(_FEMALE.findall(text))
        if he != she:
            return "he" if he > she else "she"
    return None


# Titles are not names: "Sister Agathe" is "Agathe" or the whole, never "Sister" alone.
_TITLES = frozenset("brother sister father mother captain lord lady sir dame old young master mistress doctor king queen "
                    "prince princess commander sergeant abbot abbess elder granny gran uncle aunt widow goodwife "
                    "goodman saint".split())
# Capitalised words that open a sentence without being anyone's name.
_OPENERS = frozenset("the a an his her its their our my this that these those some every each one when if while "
                     "after before once on in at for there it as all no most".split())
# Placeholders for the persona's own name while the sentence is read (letters, so they stay one token).
_SELF, _SELF_POSS = "Qqselfqq", "Qqmyqq"


def _names(persona: Persona) -> list[str]:
    parts = [p for p in persona.name.split() if p[:1].isupper() and len(p) > 1 and p.lower() not in _TITLES]
    return sorted({persona.name, *parts}, key=len, reverse=True)


def _verb_for_i(word: str) -> str:
    low = word.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if len(low) > 3 and low.endswith("ies"):
        return word[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return word[:-2]
    if len(low) > 2 and low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _last_word(out: list[str]) -> str:
    return next((t.lower() for t in reversed(out) if t.strip()), "")


def speak_as(text: str, persona: Persona, relation: bool = False) -> str:
    """`text` from the card as the persona says it of itself (see the module's docstring).
    relation=True: a relationship card, whose clauses all have the other person as subject."""
    gender = pronouns_of(persona)
    subject, obj, poss, refl = (("he", "him", "his", "himself") if gender == "he" else
                                ("she", "her", "her", "herself") if gender == "she" else ("",) * 4)
    names = "|".join(re.escape(n) for n in _names(persona))
    if names:
        text = re.sub(rf"\b(?:{names})'s\b", _SELF_POSS, text)
        text = re.sub(rf"\b(?:{names})\b", _SELF, text)
    tokens = _TOKEN.findall(text)
    out: list[str] = []
    sentence_start, clause_start, other_named, need_verb = True, True, False, False
    i_subject = False  # this sentence's subject is now "I": a verb after "and" agrees with it too
    for i, tok in enumerate(tokens):
        if tok.isspace() or not tok[0].isalpha():
            out.append(tok)
            if not tok.isspace():
                sentence_start = bool(re.fullmatch(r"[.!?]+", tok))
                clause_start = sentence_start or tok in (";", ":")
                other_named = other_named and not sentence_start
                i_subject = i_subject and not sentence_start
            continue
        low = tok.lower()
        nxt = next((t for t in tokens[i + 1:] if not t.isspace()), "")
        at_sentence, at_clause = sentence_start, clause_start
        sentence_start, clause_start = False, low in ("and", "but")
        if need_verb:
            if low in _ADVERBS or low.endswith("ly"):
                out.append(tok)
                clause_start = False
                continue
            out.append(_verb_for_i(tok))
            need_verb = False
            continue
        if low in ("is", "has", "does") and out and i_subject and _last_word(out) == "and":
            out.append(_IRREGULAR[low])  # "I have rung the bells ... and am half deaf"
            continue
        mine = not other_named or relation
        if tok == _SELF:
            rep, need_verb = ("I", True) if at_clause else ("me", False)
            i_subject = i_subject or need_verb
        elif tok == _SELF_POSS:
            rep = "my"
        elif subject and not relation and not other_named and low == subject:
            rep, need_verb, i_subject = "I", True, True
        elif subject and mine and low == refl:
            rep = "myself"
        elif subject and mine and low == obj and (obj == "him" or nxt.lower() in _AFTER_OBJECT or not nxt[:1].isalpha()):
            rep = "me"
        elif subject and not relation and not other_named and low == poss:
            rep = "my"
        else:
            if tok[:1].isupper() and not (at_sentence and low in _OPENERS):
                other_named = True  # someone else's name: a later pronoun may be theirs
            out.append(tok)
            continue
        out.append(rep[:1].upper() + rep[1:] if at_sentence or rep == "I" else rep)
    return "".join(out)
