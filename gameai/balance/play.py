"""Playing one work unit: the function every runner (process pool, Ray) executes in a worker.

It takes the configuration's ruleset from the unit (validated once, when the design was
built), turns the matchup into concrete armies (equal-cost single-unit armies depend on the
configuration's costs), runs all the unit's seeds in one
batched `agents.arena.run_matches` call, and returns store rows. It is a pure function of
the unit: the same unit gives the same rows in any process.
"""
from __future__ import annotations

import time
from types import SimpleNamespace

from gameai.balance.plan import MatchTask, WorkUnit, engine_fingerprint
from gameai.balance.rows import MatchRow
from gameai.balance.spec import Army


class EngineMismatch(RuntimeError):
    """A worker runs different simulator or bot code than the coordinator."""


def warm_up() -> None:
    """Import the simulator and load its compiled (numba) kernels in this process, once.

    Runners call it before work arrives: forked pool workers then inherit the kernels, and
    each Ray actor loads them while Ray is still starting, instead of inside its first unit
    (about a second per process).
    """
    from agents.arena import run_matches
    from envs.ruleset import default_ruleset

    rules = default_ruleset()
    unit = rules.unit_names[0]
    run_matches(rules, {unit: 1}, {unit: 1}, [0], max_steps=2)
    engine_fingerprint()   # of the code now loaded, which this process's matches will run


def army_units(ruleset, army: Army, budget: float | None) -> dict[str, int]:
    """The concrete composition of an army under a ruleset."""
    if army.equal_cost_unit is not None:
        from envs.ruleset import equal_cost_army

        return dict(equal_cost_army(ruleset, army.equal_cost_unit, budget))
    return dict(army.units)


def _team(d, side: str):
    return d.get(side) if isinstance(d, dict) else None


def _file_map(mf):
    """A designer's map as run_matches takes it: its grid, and its spawns when both teams have one."""
    import numpy as np

    from pcg.gamemap import Spawn

    return SimpleNamespace(tiles=np.array(mf.tiles, dtype=np.int16), spawns=[Spawn(*sp) for sp in mf.spawns])


def play_unit(unit: WorkUnit) -> list[MatchRow]:
    """Play every match of the unit; rows come back without run_id (the coordinator stamps it)."""
    from agents.arena import run_matches
    from agents.map_seeds import skirmish_tiles

    if unit.engine_fp != engine_fingerprint(unit.with_weights):
        # A Ray worker (or a cluster node) runs other simulator or bot code than the
        # coordinator planned with: its results would not be the planned matches.
        raise EngineMismatch(
            "the simulator or bot code in this worker differs from the code the sweep was planned with "
            "(it changed during the sweep, or a cluster node has another gameai version); "
            "make every node run the same gameai and rerun the command: stored matches are kept")
    first: MatchTask = unit.tasks[0]
    ruleset = unit.ruleset
    a_units = army_units(ruleset, first.matchup.a, unit.budget)
    b_units = army_units(ruleset, first.matchup.b, unit.budget)
    a_side = first.a_side
    b_side = "red" if a_side == "blue" else "blue"
    blue, red = (a_units, b_units) if a_side == "blue" else (b_units, a_units)
    terrain = None
    if unit.map_kind == "skirmish":
        map_of_seed = {t.seed: t.map_seed for t in unit.tasks}
        size = unit.map_size
        terrain = lambda seed: skirmish_tiles(map_of_seed[seed], size)  # noqa: E731 (closes over this unit only)
    elif unit.map_kind == "file":
        maps = {t.seed: _file_map(unit.map_files[t.map_seed]) for t in unit.tasks}
        terrain = maps.__getitem__
    results = run_matches(
        ruleset, blue, red, [t.seed for t in unit.tasks],
        blue_bot=first.bot, red_bot=first.bot, blue_tier=first.tier, red_tier=first.tier,
        terrain=terrain, max_steps=unit.max_steps,
    )
    if len(results) != len(unit.tasks):
        raise RuntimeError(f"run_matches returned {len(results)} results for {len(unit.tasks)} seeds")
    now = time.time()
    rows = []
    for t, r in zip(unit.tasks, results):
        if r.seed != t.seed:
            raise RuntimeError(f"run_matches returned seed {r.seed} where {t.seed} was expected")
        winner = "draw" if r.winner == "draw" else ("a" if r.winner == a_side else "b")
        rows.append(MatchRow(
            key=t.key, phase=t.phase, config_id=t.config.id, params=t.config.as_dict(),
            matchup=t.matchup.name, army_a=t.matchup.a.name, army_b=t.matchup.b.name,
            bot=t.bot, tier=t.tier, rep=t.rep, a_side=a_side, seed=t.seed,
            map_seed=t.map_seed, winner=winner, steps=int(r.steps),
            a_units=a_units, b_units=b_units,
            a_survivors=_num(_team(r.survivors, a_side)), b_survivors=_num(_team(r.survivors, b_side)),
            a_hp_left=_num(_team(r.hp_left, a_side)), b_hp_left=_num(_team(r.hp_left, b_side)),
            a_damage=_num(_team(r.damage, a_side)), b_damage=_num(_team(r.damage, b_side)),
            a_kills=_num(_team(r.kills, a_side)), b_kills=_num(_team(r.kills, b_side)),
            unit_stats={"a": _plain(_team(r.unit_stats, a_side)), "b": _plain(_team(r.unit_stats, b_side))},
            run_id=0, created=now,
        ))
    return rows


def _num(v):
    if v is None:
        return None
    f = float(v)
    return int(f) if f.is_integer() else f


def _plain(v):
    """numpy scalars and arrays -> JSON-able Python values."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "tolist"):
        return v.tolist()
    return v
