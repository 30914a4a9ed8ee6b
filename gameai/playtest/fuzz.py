"""Rule fuzzing: random and adversarial action sequences with invariant checks on every step.

Each episode is a match of the ruleset's teams on the map, from ``core.reset`` (so a replay file
can reproduce it), half of them at close quarters (both spawn points moved next to each other at
the map's centre, so fights, deaths and heals start at once). Every unit picks each step a hold,
a move, an attack or a heal slot at random, weighted towards attacks and heals (the interactions
most rules are about); invalid choices are part of the test, since the core must treat them as
hold. After every step these invariants are checked (``INVARIANTS``):

- hp bounds: a living unit has 0 < hp <= its max hp; a dead unit has hp 0
- no overlap: living units stand on distinct cells, and the occupancy grid agrees
- dead units are inert: they do not move, attack, heal or tick their cooldown
- no NaN or infinity in any float of the state
- cooldowns: 0 <= cooldown <= the type's; a unit only attacks with cooldown 0, and then reloads
- moves: at most one cell per step, inside the map, onto ground its type may enter
- a finished match does not change
- deterministic replay: the same seed and actions give the same state again

A violation is shrunk like a property-based test's counterexample (delta debugging, Zeller's
ddmin): cut the steps after it, delete chunks of steps, silence whole units, then single actions,
while the same invariant still breaks. The result is a replay that ``gameai replay`` plays.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from envs import core
from envs.maps import MapError
from gameai.playtest import replays
from gameai.playtest.findings import Finding
from gameai.playtest.mapview import MapView
from pcg.gamemap import Spawn

EPISODES = 8         # per map, in one batch
EPISODE_STEPS = 120
MAX_SHRINK_CALLS = 600

INVARIANTS = {
    "hp_bounds": "hp stays within (0, max hp] for the living and at 0 for the dead",
    "overlap": "living units never share a cell, and the occupancy grid agrees with positions",
    "dead_inert": "dead units do not move, attack, heal or tick their cooldown",
    "finite": "no NaN or infinity in the state",
    "cooldown": "cooldowns stay in [0, the type's cooldown]; units attack only when ready, then reload",
    "moves": "units move at most one cell per step, inside the map, onto ground they may enter",
    "finished": "a finished match does not change",
    "determinism": "the same seed and actions replay to the same state",
}


def close_quarters(view: MapView) -> object:
    """The map with both spawn points next to each other at its centre: fighting starts on step one."""
    cx, cy = view.centre
    ok = view.passable.all(0)
    ys, xs = np.nonzero(ok)
    order = np.argsort((xs - cx) ** 2 + (ys - cy) ** 2 + 1e-6 * (ys * view.shape[1] + xs), kind="stable")
    a = (int(xs[order[0]]), int(ys[order[0]]))
    b = next(((int(xs[i]), int(ys[i])) for i in order[1:] if max(abs(xs[i] - a[0]), abs(ys[i] - a[1])) >= 2), a)
    return replace(view.gm, spawns=[Spawn(0, *a), Spawn(1, *b)])


def random_actions(rng: np.random.Generator, b_n: int, n: int, k: int) -> np.ndarray:
    """Hold 10%, move 30%, attack 35%, heal 25% (slot 0..k-1 at random; many are invalid on purpose)."""
    kind = rng.choice(4, size=(b_n, n), p=[0.1, 0.3, 0.35, 0.25])
    slot = rng.integers(0, k, size=(b_n, n))
    move = rng.integers(1, 9, size=(b_n, n))
    return np.select([kind == 0, kind == 1, kind == 2], [0, move, core.ATTACK0 + slot],
                     core.ATTACK0 + k + slot).astype(np.int64)


def violations(params: core.CoreParams, before: core.SkirmishState, after: core.SkirmishState,
               ev: core.StepEvents, actions: np.ndarray) -> list[tuple[int, str, str]]:
    """(env, invariant, detail) for every invariant the step ``before -> after`` broke."""
    out: list[tuple[int, str, str]] = []
    p = params
    max_hp = p.hp[after.utype]
    for b in range(after.n_envs):
        def bad(name: str, detail: str) -> None:
            out.append((b, name, detail))

        if before.done[b]:
            if not all(np.array_equal(getattr(before, f)[b], getattr(after, f)[b])
                       for f in ("x", "y", "hp", "alive", "cooldown", "t")):
                bad("finished", "the state changed after the match had ended")
            continue
        al, hp = after.alive[b], after.hp[b]
        for name in ("hp", "move_points", "damage_dealt", "damage_taken", "healing_done"):
            if not np.isfinite(getattr(after, name)[b]).all():
                bad("finite", f"{name} has NaN or infinity")
        lo = np.flatnonzero(al & ~((hp > 0) & (hp <= max_hp[b] + 1e-9)))
        if len(lo):
            bad("hp_bounds", f"living unit {lo[0]} has hp {hp[lo[0]]:.3f} (max {max_hp[b, lo[0]]:g})")
        dead_hp = np.flatnonzero(~al & (hp != 0))
        if len(dead_hp):
            bad("hp_bounds", f"dead unit {dead_hp[0]} has hp {hp[dead_hp[0]]:.3f}")
        was_dead = ~before.alive[b]
        if (after.alive[b] & was_dead).any():
            bad("dead_inert", f"dead unit {np.flatnonzero(after.alive[b] & was_dead)[0]} came back to life")
        moved = (after.x[b] != before.x[b]) | (after.y[b] != before.y[b])
        acted = (ev.attack_target[b] >= 0) | (ev.heal_target[b] >= 0) | (ev.damage[b] != 0) | (ev.heal[b] != 0)
        ticked = after.cooldown[b] != before.cooldown[b]
        for what, mask in (("moved", moved), ("attacked or healed", acted), ("had its cooldown change", ticked)):
            if (mask & was_dead).any():
                bad("dead_inert", f"dead unit {np.flatnonzero(mask & was_dead)[0]} {what}")
        xs, ys = after.x[b][al], after.y[b][al]
        cells = ys.astype(np.int64) * after.terrain.shape[2] + xs
        if len(np.unique(cells)) != len(cells):
            bad("overlap", "two living units share a cell")
        occ = after.occupant[b]
        if (occ >= 0).sum() != al.sum() or (len(xs) and not np.array_equal(occ[ys, xs], np.flatnonzero(al))):
            bad("overlap", "the occupancy grid disagrees with the unit positions")
        cd, cd_max = after.cooldown[b], p.cooldown[after.utype[b]]
        if ((cd < 0) | (cd > cd_max)).any():
            i = int(np.flatnonzero((cd < 0) | (cd > cd_max))[0])
            bad("cooldown", f"unit {i} has cooldown {cd[i]} (type's is {cd_max[i]})")
        attacked = (ev.attack_target[b] >= 0) | (ev.heal_target[b] >= 0)
        if (attacked & (before.cooldown[b] != 0)).any():
            bad("cooldown", f"unit {np.flatnonzero(attacked & (before.cooldown[b] != 0))[0]} acted while reloading")
        reloaded = np.maximum(cd_max - 1, 0)
        live_att = attacked & al
        if (live_att & (cd != reloaded)).any():
            bad("cooldown", f"unit {np.flatnonzero(live_att & (cd != reloaded))[0]} attacked but did not reload")
        step = np.maximum(abs(after.x[b] - before.x[b]), abs(after.y[b] - before.y[b]))
        if (step > 1).any():
            bad("moves", f"unit {np.flatnonzero(step > 1)[0]} moved {step.max()} cells in one step")
        h, w = int(after.map_h[b]), int(after.map_w[b])
        inside = (after.x[b] >= 0) & (after.x[b] < w) & (after.y[b] >= 0) & (after.y[b] < h)
        if not inside[al].all():
            bad("moves", "a living unit is outside the map")
        else:
            tiles = after.terrain[b, after.y[b][al], after.x[b][al]]
            if not p.passable[after.utype[b][al], tiles].all():
                bad("moves", "a living unit stands on ground its type may not enter")
    return out


def _play(params, gm, blue, red, seed, actions: np.ndarray) -> tuple[list[tuple[str, str, int]], core.SkirmishState]:
    """Play one episode's actions from reset, checking every step: ([(invariant, detail, step)], final state)."""
    state = core.reset(params, blue, red, [seed], gm)
    found = []
    for t, a in enumerate(actions):
        before = state.copy()
        ev = core.step_inplace(params, state, a[None, :])
        for _, name, detail in violations(params, before, state, ev, a[None, :]):
            found.append((name, detail, t))
        if found or state.done[0]:
            break
    return found, state


