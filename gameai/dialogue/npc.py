"""An NPC: one persona speaking through its engine's shared model, memory and guards."""
from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from gameai.dialogue.errors import BackendError
from gameai.dialogue.grounding import Grounding, check_grounding, find_facts, value_grammar
from gameai.dialogue.guards import OutputPolicy, capitalised_names, check_input, loop_start, sanitize, trim_to_sentence, validate_message, words
from gameai.dialogue.importance import importance
from gameai.dialogue.intent import decide_emotion, decide_intent
from gameai.dialogue.jsonstream import LineExtractor
from gameai.dialogue.persona import Persona
from gameai.dialogue.prompt import build_prompt
from gameai.dialogue.reply import Reply
from gameai.dialogue.retrieval import compact, retrieve
from gameai.dialogue.world import World

if TYPE_CHECKING:
    from gameai.dialogue.engine import DialogueEngine

# Words held back while streaming so that a rule spanning several words (a 5-word assistant
# phrase, a secret's 3 content words) is caught before any of its words reach the player.
HOLDBACK_WORDS = 4


def _seed(*parts: Any) -> int:
    """Stable across processes (unlike hash()): same engine seed + NPC + player + turn, same line."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=4).digest(), "little")


class ReplyStream:
    """Iterate for text pieces as they are approved; `.reply` holds the full Reply once exhausted.

    Closing it early (or breaking out of the loop) stops generation and frees the model.
    """

    def __init__(self, gen: Iterator[str]):
        self._gen = gen
        self.reply: Reply | None = None

    def __iter__(self) -> "ReplyStream":
        return self

    def __next__(self) -> str:
        try:
            return next(self._gen)
        except StopIteration as stop:
            self.reply = stop.value
            raise StopIteration from None

    def close(self) -> None:
        self._gen.close()

    def __enter__(self) -> "ReplyStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NPC:
    def __init__(self, engine: "DialogueEngine", persona: Persona):
        self.engine = engine
        self.persona = persona
        p = persona
        self._known_names = capitalised_names(
            p.name, p.role, p.description, p.speech_style, *(f.text for f in p.facts), *(r.text for r in p.rumors),
            *(q.hook + " " + q.name for q in p.quests), *(w + " " + r for w, r in p.relationships),
            *(it.name for it in p.shop), *(line for ls in p.lines.values() for line in ls), str(p.world))

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
        clean = validate_message(text, self.engine.config.max_input_chars)
        w = World.from_dict(world if world is not None else self.persona.world)
        return ReplyStream(self._turn(player_id, clean, w, incremental))

    def memories(self, player_id: str) -> list[str]:
        self.engine.flush()
        return [m.text for m in self.engine.store.active(self.persona.id, player_id)]

    def forget(self, player_id: str, archive: bool = False) -> int:
        """Forget the player: by default erase every trace of them from memory (see
        DialogueEngine.forget); archive=True keeps the history on disk, unrecalled."""
        return self.engine.forget(player_id, npc_id=self.persona.id, archive=archive)

    # ------------------------------------------------------------------ the turn
    def _turn(self, player: str, text: str, world: World, incremental: bool) -> Iterator[str]:
        eng, cfg, p = self.engine, self.engine.config, self.persona
        t0 = time.perf_counter()
        eng.flush()  # the previous turn's memory is written before this one reads it
        epoch = eng.memory_epoch(p.id, player)  # forgotten mid-turn: this turn is not remembered
        store, emb = eng.store, eng.embedder
        turn = store.next_turn(p.id, player)
        seed = _seed(cfg.seed, p.id, player, turn)
        verdict = check_input(text, p, pieces=emb.word_pieces)
        grounding = find_facts(text, p, world, turn)
        intent = decide_intent(verdict, grounding, p, world)
        emotion = decide_emotion(verdict, intent, text, p)
        reply = Reply(text="", emotion=emotion, intent=intent, facts=[f.id for f in grounding.facts],
                      flags=list(verdict.flags), backend=eng.backend.name)
        query = emb.embed_one(text)

        if verdict.kind is not None:
            line = p.line(verdict.kind, seed)
            reply.facts = []
            reply.fallback = True
            yield line
        elif eng.backend.name == "authored":
            line = self._template(grounding, seed, text)
            reply.fallback = True
            reply.warning = eng.warning
            yield line
        else:
            line = yield from self._generate(player, text, world, grounding, query, turn, seed, reply, t0, incremental)
        reply.text = line
        reply.total_ms = (time.perf_counter() - t0) * 1000
        self._remember(player, turn, text, line, query, reply.flags, epoch)
        return reply

    def _template(self, grounding: Grounding, seed: int, text: str = "") -> str:
        if not grounding.facts:
            if _ABOUT_YOU.search(text):
                return self.persona.line("intro", seed, name=self.persona.name, role=self.persona.role)
            return self.persona.line("fallback", seed)
        parts = [self.persona.line(f.line_kind, seed, **f.line_values) for f in grounding.facts]
        return " ".join(parts)

    def _generate(self, player: str, text: str, world: World, grounding: Grounding, query, turn: int, seed: int,
                  reply: Reply, t0: float, incremental: bool) -> Iterator[str]:
        eng, cfg, p = self.engine, self.engine.config, self.persona
        memories = retrieve(eng.store, p.id, player, query, turn, k=cfg.memory_k, w=cfg.retrieval,
                            budget_chars=cfg.memory_budget_chars)
        recent = self._recent(player)
        structured = cfg.structured and eng.backend.supports_json
        prompt = build_prompt(p, world, grounding, memories, recent, text, structured=structured,
                              foreign_language=any(f.startswith("input:language:") for f in reply.flags))
        known = self._known_names | eng.cast_names_lower | capitalised_names(
            world.location, *(lm.name for lm in world.landmarks), *(q.name for q in world.quests))
        policy = OutputPolicy(p, prompt.instructions, cfg.max_output_chars, persona_block=prompt.persona_block,
                              other_names=eng.cast_names,
                              known_names=known, is_common_word=eng.embedder.is_common_word)
        # Fact answers are held whole until the value check passes; free talk streams with a short lag.
        hold_all = bool(grounding.facts) or not incremental
        extractor = LineExtractor() if structured else None
        raw, emitted, bad = "", 0, []
        ws: list[str] = []
        sampling = cfg.sampling
        if grounding.facts:  # fact answers: less creative, so the value survives
            sampling = replace(sampling, temperature=cfg.fact_temperature)
        grammar = value_grammar(grounding) if cfg.grounded_grammar and eng.backend.supports_json and not structured else None
        gen = eng.backend.stream(prompt.messages, sampling, seed=seed, cache_key=f"{p.id}@{world.location}@{world.time}",
                                 json_schema={} if structured else None, grammar=grammar)
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
                    reply.ttft_ms = (time.perf_counter() - t0) * 1000
                raw += extractor.feed(piece) if extractor else piece
                clean = sanitize(raw, p)
                ws = clean.split()
                # The last word may still be growing ("Oak" of "Oakvale"): check complete words only.
                checked = " ".join(ws[:-1])
                bad = policy.violations(checked)
                cut = loop_start(words(checked))
                if bad or cut is not None or len(clean) > cfg.max_output_chars:
                    if cut is not None:
                        reply.flags.append("output:loop_cut")
                    if len(clean) > cfg.max_output_chars:
                        reply.flags.append("output:length_cut")
                    ws = ws[:emitted] if bad else ws[:max(emitted, self._word_index(clean, cut))]
                    break
                if _sentences(clean) >= cfg.max_sentences and clean.rstrip()[-1:] in ".!?":
                    break
                if not hold_all and len(ws) - HOLDBACK_WORDS > emitted:
                    out = " ".join(ws[emitted:len(ws) - HOLDBACK_WORDS])
                    yield (" " if emitted else "") + out
                    emitted = len(ws) - HOLDBACK_WORDS
        except BackendError as exc:
            eng.warn(f"{p.name}: {exc}. Falling back to an authored line.")
            reply.warning = str(exc)
            reply.flags.append("backend:error")
            ws = ws[:emitted]
        finally:
            tb = time.perf_counter()
            gen.close()
            reply.backend_ms = (in_backend + time.perf_counter() - tb) * 1000
        if extractor is not None and extractor.emotion() and reply.emotion == p.mood:
            reply.emotion = extractor.emotion() or reply.emotion
        reply.flags.extend(bad)
        reply.draft = sanitize(raw, p)
        said = " ".join(ws[:emitted])
        full = " ".join(ws)
        final = trim_to_sentence(full, cfg.max_output_chars) if full else ""
        if not final.startswith(said) or len(final) < len(said):
            final = said if said[-1:] in ".!?" or not said else said + "."
        problems = policy.violations(final) if final else ["output:empty"]
        if not problems and grounding.facts:
            problems = check_grounding(final, grounding, p.currency)
        if not problems and len(words(final)) < 2:
            problems = ["output:too_short"]
        if problems:
            reply.flags.extend(x for x in problems if x not in reply.flags)
            if said:  # part of a clean line already reached the player: break off in character
                final = (said if said[-1:] in ".!?" else said.rstrip(",;:") + "...") + " " + p.line("fallback", seed)
            else:
                final = self._template(grounding, seed, text)
                reply.fallback = True
        yield final[len(said):] if said else final
        return final

    @staticmethod
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

    def _recent(self, player: str, n: int = 2) -> list[tuple[str, str]]:
        mems = [m for m in self.engine.store.active(self.persona.id, player) if m.speaker != "summary"][-2 * n:]
        pairs, pending = [], None
        for m in mems:
            if m.speaker == "player":
                pending = m.text
            elif pending is not None:
                pairs.append((pending, m.text))
                pending = None
        return pairs

    def _remember(self, player: str, turn: int, text: str, line: str, query, flags: list[str],
                  epoch: tuple[int, int]) -> None:
        self.engine.remember_later(self.persona.id, player, epoch,
                                   self._write_memory, player, turn, text, line, query, list(flags))

    def _write_memory(self, player: str, turn: int, text: str, line: str, query, flags: list[str]) -> None:
        eng, p = self.engine, self.persona
        eng.store.add(p.id, player, turn, "player", text, importance(text, flags), query)
        eng.store.add(p.id, player, turn, "npc", line, max(1.0, importance(line) - 1), eng.embedder.embed_one(line))
        compact(eng.store, eng.embedder, p.id, player, max_active=eng.config.max_active_memories)


_ABOUT_YOU = __import__("re").compile(r"\b(who are you|your name|about yourself|what do you do|who you are)\b", 2)


def _sentences(text: str) -> int:
    import re
    return len(re.findall(r"[.!?](?:\s|$)", text))
