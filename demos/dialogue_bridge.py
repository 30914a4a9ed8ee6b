"""Inside the NPC process: the dialogue engine built from the demo's generated personas.

Kept apart from `llm_worker` (which only moves messages) so the engine wiring reads on its
own: choose the backend, build one NPC per villager persona, stream a turn, keep the reply.
"""
from __future__ import annotations

from typing import Any, Iterator


def choose_backend(name: str) -> str:
    """'auto' picks llama.cpp when it is installed (fastest on CPU), else the transformers SmolLM2."""
    if name != "auto":
        return name
    import importlib.util

    return "llama_cpp" if importlib.util.find_spec("llama_cpp") is not None else "smollm2"


class DialogueBridge:
    def __init__(self, spec):
        from gameai.dialogue import DialogueEngine, EngineConfig
        from gameai.dialogue.persona import persona_from_dict

        self.backend_name = choose_backend(spec.backend)
        self.player_id = spec.player_id
        self.engine = DialogueEngine(EngineConfig(backend=self.backend_name, memory_path=spec.memory_path))
        self.npcs = {p["id"]: self.engine.npc(persona_from_dict(p, source=f"demo villager {p['id']}"))
                     for p in spec.personas}
        self._last: dict[str, dict[str, Any]] = {}

    def describe(self) -> dict[str, Any]:
        return {"backend": getattr(self.engine.backend, "name", self.backend_name), "npcs": len(self.npcs),
                "warning": self.engine.warning}

    def stream(self, npc_id: str, text: str, world: dict[str, Any] | None) -> Iterator[str]:
        npc = self.npcs[npc_id]
        s = npc.stream(self.player_id, text, world)
        for piece in s:
            yield piece
        self._last[npc_id] = s.reply.to_dict() if s.reply is not None else {"text": ""}

    def last_reply(self, npc_id: str) -> dict[str, Any]:
        return self._last.pop(npc_id, {"text": ""})

    def squad_line(self, facts: dict[str, Any]) -> str:
        """The sergeant's line about a judged order, through this same engine (no second model)."""
        from gameai.squad.voice import speak_reason

        return speak_reason(self.engine, facts).text

    def memories(self, npc_id: str) -> list[str]:
        return self.npcs[npc_id].memories(self.player_id)

    def close(self) -> None:
        self.engine.close()
