"""Golden digests of the batched core: a fixed set of matches hashed step by step.

Each scenario plays bots (or random actions, valid or not) through ``core.step_inplace`` and
``core.observe`` and hashes every state array, every event array, the observations and the
action masks after every step. Any change to what the kernels compute, down to the last bit of
a float, changes the digest. ``tests/test_core_golden.py`` checks the digests stored in
``tests/data/core_golden.json``; a change to the rules or the observation layout that is meant
must re-record them:

    PYTHONPATH=$PWD .venv/bin/python tests/core_golden.py --write   # re-record
    PYTHONPATH=$PWD .venv/bin/python tests/core_golden.py           # compare, name the first step that differs
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable

import numpy as np

from envs import core
from envs.ruleset import apply_overrides, default_ruleset

GOLDEN = Path(__file__).parent / "data" / "core_golden.json"


def _pcg_terrain(seed: int):
    from pcg import skirmish_map

    return skirmish_map(seed, size=24 if seed % 2 else 32)  # mixed sizes: padded terrain in one batch


#: name -> (ruleset overrides, compile kwargs, blue bot, red bot, tiers, seeds, terrain, steps)
SCENARIOS: dict[str, dict[str, Any]] = {
    "arena_focus_vs_kite": dict(overrides={}, k=4, bots=("focus_fire", "kite"), tiers=("expert", "expert"),
                                seeds=[0, 1, 2, 3, 4, 5], terrain=None, steps=300),
    "arena_novice_k3_units_left": dict(
        overrides={"match.at_step_limit": "most_units_left", "match.min_damage_fraction": 0.5,
                   "units.healer.heal": 30.0, "units.archer.range": 2.9, "units.knight.speed": 1.0},
        k=3, bots=("kite", "focus_fire"), tiers=("novice", "average"), seeds=[7, 8, 9, 10], terrain=None,
        steps=300),
    "pcg_maps_hp_left": dict(overrides={"match.at_step_limit": "most_hp_left", "match.max_steps": 120},
                             k=4, bots=("focus_fire", "kite"), tiers=("expert", "novice"), seeds=[11, 12, 13, 14],
                             terrain=_pcg_terrain, steps=200),
    "pcg_maps_retreat_draw": dict(overrides={"match.at_step_limit": "draw", "match.max_steps": 90}, k=5,
                                  bots=("retreat", "focus_fire"), tiers=("average", "expert"), seeds=[21, 22, 23],
                                  terrain=_pcg_terrain, steps=200),
    "arena_any_actions": dict(overrides={"match.max_steps": 150}, k=4, bots=("any", "any"),
                              tiers=("expert", "expert"), seeds=[31, 32, 33], terrain=None, steps=200),
}


def _update(h, obj) -> None:
    for f in fields(obj):
        a = np.ascontiguousarray(getattr(obj, f.name))
        h.update(f"{f.name}{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())


def play(name: str) -> list[str]:
    """The running digest after each step of scenario ``name``."""
    from agents import make_policy

    sc = SCENARIOS[name]
    r = apply_overrides(default_ruleset(), sc["overrides"])
    params = core.compile_params(r, k=sc["k"])
    spec = core.observation_spec(params)
    state = core.reset(params, r.teams["blue"], r.teams["red"], sc["seeds"], sc["terrain"])
    n_blue = int((state.team[0] == core.BLUE).sum())
    view = (slice(0, n_blue), slice(n_blue, state.n_units))
    rng = np.random.default_rng(sum(sc["seeds"]))
    pols = [None if bot == "any" else make_policy(bot, tier) for bot, tier in zip(sc["bots"], sc["tiers"])]
    for ti, pol in enumerate(pols):
        if pol is not None:
            pol.reset(spec, ti, sc["seeds"])
    h = hashlib.sha256()
    digests = []
    actions = np.zeros(state.hp.shape, dtype=np.int64)
    for _ in range(sc["steps"]):
        obs, mask = core.observe(params, state, spec)
        h.update(obs.tobytes())
        h.update(mask.tobytes())
        if state.done.all():
            break
        for ti, pol in enumerate(pols):
            if pol is None:  # any action at all: invalid ones must act as hold
                actions[:, view[ti]] = rng.integers(-1, spec.n_actions + 1, size=(state.n_envs, view[ti].stop -
                                                                                   view[ti].start))
            else:
                actions[:, view[ti]] = pol.act(obs[:, view[ti]], mask[:, view[ti]])
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
    runs: Callable[[], dict[str, list[str]]] = lambda: {name: play(name) for name in SCENARIOS}  # noqa: E731
    got = runs()
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
