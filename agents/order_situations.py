"""Order situations: a mid-battle state and one order, generated from a seed and stored as plain data.

Used to check the order judge (``agents.order_judge``) against ground truth: a seeded generator
plays a skirmish on the built-in arena for a while (both sides ``focus_fire@average``), then proposes
one order of a kind a player might give — everyone on the weakest enemy, a lone unit sent at the
far end of the enemy line, a dash to a cell behind the enemy, a flight to the far corner, a
retreat, a hold. A situation keeps
the whole state it needs (terrain, positions, hp, cooldowns, clock), so it replays exactly even if
the bots that produced it change later.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs import core

UNIT_TYPES = ("warrior", "archer", "knight", "healer")
PROPOSALS = ("all_on_weakest", "lone_on_farthest", "dash_behind", "retreat_all", "hold_all", "pair_on_nearest",
             "flee_to_corner")


@dataclass(frozen=True)
class Situation:
    seed: int
    blue: dict
    red: dict
    state: dict        # the SkirmishState fields that are not derived (see ``restore``)
    units: list        # ordered unit slots (blue)
    kind: str
    cell: list | None = None
    target: int | None = None
    proposal: str = ""

    def to_dict(self) -> dict:
        return {"seed": self.seed, "blue": self.blue, "red": self.red, "state": self.state, "units": self.units,
                "kind": self.kind, "cell": self.cell, "target": self.target, "proposal": self.proposal}

    @classmethod
    def from_dict(cls, d: dict) -> "Situation":
        return cls(**{k: d[k] for k in ("seed", "blue", "red", "state", "units", "kind", "cell", "target",
                                         "proposal")})

    def restore(self, params: core.CoreParams) -> core.SkirmishState:
        """The stored state as a one-environment batch."""
        st = core.reset(params, self.blue, self.red, [self.seed], np.asarray(self.state["terrain"], dtype=np.int16))
        for name in _KEPT:
            getattr(st, name)[0] = np.asarray(self.state[name], dtype=getattr(st, name).dtype)
        return core.refresh(params, st)

    def order_args(self) -> dict:
        return {"units": self.units, "kind": self.kind,
                "cell": tuple(self.cell) if self.cell is not None else None, "target": self.target}


_KEPT = ("x", "y", "hp", "alive", "cooldown", "move_points", "t", "start_hp", "damage_dealt", "damage_taken",
         "healing_done", "kills", "death_step")


def generate(params: core.CoreParams, seed: int, proposals: tuple[str, ...] | None = None) -> Situation | None:
    """One situation from ``seed`` (None if the battle ended before the order would be given).

    ``proposals``: draw the order uniformly from these kinds instead of the default mix."""
    from agents import make_policy

    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5A11]))
    size = int(rng.integers(3, 7))  # equal numbers: close battles, where an order can swing the result
    comp = lambda: {u: int(c) for u, c in zip(UNIT_TYPES, rng.multinomial(size, [0.35, 0.3, 0.15, 0.2])) if c}  # noqa: E731
    blue, red = comp(), comp()
    st = core.reset(params, blue, red, [seed])
    spec = core.observation_spec(params)
    nb = int((st.team[0] == 0).sum())
    bots = [make_policy("focus_fire", "average", 11), make_policy("focus_fire", "average", 12)]
    bots[0].reset(spec, 0, [seed])
    bots[1].reset(spec, 1, [seed])
    acts = np.zeros((1, st.n_units), dtype=np.int64)
    for _ in range(int(rng.integers(4, 30))):
        obs, mask = core.observe(params, st, spec)
        acts[:, :nb] = bots[0].act(obs[:, :nb], mask[:, :nb])
        acts[:, nb:] = bots[1].act(obs[:, nb:], mask[:, nb:])
        core.step_inplace(params, st, acts)
        if st.done[0]:
            return None
    ours = [int(u) for u in np.flatnonzero(st.alive[0, :nb])]
    theirs = [int(u) for u in np.flatnonzero(st.alive[0, nb:]) + nb]
    if not ours or not theirs:
        return None
    # a fleeing army is the commonest suicidal order; weighting it gives the set both kinds in number
    if proposals:
        bad = [p for p in proposals if p not in PROPOSALS]
        if bad:
            raise ValueError(f"unknown proposal {bad[0]!r}; proposals are {', '.join(PROPOSALS)}")
        proposal = proposals[int(rng.integers(len(proposals)))]
    else:
        proposal = PROPOSALS[int(rng.choice(len(PROPOSALS), p=[0.7 / 6] * 6 + [0.3]))]
    cx, cy = st.x[0, ours].mean(), st.y[0, ours].mean()
    dist = lambda j: (st.x[0, j] - cx) ** 2 + (st.y[0, j] - cy) ** 2  # noqa: E731
    cell = target = None
    if proposal == "all_on_weakest":
        units, kind = ours, "attack"
        target = min(theirs, key=lambda j: (st.hp[0, j], dist(j)))
    elif proposal == "lone_on_farthest":
        units, kind = [int(rng.choice(ours))], "attack"
        target = max(theirs, key=dist)
    elif proposal == "pair_on_nearest":
        units, kind = sorted(int(u) for u in rng.choice(ours, size=min(2, len(ours)), replace=False)), "attack"
        target = min(theirs, key=dist)
    elif proposal == "dash_behind":
        k = int(rng.integers((len(ours) + 1) // 2, len(ours) + 1))  # at least half the army
        units, kind = sorted(int(u) for u in rng.choice(ours, size=k, replace=False)), "move"
        ex, ey = st.x[0, theirs].mean(), st.y[0, theirs].mean()
        w, h = int(st.map_w[0]), int(st.map_h[0])
        # past the enemy's centre, seen from our centre, clipped to the map
        cell = [int(np.clip(round(ex + 0.6 * (ex - cx)), 0, w - 1)), int(np.clip(round(ey + 0.6 * (ey - cy)), 0, h - 1))]
    elif proposal == "flee_to_corner":  # everyone walks off to the map corner farthest from the enemy
        units, kind = ours, "move"
        ex, ey = st.x[0, theirs].mean(), st.y[0, theirs].mean()
        w, h = int(st.map_w[0]), int(st.map_h[0])
        corners = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)]
        cell = list(max(corners, key=lambda c: (c[0] - ex) ** 2 + (c[1] - ey) ** 2))
    elif proposal == "retreat_all":
        units, kind = ours, "retreat"
    else:
        units, kind = ours, "hold"
    state = {"terrain": st.terrain[0, :st.map_h[0], :st.map_w[0]].astype(int).tolist()}
    for name in _KEPT:
        state[name] = np.asarray(getattr(st, name)[0]).tolist()
    return Situation(seed, blue, red, state, units, kind, cell, target, proposal)
