"""Intent and emotion are decided by rules over the input and the data, never by the model.

The intent is a proposal for the game (it validates and executes); e.g. a trade always carries
the persona's listed price, whatever the player said about it.
"""
from __future__ import annotations

from gameai.dialogue.grounding import Grounding
from gameai.dialogue.guards import InputVerdict, words
from gameai.dialogue.persona import Persona
from gameai.dialogue.reply import Intent
from gameai.dialogue.world import World

_SAD = {"lost", "died", "dead", "death", "sad", "grief", "mourning", "sick", "missing"}
_HAPPY = {"thanks", "thank", "grateful", "great", "wonderful", "friend", "love", "beautiful"}
_FEAR = {"monster", "dragon", "wolves", "bandits", "attack", "danger", "ghost"}


def decide_intent(verdict: InputVerdict, grounding: Grounding, persona: Persona, world: World) -> Intent:
    if verdict.kind is not None:
        return Intent("refuse", {"reason": verdict.kind})
    if grounding.asks_free and grounding.topic in ("price", "shop"):
        return Intent("refuse", {"reason": "prices_are_fixed"})
    if grounding.topic == "price":
        f = grounding.facts[0]
        return Intent("trade", {"item": f.id.split(":", 1)[1], "price": f.price, "currency": persona.currency})
    if grounding.topic == "shop":
        return Intent("trade", {"items": {it.id: it.price for it in persona.shop}, "currency": persona.currency})
    if grounding.topic == "quest_offer":
        qid = grounding.facts[0].id.split(":", 1)[1]
        q = next(q for q in persona.quests if q.id == qid)
        if world.reputation < q.min_reputation:
            return Intent("refuse", {"reason": "reputation", "quest": qid, "min_reputation": q.min_reputation})
        return Intent("give_quest", {"quest": qid})
    if grounding.topic == "rumor":
        return Intent("share_rumor", {"rumor": grounding.facts[0].id.split(":", 1)[1]})
    if grounding.topic == "direction":
        return Intent("give_directions", {"landmark": grounding.facts[0].id.split(":", 1)[1]})
    if grounding.topic == "relationship":
        return Intent("relationship", {"who": grounding.facts[0].line_values["who"]})
    if grounding.topic in ("greeting", "farewell", "thanks", "teaching", "help"):
        return Intent(grounding.topic, {})
    return Intent("small_talk", {})


def decide_emotion(verdict: InputVerdict, intent: Intent, text: str, persona: Persona) -> str:
    ws = set(words(text))
    if verdict.kind == "insulted":
        return "angry"
    if verdict.kind in ("injection", "dictated"):
        return "suspicious"
    if verdict.kind in ("gibberish", "not_understood", "puzzled"):
        return "surprised"
    if ws & _SAD:
        return "sad"
    if ws & _FEAR:
        return "afraid"
    if intent.kind == "trade" or ws & _HAPPY:
        return "happy"
    return persona.mood if persona.mood in ("neutral", "happy", "angry", "sad", "afraid", "surprised", "suspicious") else "neutral"
