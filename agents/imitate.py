"""Behaviour cloning from replays: a player's (or a bot's) recorded matches -> a learned bot.

A replay (``agents.replay``) stores only each step's actions; the core is deterministic, so
re-running the actions regenerates every observation and action mask the player saw. Each live
unit's (input, mask, action) is one decision; the clone is a MaskablePPO network of the same
type as the shipped learned bot (one unit's input -> that unit's action), fitted with masked
cross-entropy (``agents.rl_imitation.clone``). The input is the unit's observation plus a memory
(its last frames and own previous actions: ``agents.clone_input``), because a recorded player acts
on what it saw a reaction delay ago and keeps orders in progress. Saved as a ``.zip`` with that
layout inside (``agents.clone_file``), it plays wherever a bot name or model file is accepted
(``gameai eval --bots clone.zip,...``).

``record_matches`` writes many matches of a bot as replays on *training* map seeds (below
``agents.map_seeds.HELD_OUT_SEED0``), so a clone can be checked on held-out maps it never saw.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from agents.clone_input import CloneInput
from envs.ruleset import Ruleset


class ImitationError(ValueError):
    """Replays that cannot be learned from, or bad imitation settings."""


# the input layout chosen by agreement on a dev split of recorded matches (docs/designer-bots.md)
FRAMES = 3
PREV_ACTIONS = 2
MASKS = False
# how the clone plays as a plain bot: 0 its best action, 1 a sample (``agents.clone_file``). 1 puts the win rate
# of both dev-checked clones (kite@average, retreat@average) within a point of their bot's; 0 lost 7-10 points
TEMPERATURE = 1.0
TURNS = 1  # quarter-turned copies of each recorded match (``agents.clone_augment``)
# derived features (+4 points of dev agreement) make both dev-checked clones play 6-11 points *stronger* than
# their bot, even sampled: off by default, see docs/designer-bots.md
FEATURES = False
# the recurrent clone (``--recurrent``, clone format 4): GRU and layer sizes; quarter turns (+3.3 points of dev
# agreement, kite@average) and the play temperature that puts dev-checked clones near their bot's dev win rate
# (sampled at 1 they play 5-13 points stronger)
RECURRENT_HIDDEN = 128
RECURRENT_WIDTH = 128
RECURRENT_TURNS = 4
# session 10 (with --steering and the order budget, chosen on 1,000 dev seeds x 2 sides x 2 sizes): 1.0 puts
# both within 1 point of their bot's dev win rate (kite@average +0.9, retreat@average -0.9; at 1.1 -5.7 / -6.0).
# Without the budget (session 7) it was 1.1: the budget's held orders already cost the clone some strength
RECURRENT_TEMPERATURE = 1.0
# --steering (a recurrent clone's wall follower memory, agents.clone_steering) comes with a one-hot of the
# unit's place in its team, this many places (the scripted bots' first walk around goes to a side set by it);
# on by default with --recurrent: +0.8 / +1.0 points of dev agreement (kite@average / retreat@average)
RECURRENT_SLOTS = 8
RECURRENT_STEERING = True
# session 10: mirrored copies of each match (places read with their parity swapped) on by default with
# --recurrent: +1.0 point of dev agreement for kite@average (85.1% -> 86.1%, with the order budget)
RECURRENT_MIRROR = True


@dataclass
class Decisions:
    """Every live unit's decision from a set of replays (rows aligned)."""
    obs: np.ndarray      # (N, size) float32: the clone's input (``agents.clone_input``)
    mask: np.ndarray     # (N, A) int8
    action: np.ndarray   # (N,) int64
    matches: int         # team-matches the rows came from

    def __len__(self) -> int:
        return len(self.action)


