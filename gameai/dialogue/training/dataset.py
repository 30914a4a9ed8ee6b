"""The training set's format: one JSON object per line, checked on load.

A record is what the engine has in hand when it asks the model for a line (persona card, world
snippet, optional fact sentences, recent turns, the player's line) and the line the NPC says.
`messages()` turns it into the exact prompt the engine builds at inference (`prompt.build_prompt`),
so the model is trained on the format it will be asked in.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gameai.dialogue.errors import DialogueError

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "training"
DEFAULT_TRAIN = DATA_DIR / "train.jsonl"

MODES = ("explore", "skill", "combat", "quest", "idle", "build")


class DatasetError(DialogueError):
    """A training file is missing, empty, or has a bad line (the message names file and line)."""


@dataclass(frozen=True)
class Exchange:
    id: str
    setting: str
    mode: str
    persona: dict[str, Any]       # name, role, traits, speech_style, description, relationships
    world: dict[str, str]         # location, time
    facts: tuple[str, ...]        # fact sentences the prompt gives the model (may be empty)
    asks_free: bool
    recent: tuple[tuple[str, str], ...]
    player: str
    npc: str

    def messages(self) -> list[dict[str, str]]:
        """The chat messages the engine would send for this turn (cache mark removed)."""
        from gameai.dialogue.grounding import GroundedFact, Grounding
        from gameai.dialogue.persona import Persona
        from gameai.dialogue.prompt import build_prompt, strip_mark
        from gameai.dialogue.world import World

        p = self.persona
        persona = Persona(id=self.id, name=p["name"], role=p["role"], setting=self.setting,
                          traits=tuple(p.get("traits", ())), speech_style=p.get("speech_style", ""),
                          description=p.get("description", ""),
                          relationships=tuple((w, r) for w, r in p.get("relationships", ())))
        world = World(location=self.world["location"], time=self.world["time"])
        grounding = Grounding([GroundedFact(f"fact:{i}", s, "fact") for i, s in enumerate(self.facts)],
                              "fact" if self.facts else None, self.asks_free)
        prompt = build_prompt(persona, world, grounding, [], list(self.recent), self.player)
        return strip_mark(prompt.messages)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "setting": self.setting, "mode": self.mode, "persona": self.persona,
                             "world": self.world}
        if self.facts:
            d["facts"] = list(self.facts)
        if self.asks_free:
            d["asks_free"] = True
        d["recent"] = [list(t) for t in self.recent]
        d["player"], d["npc"] = self.player, self.npc
        return d


def _text(obj: dict, key: str, where: str, optional: bool = False) -> str:
    if key not in obj:
        if optional:
            return ""
        raise ValueError(f"missing field '{where}{key}'")
    v = obj[key]
    if not isinstance(v, str) or (not optional and not v.strip()):
        raise ValueError(f"field '{where}{key}' must be a non-empty string, got {v!r}")
    return v


def _str_list(obj: dict, key: str, where: str) -> list[str]:
    v = obj.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise ValueError(f"field '{where}{key}' must be a list of non-empty strings, got {v!r}")
    return v


def parse_record(obj: Any) -> Exchange:
    """One decoded JSON line -> Exchange; ValueError names the bad field."""
    if not isinstance(obj, dict):
        raise ValueError(f"must be a JSON object, got {type(obj).__name__}")
    persona = obj.get("persona")
    if not isinstance(persona, dict):
        raise ValueError("missing field 'persona' (an object with name, role, ...)")
    card: dict[str, Any] = {"name": _text(persona, "name", "persona."), "role": _text(persona, "role", "persona.")}
    for k in ("speech_style", "description"):
        if _text(persona, k, "persona.", optional=True):
            card[k] = persona[k]
    if persona.get("traits"):
        card["traits"] = _str_list(persona, "traits", "persona.")
    rels = persona.get("relationships", [])
    if not isinstance(rels, list) or not all(isinstance(r, list) and len(r) == 2 and all(isinstance(x, str) and x
                                                                                      for x in r) for r in rels):
        raise ValueError(f"field 'persona.relationships' must be a list of [who, relation] pairs, got {rels!r}")
    if rels:
        card["relationships"] = rels
    world = obj.get("world")
    if not isinstance(world, dict):
        raise ValueError("missing field 'world' (an object with location and time)")
    mode = _text(obj, "mode", "")
    if mode not in MODES:
        raise ValueError(f"field 'mode' = {mode!r}: expected one of {', '.join(MODES)}")
    recent = obj.get("recent", [])
    if not isinstance(recent, list) or not all(isinstance(t, list) and len(t) == 2 and all(
            isinstance(x, str) and x.strip() for x in t) for t in recent):
        raise ValueError("field 'recent' must be a list of [player line, NPC line] pairs")
    asks_free = obj.get("asks_free", False)
    if not isinstance(asks_free, bool):
        raise ValueError(f"field 'asks_free' must be true or false, got {asks_free!r}")
    return Exchange(id=_text(obj, "id", ""), setting=_text(obj, "setting", ""), mode=mode, persona=card,
                    world={"location": _text(world, "location", "world."), "time": _text(world, "time", "world.")},
                    facts=tuple(_str_list(obj, "facts", "")), asks_free=asks_free,
                    recent=tuple((p, n) for p, n in recent), player=_text(obj, "player", ""),
                    npc=_text(obj, "npc", ""))


def load_exchanges(path: str | Path = DEFAULT_TRAIN) -> list[Exchange]:
    """Read and check a training JSONL file. DatasetError names the file and line of the first problem."""
    p = Path(path)
    if not p.is_file():
        raise DatasetError(f"{p}: training file not found")
    out: list[Exchange] = []
    ids: dict[str, int] = {}
    with p.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{p}:{no}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            try:
                ex = parse_record(obj)
            except ValueError as exc:
                raise DatasetError(f"{p}:{no}: {exc}") from None
            if ex.id in ids:
                raise DatasetError(f"{p}:{no}: id {ex.id!r} repeats line {ids[ex.id]}")
            ids[ex.id] = no
            out.append(ex)
    if not out:
        raise DatasetError(f"{p}: the training file holds no exchanges (one JSON object per line expected)")
    return out


def write_exchanges(exchanges: list[Exchange], path: str | Path) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8") as fh:
        for ex in exchanges:
            fh.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
