"""Playtest bots: run a battery of checks over designers' maps and report what is broken.

``run_playtest(paths, ruleset, PlaytestConfig(...))`` returns ``Finding``s and, with an output
folder, writes findings.json, report.html and a replay per finding (docs/designer-playtest.md).
"""
from gameai.playtest.findings import Finding, load_findings, new_findings  # noqa: F401
from gameai.playtest.runner import PlaytestConfig, run_playtest  # noqa: F401