def replay_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files as given; a folder stands for the ``*.json`` files in it."""
    from agents.replay import ReplayError, replay_paths as paths_of

    try:
        return paths_of(paths)
    except ReplayError as exc:
        raise ImitationError(str(exc)) from None


def load_replays(paths: Sequence[str | Path]) -> list[tuple[str, dict]]:
    """(source, data) for each replay; all must share one ruleset (a clone is bound to its rules)."""
    from agents.replay import ReplayError, load_replays as load

    try:
        return load(paths)
    except ReplayError as exc:
        raise ImitationError(str(exc)) from None


def replay_sequences(replays: Sequence[tuple[str, dict]], team: str = "both",
                     bot: str | None = None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Re-run each replay; the chosen sides' (obs (T, U, D), mask (T, U, A), action (T, U)), one per team-match."""
    from agents.replay import ReplayError, bots_recorded, pick_teams, team_steps

    out = []
    for src, data in replays:
        try:
            steps = team_steps(src, data, pick_teams(data, team, bot))
        except ReplayError as exc:
            raise ImitationError(str(exc)) from None
        for side, (o, m, a) in steps.items():
            live = (m[..., 1:] > 0).any(-1)                   # dead units may only hold: no decision
            valid = np.take_along_axis(m, a[..., None], -1)[..., 0] > 0
            if (live & ~valid).any():
                raise ImitationError(f"{src}: the {side} team's recorded actions include moves the rules did not "
                                     "allow at that step; the replay does not fit its own match")
            out.append((o, m, a))
    if not out:
        who = f"bot {bot!r}" if bot is not None else f"team {team}"
        raise ImitationError(f"no decisions of {who} in these replays" + bots_recorded(replays))
    return out


def feature_layout(replays: Sequence[tuple[str, dict]]) -> dict:
    """What derived features need from the replays' ruleset: its unit types (where the enemy slots
    start) and position scale (cells per observed distance unit)."""
    spec = ruleset_spec(replays)
    return {"n_types": spec.n_types, "pos_scale": float(spec.pos_scale)}


def ruleset_spec(replays: Sequence[tuple[str, dict]]):
    """The observation layout of the replays' ruleset (what quarter turns of its observations need)."""
    from envs import core
    from envs.ruleset import RulesetError, parse_ruleset

    src, data = replays[0]
    try:
        return core.observation_spec(core.compile_params(parse_ruleset(data["ruleset"], source=src)))
    except (RulesetError, KeyError, TypeError) as exc:
        raise ImitationError(f"{src}: its ruleset cannot be read ({exc})") from None


def plain_layout(sequences) -> CloneInput:
    """The version-1 input: the current observation only."""
    o, m, _ = sequences[0]
    return CloneInput(1, 0, o.shape[-1], m.shape[-1])


def sequence_decisions(sequences, layout: CloneInput) -> Decisions:
    """The live units' decisions of team-match sequences, each with its input built by ``layout``."""
    obs, mask, act = [], [], []
    for o, m, a in sequences:
        live = (m[..., 1:] > 0).any(-1)
        obs.append(layout.sequence(o, m, a)[live])
        mask.append(m[live])
        act.append(a[live])
    out = Decisions(np.concatenate(obs), np.concatenate(mask).astype(np.int8),
                    np.concatenate(act).astype(np.int64), len(sequences))
    if not len(out):
        raise ImitationError("the replays hold no decisions of live units (every match ended at once)")
    return out


def replay_decisions(replays: Sequence[tuple[str, dict]], team: str = "both", bot: str | None = None,
                     layout: CloneInput | None = None) -> Decisions:
    """Re-run each replay and keep the chosen sides' live-unit decisions (current observation only by default)."""
    seqs = replay_sequences(replays, team, bot)
    return sequence_decisions(seqs, layout or plain_layout(seqs))


def agreement(clone_path: str | Path, sequences) -> dict:
    """How often the clone's best action equals the recorded one, on every live decision of ``sequences``.

    The clone's history holds the recorded actions (as if it had played them): this scores each decision
    given the same past, the way the recorded player had it. A clone with an order budget plays its choice
    through that budget, whose tokens are rebuilt from the orders the player really gave."""
    from agents.clone_file import RecurrentEntry, read_clone_layout
    from agents.rl_policy import load_model, masked_logits

    policy = load_model(clone_path).policy
    layout = read_clone_layout(clone_path) or plain_layout(sequences)
    if isinstance(layout, RecurrentEntry) and layout.apm is not None:
        return _budget_agreement(policy.features_extractor.net, layout, sequences)
    if isinstance(layout, RecurrentEntry):
        from agents.clone_recurrent import predict, unit_sequences

        guess, truth = predict(policy.features_extractor.net, unit_sequences(sequences, layout.layout))
        return {"decisions": len(truth), "agreement": float((guess == truth).mean())}
    data = sequence_decisions(sequences, layout)
    hits = 0
    for i in range(0, len(data), 8192):
        guess = masked_logits(policy, data.obs[i:i + 8192], data.mask[i:i + 8192]).argmax(-1)
        hits += int((guess == data.action[i:i + 8192]).sum())
    return {"decisions": len(data), "agreement": hits / len(data)}


