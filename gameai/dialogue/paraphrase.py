"""A fact answer in the model's own words stands only when the engine can tell it says the fact and nothing else.

The checks before this one make sure the value is in the line. They cannot tell a sentence the
model made well from one it spliced ("30 silver for a camel for the crossing for the crossing.",
"Five copper for the bag of nails at 5.") or from one that adds a claim of its own ("I'd go
north from here. The priory is half a day's walk to the south.", "Lord Tarrow is the oyster-wife
at Brine End."). A 135M model's paraphrase is verified by its words: every word must be one of
the fact's (its statement and the persona's authored ways of saying it), the player's line, the
persona's name, role and forms of address, or a function word of English; no phrase of three
words is said twice; no number is said twice. A line that fails keeps its sentences that pass
on their own when they still state the fact ("Folk call them nails. Five copper for the bag of
nails." keeps the second); else it is drawn again, and when no draw passes, the exact fact clause
is said (`npc._recover`), which is authored data and so always well-formed.

The word list below is English grammar (pronouns, articles, prepositions, auxiliaries, common
adverbs and interjections), not any persona's or the benchmark's vocabulary.
"""
from __future__ import annotations

import re
from typing import Iterable

from gameai.dialogue.grounding import Grounding, numbers_in
from gameai.dialogue.guards import sentences, words
from gameai.dialogue.persona import DEFAULT_LINES, Persona
from gameai.dialogue.voice import address_words

# A phrase of this many words said twice in one line is a splice or a loop.
REPEATED_PHRASE_WORDS = 3

FUNCTION_WORDS = frozenset("""
a an the this that these those some any every each no none all both either neither such what which whose
i me my mine myself you your yours yourself we us our ours he him his himself she her hers herself it its itself
they them their theirs one ones someone something anyone anything nothing everyone everything
who whom where when why how whether if then than so as because though although while until till unless
and or but nor yet also too only just even still already ever never always often once again soon now here there
not very much many more most less least few little enough quite rather really
of in on at to for from by with about into onto over under up down out off through across along around past
near beside behind before after above below between among against toward towards upon within without
is am are was were be been being isn't aren't wasn't weren't ain't
have has had having haven't hasn't hadn't do does did doing don't doesn't didn't done
will would shall should can could may might must won't wouldn't can't cannot couldn't shouldn't mustn't
i'm i've i'll i'd you're you've you'll you'd he's he'll he'd she's she'll she'd it's it'll it'd
we're we've we'll we'd they're they've they'll they'd that's there's here's what's who's where's how's let's
yes no aye nay oh ah well right sure indeed true so
get gets got go goes went gone going come comes came take takes took taken give gives gave given make makes made
say says said tell tells told know knows knew see sees saw look find want need ask keep keeps kept
""".split())


def _forms(word: str) -> set[str]:
    """The word and what it may be an inflection of, so that "keeps" meets "keep", "moves" "move",
    "carried" "carry" and "Greyhill's" "greyhill" (crude, and only ever used to match two texts)."""
    w = word.lower().replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    out = {w}
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("d", ""), ("ing", ""),
                         ("ing", "e")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            out.add(w[:-len(suffix)] + repl)
    return out


_FUNCTION_FORMS = frozenset(f for w in FUNCTION_WORDS for f in _forms(w))


_CONTRACTIONS = {"it's": "it is", "you're": "you are", "i'm": "i am", "that's": "that is", "there's": "there is",
                 "he's": "he is", "she's": "she is", "we're": "we are", "they're": "they are", "what's": "what is",
                 "here's": "here is", "where's": "where is"}


def contradicted(line: str, grounding: Grounding) -> str | None:
    """A claim made of the fact's own words that the fact denies: a direction answer that puts the
    player at the place ("You're at the chapel, and it's west of here."), or a relation answer in
    which the NPC is the other person ("I'm Margit, my sister.")."""
    for f in grounding.facts:
        if f.kind == "direction" and _YOU_ARE_THERE.search(line):
            return "place:you_are_there"
        who = str(f.line_values.get("who", "")).split()
        if f.kind == "relationship" and who and re.search(rf"\bI(?:'m|\u2019m| am)\s+{re.escape(who[0])}\b", line, re.I):
            return f"identity:{who[0]}"
    return None


_YOU_ARE_THERE = re.compile(r"\byou(?:'re|\u2019re| are)\s+(?:at|in|on|by)\b", re.I)


def unverified(line: str, sources: Iterable[str]) -> str | None:
    """Why `line` cannot be verified against the texts it may draw on, or None when it can:
    "word:<w>" for a word of its own, "phrase:<words>" for a phrase said twice, "number:<n>" for a
    number said twice."""
    sources = list(sources)
    known = {f for text in sources for w in words(text) for f in _forms(w)} | _FUNCTION_FORMS
    # An amount may be said in digits or in words whichever way the fact wrote it ("3" / "three").
    amounts = {n for text in sources for n in numbers_in(text)}
    ws = words(line)
    for w in ws:
        if not (_forms(w) & known) and not (numbers_in(w) and set(numbers_in(w)) <= amounts):
            return f"word:{w}"
    # "It's morning, and it is morning too": a contraction is its two words for the repeat check.
    spelled = [x for w in ws for x in _CONTRACTIONS.get(w, w).split()]
    seen: set[tuple[str, ...]] = set()
    for i in range(len(spelled) - REPEATED_PHRASE_WORDS + 1):
        gram = tuple(spelled[i:i + REPEATED_PHRASE_WORDS])
        if gram in seen:
            return "phrase:" + " ".join(gram)
        seen.add(gram)
    nums = numbers_in(line)
    # "one" is as often a pronoun as a number ("the old one"): only amounts from two up count.
    twice = sorted({n for n in nums if n > 1 and nums.count(n) > 1})
    return f"number:{twice[0]}" if twice else None



def verified_part(line: str, sources: Iterable[str]) -> str:
    """The sentences of `line` that are verified each on its own, in order ("" when none is, or
    when the line does not split into sentences exactly). The caller checks the facts are still in it."""
    sources = list(sources)
    sents = sentences(line)
    if " ".join(sents) != " ".join(line.split()):
        return ""
    kept = " ".join(s for s in sents if unverified(s, sources) is None)
    return kept if unverified(kept, sources) is None else ""


def verifiable(grounding: Grounding) -> bool:
    """Answers whose every fact has an exact clause to fall back on. A refusal's reason, a
    self-introduction and a memory answer (the player's own loose words) are the model's to say."""
    return bool(grounding.facts) and all(
        f.kind not in ("refusal", "memory") and f.line_kind != "intro" for f in grounding.facts)


def fact_sources(persona: Persona, grounding: Grounding, player_line: str) -> list[str]:
    """What a fact answer may draw its words from: the facts' statements and fields, every authored
    and default way of saying them, the player's line, and the persona's name, role and forms of
    address."""
    texts = [player_line, persona.name, persona.role, *address_words(persona)]
    for f in grounding.facts:
        texts.append(f.statement)
        # The fact's own fields too: an item's aliases ("blade" for the iron sword), a landmark's name.
        for v in f.line_values.values():
            texts.extend([v] if isinstance(v, str) else [x for x in v if isinstance(x, str)]
                         if isinstance(v, (list, tuple)) else [])
        templates = [*persona.lines.get(f.line_kind, ()), *DEFAULT_LINES.get(f.line_kind, ())]
        for template in templates:
            try:
                texts.append(template.format(**f.line_values))
            except (KeyError, IndexError, ValueError):
                continue  # a template naming a field this fact lacks says nothing of it
    return texts
