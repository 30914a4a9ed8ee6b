"""A recurrent behaviour clone: a GRU over each unit's whole match, with a direction-aware action head.

Why (measured on the dev split, docs/designer-bots.md): a scripted player steers with a memory
(steps without progress, a 12-step detour to one side) that outlasts any short stack of frames,
and picks the best of the 8 allowed steps along a continuous vector, which an MLP reconstructs only
roughly from raw coordinates. So this clone

- keeps a **hidden state per unit** (a GRU) from its first step in the match, instead of 3 frames;
- scores each of the 8 steps against the **candidate vectors** a player steers by (to the nearest
  enemy or the map centre, sideways around it, to the nearest ally, to the most hurt ally, back
  towards the allies, to the centre; on this frame and the previous one, since a tiered player
  reacts a step late): the network outputs a weight per candidate, and each step's score is its
  alignment with the weighted sum. "Around the enemy, a little towards it" is then two weights,
  not an angle. With ``delayed`` a step blocked on the previous frame is one more weighted column.

Per step the input is the observation (with the derived features of ``agents.clone_input`` when
``features``, of the previous frame too when ``delayed``), the unit's previous action (one-hot), the
progress memory of ``agents.clone_input.Progress`` (steps without getting closer to the goal, moves
around it) when ``progress``, the wall follower's memory of ``agents.clone_steering`` (counted on the
previous frame, a blocked hold counting as trying) when ``steering``, a one-hot of the unit's place in
its team when ``slots`` (a player may treat its units by their place: the scripted bots send even and
odd places round an obstacle on opposite sides first), and the direction scores. ``RecurrentInput``
builds it for a whole recorded sequence (training) and step by step (play); both give the same rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.clone_input import PROGRESS_SIZE, CloneInput, Progress, derived_features, goal_vector
from agents.clone_steering import SIZE as STEERING_SIZE
from agents.clone_steering import SteeringMemory
from envs.spec import DIRECTIONS, HOLD, MOVE0, ObservationSpec

_UNIT_DIRS = (DIRECTIONS / np.hypot(DIRECTIONS[:, 0], DIRECTIONS[:, 1])[:, None]).astype(np.float32)
#: candidate vectors per frame (``candidates``)
N_CANDIDATES = 6
#: frames the candidates are taken from: this step's and the previous one
CANDIDATE_FRAMES = 2


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.hypot(v[..., 0], v[..., 1])[..., None]
    return np.where(n > 1e-6, v / np.maximum(n, 1e-6), 0.0)


def candidates(spec: ObservationSpec, obs: np.ndarray) -> np.ndarray:
    """(..., N_CANDIDATES, 2) unit vectors a player steers by (zero where there is nothing to steer to)."""
    a = spec.allies(obs)
    to_goal, seen = goal_vector(spec, obs)
    near = seen[..., None]
    goal = _unit(to_goal)
    ally = np.where(a[..., 0, 0:1] > 0, _unit(a[..., 0, 1:3]), 0.0)
    hurt = (a[..., 0] > 0) & (a[..., 4] < 0.95)
    slot = np.where(hurt, a[..., 4], np.inf).argmin(-1)
    to_hurt = np.take_along_axis(a[..., 1:3], slot[..., None, None], -2)[..., 0, :]
    to_hurt = np.where(hurt.any(-1)[..., None], _unit(to_hurt), 0.0)
    away = np.where(near, -goal, 0.0)
    fall_back = np.where(near, _unit(away + 0.5 * ally), 0.0)
    sideways = np.stack([-goal[..., 1], goal[..., 0]], -1)  # a negative weight: the other side
    centre = np.stack([obs[..., spec.OWN_CENTER_DX], obs[..., spec.OWN_CENTER_DY]], -1)
    return np.stack([goal, sideways, ally, to_hurt, fall_back, _unit(centre)], -2).astype(np.float32)


def direction_scores(spec: ObservationSpec, obs: np.ndarray) -> np.ndarray:
    """(..., 8, N_CANDIDATES): how well each step (DIRECTIONS order) goes along each candidate vector."""
    c = candidates(spec, obs)
    return (c[..., None, :, 0] * _UNIT_DIRS[:, 0, None] + c[..., None, :, 1] * _UNIT_DIRS[:, 1, None])


@dataclass(frozen=True)
class RecurrentInput:
    obs_size: int
    n_actions: int
    n_types: int
    pos_scale: float
    features: bool = True     # the derived features of agents.clone_input on each step
    prev_action: bool = True  # the unit's previous action, one-hot
    directions: bool = True   # the direction-aware head (direction scores as inputs to it)
    delayed: bool = True      # the previous frame's derived features and allowed moves (a player reacts a step late)
    progress: bool = True     # the progress memory of agents.clone_input.Progress (is the unit getting anywhere?)
    steering: bool = False    # the wall follower's memory of agents.clone_steering (on the previous frame)
    slots: int = 0            # a one-hot of the unit's place in its team (this many places, the last for the rest)

    def __post_init__(self):
        # the checks of a feature layout (sizes fit, K from the actions, a position scale)
        self._frame_layout()
        if self.slots < 0:
            raise ValueError(f"bad recurrent clone layout {self}: slots >= 0")

    def _frame_layout(self) -> CloneInput:
        return CloneInput(1, 0, self.obs_size, self.n_actions, features=True, n_types=self.n_types,
                          pos_scale=self.pos_scale)

    @property
    def spec(self) -> ObservationSpec:
        return self._frame_layout()._spec()

    @property
    def n_columns(self) -> int:
        """Direction scores per step: the candidates of both frames, and with ``delayed`` the previous frame's
        allowed moves (a step blocked then was not chosen then)."""
        return N_CANDIDATES * CANDIDATE_FRAMES + (1 if self.delayed else 0) if self.directions else 0

    @property
    def n_scores(self) -> int:
        return 8 * self.n_columns

    @property
    def size(self) -> int:
        lay = self._frame_layout()
        return (self.obs_size + (lay.feature_size if self.features else 0) * (2 if self.delayed else 1)
                + (self.n_actions if self.prev_action else 0) + (PROGRESS_SIZE if self.progress else 0)
                + (STEERING_SIZE if self.steering else 0) + self.slots + self.n_scores)

    def rows(self, obs: np.ndarray, mask: np.ndarray, prev_obs: np.ndarray, prev_mask: np.ndarray,
             prev_action: np.ndarray, progress: np.ndarray | None = None,
             steering: np.ndarray | None = None, mirrored: bool = False) -> np.ndarray:
        """(..., U, size) inputs of one step for a team's U units (``progress``, ``steering``: those memories'
        inputs, with ``progress``, ``steering``); the direction scores come last (the head reads them there).
        ``mirrored``: a mirrored training copy (``agents.clone_augment.mirror``), whose places swap parity."""
        spec = self.spec
        parts = [obs.astype(np.float32)]
        if self.features:
            parts.append(derived_features(spec, obs, mask))
            if self.delayed:
                parts.append(derived_features(spec, prev_obs, prev_mask))
        if self.prev_action:
            parts.append(np.eye(self.n_actions, dtype=np.float32)[prev_action])
        if self.progress:
            parts.append(progress)
        if self.steering:
            parts.append(steering)
        if self.slots:
            place = np.arange(obs.shape[-2])  # units are the second-to-last axis
            place = np.minimum(place ^ 1 if mirrored else place, self.slots - 1)
            parts.append(np.broadcast_to(np.eye(self.slots, dtype=np.float32)[place], obs.shape[:-1] + (self.slots,)))
        if self.directions:
            cols = [direction_scores(spec, o) for o in (obs, prev_obs)]
            if self.delayed:
                cols.append((prev_mask[..., MOVE0:MOVE0 + 8] > 0).astype(np.float32)[..., None])
            parts.append(np.concatenate(cols, -1).reshape(obs.shape[:-1] + (-1,)))
        return np.concatenate(parts, -1).astype(np.float32)

    def sequence(self, obs: np.ndarray, mask: np.ndarray, action: np.ndarray, mirrored: bool = False) -> np.ndarray:
        """(T, ..., size) inputs of a recorded sequence (teacher forcing: recorded actions as the previous ones;
        ``mirrored``: see ``rows``)."""
        prev_obs = np.concatenate([obs[:1], obs[:-1]])
        prev_mask = np.concatenate([mask[:1], mask[:-1]])
        prev_act = np.concatenate([np.full_like(action[:1], HOLD), action[:-1]])
        prog = steer = None
        if self.progress:
            memory, prog = Progress(self._frame_layout()), []
            for t in range(len(obs)):
                prog.append(memory.inputs(obs[t], mask[t]))
                memory.taken(action[t])
            prog = np.stack(prog)
        if self.steering:
            follower, steer = SteeringMemory(self.spec, self.pos_scale), []
            for t in range(len(obs)):
                steer.append(follower.inputs(prev_obs[t], prev_mask[t]))
                follower.taken(action[t])
            steer = np.stack(steer)
        return self.rows(obs, mask, prev_obs, prev_mask, prev_act, prog, steer, mirrored)


class RecurrentHistory:
    """What the recurrent clone remembers besides its hidden state, step by step: the last observation and action."""

    def __init__(self, layout: RecurrentInput):
        self.layout = layout
        self.prev: tuple[np.ndarray, np.ndarray] | None = None  # the last observation and mask
        self.prev_action: np.ndarray | None = None
        self.progress = Progress(layout._frame_layout()) if layout.progress else None
        self.steering = SteeringMemory(layout.spec, layout.pos_scale) if layout.steering else None

    def inputs(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        prev_obs, prev_mask = (obs, mask) if self.prev is None else self.prev
        prev_act = np.full(obs.shape[:-1], HOLD, np.int64) if self.prev_action is None else self.prev_action
        self.prev = (obs.copy(), mask.copy())
        prog = self.progress.inputs(obs, mask) if self.progress is not None else None
        steer = self.steering.inputs(prev_obs, prev_mask) if self.steering is not None else None
        return self.layout.rows(obs, mask, prev_obs, prev_mask, prev_act, prog, steer)

    def taken(self, action: np.ndarray) -> None:
        self.prev_action = np.asarray(action, dtype=np.int64).copy()
        if self.progress is not None:
            self.progress.taken(self.prev_action)
        if self.steering is not None:
            self.steering.taken(self.prev_action)


def build_net(layout: RecurrentInput, hidden: int = 128, width: int = 128):
    import torch

    class RecurrentCloneNet(torch.nn.Module):
        """input -> encoder -> GRU; [GRU state, encoding] -> trunk -> action logits (+ direction-aware moves)."""

        def __init__(self):
            super().__init__()
            self.n_scores = layout.n_scores
            self.n_actions = layout.n_actions
            self.hidden = hidden
            self.enc = torch.nn.Sequential(torch.nn.Linear(layout.size, width), torch.nn.ReLU())
            self.gru = torch.nn.GRU(width, hidden, batch_first=True)
            self.trunk = torch.nn.Sequential(torch.nn.Linear(hidden + width, width), torch.nn.ReLU())
            self.logits = torch.nn.Linear(width, layout.n_actions)
            self.weights = torch.nn.Linear(width, layout.n_columns) if self.n_scores else None

        def head(self, x, enc, h_seq):
            z = self.trunk(torch.cat([h_seq, enc], -1))
            out = self.logits(z)
            if self.weights is not None:
                scores = x[..., -self.n_scores:].unflatten(-1, (8, self.n_scores // 8))
                # a step's score: its alignment with the weighted sum of the candidate vectors
                moves = (scores * self.weights(z)[..., None, :]).sum(-1)
                out = torch.cat([out[..., :MOVE0], out[..., MOVE0:MOVE0 + 8] + moves, out[..., MOVE0 + 8:]], -1)
            return out

        def forward(self, x, h0=None):
            """x (B, T, size), h0 (1, B, hidden) or None -> logits (B, T, A), h (1, B, hidden)."""
            enc = self.enc(x)
            h_seq, h = self.gru(enc, h0)
            return self.head(x, enc, h_seq), h

        def step(self, x, h):
            """One step for rows x (N, size), states h (N, hidden) -> logits (N, A), new states (N, hidden)."""
            enc = self.enc(x)
            h_seq, h_new = self.gru(enc[:, None, :], h[None].contiguous())
            return self.head(x, enc, h_seq[:, 0]), h_new[0]

    return RecurrentCloneNet()


def unit_sequences(seqs, layout: RecurrentInput, held_apm: float | None = None, mirrored=None):
    """Team-match sequences (obs (T, U, D), mask (T, U, A), action (T, U)) -> per-unit lists of
    (x (T, size), mask (T, A), action (T,), live (T,)), one per unit of each team-match.

    With ``held_apm`` (the player's order budget), the decisions that budget may have held
    (``agents.order_budget.held_decisions``) are not counted as live: a kept order there says nothing
    of what the player wanted, so the clone does not learn from it (its input still passes through).
    ``mirrored``: one flag per sequence, true for mirrored training copies (``RecurrentInput.rows``)."""
    from agents.order_budget import held_decisions

    out = []
    for i, (o, m, a) in enumerate(seqs):
        x = layout.sequence(o, m, a, mirrored=bool(mirrored[i]) if mirrored is not None else False)
        live = (m[..., 1:] > 0).any(-1)
        if held_apm is not None:
            live &= ~held_decisions(a, m, o[..., 0] > 0, held_apm)
        for u in range(o.shape[1]):
            if live[:, u].any():
                out.append((x[:, u], m[:, u].astype(bool), a[:, u].astype(np.int64), live[:, u]))
    return out


def _pad(units, idx):
    import torch

    t_n = max(len(units[i][0]) for i in idx)
    size, n_a = units[idx[0]][0].shape[1], units[idx[0]][1].shape[1]
    x = np.zeros((len(idx), t_n, size), np.float32)
    m = np.ones((len(idx), t_n, n_a), bool)
    a = np.zeros((len(idx), t_n), np.int64)
    live = np.zeros((len(idx), t_n), bool)
    for j, i in enumerate(idx):
        ux, um, ua, ul = units[i]
        n = len(ux)
        x[j, :n], m[j, :n], a[j, :n], live[j, :n] = ux, um, ua, ul
    return torch.from_numpy(x), torch.from_numpy(m), torch.from_numpy(a), torch.from_numpy(live)


def predict_team(net, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(T, U) best actions of one team-match: its input rows ``x`` (T, U, size) and masks (T, U, A), each
    unit's hidden state from zero at the first step."""
    import torch

    with torch.no_grad():
        logits, _ = net(torch.from_numpy(np.ascontiguousarray(x.transpose(1, 0, 2), dtype=np.float32)))
    logits = logits.numpy().transpose(1, 0, 2)
    return np.where(mask > 0, logits, -np.inf).argmax(-1)


def train(net, units, *, epochs: int = 12, batch: int = 32, chunk: int = 32, lr: float = 2e-3, seed: int = 0,
          log=None) -> dict:
    """Masked cross-entropy by truncated back-propagation through time: each batch of unit sequences is
    run in chunks of ``chunk`` steps, the hidden state carried over (detached) from chunk to chunk."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    # sort by length so a batch pads little; batches are shuffled, not their members
    order = sorted(range(len(units)), key=lambda i: len(units[i][0]))
    batches = [order[i:i + batch] for i in range(0, len(order), batch)]
    steps_per_epoch = sum(-(-max(len(units[i][0]) for i in b) // chunk) for b in batches)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps_per_epoch)
    stats = {}
    net.train()
    for ep in range(epochs):
        tot = hits = n = 0.0
        for bi in torch.randperm(len(batches), generator=gen).tolist():
            x, m, a, live = _pad(units, batches[bi])
            h = None
            for s in range(0, x.shape[1], chunk):
                sl = slice(s, s + chunk)
                logits, h = net(x[:, sl], h)
                h = h.detach()
                lv = live[:, sl]
                if not lv.any():
                    continue
                lg = logits[lv].masked_fill(~m[:, sl][lv], -1e8)
                ce = torch.nn.functional.cross_entropy(lg, a[:, sl][lv])
                opt.zero_grad()
                ce.backward()
                opt.step()
                sched.step()
                k = int(lv.sum())
                tot += ce.item() * k
                hits += (lg.argmax(-1) == a[:, sl][lv]).sum().item()
                n += k
        stats = {"epoch": ep + 1, "cross_entropy": tot / n, "agreement": hits / n}
        if log:
            log(f"recurrent clone epoch {ep + 1}/{epochs}: agreement with the recorded actions {hits / n:.1%}")
    net.eval()
    return stats


def predict(net, units, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(best actions, recorded actions) on every live step of ``units`` at or after ``start``, the
    hidden state starting from zero at step ``start`` (0: the whole match; later: a takeover)."""
    import torch

    guess, truth = [], []
    with torch.no_grad():
        for i in range(0, len(units), 64):
            x, m, a, live = _pad(units, list(range(i, min(i + 64, len(units)))))
            logits, _ = net(x[:, start:])
            lv = live[:, start:]
            guess.append(logits.masked_fill(~m[:, start:], -1e8)[lv].argmax(-1).numpy())
            truth.append(a[:, start:][lv].numpy())
    return np.concatenate(guess), np.concatenate(truth)