def check_replay(data: dict, source: str = "replay") -> list[tuple[str, str, int]]:
    """Play a replay file's actions with every invariant checked: [(invariant, detail, step)], empty if none broke.

    How a fuzzing finding is reproduced after the fact (``gameai replay FILE --invariants``),
    and how a fix is checked: the same actions no longer break anything.
    """
    from types import SimpleNamespace

    from agents.replay import ReplayError
    from envs.ruleset import RulesetError, parse_ruleset

    try:
        rules = parse_ruleset(data["ruleset"], source=f"{source} (embedded ruleset)")
        params = core.compile_params(rules, max_steps=int(data["max_steps"]))
        actions = np.asarray(data["actions"], dtype=np.int64)
        terrain = None if data["terrain"] is None else np.asarray(data["terrain"], dtype=np.int64)
        if terrain is not None and data.get("spawns"):
            terrain = SimpleNamespace(tiles=terrain, spawns=[SimpleNamespace(team=t, x=x, y=y)
                                                             for t, x, y in data["spawns"]])
        found, _ = _play(params, terrain, data["blue"], data["red"], int(data["seed"]), actions)
    except (RulesetError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise ReplayError(f"{source}: cannot play this replay: {exc}") from None
    return [(name, detail, t + 1) for name, detail, t in found]


def shrink(params, gm, blue, red, seed, actions: np.ndarray, invariant: str) -> tuple[np.ndarray, int]:
    """The shortest, quietest action sequence that still breaks ``invariant`` (ddmin); (actions, calls)."""
    calls = [0]

    def fails(acts: np.ndarray) -> int | None:
        """The step it breaks at, or None."""
        if len(acts) == 0 or calls[0] >= MAX_SHRINK_CALLS:
            return None
        calls[0] += 1
        found, _ = _play(params, gm, blue, red, seed, acts)
        return next((t for name, _, t in found if name == invariant), None)

    t = fails(actions)
    if t is None:
        return actions, calls[0]
    acts = actions[:t + 1]

    def ddmin(items: list, apply, reindex=lambda kept, at: kept) -> list:
        """Remove as many items as possible while ``apply(kept)`` still fails (Zeller's ddmin).

        A candidate that fails earlier is cut after the failing step; ``reindex`` maps the kept
        items onto the cut sequence.
        """
        nonlocal acts
        n = 2
        while len(items) >= 2:
            chunk = int(np.ceil(len(items) / n))
            removed = False
            for i in range(0, len(items), chunk):
                kept = items[:i] + items[i + chunk:]
                cand = apply(kept)
                at = fails(cand)
                if at is not None:
                    acts, items = cand[:at + 1], reindex(kept, at)
                    n = max(n - 1, 2)
                    removed = True
                    break
            if not removed:
                if n >= len(items):
                    break
                n = min(len(items), 2 * n)
        return items

    # 1. delete steps
    ddmin(list(range(len(acts))), lambda kept: acts[kept] if kept else acts[:0],
          lambda kept, at: list(range(min(len(kept), at + 1))))
    # 2. silence whole units (all their actions become hold)
    busy = [int(i) for i in np.flatnonzero((acts != 0).any(0))]

    def silence(kept_units):
        out = acts.copy()
        quiet = [i for i in busy if i not in kept_units]
        out[:, quiet] = 0
        return out

    ddmin(busy, silence)
    # 3. silence single actions
    cells = [(int(s), int(u)) for s, u in zip(*np.nonzero(acts))]

    def quiet_cells(kept):
        out = np.zeros_like(acts)
        for s, u in kept:
            out[s, u] = acts[s, u]
        return out

    ddmin(cells, quiet_cells, lambda kept, at: [c for c in kept if c[0] <= at])
    return acts, calls[0]


def check(view: MapView, cfg, progress=None) -> list[Finding]:
    p, rs = view.params, view.params.ruleset
    blue, red = rs.teams["blue"], rs.teams["red"]
    rng = np.random.default_rng([cfg.seed, 15])
    seeds = [cfg.seed * 1000 + i for i in range(EPISODES)]
    maps = {s: (view.gm if i % 2 == 0 else close_quarters(view)) for i, s in enumerate(seeds)}
    try:
        state = core.reset(p, blue, red, seeds, lambda s: maps[s])
    except MapError:  # no room for the armies at close quarters: fuzz on the map as drawn only
        maps = {s: view.gm for s in seeds}
        try:
            state = core.reset(p, blue, red, seeds, lambda s: maps[s])
        except MapError as exc:  # the teams do not fit at all: nothing to fuzz on this map
            cfg.stats.setdefault(view.name, {})["fuzz"] = f"not run: {exc}"
            return []
    history: list[np.ndarray] = []
    first: dict[str, tuple[int, str, int]] = {}  # invariant -> (env, detail, step)
    for t in range(EPISODE_STEPS):
        if state.done.all():
            break
        acts = random_actions(rng, state.n_envs, state.n_units, p.k)
        history.append(acts)
        before = state.copy()
        ev = core.step_inplace(p, state, acts)
        for b, name, detail in violations(p, before, state, ev, acts):
            first.setdefault(name, (b, detail, t))
    # determinism: the whole batch again from the same start, env by env, must end the same
    for b in range(len(seeds)):
        if any(v[0] == b for v in first.values()):
            continue
        acts = np.stack([h[b] for h in history])
        _, again = _play(p, maps[seeds[b]], blue, red, seeds[b], acts)
        same = all(np.array_equal(getattr(again, f)[0], getattr(state, f)[b])
                   for f in ("x", "y", "hp", "alive", "cooldown", "t"))
        if not same and "determinism" not in first:
            first["determinism"] = (b, "replaying the same seed and actions gave another state", len(acts) - 1)
    cfg.stats.setdefault(view.name, {})["fuzz"] = (f"{len(seeds)} episodes x up to {EPISODE_STEPS} steps, "
                                                  f"{len(INVARIANTS)} invariants checked every step: "
                                                  + ("all held" if not first else f"{len(first)} broken"))
    out = []
    for name, (b, detail, t) in sorted(first.items()):
        seed = seeds[b]
        acts = np.stack([h[b] for h in history[:t + 1]])
        small, calls = (acts, 0) if name == "determinism" else shrink(p, maps[seed], blue, red, seed, acts, name)
        found, _ = _play(p, maps[seed], blue, red, seed, small)
        detail = next((d for n, d, _ in found if n == name), detail)
        f = Finding("fuzz.invariant", "error", view.name, subject=name,
                    message=f"rule invariant broken: {INVARIANTS[name]} — {detail} (shrunk from {t + 1} to "
                            f"{len(small)} steps)",
                    evidence={"invariant": name, "detail": detail, "found_at_step": t + 1,
                              "shrunk_steps": len(small), "shrink_runs": calls, "seed": seed,
                              "close_quarters": maps[seed] is not view.gm,
                              "actions_left": int((small != 0).sum())})
        f.cells = []
        if cfg.out_dir is not None:
            data = replays.replay_data(p, maps[seed], blue, red, seed, small.tolist(),
                                       label=f"playtest fuzz ({name})")
            f.replay = replays.write(cfg.out_dir, f"{f.id}.json", data)
        out.append(f)
    return out
