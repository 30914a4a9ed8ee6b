"""Playtest bots: run a battery of checks over designers' maps and report what is broken.

``run_playtest(paths, ruleset, PlaytestConfig(...))`` returns ``Finding``s and, with an output
folder, writes findings.json, report.html and a replay per finding (docs/designer-playtest.md).
The names below load on first use, so ``gameai --help`` does not pay for scipy and the bots.
"""
from __future__ import annotations

import importlib

_LAZY = {"Finding": "findings", "load_findings": "findings", "new_findings": "findings",
         "PlaytestConfig": "runner", "run_playtest": "runner"}
__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"gameai.playtest.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'gameai.playtest' has no attribute {name!r}")