def _budget_agreement(net, entry, sequences) -> dict:
    """``agreement`` for a recurrent clone with an order budget: each step, its wishes for the whole team go
    through the budget as the clone plays them (``agents.clone_policy``)."""
    from agents.clone_recurrent import predict_team
    from agents.order_budget import OrderBudget, kept_actions

    hits = decisions = held = 0
    for o, m, a in sequences:
        guess = predict_team(net, entry.layout.sequence(o, m, a), m)
        live = (m[..., 1:] > 0).any(-1)
        alive = o[..., 0] > 0
        budget = OrderBudget(entry.apm, 1)
        last = np.zeros_like(a[0])
        for t in range(len(a)):
            kept = kept_actions(last, m[t])
            made = int(((a[t] != kept) & alive[t]).sum())
            played = budget.grant(guess[t][None], kept[None], alive[t][None], spent=np.array([made]))[0]
            hits += int((played == a[t])[live[t]].sum())
            held += int(((played != guess[t]) & live[t]).sum())
            decisions += int(live[t].sum())
            last = a[t]
    return {"decisions": decisions, "agreement": hits / decisions, "held_by_budget": held / decisions}


def new_model(obs_size: int, n_actions: int, net_arch: Sequence[int] = (128, 128), seed: int = 0,
              policy: object = "MlpPolicy", policy_kwargs: dict | None = None):
    """An untrained MaskablePPO with the shipped learned bot's network shape and spaces (or ``policy``)."""
    import gymnasium as gym
    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.vec_env import DummyVecEnv

    from agents.rl_policy import set_torch_threads

    set_torch_threads()
    obs_space = gym.spaces.Box(-np.inf, np.inf, shape=(obs_size,), dtype=np.float32)
    act_space = gym.spaces.Discrete(n_actions)

    class Spaces(gym.Env):
        """Only carries the spaces: the model is fitted offline, never stepped in an env."""
        observation_space = obs_space
        action_space = act_space

        def reset(self, *, seed=None, options=None):
            return np.zeros(obs_size, np.float32), {}

        def step(self, action):
            raise NotImplementedError("an imitation model is trained from replays, not by stepping an env")

        def action_masks(self):
            return np.ones(n_actions, dtype=bool)

    torch.manual_seed(seed)
    return MaskablePPO(policy, DummyVecEnv([Spaces]), n_steps=32, batch_size=32,
                       policy_kwargs=policy_kwargs or {"net_arch": list(net_arch)}, seed=seed, device="cpu", verbose=0)


