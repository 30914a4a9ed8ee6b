"""Tier files: a skill tier as TOML (written by ``gameai calibrate``, read wherever a tier is named).

A tier name that ends in ``.toml`` is read from that file, so a calibrated tier plays in
``gameai eval --bots kite@alice.toml``, in a sweep spec's ``tiers`` and in the demo::

    # written by gameai calibrate
    [tier]
    name = "alice"
    reaction_delay = 2      # steps of 0.5 s
    noise = 0.12            # chance of a random valid action per unit and step
    apm = 180.0             # order changes per minute; "unlimited" for no cap
    base_bot = "kite"       # optional: the strategy the player's play is closest to

    [measured]              # optional: what calibration measured (for people; not read back)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.tiers import SkillTier
from gameai_schema import Checker, DataError, Invalid, load_toml, number
from gameai_schema.checks import integer


class TierFileError(DataError):
    """A tier file that cannot be used."""


def _name(v: Any) -> str:
    if not isinstance(v, str) or not v.strip() or "@" in v or "," in v:
        raise Invalid("expected a tier name (text without '@' or ',')")
    return v.strip()


def _apm(v: Any) -> float | None:
    if v == "unlimited":
        return None
    return number(1.0, 100_000.0)(v)


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise Invalid("expected text")
    return v


TIER_FIELDS = {"name": _name, "reaction_delay": integer(0), "noise": number(0.0, 1.0), "apm": _apm,
               "base_bot": _text}
REQUIRED = ("name", "reaction_delay", "noise", "apm")


@dataclass(frozen=True)
class CalibratedTier:
    """A tier file's whole [tier] table: the skill limits and the strategy the player plays closest to."""

    tier: SkillTier
    base_bot: str | None


def parse_tier(data: dict, source: str) -> SkillTier:
    return parse_calibrated(data, source).tier


def parse_calibrated(data: dict, source: str) -> CalibratedTier:
    chk = Checker(source, TierFileError)
    for key in data:
        if key not in ("tier", "measured"):
            chk.fail(key, data[key], "unknown table; a tier file has [tier] (and optionally [measured])")
    if "tier" not in data:
        chk.fail("tier", None, "missing [tier] table (name, reaction_delay, noise, apm)", show_value=False)
    f = chk.fields(data["tier"], "tier", TIER_FIELDS, REQUIRED)
    if f["reaction_delay"] > 20:
        chk.fail("tier.reaction_delay", f["reaction_delay"], "expected at most 20 steps (10 s)")
    base_bot = f.get("base_bot")
    if base_bot is not None:
        from agents.scripted import BOTS

        if base_bot not in BOTS:
            chk.fail("tier.base_bot", base_bot, f"unknown scripted bot; bots are {', '.join(BOTS)}")
    return CalibratedTier(SkillTier(f["name"], f["reaction_delay"], f["noise"], f["apm"]), base_bot)


def load_tier_file(path: str | Path) -> SkillTier:
    return load_toml(path, parse_tier, TierFileError, "a tier file (write one with `gameai calibrate`)")


def load_calibrated_tier(path: str | Path) -> CalibratedTier:
    """The tier and its ``base_bot`` (None when the file names none), for who plays as the player."""
    return load_toml(path, parse_calibrated, TierFileError, "a tier file (write one with `gameai calibrate`)")


def write_tier_file(path: str | Path, tier: SkillTier, base_bot: str | None = None,
                    measured: dict | None = None) -> None:
    lines = ["# written by gameai calibrate: a skill tier fitted to a player's replays", "[tier]",
             f'name = "{tier.name}"', f"reaction_delay = {tier.reaction_delay}      # steps of 0.5 s",
             f"noise = {tier.noise}", "apm = " + ('"unlimited"' if tier.apm is None else f"{tier.apm}")]
    if base_bot:
        lines.append(f'base_bot = "{base_bot}"')
    if measured:
        lines += ["", "[measured]  # the player's style as measured (for people; not read back)"]
        for k, v in measured.items():
            lines.append(f"{k} = " + (f'"{v}"' if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else repr(v)))
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(p)
