"""Request and response bodies of the HTTP API (pydantic models; they are the OpenAPI spec).

Request models are built per server by `request_models(config)`, so that the size limits the
server enforces are the ones its spec declares (a client generator or a fuzzer reads them).
Unknown fields are refused (`extra="forbid"`): a typo in a field name is an error, not ignored.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from gameai.service.config import ServiceConfig

# NPC and player ids appear in URLs and in memory files: letters, digits and _ . : - only.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
ID_MAX = 64
NAME_MAX = 200  # a world field such as a landmark's name
LIST_MAX = 64  # landmarks, quests, inventory entries

_STRICT = ConfigDict(extra="forbid")


def _text(description: str, required: bool = True, default: str | None = None, max_length: int = NAME_MAX) -> Any:
    if required:
        return Field(min_length=1, max_length=max_length, description=description)
    return Field(default=default, max_length=max_length, description=description)


# --- the game's world, as the engine's `World.from_dict` takes it ----------------------------
class LandmarkIn(BaseModel):
    model_config = _STRICT
    id: str = _text("Landmark id, e.g. 'old_mill'.", max_length=ID_MAX)
    name: str = _text("Name the NPC may say.")
    direction: str = _text("Where it is from here, e.g. 'north along the river'.")
    distance: str = _text("Optional distance, e.g. 'an hour's walk'.", required=False, default="")


class QuestIn(BaseModel):
    model_config = _STRICT
    id: str = _text("Quest id.", max_length=ID_MAX)
    name: str = _text("Quest name.")
    state: str = _text("Its state for this player, e.g. 'in progress: 2 of 5 wolves'.")
    objective: str = _text("Optional objective.", required=False, default="")


class WorldIn(BaseModel):
    """What the game tells the NPC this turn; the only world facts the NPC may state."""

    model_config = _STRICT
    location: str = _text("Where the conversation happens.", required=False, default="somewhere")
    time: str = _text("Time of day, e.g. 'dusk'.", required=False, default="day")
    landmarks: list[LandmarkIn] = Field(default_factory=list, max_length=LIST_MAX)
    quests: list[QuestIn] = Field(default_factory=list, max_length=LIST_MAX)
    reputation: float = Field(default=0.0, ge=-1e6, le=1e6, allow_inf_nan=False, description="Player's standing.")
    inventory: dict[str, int] = Field(default_factory=dict, max_length=LIST_MAX, description="Item id -> count.")


@dataclass(frozen=True)
class RequestModels:
    Say: type[BaseModel]


def request_models(config: ServiceConfig) -> RequestModels:
    say = create_model(
        "SayRequest",
        __config__=_STRICT,
        __doc__="A player's line to an NPC.",
        player_id=(str, Field(min_length=1, max_length=ID_MAX, pattern=ID_PATTERN, description="Stable id of the player; the NPC's memory is per player.")),
        text=(str, Field(min_length=1, max_length=config.max_text_chars, description="What the player says.")),
        world=(WorldIn | None, Field(default=None, description="The game's state this turn; omitted: the persona's default world.")),
    )
    return RequestModels(Say=say)


# --- responses ---------------------------------------------------------------------------------
class Timing(BaseModel):
    queued_ms: float = Field(description="Time waiting for the shared model.")
    generate_ms: float = Field(description="Time the model spent on this reply (including memory lookup).")
    first_token_ms: float | None = Field(default=None, description="From the turn's start (after the queue) to the "
                                         "model's first text; null when no model ran (an authored line).")


class ReplyOut(BaseModel):
    npc_id: str
    player_id: str
    text: str = Field(description="What the NPC says.")
    emotion: str = Field(description="One of the engine's emotions, e.g. 'neutral', 'happy'.")
    intent: str = Field(description="Proposed action for the game to validate, e.g. 'trade'; never executed by the engine.")
    intent_args: dict[str, Any] = Field(description="What the game needs to validate the intent, e.g. item and price.")
    facts: list[str] = Field(description="Ids of the persona/world facts the reply states.")
    fallback: bool = Field(description="True when the line is authored, not generated (a guard or check fired).")
    flags: list[str] = Field(description="Guard and check events, e.g. 'input:injection'.")
    warning: str | None = Field(description="Set when a backend failed; for the developer's log.")
    backend: str = Field(description="Which model backend produced the reply.")
    timing: Timing


class NpcOut(BaseModel):
    id: str
    name: str
    role: str
    loaded: bool = Field(description="Whether the NPC is loaded (its first reply will not pay the load).")


class NpcList(BaseModel):
    npcs: list[NpcOut]


class MemoryEntry(BaseModel):
    turn: int = Field(description="0-based turn of this player's conversation with the NPC.")
    speaker: str = Field(description="'player', 'npc', or 'summary' (older turns compacted by the engine).")
    text: str
    importance: float = Field(description="1-10, how memorable the engine rated it.")


class MemoryOut(BaseModel):
    npc_id: str
    player_id: str
    memories: list[MemoryEntry] = Field(description="What the NPC remembers of the player, oldest first.")


class MemoryReset(BaseModel):
    npc_id: str
    player_id: str
    mode: str = Field(description="'delete' (the rows are erased from the file) or 'archive' (kept on disk, unrecalled).")
    forgotten: int = Field(description="How many memories were erased (delete) or archived (archive).")


class PlayerMemoryReset(BaseModel):
    player_id: str
    mode: str = Field(description="'delete' (the rows are erased from the file) or 'archive' (kept on disk, unrecalled).")
    forgotten: int = Field(description="How many memories were erased (delete) or archived (archive), all NPCs together.")


class QueueStats(BaseModel):
    waiting: int
    running: int
    completed: int
    limit: int
    workers: int = Field(description="Turns generated at once: the backend's parallel slots (1: one at a time).")
    accepting: bool


class Health(BaseModel):
    status: str = Field(description="'ok', or 'stopping' during shutdown.")
    version: str
    uptime_s: float
    npcs_loaded: int
    warning: str | None = Field(description="Set when the model is missing or failed and NPCs use authored lines.")
    queue: QueueStats
