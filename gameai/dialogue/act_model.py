"""A learned speech-act classifier: softmax regression over MiniLM embeddings and word cues.

The router used to decide a line's kind of talk by hand-written word cues, checked first, and
the nearest of ~100 example sentences. Cues tuned on one set of lines misfire on others ("where'd
you learn smithing?" is not a request to be taught). Here the cues are features next to the
line's embedding, and a linear model learns from a labelled set of player lines
(data/router/acts_train.jsonl, written for this file, apart from the conversation benchmark)
how far to trust each. The model is fitted when an engine starts (L-BFGS from zeros: the same
lines and embedder give the same weights in any process; about a second, on the embeddings the
disk cache keeps), so it follows whatever embedder the engine was given.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from gameai.dialogue.errors import DialogueError
from gameai.dialogue.softmax_regression import SoftmaxRegression

TRAIN_LINES = Path(__file__).parent / "data" / "router" / "acts_train.jsonl"
# The acts the router acts on, then the two labels that carry no act of their own: a question for
# one datum (routed by the persona's data) and everything else said to an NPC.
ROUTER_ACTS = ("greeting", "farewell", "thanks", "teaching", "help", "work", "rumor", "shop", "people", "place",
               "memory")
NO_ACT = ("ask_specific", "chat")
LABELS = ROUTER_ACTS + NO_ACT
# L2 penalty on the weights (chosen by 5-fold cross-validation on the labelled lines: 0.03-0.3 give
# 85.5-85.7% of held-out lines the right act, 1.0 gives 83.0%, 3.0 gives 77.9%).
L2 = 0.1


class ActDataError(DialogueError):
    """The labelled lines cannot be read (the message names the file and line)."""


def load_act_lines(path: str | Path = TRAIN_LINES) -> list[tuple[str, str]]:
    """(line, act) pairs of a JSONL file of {"say": ..., "act": ...}; a bad line is named."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ActDataError(f"{path}: cannot read the labelled act lines ({exc})") from None
    out = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ActDataError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("say"), str) or not row["say"].strip():
            raise ActDataError(f"{path}:{n}: expected {{\"say\": \"...\", \"act\": \"...\"}}")
        if row.get("act") not in LABELS:
            raise ActDataError(f"{path}:{n}: unknown act {row.get('act')!r} (one of {', '.join(LABELS)})")
        out.append((row["say"].strip(), row["act"]))
    if not out:
        raise ActDataError(f"{path}: no labelled lines")
    missing = sorted(set(LABELS) - {a for _, a in out})
    if missing:
        raise ActDataError(f"{path}: no line for {', '.join(missing)}")
    return out


# The fitted model for the packaged embedder ships beside its lines: fitting needs every labelled
# line embedded, about 25 s on one core the first time, which would land on a player's first turn.
SHIPPED = Path(__file__).parent / "data" / "router" / "act_model.npz"
EMBEDDER_NAME = "all-MiniLM-L6-v2"


def fit_key(pairs: list[tuple[str, str]], features: str) -> str:
    """Names what a fit depends on: the labelled lines, the features' definition, the labels, the
    penalty and the embedder. A shipped model with another key is stale and is not used."""
    import hashlib

    h = hashlib.sha256()
    for part in (EMBEDDER_NAME, features, repr(LABELS), repr(L2), *(f"{s}\t{a}" for s, a in pairs)):
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def load_shipped(key: str, path: str | Path = SHIPPED) -> SoftmaxRegression | None:
    """The shipped model when it was fitted on exactly this key, else None (missing, unreadable,
    or stale: the caller fits instead)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            if str(f["key"]) != key:
                return None
            w, b = f["weights"].astype(np.float32), f["bias"].astype(np.float32)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if w.ndim != 2 or b.shape != (len(LABELS),) or w.shape[1] != len(LABELS) or not np.isfinite(w).all():
        return None
    return SoftmaxRegression(w, b)


def save(model: SoftmaxRegression, key: str, path: str | Path = SHIPPED) -> None:
    with open(path, "wb") as f:
        np.savez(f, weights=model.weights, bias=model.bias, key=np.array(key))