def imitate(replay_files: Sequence[str | Path], out: str | Path, *, team: str = "both", bot: str | None = None,
            epochs: int = 12, seed: int = 0, net_arch: Sequence[int] = (128, 128), frames: int = FRAMES,
            prev_actions: int = PREV_ACTIONS, masks: bool = MASKS, features: bool = FEATURES, turns: int = TURNS,
            temperature: float = TEMPERATURE, recurrent: bool = False, steering: bool = False,
            apm: float | str | None = None, mirror: bool = False, log: Callable[[str], None] | None = None) -> dict:
    """Clone the chosen side(s) of ``replay_files`` into a clone ``.zip`` at ``out``; returns a summary.

    The clone reads the last ``frames`` observations (with their action masks if ``masks``) and its
    own last ``prev_actions`` actions (``agents.clone_input``); the file is a MaskablePPO model with that layout inside
    (``agents.clone_file``). A recurrent clone can play at its player's pace: ``apm`` "auto" fits the
    order budget the replays fit in (``player_apm``), a number sets one, None plays without."""
    out = Path(out)
    if out.suffix != ".zip":
        raise ImitationError(f"--out must name a .zip file (the model), got {str(out)!r}")
    if epochs < 1:
        raise ImitationError(f"--epochs must be at least 1, got {epochs}")
    if frames < 1 or prev_actions < 0:
        raise ImitationError(f"--frames must be at least 1 and --prev-actions at least 0, "
                             f"got {frames} and {prev_actions}")
    if not 0 <= temperature < float("inf"):
        raise ImitationError(f"--temperature must be a number >= 0, got {temperature}")
    if turns not in (1, 2, 4):
        raise ImitationError(f"--turns must be 1, 2 or 4 (quarter-turned copies of each match), got {turns}")
    if apm is not None and not recurrent:
        raise ImitationError("--apm (the clone's order budget) is played by the recurrent clone: add --recurrent")
    if mirror and not recurrent:
        raise ImitationError("--mirror (mirrored copies, places swapped) is for the recurrent clone: add --recurrent")
    if apm is not None and apm != "auto" and not (isinstance(apm, (int, float)) and 0 < apm < float("inf")):
        raise ImitationError(f"--apm must be auto, none or a number of order changes per minute > 0, got {apm!r}")
    replays = load_replays(replay_files)
    what = f"{len(replays)} replay{'' if len(replays) == 1 else 's'}"
    extra = dict(feature_layout(replays)) if features else {}
    if turns != 1:
        extra.update(turns=turns, spec=ruleset_spec(replays))
    if temperature:
        extra.update(temperature=temperature)
    if recurrent:
        # a recurrent clone reads the whole match: frames and --prev-actions do not apply (one previous action)
        seqs = replay_sequences(replays, team, bot)
        if apm == "auto":
            apm = player_apm(seqs)
            if log:
                log(f"order budget: the recorded orders fit in {apm:.1f} changes a minute" if apm is not None else
                    "order budget: none (orders faster than any budget checked)")
        if mirror and "spec" not in extra:
            extra["spec"] = ruleset_spec(replays)
        summary = clone_recurrent_sequences(seqs, out, epochs=epochs, seed=seed, apm=apm, mirror=mirror,
                                            features=features, prev_action=prev_actions > 0, log=log,
                                            steering=steering, slots=RECURRENT_SLOTS if steering else 0,
                                            what=what, temperature=temperature,
                                            **{**feature_layout(replays), **{k: v for k, v in extra.items()
                                                                             if k in ("turns", "spec")}})
        return {"replays": len(replays), **summary}
    summary = clone_sequences(replay_sequences(replays, team, bot), out, epochs=epochs, seed=seed, net_arch=net_arch,
                              frames=frames, prev_actions=prev_actions, masks=masks, features=features,
                              log=log, what=what, **extra)
    return {"replays": len(replays), **summary}


