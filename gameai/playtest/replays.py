"""Replays for findings: a scripted walk or a bot match saved in `gameai replay`'s format.

A finding's replay is an ordinary replay file (agents/replay.py: ruleset, compositions, seed,
map with spawn points, every step's actions), so `gameai replay FILE` plays it and checks the
result. Scripted walks (a unit walking to where it gets stuck) are driven here step by step on
the core; the result stored in the file is the one the replay player gets, so the check passes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from agents.replay import FORMAT, VERSION, replay, save_replay
from envs import core
from envs.maps import MapError
from pcg.gamemap import GameMap

#: step -> (1, N) actions for the single environment, from the current state
Controller = Callable[[core.SkirmishState], np.ndarray]


def scripted_replay(params: core.CoreParams, gm: GameMap, blue: dict, red: dict, seed: int,
                    controller: Controller, steps: int, label: str) -> dict:
    """Play ``steps`` steps of ``controller`` on ``gm`` and return the replay data (result included)."""
    state = core.reset(params, blue, red, [seed], gm)
    actions: list[list[int]] = []
    for _ in range(steps):
        if state.done[0]:
            break
        a = np.asarray(controller(state), dtype=np.int64).reshape(1, -1)
        actions.append(a[0].tolist())
        core.step_inplace(params, state, a)
    return replay_data(params, gm, blue, red, seed, actions, label, finished=bool(state.done[0]))


def replay_data(params: core.CoreParams, gm: GameMap, blue: dict, red: dict, seed: int, actions: list,
                label: str, finished: bool = False) -> dict:
    """Replay data for actions already played from ``core.reset(params, blue, red, [seed], gm)``."""
    data = {
        "format": FORMAT, "version": VERSION, "seed": int(seed),
        "ruleset": params.ruleset.to_dict(), "blue": dict(blue), "red": dict(red),
        # the match ends when the script does: the step limit is the script's length
        "max_steps": len(actions) if not finished else params.max_steps,
        "terrain": np.asarray(gm.tiles).astype(int).tolist(),
        "spawns": [[int(s.team), int(s.x), int(s.y)] for s in gm.spawns],
        "bots": {"blue": label, "red": label},
        "actions": actions,
    }
    data["result"] = replay(data, source=label).to_dict()
    return data


def write(out_dir: Path, name: str, data: dict) -> str:
    """Save under out_dir/replays/; returns the path relative to out_dir."""
    folder = out_dir / "replays"
    folder.mkdir(parents=True, exist_ok=True)
    save_replay(folder / name, data)
    return f"replays/{name}"


def march(view, cfg, blue: dict, red: dict, targets: dict[int, tuple[int, int]], fname: str,
          label: str, extra_steps: int = 12) -> str | None:
    """A replay where every unit of team t walks as close as it can get to ``targets[t]`` (others hold).

    Each unit follows its type's quickest-walk field to the reachable cell nearest the target,
    then keeps pushing toward the target, so the replay ends showing where it is stuck.
    """
    if cfg.out_dir is None:
        return None
    from envs.core import unit_roster

    team, utype = unit_roster(view.params.ruleset, blue, red)
    fields, goals, longest = {}, {}, 0.0
    for ti, tgt in targets.items():
        for u in set(utype[team == ti].tolist()):
            r = view.reach(u, ti)
            ys, xs = np.nonzero(r)
            i = int(np.argmin((xs - tgt[0]) ** 2 + (ys - tgt[1]) ** 2))
            f = view.walk_time(u, [(int(xs[i]), int(ys[i]))])
            fields[(u, ti)], goals[(u, ti)] = f, tgt
            sx, sy = view.start_cell(u, ti)
            longest = max(longest, float(f[sy, sx]) if np.isfinite(f[sy, sx]) else 0.0)
    steps = int(min(np.ceil(longest) * 1.5 + extra_steps, 4 * view.params.max_steps))

    def controller(state):
        a = np.zeros(state.n_units, dtype=np.int64)
        for i in range(state.n_units):
            key = (int(utype[i]), int(team[i]))
            if key in fields and state.alive[0, i]:
                a[i] = descend(fields[key], int(state.x[0, i]), int(state.y[0, i]), view.passable[key[0]],
                               state.occupant[0], toward=goals[key])
        return a

    try:
        data = scripted_replay(view.params, view.gm, blue, red, cfg.seed, controller, steps, label=label)
    except MapError:  # the units do not fit around the spawns: the finding stands without a replay
        return None
    return write(cfg.out_dir, fname, data)


def descend(field: np.ndarray, x: int, y: int, passable: np.ndarray, occupant: np.ndarray,
            toward: tuple[int, int] | None = None) -> int:
    """The move action (1-8) to the free neighbour with the lowest ``field`` value; 0 to hold.

    At a local minimum it pushes ``toward`` a target (a blocked move, so the replay shows where
    the walker gets stuck and at what).
    """
    h, w = field.shape
    best, best_a = field[y, x], 0
    for a in range(1, 9):
        dx, dy = core.DIRECTIONS[a - 1]
        nx, ny = x + dx, y + dy
        if 0 <= nx < w and 0 <= ny < h and passable[ny, nx] and occupant[ny, nx] < 0 and field[ny, nx] < best:
            best, best_a = field[ny, nx], a
    if best_a == 0 and toward is not None:
        tx, ty = toward
        sx, sy = int(np.sign(tx - x)), int(np.sign(ty - y))
        for a in range(1, 9):
            if tuple(core.DIRECTIONS[a - 1]) == (sx, sy):
                return a
    return best_a
