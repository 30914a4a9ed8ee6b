"""The game's live state, as plain data: the only source of world facts the NPC may state."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from gameai.dialogue.errors import WorldError


@dataclass(frozen=True)
class Landmark:
    id: str
    name: str
    direction: str  # e.g. "north", "east along the river"
    distance: str = ""


@dataclass(frozen=True)
class QuestState:
    id: str
    name: str
    state: str  # e.g. "not started", "in progress: 2 of 5 wolves", "complete"
    objective: str = ""


@dataclass(frozen=True)
class World:
    """What the game tells the NPC this turn. Build it from your game state every turn (cheap)."""

    location: str = "somewhere"
    time: str = "day"
    landmarks: tuple[Landmark, ...] = ()
    quests: tuple[QuestState, ...] = ()
    reputation: float = 0.0
    inventory: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, source: str = "world") -> "World":
        """Validate plain data (dict from JSON/TOML/your engine). Raises WorldError naming the field."""
        if data is None:
            return cls()
        if isinstance(data, World):
            return data
        if not isinstance(data, Mapping):
            raise WorldError(f"{source}: must be a mapping (dict), got {type(data).__name__}")
        known = {"location", "time", "landmarks", "quests", "reputation", "inventory"}
        unknown = set(data) - known
        if unknown:
            raise WorldError(f"{source}: unknown field {sorted(unknown)[0]!r}; known fields: {', '.join(sorted(known))}")

        def s(d: Mapping, k: str, where: str, default: str | None = None) -> str:
            v = d.get(k, default)
            if not isinstance(v, str) or (default is None and not v.strip()):
                raise WorldError(f"{source}: field '{where}{k}' must be a non-empty string, got {v!r}")
            return v.strip()

        lms = data.get("landmarks", [])
        qs = data.get("quests", [])
        if not isinstance(lms, list) or not all(isinstance(x, Mapping) for x in lms):
            raise WorldError(f"{source}: field 'landmarks' must be a list of tables with id, name, direction")
        if not isinstance(qs, list) or not all(isinstance(x, Mapping) for x in qs):
            raise WorldError(f"{source}: field 'quests' must be a list of tables with id, name, state")
        rep = data.get("reputation", 0.0)
        if isinstance(rep, bool) or not isinstance(rep, (int, float)) or rep != rep:
            raise WorldError(f"{source}: field 'reputation' must be a number, got {rep!r}")
        inv = data.get("inventory", {})
        if not isinstance(inv, Mapping) or not all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in inv.items()):
            raise WorldError(f"{source}: field 'inventory' must map item ids to whole counts, got {inv!r}")
        return cls(
            location=s(data, "location", "", "somewhere"),
            time=s(data, "time", "", "day"),
            landmarks=tuple(Landmark(s(x, "id", f"landmarks[{i}]."), s(x, "name", f"landmarks[{i}]."),
                                     s(x, "direction", f"landmarks[{i}]."), s(x, "distance", f"landmarks[{i}].", ""))
                            for i, x in enumerate(lms)),
            quests=tuple(QuestState(s(x, "id", f"quests[{i}]."), s(x, "name", f"quests[{i}]."),
                                    s(x, "state", f"quests[{i}]."), s(x, "objective", f"quests[{i}].", ""))
                         for i, x in enumerate(qs)),
            reputation=float(rep),
            inventory=dict(inv),
        )
