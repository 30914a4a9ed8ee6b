"""Shared, load-once pieces for the dialogue tests: models load once per test session."""
from __future__ import annotations

from functools import lru_cache

from gameai.dialogue import DialogueEngine, EngineConfig, MemoryStore, load_cast


@lru_cache(maxsize=1)
def cast():
    return {p.id: p for p in load_cast()}


@lru_cache(maxsize=1)
def embedder():
    from gameai.dialogue.embeddings import default_embedder
    return default_embedder()


@lru_cache(maxsize=1)
def smollm2():
    from gameai.dialogue.backends.transformers_backend import TransformersBackend
    return TransformersBackend()


@lru_cache(maxsize=1)
def llama():
    from gameai.dialogue.backends.llama_cpp_backend import LlamaCppBackend
    return LlamaCppBackend()


def authored():
    from gameai.dialogue.backends.authored import AuthoredBackend
    return AuthoredBackend()


def engine(backend, memory: str = ":memory:", **cfg) -> DialogueEngine:
    """An engine on a shared backend and embedder, with its own memory store."""
    eng = DialogueEngine(EngineConfig(memory_path=memory, **cfg), backend=backend, embedder=embedder(),
                         store=MemoryStore(memory))
    for p in cast().values():
        eng.npc(p)
    return eng


def strong_random_adapter(out):
    """Write a random LoRA (rank 4, strong enough to move the logits far) in both forms into `out`;
    returns the tokenizer. Two implementations agreeing on it rules out layout mistakes."""
    import torch
    from peft import LoraConfig, get_peft_model

    from gameai.dialogue.adapter import save_adapter
    from gameai.dialogue.training.train import TARGET_MODULES, load_base

    model, tok = load_base(1)
    torch.manual_seed(0)
    pm = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=list(TARGET_MODULES),
                                          init_lora_weights=False, task_type="CAUSAL_LM"))
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_" in n:
                p.mul_(0.5)
    save_adapter(pm, out, {"steps": 0})
    return tok
