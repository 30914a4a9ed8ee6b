"""Engine configuration: which backend, sampling, memory file, limits. Plain dataclass."""
from __future__ import annotations

from dataclasses import dataclass, field

from gameai.dialogue.backends.base import Sampling
from gameai.dialogue.guards import MAX_INPUT_CHARS, MAX_OUTPUT_CHARS
from gameai.dialogue.retrieval import RetrievalWeights


@dataclass(frozen=True)
class EngineConfig:
    backend: str = "smollm2"            # smollm2 | llama_cpp | openai | hf | authored
    model: str | None = None            # GGUF path (llama_cpp), folder (hf), model name (openai)
    # The NPC voice LoRA (smollm2 / llama_cpp / hf): "default" = the shipped adapter on the embedded
    # model, "none" = the raw model, or a folder written by `gameai dialogue-train`.
    adapter: str = "default"
    base_url: str | None = None         # openai: e.g. http://127.0.0.1:8080/v1
    api_key: str | None = None
    memory_path: str = ":memory:"       # SQLite file; ':memory:' forgets on exit
    sampling: Sampling = field(default_factory=Sampling)
    fact_temperature: float = 0.3       # sampling temperature when the reply must state a fact
    # Grammar-constrained JSON {"line", "emotion"} where the backend supports it (llama_cpp). Off by
    # default: with SmolLM2-135M it lowers grounding accuracy (measured by `gameai dialogue-eval`).
    structured: bool = False
    # llama_cpp: when a reply must state a fact value, a grammar makes the model say it. Off by
    # default: it spliced values into broken sentences ("but I 65 gold"); a fact answer the model
    # gets wrong is now the exact fact clause with the model's own words beside it (npc._recover).
    grounded_grammar: bool = False
    seed: int = 0
    # Conversations decoded together (llama.cpp backends: one batch, one sequence each; openai: that
    # many requests in flight to the server's slots). 1: one line at a time. See backends/llama_batch.py.
    parallel: int = 1
    max_input_chars: int = MAX_INPUT_CHARS
    max_output_chars: int = MAX_OUTPUT_CHARS
    max_sentences: int = 2
    # When the model's line fails a check (an invented name, a missing value, a repeat), draw it
    # again this many times with other seeds before saying the exact fact clause or an authored line.
    redraws: int = 3
    memory_k: int = 4
    memory_budget_chars: int = 480
    max_active_memories: int = 48       # compaction threshold per NPC-player pair
    retrieval: RetrievalWeights = field(default_factory=RetrievalWeights)
