"""What an NPC says back: text plus engine-decided metadata (emotion, proposed intent, fact ids)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

EMOTIONS = ("neutral", "happy", "angry", "sad", "afraid", "surprised", "suspicious")
INTENTS = ("small_talk", "trade", "give_quest", "share_rumor", "give_directions", "refuse", "greeting", "farewell",
           "thanks", "relationship", "teaching", "help")


@dataclass(frozen=True)
class Intent:
    """A *proposal* for the game to validate and execute; the engine never executes it itself.

    kind: one of INTENTS. args: what the game needs to validate it, e.g. {"item": "iron_sword",
    "price": 40} for a trade at the persona's listed price, {"quest": "wolves"} for give_quest, or
    {"who": "Tobin"} for relationship. greeting, farewell, thanks, teaching and help carry no args:
    they tell the game what kind of talk it is (e.g. to open a training menu on teaching).
    """

    kind: str = "small_talk"
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    text: str
    emotion: str = "neutral"
    intent: Intent = field(default_factory=Intent)
    facts: list[str] = field(default_factory=list)
    # True when the line is authored/templated instead of the model's (guard or check failed).
    fallback: bool = False
    # Guard and check events, e.g. ["input:injection", "output:grounding_failed"].
    flags: list[str] = field(default_factory=list)
    # Set when a backend failed; the game may log or show it to the developer.
    warning: str | None = None
    # From the call to the model's first token (None when no model ran). Not what the player sees:
    # the engine shows whole, checked sentences only.
    ttft_ms: float | None = None
    # From the call to the first text the caller received (npc.stream: the first checked sentence;
    # npc.respond: the whole line). This is the latency a player meets.
    first_text_ms: float | None = None
    total_ms: float = 0.0
    # Of total_ms, the time spent inside the backend (prompt evaluation + generation).
    backend_ms: float = 0.0
    backend: str = ""
    # What the model produced before guards/checks (empty when no model ran): for logs and the eval.
    draft: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["intent"] = self.intent.kind
        d["intent_args"] = dict(self.intent.args)
        return d
