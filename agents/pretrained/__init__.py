"""Learned bots shipped inside the package: name -> model file in this folder.

How each was trained (the exact command) is in docs/designer-bots.md; ``gameai train`` writes a
``.json`` report next to each model with its settings, league ratings and held-out evaluation.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

#: name -> (file in this package, what it is)
LEARNED_BOTS: dict[str, tuple[str, str]] = {
    "ppo": ("ppo_default.zip", "self-play MaskablePPO for the default ruleset, trained on generated skirmish maps"),
    "ppo_general": ("ppo_general.zip", "ruleset-general self-play MaskablePPO (observation layout 2): trained on "
                                       "rulesets drawn around the default (stats x0.5-x2) and random armies"),
}


def is_model_file(name: str) -> bool:
    """A bot named by its model file (``gameai train --out X.zip``) rather than a shipped name."""
    return str(name).endswith(".zip")


def is_learned(name: str) -> bool:
    """A learned bot: a shipped one or a model file."""
    return name in LEARNED_BOTS or is_model_file(name)


def model_path(name: str) -> Path:
    """The shipped model file of a learned bot."""
    if name not in LEARNED_BOTS:
        raise ValueError(f"unknown learned bot {name!r}; available: {', '.join(LEARNED_BOTS)}")
    path = Path(str(resources.files(__name__) / LEARNED_BOTS[name][0]))
    if not path.is_file():
        raise FileNotFoundError(f"the shipped model for {name!r} is missing ({path}); reinstall gameai "
                                "or train one with `gameai train` (see docs/designer-bots.md)")
    return path
