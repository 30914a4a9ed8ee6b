"""A scripted-only evaluation must not load the RL stack (stable-baselines3, torch)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CODE = """
import json, sys
from agents.rl_eval import win_rate_matrix
from envs.ruleset import default_ruleset
result = win_rate_matrix(default_ruleset(), ["focus_fire", "kite@novice"], 2, 16)
print(json.dumps({"matches": result["matrix"]["focus_fire"]["kite@novice"]["matches"],
                  "heavy": sorted(m for m in ("stable_baselines3", "sb3_contrib", "torch") if m in sys.modules)}))
"""


def test_scripted_eval_plays_on_held_out_maps_without_the_rl_stack():
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["matches"] == 4  # 2 held-out seeds x 2 sides
    assert result["heavy"] == [], f"scripted evaluation imported {result['heavy']}"


def test_held_out_seeds_are_never_training_seeds():
    from agents.map_seeds import HELD_OUT_SEED0, held_out_seeds, terrain_for

    seeds = held_out_seeds(50, start=3)
    assert seeds[0] == HELD_OUT_SEED0 + 3 and len(set(seeds)) == 50
    assert terrain_for(0) is None and terrain_for(None) is None
    tiles = terrain_for(16)(seeds[0])
    assert tiles.shape == (16, 16)
    assert not tiles.flags.writeable  # the cached grid cannot be corrupted by a caller
