"""Other everyday words for a landmark's kind of place (data/place_words.toml): players say "the
lake" for Sallow Mere and "the grain store" for Shadd's granary, and neither MiniLM nor a keyword
rule joins the two."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from gameai.dialogue.guards import words

_PATH = Path(__file__).parent / "data" / "place_words.toml"


@lru_cache(maxsize=1)
def _groups() -> tuple[tuple[str, ...], ...]:
    raw = tomllib.loads(_PATH.read_text(encoding="utf-8"))
    return tuple(tuple(w.lower() for w in g) for g in raw["groups"])


def place_aliases(name: str, kind: str = "") -> tuple[str, ...]:
    """The other words for the kinds of place a landmark's name or id (`kind`) says it is, in the
    order of the file; none for a place of no listed kind."""
    said = " " + " ".join(words(f"{name} {kind}")) + " "
    out: list[str] = []
    for group in _groups():
        if any(f" {' '.join(words(w))} " in said for w in group):
            out += [w for w in group if f" {' '.join(words(w))} " not in said and w not in out]
    return tuple(out)
