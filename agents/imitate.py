"""Behaviour cloning from replays: a player's (or a bot's) recorded matches -> a learned bot.

A replay (``agents.replay``) stores only each step's actions; the core is deterministic, so
re-running the actions regenerates every observation and action mask the player saw. Each live
unit's (observation, mask, action) is one decision; the clone is a MaskablePPO network of the
same shape as the shipped learned bot (one unit's egocentric observation -> that unit's action),
fitted with masked cross-entropy (``agents.rl_imitation.clone``). Saved as a ``.zip``, it plays
wherever a bot name or model file is accepted (``gameai eval --bots clone.zip,...``).

``record_matches`` writes many matches of a bot as replays on *training* map seeds (below
``agents.map_seeds.HELD_OUT_SEED0``), so a clone can be checked on held-out maps it never saw.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from envs.ruleset import Ruleset

TEAMS = ("blue", "red")


class ImitationError(ValueError):
    """Replays that cannot be learned from, or bad imitation settings."""


@dataclass
class Decisions:
    """Every live unit's decision from a set of replays (rows aligned)."""
    obs: np.ndarray      # (N, D) float32
    mask: np.ndarray     # (N, A) int8
    action: np.ndarray   # (N,) int64
    matches: int         # team-matches the rows came from

    def __len__(self) -> int:
        return len(self.action)


def replay_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files as given; a folder stands for the ``*.json`` files in it (sorted, so the order is fixed)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(p.glob("*.json"))
            if not found:
                raise ImitationError(f"{p}: folder holds no replay files (*.json)")
            out.extend(found)
        else:
            out.append(p)
    if not out:
        raise ImitationError("name at least one replay file (or a folder of them)")
    return out


def load_replays(paths: Sequence[str | Path]) -> list[tuple[str, dict]]:
    """(source, data) for each replay; all must share one ruleset (a clone is bound to its rules)."""
    from agents.replay import ReplayError, load_replay

    loaded = []
    for p in replay_paths(paths):
        try:
            loaded.append((str(p), load_replay(p)))
        except ReplayError as exc:
            raise ImitationError(str(exc)) from None
    first_src, first = loaded[0]
    for src, data in loaded[1:]:
        if data["ruleset"] != first["ruleset"]:
            raise ImitationError(f"{src} was recorded with another ruleset than {first_src}; a clone learns one "
                                 "ruleset's units and actions, so imitate replays of one ruleset at a time")
    return loaded


def pick_teams(data: dict, team: str, bot: str | None, source: str) -> list[str]:
    """Which sides of a replay to learn from: ``team`` (blue/red/both), or the side(s) ``bot`` played.

    ``bot`` without a tier ("kite") matches that bot at any tier ("kite@average")."""
    if bot is None:
        if team not in (*TEAMS, "both"):
            raise ImitationError(f"--team must be blue, red or both (got {team!r})")
        return list(TEAMS) if team == "both" else [team]
    bots = data.get("bots") or {}
    return [side for side in TEAMS
            if bots.get(side) == bot or ("@" not in bot and str(bots.get(side, "")).partition("@")[0] == bot)]


def replay_decisions(replays: Sequence[tuple[str, dict]], team: str = "both", bot: str | None = None) -> Decisions:
    """Re-run each replay and keep the chosen sides' live-unit decisions."""
    from agents.replay import ReplayError, replay, same_outcome

    obs, mask, act = [], [], []
    matches = 0
    for src, data in replays:
        sides = pick_teams(data, team, bot, src)
        if not sides:
            continue
        logs: dict[str, list] = {side: [] for side in sides}
        try:
            result = replay(data, source=src, decisions=logs)
        except ReplayError as exc:
            raise ImitationError(str(exc)) from None
        if data.get("result") is not None and not same_outcome(result.to_dict(), data["result"]):
            # the observations would not be the ones the player saw: learning from them would teach nonsense
            raise ImitationError(f"{src}: re-running the actions does not reproduce the recorded match "
                                 "(recorded by another version of the core, or edited); record it again")
        for side in sides:
            o = np.stack([s[0] for s in logs[side]])          # (T, U, D)
            m = np.stack([s[1] for s in logs[side]])          # (T, U, A)
            a = np.stack([s[2] for s in logs[side]])          # (T, U)
            live = (m[..., 1:] > 0).any(-1)                   # dead units may only hold: no decision
            valid = np.take_along_axis(m, a[..., None], -1)[..., 0] > 0
            if (live & ~valid).any():
                raise ImitationError(f"{src}: the {side} team's recorded actions include moves the rules did not "
                                     "allow at that step; the replay does not fit its own match")
            obs.append(o[live])
            mask.append(m[live])
            act.append(a[live])
            matches += 1
    if not act:
        who = f"bot {bot!r}" if bot is not None else f"team {team}"
        names = sorted({n for _, d in replays for n in (d.get("bots") or {}).values()})
        raise ImitationError(f"no decisions of {who} in these replays" +
                             (f" (bots recorded: {', '.join(names)})" if names else ""))
    out = Decisions(np.concatenate(obs).astype(np.float32), np.concatenate(mask).astype(np.int8),
                    np.concatenate(act).astype(np.int64), matches)
    if not len(out):
        raise ImitationError("the replays hold no decisions of live units (every match ended at once)")
    return out


def new_model(obs_size: int, n_actions: int, net_arch: Sequence[int] = (128, 128), seed: int = 0):
    """An untrained MaskablePPO with the shipped learned bot's network shape and spaces."""
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
    return MaskablePPO("MlpPolicy", DummyVecEnv([Spaces]), n_steps=32, batch_size=32,
                       policy_kwargs={"net_arch": list(net_arch)}, seed=seed, device="cpu", verbose=0)


def imitate(replay_files: Sequence[str | Path], out: str | Path, *, team: str = "both", bot: str | None = None,
            epochs: int = 12, seed: int = 0, net_arch: Sequence[int] = (128, 128),
            log: Callable[[str], None] | None = None) -> dict:
    """Clone the chosen side(s) of ``replay_files`` into a MaskablePPO ``.zip`` at ``out``; returns a summary."""
    from agents.rl_imitation import clone
    from envs import core
    from envs.ruleset import parse_ruleset

    out = Path(out)
    if out.suffix != ".zip":
        raise ImitationError(f"--out must name a .zip file (the model), got {str(out)!r}")
    if epochs < 1:
        raise ImitationError(f"--epochs must be at least 1, got {epochs}")
    replays = load_replays(replay_files)
    data = replay_decisions(replays, team, bot)
    spec = core.observation_spec(core.compile_params(parse_ruleset(replays[0][1]["ruleset"], source=replays[0][0])))
    model = new_model(spec.size, spec.n_actions, net_arch, seed)
    if log:
        log(f"cloning {len(data):,} decisions from {data.matches} team-matches in {len(replays)} replays")
    # small batches and a decaying rate: the clone is the end product here, so fit it closely
    stats = clone(model.policy, {"obs": data.obs, "mask": data.mask, "action": data.action},
                  epochs=epochs, batch_size=256, lr=2e-3, cosine=True, seed=seed, log=log)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.zip")
    model.save(tmp)
    tmp.replace(out)  # never leave a half-written model behind
    return {"model": str(out), "replays": len(replays), "team_matches": data.matches, "decisions": len(data),
            "epochs": epochs, "seed": seed, "train_agreement": stats["agreement"],
            "cross_entropy": stats["cross_entropy"]}


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
