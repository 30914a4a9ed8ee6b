"""Quarter-turn and mirrored copies of recorded play: more decisions for a behaviour clone, from the game's symmetry.

Turning the whole battlefield a quarter turn changes nothing a player decides on except directions:
every vector in the observation (to the map centre, to each enemy and ally) turns, the terrain
patch turns, and a step north becomes a step east. A player who would step north turns into one
who steps east. So each recorded match gives three more, turned, and the clone learns each
direction from four times the examples instead of having to learn the same rule eight times over
from the examples that happen to point that way (measured on a dev split of kite@average: see
docs/designer-bots.md). Attacks and heals name slots of the nearest-K lists, which a turn leaves
as they are; distances, hp and stats do not change either.

Screen coordinates (y grows downwards): a quarter turn clockwise maps (x, y) to (-y, x), and move
action 1 + i (``envs.spec.DIRECTIONS[i]``) to 1 + (i + 2) mod 8.

A mirror (x -> -x) is a symmetry too, but it swaps left and right: a player who goes round an
obstacle on its left goes round on its right in the mirrored match. The scripted bots choose that
side by a unit's place in its team (even places one way, odd the other), so a mirrored copy is
only the same player if each unit's place changes parity: ``mirror`` turns the battlefield, and
the recurrent clone reads a mirrored copy's places with their parity swapped
(``agents.clone_recurrent.RecurrentInput.sequence(..., mirrored=True)``).
"""
from __future__ import annotations

import numpy as np

from envs.spec import DIRECTIONS, MOVE0, ObservationSpec

#: move action index i -> the index after a quarter turn clockwise, and after a mirror (x -> -x)
_TURN = np.array([int(np.flatnonzero((DIRECTIONS == (-d[1], d[0])).all(1))[0]) for d in DIRECTIONS])
_MIRROR = np.array([int(np.flatnonzero((DIRECTIONS == (-d[0], d[1])).all(1))[0]) for d in DIRECTIONS])


def _vector_pairs(spec: ObservationSpec) -> list[tuple[int, int]]:
    pairs = [(spec.OWN_CENTER_DX, spec.OWN_CENTER_DY)]
    for off, width in ((spec.enemy_offset, len(spec.ENEMY_FEATURES)), (spec.ally_offset, len(spec.ALLY_FEATURES))):
        pairs += [(off + s * width + 1, off + s * width + 2) for s in range(spec.k)]
    return pairs


def _patch_order(spec: ObservationSpec, mirror: bool = False) -> np.ndarray:
    """Column order that turns the terrain patch a quarter turn clockwise (cell (ox, oy) -> (-oy, ox)), or
    mirrors it (cell (ox, oy) -> (-ox, oy))."""
    p, side, width = spec.patch_radius, 2 * spec.patch_radius + 1, len(spec.PATCH_FEATURES)
    src = np.empty(side * side, dtype=np.int64)
    for py in range(side):
        for px in range(side):
            # the new cell at (px, py) holds the old cell whose offset maps to (px - p, py - p)
            ox, oy = (-(px - p), py - p) if mirror else (py - p, -(px - p))
            src[py * side + px] = (oy + p) * side + (ox + p)
    return (spec.patch_offset + src[:, None] * width + np.arange(width)).reshape(-1)


def _transformed(spec: ObservationSpec, obs: np.ndarray, mask: np.ndarray, action: np.ndarray,
                 mirror: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if obs.shape[-1] != spec.size or mask.shape[-1] != spec.n_actions:
        raise ValueError(f"observations of size {obs.shape[-1]} and {mask.shape[-1]} actions do not fit the "
                         f"layout ({spec.size} and {spec.n_actions}) the {'mirror' if mirror else 'quarter turn'} "
                         "was built for")
    out = obs.copy()
    for x, y in _vector_pairs(spec):
        if mirror:
            out[..., x] = -obs[..., x]
        else:
            out[..., x], out[..., y] = -obs[..., y], obs[..., x]
    order = _patch_order(spec, mirror)
    out[..., spec.patch_offset:spec.patch_offset + len(order)] = obs[..., order]
    moved = _MIRROR if mirror else _TURN
    m = mask.copy()
    m[..., MOVE0 + moved] = mask[..., MOVE0:MOVE0 + 8]
    a = np.asarray(action).copy()
    moves = (a >= MOVE0) & (a < MOVE0 + 8)
    a[moves] = MOVE0 + moved[a[moves] - MOVE0]
    return out, m, a


def turn_quarter(spec: ObservationSpec, obs: np.ndarray, mask: np.ndarray,
                 action: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A recorded sequence (obs (..., D), masks (..., A), actions (...)) turned a quarter turn clockwise."""
    return _transformed(spec, obs, mask, action, mirror=False)


def mirror(spec: ObservationSpec, obs: np.ndarray, mask: np.ndarray,
           action: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A recorded sequence mirrored left to right (x -> -x); its units' places should change parity (module doc)."""
    return _transformed(spec, obs, mask, action, mirror=True)


def quarter_turns(spec: ObservationSpec, sequences, turns: int = 4) -> list:
    """Each (obs, mask, action) sequence and its copies turned 1 .. ``turns`` - 1 quarter turns (1, 2 or 4)."""
    if turns not in (1, 2, 4):
        raise ValueError(f"quarter turns must be 1, 2 or 4, got {turns}")
    out = []
    step = 4 // turns
    for o, m, a in sequences:
        out.append((o, m, a))
        cur = (o, m, a)
        for j in range(1, 4):
            cur = turn_quarter(spec, *cur)
            if j % step == 0:
                out.append(cur)
    return out