def _write_whole(out: Path, write: Callable[[Path], object]) -> None:
    """``write`` the clone to a temporary file of this process, then rename it to ``out``: a reader (a takeover,
    or the demo's style learner writing the same clone from another process) only ever sees a whole file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp.zip")
    try:
        write(tmp)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def clone_sequences(seqs, out: Path, *, epochs: int, seed: int, net_arch: Sequence[int], frames: int,
                    prev_actions: int, masks: bool = MASKS, features: bool = FEATURES, n_types: int = 0,
                    pos_scale: float = 0.0, turns: int = 1, spec=None, temperature: float = 0.0, log: Callable[[str], None] | None = None,
                    what: str = "replays") -> dict:
    """``imitate`` on team-match sequences already re-run (``replay_sequences``): train, then write ``out``."""
    from agents.clone_file import write_clone_layout
    from agents.rl_imitation import clone

    base = plain_layout(seqs)
    try:
        layout = CloneInput(frames, prev_actions, base.obs_size, base.n_actions, masks, features, n_types,
                            pos_scale)
    except ValueError as exc:
        raise ImitationError(f"cannot build the clone's input for these replays: {exc}") from None
    seqs = _turned(seqs, turns, spec)
    data = sequence_decisions(seqs, layout)
    model = new_model(layout.size, layout.n_actions, net_arch, seed)
    if log:
        log(f"cloning {len(data):,} decisions from {data.matches} team-matches in {what}"
            f"{f' (x{turns} with quarter turns)' if turns != 1 else ''} "
            f"(input: {frames} observations{' with their masks' if masks else ''}"
            f"{' and derived features' if features else ''}, {prev_actions} previous actions)")
    # small batches and a decaying rate: the clone is the end product here, so fit it closely
    stats = clone(model.policy, {"obs": data.obs, "mask": data.mask, "action": data.action},
                  epochs=epochs, batch_size=256, lr=2e-3, cosine=True, seed=seed, log=log)
    _write_whole(out, lambda tmp: (model.save(tmp), write_clone_layout(tmp, layout, temperature)))
    return {"model": str(out), "team_matches": data.matches, "decisions": len(data),
            "epochs": epochs, "seed": seed, "frames": frames, "prev_actions": prev_actions, "masks": masks,
            "features": features, "turns": turns, "temperature": temperature, "train_agreement": stats["agreement"],
            "cross_entropy": stats["cross_entropy"]}


def player_apm(sequences) -> float | None:
    """The tightest order budget (changes a minute, ``agents.order_budget.fit_apm``) that every recorded order
    of ``sequences`` fits in: a capped player's cap; for one never held, the pace of their busiest bursts."""
    from agents.order_budget import fit_apm

    return fit_apm((a, m, o[..., 0] > 0) for o, m, a in sequences)


def _turned(seqs, turns: int, spec):
    """The sequences and their quarter-turned copies (``turns`` of 1: the sequences as they are)."""
    if turns == 1:
        return seqs
    from agents.clone_augment import quarter_turns

    if spec is None:
        raise ImitationError("quarter turns need the replays' observation layout")
    try:
        return quarter_turns(spec, seqs, turns)
    except ValueError as exc:
        raise ImitationError(f"cannot turn these replays: {exc}") from None


