"""An NPC: one persona speaking through the shared model, memory and guards its engine hands it.

A turn is a pipeline of named steps over a `TurnState`: begin (turn number, seed, memory epoch,
embedding) -> read (input guards, route, intent, emotion) -> answer (a guard's line, a template, or
the model: generation.prepare / stream_draft / settle) -> remember (queued off the critical path).
The NPC knows the engine only through its `TurnContext`.
"""
from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any, Iterator, Mapping

from gameai.dialogue import generation
from gameai.dialogue.grounding import Grounding, numbers_in
from gameai.dialogue.guards import capitalised_names, check_input, ngrams, sentences, validate_message, words
from gameai.dialogue.importance import importance
from gameai.dialogue.intent import decide_emotion, decide_intent
from gameai.dialogue.paraphrase import FUNCTION_WORDS
from gameai.dialogue.persona import Persona
from gameai.dialogue.reply import Reply
from gameai.dialogue.retrieval import compact
from gameai.dialogue.router import Router
from gameai.dialogue.spelling import mend, own_words
from gameai.dialogue.turn import TurnContext, TurnState, turn_seed
from gameai.dialogue.voice import address_words
from gameai.dialogue.world import World

# Kept importable under their old names (benchmarks and games import them).
_seed = turn_seed
HOLDBACK_WORDS = generation.HOLDBACK_WORDS
# A redraw's temperature: the first draw's plus this per redraw, at most the maximum.
REDRAW_TEMPERATURE_STEP = 0.2
REDRAW_MAX_TEMPERATURE = 1.0
# A flourish has at least this many words besides the persona's address word: a shorter one is a scrap.
FLOURISH_MIN_WORDS = 5
# Words of five letters or more that say nothing of a persona's data (a flourish may use them).
_FUNCTION_WORDS = frozenset("about above after again against along already always among another around because "
                            "before behind being below beside between beyond could every first never other others "
                            "still their there these thing things those through under until where which while "
                            "whose would yours".split())


def _data_words(*texts: str) -> set[str]:
    """The names and the longer words of data texts: what a flourish must not speak of."""
    return {w.lower() for t in texts for w in re.findall(r"[A-Z][a-z]+", t)} | \
        {w for t in texts for w in words(t) if len(w) >= 5 and w not in _FUNCTION_WORDS}


# A flourish that says this many words in a row of the player's own lines copies them (see _echoes_player).
ECHO_WORDS = 4


