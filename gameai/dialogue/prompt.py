"""Prompt building: a static persona block (cached per persona by llama.cpp) then the turn's data.

Secrets are never put in the prompt: what the model never sees it cannot leak. Facts enter as
short sentences the model should repeat; the engine checks the values afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass

from gameai.dialogue.backends.llama_cpp_backend import PREFIX_MARK
from gameai.dialogue.grounding import Grounding, first_person
from gameai.dialogue.memory import Memory
from gameai.dialogue.persona import Persona
from gameai.dialogue.world import World

# Fixed instruction sentences. The output guard rejects any reply echoing 6 words of these.
# Short and positive: a 135M model echoes negated instructions ("I am not an assistant").
# No address word here: the model would use it whatever the persona's own voice is.
RULES = "Speak as {first} would, in one or two short plain sentences."
JSON_RULE = 'Answer as JSON: {{"line": what {first} says, "emotion": how {first} feels}}.'


# What kind of talk this is, for lines with no data to state (the router decided it).
_TALK_HINTS = {
    "greeting": "They greet you; greet them back.",
    "farewell": "They are leaving; say goodbye.",
    "thanks": "They thank you; answer kindly.",
    "teaching": "They want to learn from you; give one practical tip from your trade.",
    "help": "They ask for your help; say how you could help.",
}


@dataclass(frozen=True)
class Prompt:
    messages: list[dict[str, str]]
    instructions: str  # the fixed rules: no 5 words of them in a row may appear in a reply
    persona_block: str  # the persona description: no 8 words of it may appear in a reply


def prefix_key(persona: Persona, world: World) -> str:
    """Names the static block + "Now:" line of a persona's prompt (the backend's prefix cache key)."""
    return f"{persona.id}@{world.location}@{world.time}"


def static_block(persona: Persona, structured: bool) -> tuple[str, str]:
    first = persona.name.split()[0]
    rules = RULES.format(first=first) + (" " + JSON_RULE.format(first=first) if structured else "")
    parts = [f"You are {persona.name}, {persona.role}."]
    if persona.traits:
        parts.append("You are " + ", ".join(persona.traits) + ".")
    if persona.description:
        parts.append(persona.description)
    if persona.speech_style:
        parts.append(f"Your way of speaking: {persona.speech_style.rstrip('.')}.")
    for who, rel in persona.relationships[:4]:
        parts.append(f"{who}: {first_person(rel.rstrip('.'), 'your')}.")
    parts.append(rules)
    return " ".join(parts), rules


def build_prompt(persona: Persona, world: World, grounding: Grounding, memories: list[Memory],
                 recent: list[tuple[str, str]], player_text: str, structured: bool = False,
                 foreign_language: bool = False) -> Prompt:
    """recent: the last exchanges (player line, NPC line) of this pair, oldest first."""
    static, rules = static_block(persona, structured)
    # Only what this turn needs: a small model repeats whatever list it is shown (landmarks,
    # reputation), so directions and prices enter only as the facts the question asks for.
    dyn = [f"Now: {world.location}, {world.time}."]
    old = [m for m in memories if not any(m.text == p or m.text == n for p, n in recent)]
    if old:
        dyn.append("You remember: " + " ".join(
            (m.text if m.speaker == "summary" else f"They said: {m.text}" if m.speaker == "player"
             else f"You said: {m.text}") for m in old))
    if grounding.facts:
        dyn.append("Fact: " + " ".join(f.statement for f in grounding.facts))
        if grounding.asks_free:
            dyn.append("Prices are fixed.")
    if grounding.topic in _TALK_HINTS:
        dyn.append(_TALK_HINTS[grounding.topic])
    if foreign_language:
        dyn.append(f"They speak a foreign tongue; answer in {persona.language}.")
    # The cache mark goes after the location line: an NPC mostly stays put, so the backend can
    # keep the KV state of "persona + where and when" and evaluate only the turn's own tokens.
    system = static + "\n" + dyn[0] + PREFIX_MARK + (" " + " ".join(dyn[1:]) if dyn[1:] else "")
    messages = [{"role": "system", "content": system}]
    for p, n in recent[-2:]:
        messages += [{"role": "user", "content": p}, {"role": "assistant", "content": n}]
    messages.append({"role": "user", "content": player_text})
    return Prompt(messages, rules, static)


def strip_mark(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Messages without the cache mark, for backends that do not use it."""
    return [{"role": m["role"], "content": m["content"].replace(PREFIX_MARK, "")} for m in messages]