def clone_recurrent_sequences(seqs, out: Path, *, epochs: int, seed: int, n_types: int, pos_scale: float,
                              hidden: int = RECURRENT_HIDDEN, width: int = RECURRENT_WIDTH, features: bool = True,
                              prev_action: bool = True, directions: bool = True, delayed: bool = True,
                              progress: bool = True, steering: bool = False, slots: int = 0, turns: int = 1,
                              spec=None, temperature: float = 0.0, apm: float | None = None, mirror: bool = False,
                              log: Callable[[str], None] | None = None, what: str = "replays") -> dict:
    """A recurrent clone (clone format 4, ``agents.clone_recurrent``) of team-match sequences, written to ``out``.

    Trained by truncated back-propagation through time on each unit's whole recorded match. With ``apm``
    (the player's order budget, ``player_apm``) the clone plays at that pace, and the decisions the budget
    may have held are left out of its loss. ``mirror`` also learns from each (turned) match mirrored, its
    units' places read with their parity swapped (``agents.clone_augment``)."""
    from agents.clone_file import write_recurrent_layout
    from agents.clone_recurrent import RecurrentInput, train, unit_sequences
    from agents.clone_recurrent_sb3 import RecurrentClonePolicyNet, RecurrentStepExtractor

    base = plain_layout(seqs)
    try:
        layout = RecurrentInput(base.obs_size, base.n_actions, n_types, pos_scale, features, prev_action, directions,
                                delayed, progress, steering, slots)
    except ValueError as exc:
        raise ImitationError(f"cannot build the recurrent clone's input for these replays: {exc}") from None
    seqs = _turned(seqs, turns, spec)
    mirrored = [False] * len(seqs)
    if mirror:
        from agents.clone_augment import mirror as mirror_of

        if spec is None:
            raise ImitationError("mirrored copies need the replays' observation layout")
        seqs, mirrored = seqs + [mirror_of(spec, *sq) for sq in seqs], mirrored + [True] * len(seqs)
    all_live = int(sum((m[..., 1:] > 0).any(-1).sum() for _, m, _ in seqs))
    units = unit_sequences(seqs, layout, held_apm=apm, mirrored=mirrored)
    decisions = int(sum(u[3].sum() for u in units))
    if not decisions:
        raise ImitationError("the replays hold no decisions of live units (every match ended at once)")
    kwargs = {"features_extractor_class": RecurrentStepExtractor, "net_arch": [], "ortho_init": False,
              "features_extractor_kwargs": {"layout": asdict(layout), "hidden": hidden, "width": width}}
    model = new_model(layout.size + hidden, layout.n_actions, seed=seed, policy=RecurrentClonePolicyNet,
                      policy_kwargs=kwargs)
    if log:
        log(f"cloning {decisions:,} decisions of {len(units)} units from {len(seqs)} team-matches in {what}"
            f"{f' (x{turns} with quarter turns)' if turns != 1 else ''}{' (x2 mirrored)' if mirror else ''}"
            f" into a recurrent clone (GRU of {hidden}"
            f"{', derived features' if features else ''}{', previous action' if prev_action else ''}"
            f"{', direction-aware moves' if directions else ''}{', steering memory' if steering else ''}"
            f"{', place in the team' if slots else ''})"
            + (f"; order budget {apm:.1f} APM ({all_live - decisions:,} decisions it may have held left out)"
               if apm is not None else ""))
    stats = train(model.policy.features_extractor.net, units, epochs=epochs, seed=seed, log=log)
    _write_whole(out, lambda tmp: (model.save(tmp),
                                   write_recurrent_layout(tmp, layout, hidden, width, temperature, apm)))
    return {"model": str(out), "team_matches": len(seqs), "decisions": decisions, "epochs": epochs, "seed": seed,
            "recurrent": True, "hidden": hidden, "features": features, "prev_action": prev_action,
            "directions": directions, "delayed": delayed, "progress": progress, "steering": steering,
            "slots": slots, "turns": turns,
            "temperature": temperature, "apm": apm, "held_out_of_loss": all_live - decisions, "mirror": mirror,
            "train_agreement": stats["agreement"], "cross_entropy": stats["cross_entropy"]}


def record_matches(ruleset: Ruleset, bot: str, opponent: str, n: int, out_dir: str | Path, *,
                   map_sizes: Sequence[int] = (24, 32), seed0: int = 0,
                   progress: Callable[[int], None] | None = None) -> list[Path]:
    """Record ``n`` matches of ``bot`` vs ``opponent`` as replays on training map seeds.

    Match i uses map seed ``seed0 + i``, map size ``map_sizes[i % len]``, and puts ``bot`` on blue
    for even i and red for odd i, so the recording covers both sides and both map sizes.
    """
    from agents.map_seeds import HELD_OUT_SEED0, terrain_for
    from agents.replay import record_match, save_replay
    from agents.rl_eval import bot_factory

    if n < 1:
        raise ImitationError(f"--matches must be at least 1, got {n}")
    if seed0 < 0 or seed0 + n > HELD_OUT_SEED0:
        raise ImitationError(f"map seeds {seed0}..{seed0 + n - 1} reach the held-out range (>= {HELD_OUT_SEED0}); "
                             "record on training seeds only")
    if not map_sizes or any(s < 0 for s in map_sizes):
        raise ImitationError(f"map sizes must be >= 0 (0 = built-in arena), got {list(map_sizes)}")
    try:
        make_bot, make_opp = bot_factory(bot), bot_factory(opponent)
    except (ValueError, FileNotFoundError) as exc:
        raise ImitationError(str(exc)) from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        seed = seed0 + i
        blue, red = (make_bot(), make_opp()) if i % 2 == 0 else (make_opp(), make_bot())
        _, data = record_match(ruleset, ruleset.teams["blue"], ruleset.teams["red"], seed,
                               blue_bot=blue, red_bot=red, terrain=terrain_for(map_sizes[i % len(map_sizes)]))
        path = out / f"match_{seed:09d}.json"
        save_replay(path, data)
        paths.append(path)
        if progress:
            progress(i + 1)
    return paths
