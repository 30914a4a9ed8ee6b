"""Word lists for the guards (data/lexicons.toml), compiled once into whole-word regular expressions."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_PATH = Path(__file__).parent / "data" / "lexicons.toml"


def phrase_regex(phrases: list[str] | tuple[str, ...], possessive: bool = False) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any phrase as whole words (longest first); with
    possessive=True also "the game's"."""
    if not phrases:
        return None
    alts = sorted({re.escape(p.lower()) for p in phrases}, key=len, reverse=True)
    tail = r"(?:'s)?(?![\w'])" if possessive else r"(?![\w'])"
    return re.compile(r"(?<![\w'])(?:" + "|".join(alts) + r")" + tail, re.IGNORECASE)


@dataclass(frozen=True)
class Lexicon:
    out_of_world: re.Pattern[str] | None
    meta_talk: re.Pattern[str] | None
    assistant_speak: re.Pattern[str]
    insults: re.Pattern[str]
    grant: re.Pattern[str]
    injection: tuple[re.Pattern[str], ...]
    dictation: tuple[re.Pattern[str], ...]
    languages: dict[str, frozenset[str]]


@lru_cache(maxsize=1)
def _raw() -> dict:
    return tomllib.loads(_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=64)
def lexicon_for(setting: str, extra_out_of_world: tuple[str, ...] = ()) -> Lexicon:
    """The lexicon of a setting ('fantasy', ...) plus a persona's own out-of-world words."""
    raw = _raw()
    common = raw["common"]
    oow = list(raw.get("settings", {}).get(setting, {}).get("out_of_world", [])) + list(extra_out_of_world)
    flags = re.IGNORECASE
    return Lexicon(
        out_of_world=phrase_regex(oow),
        meta_talk=phrase_regex(common.get("meta_talk", []), possessive=True),
        assistant_speak=phrase_regex(common["assistant_speak"]),
        insults=phrase_regex(common["insults"]),
        grant=phrase_regex(common["grant"]),
        injection=tuple(re.compile(p, flags) for p in common["injection"]),
        dictation=tuple(re.compile(p, flags) for p in common["dictation"]),
        languages={k: frozenset(v) for k, v in raw["languages"].items()},
    )
