"""Generated place names: syllable chains with name patterns per kind of place.

Deterministic for a given numpy Generator; names are unique within one generator, so
NPCs can refer to "Ashford" or "Lake Merrow" without ambiguity.
"""
from __future__ import annotations

import numpy as np

_ONSETS = ["b", "br", "c", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "r", "s", "st",
           "t", "th", "v", "w", "wr", "y", "z", "ash", "el", "or", "al"]
_VOWELS = ["a", "e", "i", "o", "u", "ae", "ea", "ie", "ou", "y"]
_CODAS = ["", "", "n", "r", "l", "th", "s", "m", "rn", "ld", "ck", "nd"]
_SETTLEMENT_SUFFIXES = ["ford", "ton", "wick", "bury", "dale", "holm", "stead", "mere", "by", "haven",
                        "field", "moor", "gate", "well", "brook"]
_PATTERNS = {
    "settlement": ["{root}{suffix}", "{Root}", "{root}{suffix}"],
    "peak": ["Mount {Root}", "{Root} Peak", "The {Root} Horn"],
    "lake": ["Lake {Root}", "{Root} Water", "{Root} Mere"],
    "forest": ["{Root} Wood", "The {Root} Forest", "{Root}wood"],
    "bridge": ["{Root} Bridge", "Old {Root} Crossing"],
    "river": ["River {Root}", "The {Root}"],
    "resource": ["{Root} Quarry", "{Root} Mine", "{Root} Grove"],
}


class NameGenerator:
    """Makes unique names for places; `name(kind)` with kind in settlement, peak, lake, forest, bridge, river, resource."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _pick(self, options: list[str]) -> str:
        # integers() rather than choice(): choice turns the list into an array on every call.
        return options[int(self._rng.integers(len(options)))]

    def _root(self) -> str:
        n = int(self._rng.integers(1, 3))
        parts = [self._pick(_ONSETS) + self._pick(_VOWELS) for _ in range(n)]
        return "".join(parts) + self._pick(_CODAS)

    def name(self, kind: str) -> str:
        patterns = _PATTERNS[kind]
        for _ in range(100):
            root = self._root()
            pattern = self._pick(patterns)
            text = pattern.format(root=root.capitalize(), Root=root.capitalize(),
                                  suffix=self._pick(_SETTLEMENT_SUFFIXES))
            if text not in self._used:
                self._used.add(text)
                return text
        text = f"{patterns[0].format(root='Place', Root='Place', suffix='')} {len(self._used) + 1}"
        self._used.add(text)
        return text
