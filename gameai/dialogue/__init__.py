"""NPC dialogue engine: persona, memory and world-grounded lines from a local LLM, with guardrails.

    from gameai.dialogue import DialogueEngine, EngineConfig, load_persona
    engine = DialogueEngine(EngineConfig(backend="smollm2", memory_path="npc.db"))
    mara = engine.npc(load_persona("mara.toml"))
    reply = mara.respond("player1", "How much is the iron sword?", world={"location": "Oakvale"})

Importing this package is light; the model loads when the engine is built. Never imports envs/agents.
"""
from gameai.dialogue.backends.base import Backend, Sampling
from gameai.dialogue.config import EngineConfig
from gameai.dialogue.engine import DialogueEngine
from gameai.dialogue.errors import (BackendError, DialogueError, DialogueWarning, MessageError, ModelMissingError,
                                    PersonaError, PlayerNotFoundError, WorldError)
from gameai.dialogue.memory import MemoryStore
from gameai.dialogue.npc import NPC, ReplyStream
from gameai.dialogue.persona import Persona, cast_dir, load_cast, load_persona
from gameai.dialogue.reply import EMOTIONS, INTENTS, Intent, Reply
from gameai.dialogue.retrieval import RetrievalWeights
from gameai.dialogue.world import World

__all__ = [
    "Backend", "BackendError", "DialogueEngine", "DialogueError", "DialogueWarning", "EMOTIONS", "EngineConfig",
    "INTENTS", "Intent", "MemoryStore", "MessageError", "ModelMissingError", "NPC", "Persona", "PersonaError",
    "PlayerNotFoundError",
    "Reply", "ReplyStream", "RetrievalWeights", "Sampling", "World", "WorldError", "cast_dir", "load_cast",
    "load_persona",
]
