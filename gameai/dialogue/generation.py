"""The model's part of a turn, in three named steps: prepare the request, stream the draft through
the output guards, and settle the final line (trim, check). A draft that fails is drawn again by the
NPC (`npc._generate`) with another seed before any authored line is used.

Free talk reaches the player a whole sentence at a time: when a guard cuts the line mid-sentence,
what the player already saw is whole sentences, never "...on the far... Ask me something else."
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Iterator

from gameai.dialogue.backends.base import Sampling
from gameai.dialogue.errors import BackendError
from gameai.dialogue.focus import focus_on_facts
from gameai.dialogue.grounding import check_grounding, name_the_priced_item, unlisted_prices, value_grammar
from gameai.dialogue.guards import OutputPolicy, capitalised_names, loop_start, sanitize, trim_to_sentence, words
from gameai.dialogue.jsonstream import LineExtractor
from gameai.dialogue.paraphrase import contradicted, fact_sources, unverified, verifiable, verified_part
from gameai.dialogue.persona import Persona
from gameai.dialogue.prompt import Prompt, build_prompt, prefix_key
from gameai.dialogue.retrieval import retrieve
from gameai.dialogue.told_back import said_back_to_them
from gameai.dialogue.turn import TurnContext, TurnState
from gameai.dialogue.voice import address_words, keep_own_address

# A fact answer the engine could not verify word by word (paraphrase.py): drawn again like any
# failed line, and the exact clause is said when no draw passes.
UNVERIFIED = "output:unverified"

# Words held back while streaming so that a rule spanning several words (a 5-word assistant
# phrase, a secret's 3 content words) is caught before any of its words reach the player.
HOLDBACK_WORDS = 4


@dataclass
class Request:
    """Everything the backend call and the output checks need for one draft."""

    prompt: Prompt
    policy: OutputPolicy
    sampling: Sampling
    grammar: str | None
    structured: bool
    hold_all: bool          # fact answers are held whole until their values are checked
    cache_key: str


@dataclass
class Draft:
    """What streaming produced: the words kept, how many already reached the player, the raw text."""

    words: list[str]
    emitted: int
    raw: str
    bad: list[str]


def prepare(ctx: TurnContext, persona: Persona, known_names: frozenset[str], t: TurnState,
            recent: list[tuple[str, str]], incremental: bool) -> Request:
    cfg, g = ctx.config, t.grounding
    memories = retrieve(ctx.store, persona.id, t.player, t.query, t.number, k=cfg.memory_k, w=cfg.retrieval,
                        budget_chars=cfg.memory_budget_chars)
    structured = cfg.structured and ctx.backend.supports_json
    prompt = build_prompt(persona, t.world, g, memories, recent, t.text, structured=structured,
                          foreign_language=any(f.startswith("input:language:") for f in t.reply.flags))
    w = t.world
    # Names the NPC may say: its own data, the cast, the world, and whatever this turn's facts and
    # recalled memories hold (a name the player told it, "Name's Corwin", is not an invention).
    known = known_names | ctx.cast_names_lower() | capitalised_names(
        w.location, *(lm.name for lm in w.landmarks), *(q.name for q in w.quests),
        *(f.statement for f in g.facts), *(m.text for m in memories))
    # What this turn may say openly besides the persona's card: a secret's phrase found here is no leak.
    public = ". ".join([w.location, *(lm.name for lm in w.landmarks), *(q.name for q in w.quests),
                        *(f.statement for f in g.facts)])
    policy = OutputPolicy(persona, prompt.instructions, cfg.max_output_chars, persona_block=prompt.persona_block,
                          other_names=ctx.cast_first_names(), known_names=known,
                          is_common_word=ctx.embedder.is_common_word, public=public)
    sampling = cfg.sampling
    if g.facts:  # fact answers: less creative, so the value survives
        sampling = replace(sampling, temperature=cfg.fact_temperature)
    grammar = value_grammar(g) if cfg.grounded_grammar and ctx.backend.supports_json and not structured else None
    return Request(prompt, policy, sampling, grammar, structured, hold_all=bool(g.facts) or not incremental,
                   cache_key=prefix_key(persona, w))


def stream_draft(ctx: TurnContext, persona: Persona, req: Request, t: TurnState,
                 seed: int | None = None) -> Iterator[str]:
    """Yield approved words as the model writes them, whole sentences only (and at least
    HOLDBACK_WORDS behind the model); return the Draft. Stops at the first guard violation, loop,
    length overflow or after max_sentences sentences. `seed`: another draw of the same turn."""
    cfg, reply = ctx.config, t.reply
    extractor = LineExtractor() if req.structured else None
    raw, emitted, bad, ws = "", 0, [], []
    whole = 0  # words of whole sentences that passed every check so far (kept if a later word fails)
    gen = ctx.backend.stream(req.prompt.messages, req.sampling, seed=t.seed if seed is None else seed,
                             cache_key=req.cache_key,
                             json_schema={} if req.structured else None, grammar=req.grammar)
    in_backend = 0.0
    try:
        while True:
            tb = time.perf_counter()
            try:
                piece = next(gen)
            except StopIteration:
                in_backend += time.perf_counter() - tb
                break
            in_backend += time.perf_counter() - tb
            if reply.ttft_ms is None:
                reply.ttft_ms = (time.perf_counter() - t.t0) * 1000
            raw += extractor.feed(piece) if extractor else piece
            clean = keep_own_address(sanitize(raw, persona), persona)
            ws = clean.split()
            # The last word may still be growing ("Oak" of "Oakvale"): check complete words only.
            checked = " ".join(ws[:-1])
            bad = req.policy.violations(checked)
            cut = loop_start(words(checked))
            if bad or cut is not None or len(clean) > cfg.max_output_chars:
                if cut is not None:
                    reply.flags.append("output:loop_cut")
                if len(clean) > cfg.max_output_chars:
                    reply.flags.append("output:length_cut")
                ws = ws[:max(emitted, whole)] if bad else ws[:max(emitted, _word_index(clean, cut))]
                break
            if count_sentences(clean) >= cfg.max_sentences and clean.rstrip()[-1:] in ".!?":
                break
            whole = _sentence_end_before(ws, len(ws) - 1)
            ready = min(len(ws) - HOLDBACK_WORDS, whole)
            if not req.hold_all and ready > emitted:
                out = " ".join(ws[emitted:ready])
                yield (" " if emitted else "") + out
                emitted = ready
    except BackendError as exc:
        ctx.warn(f"{persona.name}: {exc}. Falling back to an authored line.")
        reply.warning = str(exc)
        reply.flags.append("backend:error")
        ws = ws[:emitted]
    finally:
        tb = time.perf_counter()
        gen.close()
        reply.backend_ms += (in_backend + time.perf_counter() - tb) * 1000
    if extractor is not None and extractor.emotion() and reply.emotion == persona.mood:
        reply.emotion = extractor.emotion() or reply.emotion
    reply.flags.extend(bad)
    reply.draft = keep_own_address(sanitize(raw, persona), persona)
    return Draft(ws, emitted, raw, bad)


def settle(ctx: TurnContext, req: Request, draft: Draft, t: TurnState) -> tuple[str, str, list[str]]:
    """(said, final, problems): the words already shown, the whole line trimmed to a sentence end,
    and what is wrong with it (empty: it may stand)."""
    said = " ".join(draft.words[:draft.emitted])
    full = " ".join(draft.words)
    final = trim_to_sentence(full, ctx.config.max_output_chars) if full else ""
    if not final.startswith(said) or len(final) < len(said):
        final = said if said[-1:] in ".!?" or not said else said + "."
    problems = req.policy.violations(final) if final else ["output:empty"]
    if not problems and t.grounding.facts:
        problems = check_grounding(final, t.grounding, req.policy.persona.currency)
    elif not problems:
        # Free talk names no price of its own either: an amount must be one the shop lists
        # ("Six copper for a bag of nails." after the real price of five was said).
        persona = req.policy.persona
        problems = unlisted_prices(final, {it.price for it in persona.shop}, persona.currency)
    if not problems and not said and t.grounding.facts:
        persona = req.policy.persona
        focused = focus_on_facts(final, t.grounding, persona.currency, address_words(persona),
                                 ctx.embedder.is_common_word, names=frozenset(n.lower() for n in req.policy.other_names))
        if focused != final:
            t.reply.flags.append("output:focused")
            final = focused
    if not problems and not said and t.grounding.topic == "memory":
        back = said_back_to_them(final, [line for f in t.grounding.facts for line in f.told])
        if back != final:
            t.reply.flags.append("output:told_back")
            final = back
    if not problems and not said:
        final = name_the_priced_item(final, t.grounding, req.policy.persona.currency)
    if not problems and len(words(final)) < 2:
        problems = ["output:too_short"]
    if not problems and not said and verifiable(t.grounding):
        persona = req.policy.persona
        sources = fact_sources(persona, t.grounding, t.text)
        why = unverified(final, sources) or contradicted(final, t.grounding)
        part = verified_part(final, sources) if why is not None else ""
        part = "" if part and contradicted(part, t.grounding) else part
        if part and len(words(part)) >= 2 and not check_grounding(part, t.grounding, persona.currency):
            t.reply.flags.append(f"{UNVERIFIED}_dropped:{why}")
            final = part
        elif why is not None:
            problems = [f"{UNVERIFIED}:{why}"]
    return said, final, problems


def _sentence_end_before(ws: list[str], n: int) -> int:
    """How many of the first n words make whole sentences (the last of them ends in . ! or ?)."""
    for i in range(min(n, len(ws)), 0, -1):
        if ws[i - 1][-1:] in ".!?" or ws[i - 1][-2:-1] in (".", "!", "?") and ws[i - 1][-1:] in "\"'”’":
            return i
    return 0


def _word_index(clean: str, cut: int | None) -> int:
    """Number of whitespace words before the loop's start (cut counts regex words)."""
    if cut is None:
        return len(clean.split())
    kept = words(clean)[:cut]
    ws, n = clean.split(), 0
    for i, tok in enumerate(ws):
        n += len(words(tok))
        if n > len(kept):
            return i
    return len(ws)


_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
COMPASS = frozenset("north south east west northeast northwest southeast southwest northern southern eastern "
                    "western".split())


def count_sentences(text: str) -> int:
    return len(_SENTENCE_END.findall(text))
