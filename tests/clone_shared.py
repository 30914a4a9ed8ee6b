"""Recorded matches the recurrent-clone tests train on (one recording rule for both test files)."""
from __future__ import annotations

from pathlib import Path

from gameai.cli.main import main

SIZE = 16  # small maps keep recording and training quick


def record_kite(tmp_path_factory, matches: int) -> Path:
    """`matches` matches of kite@average (a tiered bot with a steering memory) against focus_fire."""
    d = tmp_path_factory.mktemp("replays")
    assert main(["imitate", "--record", "kite@average", "--opponent", "focus_fire", "--matches", str(matches),
                 "--out-dir", str(d), "--map-sizes", str(SIZE)]) == 0
    return d