class ReplyStream:
    """Iterate for text pieces as they are approved; `.reply` holds the full Reply once exhausted.

    Closing it early (or breaking out of the loop) stops generation and frees the model.
    """

    def __init__(self, gen: Iterator[str], t0: float | None = None):
        self._gen = gen
        self.reply: Reply | None = None
        self._t0 = time.perf_counter() if t0 is None else t0
        self._first: float | None = None  # when the first text reached the caller

    def __iter__(self) -> "ReplyStream":
        return self

    def __next__(self) -> str:
        try:
            piece = next(self._gen)
        except StopIteration as stop:
            self.reply = stop.value
            if self.reply is not None and self._first is not None:
                self.reply.first_text_ms = (self._first - self._t0) * 1000
            raise StopIteration from None
        if self._first is None and piece.strip():
            self._first = time.perf_counter()
        return piece

    def close(self) -> None:
        self._gen.close()

    def __enter__(self) -> "ReplyStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NPC:
    def __init__(self, context: TurnContext, persona: Persona):
        self.context = context
        self.persona = persona
        p = persona
        self._known_names = capitalised_names(
            p.name, p.role, p.description, p.speech_style, *(f.text for f in p.facts), *(r.text for r in p.rumors),
            *(q.hook + " " + q.name for q in p.quests), *(w + " " + r for w, r in p.relationships),
            *(it.name for it in p.shop), *(line for ls in p.lines.values() for line in ls), str(p.world))
        self._data_words = _data_words(
            p.description, *(f.text for f in p.facts), *(r.text for r in p.rumors), *(q.hook + " " + q.name for q in p.quests),
            *(w + " " + r for w, r in p.relationships), *(it.name for it in p.shop), str(p.world))
        self._router: Router | None = None

    @property
    def router(self) -> Router:
        if self._router is None:
            self._router = Router(self.persona, self.context.embedder)
        return self._router

    # ------------------------------------------------------------------ public API
    def respond(self, player_id: str, text: str, world: World | Mapping[str, Any] | None = None) -> Reply:
        """Answer one player line. Raises MessageError/WorldError for bad input; never for a model failure."""
        s = self._open(player_id, text, world, incremental=False)
        for _ in s:
            pass
        assert s.reply is not None
        return s.reply

    def stream(self, player_id: str, text: str, world: World | Mapping[str, Any] | None = None) -> ReplyStream:
        """Like respond, but yields the line's text as it is generated (word by word).

        Free talk streams a few words behind the model (so that multi-word rules are checked before
        any word is shown); if a rule trips mid-line, the NPC breaks off with an authored line.
        Fact answers arrive whole, after their values are checked."""
        return self._open(player_id, text, world, incremental=True)

    def _open(self, player_id: str, text: str, world: World | Mapping[str, Any] | None, incremental: bool) -> ReplyStream:
        if not isinstance(player_id, str) or not player_id.strip():
            from gameai.dialogue.errors import MessageError
            raise MessageError(f"player_id must be a non-empty string, got {player_id!r}")
        clean = validate_message(text, self.context.config.max_input_chars)
        w = World.from_dict(world if world is not None else self.persona.world)
        t = TurnState(player_id, clean, w, time.perf_counter())
        return ReplyStream(self._turn(t, incremental), t.t0)

    def memories(self, player_id: str) -> list[str]:
        self.context.flush()
        return [m.text for m in self.context.store.active(self.persona.id, player_id)]

    def forget(self, player_id: str, archive: bool = False) -> int:
        """Forget the player: by default erase every trace of them from memory (see
        DialogueEngine.forget); archive=True keeps the history on disk, unrecalled."""
        return self.context.forget(player_id, self.persona.id, archive)

    # ------------------------------------------------------------------ the turn
    def _turn(self, t: TurnState, incremental: bool) -> Iterator[str]:
        self._begin(t)
        self._read(t)
        line = yield from self._answer(t, incremental)
        t.reply.text = line
        t.reply.total_ms = (time.perf_counter() - t.t0) * 1000
        self._remember(t, line)
        return t.reply

    def _begin(self, t: TurnState) -> None:
        ctx, p = self.context, self.persona
        ctx.flush()  # the previous turn's memory is written before this one reads it
        t.epoch = ctx.memory_epoch(p.id, t.player)  # forgotten mid-turn: this turn is not remembered
        t.number = ctx.store.next_turn(p.id, t.player)
        t.seed = turn_seed(ctx.config.seed, p.id, t.player, t.number)

    def _read(self, t: TurnState) -> None:
        """Input guards, the route to data, and the engine-decided intent and emotion."""
        ctx, p = self.context, self.persona
        t.verdict = check_input(t.text, p, pieces=ctx.embedder.word_pieces)
        t.query = ctx.embedder.embed_one(t.text)
        # routed as meant ("hw much for a candel"); remembered and prompted as typed
        routed = mend(t.text, own_words(p, t.world), ctx.embedder.is_common_word)
        query = t.query if routed == t.text else ctx.embedder.embed_one(routed)
        t.grounding = self.router.route(routed, query, t.world, t.number,
                                        player_lines=ctx.store.active(p.id, t.player))
        intent = decide_intent(t.verdict, t.grounding, p, t.world)
        emotion = decide_emotion(t.verdict, intent, t.text, p)
        t.reply = Reply(text="", emotion=emotion, intent=intent, facts=[f.id for f in t.grounding.facts],
                        flags=list(t.verdict.flags), backend=ctx.backend.name)

    def _answer(self, t: TurnState, incremental: bool) -> Iterator[str]:
        p, reply = self.persona, t.reply
        if t.verdict is not None and t.verdict.kind is not None:
            reply.facts = []
            reply.fallback = True
            line = self._unrepeated(t, lambda k: p.line(t.verdict.kind, t.seed + k))
        elif self.context.backend.name == "authored":
            reply.fallback = True
            reply.warning = self.context.warning()
            line = self._unrepeated(t, lambda k: self._template(t.grounding, t.seed + k, t.text))
        else:
            return (yield from self._generate(t, incremental))
        yield line
        return line

    def _generate(self, t: TurnState, incremental: bool) -> Iterator[str]:
        """The model speaks: prepare the request, stream the draft through the guards, settle it."""
        ctx, p = self.context, self.persona
        req = generation.prepare(ctx, p, self._known_names, t, self._recent(t.player), incremental)
        draft = yield from generation.stream_draft(ctx, p, req, t)
        said, final, problems = self._settle(t, req, draft)
        drafts = [draft]
        # A failed line nothing of which was shown: draw again with other seeds (a small set of
        # candidates, the first that passes every check wins) before saying an authored line.
        for k in range(1, ctx.config.redraws + 1):
            if not problems or said or "backend:error" in t.reply.flags:
                break
            t.reply.flags.extend(x for x in problems if x not in t.reply.flags)
            # Each redraw samples a little hotter: at a fact answer's low temperature another seed
            # mostly draws the same failed line again.
            hotter = replace(req, sampling=replace(req.sampling, temperature=min(
                REDRAW_MAX_TEMPERATURE, req.sampling.temperature + REDRAW_TEMPERATURE_STEP * k)))
            redraw = yield from generation.stream_draft(ctx, p, hotter, t, seed=redraw_seed(t.seed, k))
            drafts.append(redraw)
            said, final, problems = self._settle(t, req, redraw)
            if not problems:
                t.reply.flags.append(f"output:redrawn:{k}")
                draft = redraw
        if problems:
            final = self._recover(t, req, drafts, said, problems)
        rest = final[len(said):] if said else final
        if rest:
            yield rest
        return final

    def _settle(self, t: TurnState, req: generation.Request, draft: generation.Draft) -> tuple[str, str, list[str]]:
        said, final, problems = generation.settle(self.context, req, draft, t)
        if not problems and not said and self._repeats(t, final):
            problems = ["output:repeat"]
        return said, final, problems

    def _recover(self, t: TurnState, req: generation.Request, drafts: list[generation.Draft], said: str,
                 problems: list[str]) -> str:
        """Every draw failed a check. Whole sentences already shown: they stand. A fact answer: the
        exact fact clause (from data) with a draft's own words as its in-character flourish, when a
        sentence of a draft states nothing checkable. Else the authored line."""
        t.reply.flags.extend(x for x in problems if x not in t.reply.flags)
        p = self.persona
        if said:  # whole sentences of a clean line already reached the player
            return said if said[-1:] in ".!?" else said.rstrip(",;:") + "... " + p.line("fallback", t.seed)
        # A refusal stands alone: a sentence of the model's draft beside it may say the opposite
        # ("Earn my trust first. There's work for you.").
        flourish = next((f for d in drafts if (f := self._flourish(t, req, d)) is not None), None) \
            if t.grounding.facts and not any(f.kind == "refusal" for f in t.grounding.facts) else None
        if flourish is not None:
            t.reply.flags.append("output:flourish")
            return self._unrepeated(t, lambda k: self._template(t.grounding, t.seed + k, t.text) + " " + flourish)
        t.reply.fallback = True
        return self._unrepeated(t, lambda k: self._template(t.grounding, t.seed + k, t.text))

    def _flourish(self, t: TurnState, req: generation.Request, draft: generation.Draft) -> str | None:
        """A whole sentence of the model's draft that may stand beside the exact fact clause: it
        passes the output guards and states no number, direction, name or thing of the persona's
        data of its own (so it cannot contradict the clause or garble another fact: "Child, the
        infirmary of Cold Spire Abbey.", "Lad, the toll house at Millbrook is your sister."), and
        is a sentence, not a scrap ("Down the hill, friend.")."""
        text = " ".join(draft.words)
        data = self._data_words | _data_words(str(t.world), *(f.statement for f in t.grounding.facts))
        own = set(address_words(self.persona))
        for sent in sentences(text):
            ws = words(sent)
            if len([w for w in ws if w not in own]) < FLOURISH_MIN_WORDS or len(sent) > 120 \
                    or sent[-1:] not in ".!?" or numbers_in(sent):
                continue
            if data & set(ws):
                continue  # it speaks of the persona's data, or echoes the clause beside it
            if set(ws) & generation.COMPASS or req.policy.violations(sent):
                continue
            names = {w.lower() for w in capitalised_names(sent)} - {ws[0]} - own
            if names or self._repeats(t, sent) or self._echoes_player(t, ws):
                continue
            return sent
        return None

    def _echoes_player(self, t: TurnState, ws: list[str]) -> bool:
        """Does the sentence say ECHO_WORDS words in a row of the player's own lines? Then the model
        copied what the player told it from its memory and says it as its own ("I bought the plot
        behind the mill" from the builder, about the player's plot)."""
        said = {g for m in self.context.store.active(self.persona.id, t.player) if m.speaker == "player"
                for g in ngrams(words(m.text), ECHO_WORDS)}
        return bool(said & ngrams(ws, ECHO_WORDS))

    def _template(self, grounding: Grounding, seed: int, text: str = "") -> str:
        if not grounding.facts:
            if _ABOUT_YOU.search(text):
                return self.persona.line("intro", seed, name=self.persona.name, role=self.persona.role)
            if grounding.topic in ("greeting", "farewell", "thanks", "teaching", "help"):
                return self.persona.line(grounding.topic, seed)
            return self.persona.line("fallback", seed)
        parts = [_upper_first(self.persona.line(f.line_kind, seed, **f.line_values)) for f in grounding.facts]
        return " ".join(parts)

    # ------------------------------------------------------------------ variety
    def _said_before(self, t: TurnState) -> set[str]:
        """The NPC's lines to this player within the last REPEAT_WINDOW turns, normalised."""
        if t.said_before is None:
            mems = self.context.store.active(self.persona.id, t.player)
            t.said_before = {_norm(m.text) for m in mems if m.speaker == "npc" and t.number - m.turn <= REPEAT_WINDOW}
        return t.said_before

    def _repeats(self, t: TurnState, line: str) -> bool:
        return _norm(line) in self._said_before(t)

    def _unrepeated(self, t: TurnState, variant) -> str:
        """variant(0), or the first other variant not said to this player lately; if every variant
        was said, the first one marked as said again ("As I said, ...")."""
        first = variant(0)
        for k in range(0, 6):
            line = first if k == 0 else variant(k)
            if not self._repeats(t, line):
                return line
        for lead in _AGAIN:
            line = lead + _lower_first(first)
            if not self._repeats(t, line):
                return line
        return first

    def _recent(self, player: str, n: int = 2) -> list[tuple[str, str]]:
        mems = [m for m in self.context.store.active(self.persona.id, player) if m.speaker != "summary"][-2 * n:]
        pairs, pending = [], None
        for m in mems:
            if m.speaker == "player":
                pending = m.text
            elif pending is not None:
                pairs.append((pending, m.text))
                pending = None
        return pairs

    def _remember(self, t: TurnState, line: str) -> None:
        self.context.remember_later(self.persona.id, t.player, t.epoch, self._write_memory,
                                    t.player, t.number, t.text, line, t.query, list(t.reply.flags))

    def _write_memory(self, player: str, turn: int, text: str, line: str, query, flags: list[str]) -> None:
        ctx, p = self.context, self.persona
        ctx.store.add(p.id, player, turn, "player", text, importance(text, flags), query)
        ctx.store.add(p.id, player, turn, "npc", line, max(1.0, importance(line) - 1), ctx.embedder.embed_one(line))
        compact(ctx.store, ctx.embedder, p.id, player, max_active=ctx.config.max_active_memories)


def redraw_seed(seed: int, k: int) -> int:
    """The k-th other draw of a turn: distinct from the turn's own seed, same in every process."""
    return (seed + 0x9E3779B1 * k) & 0xFFFFFFFF


# No line is said twice to the same player within this many turns.
REPEAT_WINDOW = 20
_AGAIN = ("As I said, ", "Like I told you, ", "Again: ", "Once more: ")


def _norm(text: str) -> str:
    return " ".join(words(text))


def _upper_first(line: str) -> str:
    """A template filled with "the Old Mill" still starts its sentence with a capital."""
    return line[:1].upper() + line[1:]


def _lower_first(line: str) -> str:
    """After "As I said, ": "My best swarm ..." -> "my best swarm ..."; a name and "I" keep their capital."""
    first = line.split(" ", 1)[0].rstrip(",.;:!?").lower()
    if first in FUNCTION_WORDS and first != "i" and not first.startswith("i'"):
        return line[:1].lower() + line[1:]
    return line


_ABOUT_YOU = re.compile(r"\b(who are you|your name|about yourself|what do you do|who you are)\b", re.I)
