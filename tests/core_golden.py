"""Golden digests of the batched core: a fixed set of matches hashed step by step.

Each scenario plays seeded actions through ``core.step_inplace`` and
``core.observe`` and hashes every state array, every event array, the observations and the
action masks after every step. Any change to what the kernels compute, down to the last bit of
a float, changes the digest. ``tests/test_core_golden.py`` checks the digests stored in
``tests/data/core_golden.json``; a change to the rules or the observation layout that is meant
must re-record them:

    PYTHONPATH=$PWD .venv/bin/python tests/core_golden.py            # compare with the stored digests
    PYTHONPATH=$PWD .venv/bin/python tests/core_golden.py --write    # re-record them

To find the first step where two checkouts part, run each with ``--steps-out FILE`` and compare.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from envs import core
from envs.ruleset import apply_overrides, default_ruleset

GOLDEN = Path(__file__).parent / "data" / "core_golden.json"


def _pcg_terrain(seed: int):
    from pcg import skirmish_map

    return skirmish_map(seed, size=24 if seed % 2 else 32)  # mixed sizes: padded terrain in one batch


#: Each scenario: ruleset overrides, k, how each team picks actions, seeds, terrain, steps at most.
#: "march": prefer attacks and heals, else walk towards the enemy, with some random valid moves;
#: "wander": random valid actions; "any": any action code at all, valid or not (invalid = hold).
#: The action picking is local to this file (numpy only) so that a change to the bots in agents/
#: does not change the digests.
SCENARIOS: dict[str, dict[str, Any]] = {
    "arena_march": dict(overrides={}, k=4, play=("march", "march"), seeds=[0, 1, 2, 3, 4, 5], terrain=None,
                        steps=300),
    "arena_k3_units_left": dict(
        overrides={"match.at_step_limit": "most_units_left", "match.min_damage_fraction": 0.5,
                   "units.healer.heal": 30.0, "units.archer.range": 2.9, "units.knight.speed": 1.0},
        k=3, play=("march", "wander"), seeds=[7, 8, 9, 10], terrain=None, steps=300),
    "pcg_maps_hp_left": dict(overrides={"match.at_step_limit": "most_hp_left", "match.max_steps": 120}, k=4,
                             play=("march", "march"), seeds=[11, 12, 13, 14], terrain=_pcg_terrain, steps=200),
    "pcg_maps_draw_k5": dict(overrides={"match.at_step_limit": "draw", "match.max_steps": 90}, k=5,
                             play=("wander", "march"), seeds=[21, 22, 23], terrain=_pcg_terrain, steps=200),
    "arena_any_actions": dict(overrides={"match.max_steps": 150}, k=4, play=("any", "march"), seeds=[31, 32, 33],
                              terrain=None, steps=200),
}


def _pick(how: str, team: int, mask: np.ndarray, rng: np.random.Generator, n_actions: int) -> np.ndarray:
    """(B, U) actions for one team from its (B, U, A) masks."""
    if how == "any":
        return rng.integers(-1, n_actions + 1, size=mask.shape[:2])
    score = rng.random(mask.shape)
    if how == "march":
        score[..., core.ATTACK0:] += 2.0
        score[..., core.MOVE0 + (2 if team == core.BLUE else 6)] += 1.2  # east for blue, west for red
    return np.where(mask > 0, score, -1.0).argmax(-1)


def _update(h, obj) -> None:
    for f in fields(obj):
        a = np.ascontiguousarray(getattr(obj, f.name))
        h.update(f"{f.name}{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())


def play(name: str) -> list[str]:
    """The running digest after each step of scenario ``name``."""
    sc = SCENARIOS[name]
    r = apply_overrides(default_ruleset(), sc["overrides"])
    params = core.compile_params(r, k=sc["k"])
    spec = core.observation_spec(params)
    state = core.reset(params, r.teams["blue"], r.teams["red"], sc["seeds"], sc["terrain"])
    n_blue = int((state.team[0] == core.BLUE).sum())
    views = (slice(0, n_blue), slice(n_blue, state.n_units))
    rng = np.random.default_rng(sum(sc["seeds"]))
    h = hashlib.sha256()
    digests = []
    actions = np.zeros(state.hp.shape, dtype=np.int64)
    for _ in range(sc["steps"]):
        obs, mask = core.observe(params, state, spec)
        h.update(obs.tobytes())
        h.update(mask.tobytes())
        if state.done.all():
            break
        for team, (how, view) in enumerate(zip(sc["play"], views)):
            actions[:, view] = _pick(how, team, mask[:, view], rng, spec.n_actions)
        h.update(actions.tobytes())
        ev = core.step_inplace(params, state, actions)
        _update(h, state)
        _update(h, ev)
        digests.append(h.hexdigest())
    return digests


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write", action="store_true", help="re-record tests/data/core_golden.json")
    ap.add_argument("--steps-out", type=Path, help="also write every step's digest here (for comparing two trees)")
    args = ap.parse_args(argv)
    got = {name: play(name) for name in SCENARIOS}
    if args.steps_out:
        args.steps_out.write_text(json.dumps(got, indent=1))
    summary = {name: {"steps": len(d), "digest": d[-1]} for name, d in got.items()}
    if args.write:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(summary, indent=1) + "\n")
        print(f"wrote {GOLDEN}")
        return 0
    want = json.loads(GOLDEN.read_text())
    bad = [n for n in SCENARIOS if summary[n] != want.get(n)]
    for n in SCENARIOS:
        print(f"{n:<32}{summary[n]['steps']:>5} steps  {'same' if n not in bad else 'DIFFERS'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
