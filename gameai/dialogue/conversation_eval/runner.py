"""Play the conversation benchmark against an engine and judge every reply."""
from __future__ import annotations

import random
from typing import Callable

from gameai.dialogue.conversation_eval.judges import meta_talk, route_of, vocatives
from gameai.dialogue.conversation_eval.scorecard import ConversationCard, TurnResult, mark_repeats
from gameai.dialogue.conversation_eval.suite import Conversation, Suite


def sample_conversations(suite: Suite, max_lines: int | None, seed: int = 0) -> list[Conversation]:
    """All conversations (max_lines None or 0), or a deterministic shuffle cut at about max_lines lines;
    conversations are kept whole so follow-ups and memory questions keep their context."""
    convs = list(suite.conversations)
    if not max_lines:
        return convs
    random.Random(seed).shuffle(convs)
    out, n = [], 0
    for c in convs:
        if n + len(c.turns) <= max_lines:
            out.append(c)
            n += len(c.turns)
    return out


def run_conversation_eval(engine, suite: Suite, max_lines: int | None = None, fluency=None, seed: int = 0,
                          progress: Callable[[int, int, str], None] | None = None) -> ConversationCard:
    """Each conversation gets its own player id, so memory starts fresh and only holds its own turns.
    `fluency`: a FluencyJudge, or None to skip the fluency metrics."""
    convs = sample_conversations(suite, max_lines, seed)
    addresses = {p.address for p in suite.personas.values()}
    card = ConversationCard(suite.split, engine.backend.name, fluency_checked=fluency is not None)
    npcs = {}
    total, done = sum(len(c.turns) for c in convs), 0
    for conv in convs:
        sp = suite.personas[conv.persona]
        npc = npcs.get(conv.persona) or npcs.setdefault(conv.persona, engine.npc(sp.persona))
        results = []
        for i, turn in enumerate(conv.turns, 1):
            reply = npc.respond(f"bench-{suite.split}-{conv.id}", turn.say)
            got_route, got_target = route_of(reply)
            used = vocatives(reply.text, addresses)
            r = TurnResult(conv.id, conv.persona, i, turn.say, turn.mode, turn.route, turn.target, list(turn.values),
                           list(turn.recall), reply.text, got_route, got_target, reply.intent.kind, list(reply.facts),
                           reply.fallback, list(reply.flags), reply.total_ms, own_address=sp.address in used,
                           foreign_address=sorted(used - {sp.address}), meta=meta_talk(reply.text))
            if fluency is not None:
                s = fluency.score(reply.text)
                figures = (round(s.mean_logprob, 3), round(s.local_min, 3))
                r.fluent, r.fluency = s.fluent, None if s.mean_logprob != s.mean_logprob else figures
            results.append(r)
            done += 1
            if progress:
                progress(done, total, conv.persona)
        mark_repeats(results)
        card.turns.extend(results)
    return card
