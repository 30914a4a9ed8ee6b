"""Replays: a match saved as its seed and every step's actions, re-run to the identical result.

The file is JSON: the full ruleset (so a later edit of the .toml cannot change the replay), the
compositions, the seed, the step limit, the terrain grid (or null for the built-in arena), each
step's actions for all unit slots, and the result the match had. ``replay`` plays the recorded
actions through the core again; because the core is deterministic, it reproduces the result.
"""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Sequence

import numpy as np

from agents.arena import MatchResult, run_matches
from envs.ruleset import Ruleset, RulesetError, parse_ruleset
from envs.spec import n_actions

FORMAT = "gameai-replay"
VERSION = 1


class ReplayError(ValueError):
    """A replay file that cannot be read or played."""


class RecordedPolicy:
    """Plays back one team's recorded actions for a single environment."""

    def __init__(self, actions: np.ndarray, name: str, decisions: list | None = None):
        self.actions = actions  # (T, U)
        self.name = name
        self.decisions = decisions  # if a list: receives each step's (obs, mask, action) for learning

    def reset(self, spec, team: int, seeds: Sequence[int]) -> None:
        if len(seeds) != 1:
            raise ReplayError("a replay plays exactly one match")
        self.t = 0

    def act(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.t >= len(self.actions):
            raise ReplayError(f"the replay has {len(self.actions)} steps of actions but the match is still running; "
                              "the file is truncated or was recorded with other rules")
        a = self.actions[self.t][None, :]
        self.t += 1
        if self.decisions is not None:
            self.decisions.append((obs[0].copy(), mask[0].copy(), a[0]))
        return a


def record_match(ruleset: Ruleset, blue: dict, red: dict, seed: int, **kwargs) -> tuple[MatchResult, dict]:
    """Play one match like ``run_matches`` and return (result, replay data)."""
    steps: list[np.ndarray] = []
    result = run_matches(ruleset, blue, red, [seed], actions_out=steps, **kwargs)[0]
    terrain = kwargs.get("terrain")
    if callable(terrain):
        terrain = terrain(seed)
    spawns = None
    if hasattr(terrain, "tiles"):  # a map object (pcg.GameMap): keep its grid and spawn points
        spawns = [[int(sp.team), int(sp.x), int(sp.y)] for sp in getattr(terrain, "spawns", ()) or ()]
        terrain = terrain.tiles
    data = {
        "format": FORMAT, "version": VERSION, "seed": int(seed),
        "ruleset": ruleset.to_dict(), "blue": dict(blue), "red": dict(red),
        "max_steps": result.config["max_steps"],
        "terrain": None if terrain is None else np.asarray(terrain).astype(int).tolist(),
        "spawns": spawns,
        "bots": {"blue": result.config["blue_bot"], "red": result.config["red_bot"]},
        "actions": [a[0].astype(int).tolist() for a in steps],
        "result": result.to_dict(),
    }
    return result, data


def save_replay(path: str | Path, data: dict) -> None:
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    tmp.replace(p)  # never leave a half-written replay behind


def load_replay(path: str | Path) -> dict:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(f"{p}: file not found; write one with `gameai match --replay {p}`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReplayError(f"{p}: not a readable replay file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReplayError(f"{p}: not a gameai replay (no \"format\": \"{FORMAT}\"); "
                          "write one with `gameai match --replay FILE`")
    if data.get("version") != VERSION:
        raise ReplayError(f"{p}: replay version {data.get('version')!r} is not supported (this gameai reads "
                          f"version {VERSION})")
    missing = [k for k in ("seed", "ruleset", "blue", "red", "max_steps", "terrain", "actions") if k not in data]
    if missing:
        raise ReplayError(f"{p}: replay is missing {', '.join(missing)}")
    return data


def replay(data: dict, source: str = "replay", decisions: dict[str, list] | None = None) -> MatchResult:
    """Re-run a replay's recorded actions; returns the match result.

    Replays store actions only: the core is deterministic, so re-running them regenerates every
    observation and action mask exactly. ``decisions``, if given, maps "blue"/"red" to lists that
    receive that team's (obs (U, D), mask (U, A), action (U,)) for every step (for imitation).
    """
    decisions = decisions or {}
    try:
        ruleset = parse_ruleset(data["ruleset"], source=f"{source} (embedded ruleset)")
        actions = np.asarray(data["actions"], dtype=np.int64)
        if actions.ndim != 2 or len(actions) == 0:
            raise ReplayError(f"{source}: actions must be a non-empty list of per-step lists")
        terrain: Any = None if data["terrain"] is None else np.asarray(data["terrain"], dtype=np.int64)
        if terrain is not None and data.get("spawns"):
            terrain = SimpleNamespace(tiles=terrain, spawns=[SimpleNamespace(team=t, x=x, y=y)
                                                             for t, x, y in data["spawns"]])
        n_codes = n_actions()
        if actions.min() < 0 or actions.max() >= n_codes:
            t = int(np.argwhere((actions < 0) | (actions >= n_codes))[0][0])
            raise ReplayError(f"{source}: step {t} holds an action outside the action codes 0..{n_codes - 1}; "
                              "the file is damaged")
        blue_n = sum(int(v) for v in data["blue"].values())
        if actions.shape[1] != blue_n + sum(int(v) for v in data["red"].values()):
            raise ReplayError(f"{source}: each step must have one action per unit "
                              f"({actions.shape[1]} given for the compositions recorded)")
        bots = data.get("bots", {})
        return run_matches(ruleset, data["blue"], data["red"], [int(data["seed"])],
                           blue_bot=RecordedPolicy(actions[:, :blue_n], f"replay of {bots.get('blue', '?')}",
                                                           decisions.get("blue")),
                           red_bot=RecordedPolicy(actions[:, blue_n:], f"replay of {bots.get('red', '?')}",
                                                          decisions.get("red")),
                           terrain=terrain, max_steps=int(data["max_steps"]))[0]
    except ReplayError as exc:
        if str(exc).startswith(source):
            raise
        raise ReplayError(f"{source}: {exc}") from None  # errors raised mid-match do not know the file
    except (RulesetError, ValueError, TypeError, AttributeError) as exc:
        raise ReplayError(f"{source}: cannot play this replay: {exc}") from None


def same_outcome(a: dict, b: dict) -> bool:
    """Whether two result dicts agree on everything but the bot names."""
    strip = lambda d: {k: v for k, v in d.items() if k != "config"}  # noqa: E731
    return strip(a) == strip(b)


# --- reading replays to learn from (shared by imitation and calibration) ---------------------------

TEAMS = ("blue", "red")


def replay_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files as given; a folder stands for the ``*.json`` files in it (sorted, so the order is fixed)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(p.glob("*.json"))
            if not found:
                raise ReplayError(f"{p}: folder holds no replay files (*.json)")
            out.extend(found)
        else:
            out.append(p)
    if not out:
        raise ReplayError("name at least one replay file (or a folder of them)")
    return out


def load_replays(paths: Sequence[str | Path]) -> list[tuple[str, dict]]:
    """(source, data) for each replay; all must share one ruleset (what is learned is bound to its rules)."""
    loaded = [(str(p), load_replay(p)) for p in replay_paths(paths)]
    first_src, first = loaded[0]
    for src, data in loaded[1:]:
        if data["ruleset"] != first["ruleset"]:
            raise ReplayError(f"{src} was recorded with another ruleset than {first_src}; what is learned from "
                              "replays is bound to one ruleset's units and actions, so use replays of one "
                              "ruleset at a time")
    return loaded


def pick_teams(data: dict, team: str, bot: str | None) -> list[str]:
    """Which sides of a replay to read: ``team`` (blue/red/both), or the side(s) ``bot`` played.

    ``bot`` without a tier ("kite") matches that bot at any tier ("kite@average")."""
    if bot is None:
        if team not in (*TEAMS, "both"):
            raise ReplayError(f"--team must be blue, red or both (got {team!r})")
        return list(TEAMS) if team == "both" else [team]
    bots = data.get("bots") or {}
    return [side for side in TEAMS
            if bots.get(side) == bot or ("@" not in bot and str(bots.get(side, "")).partition("@")[0] == bot)]


def team_steps(src: str, data: dict, sides: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Re-run one replay; for each side, its per-step observations (T, U, D), masks (T, U, A), actions (T, U).

    Refuses a replay whose re-run does not reproduce its recorded result: its observations would not be
    the ones the player saw, and learning from them would teach nonsense."""
    logs: dict[str, list] = {side: [] for side in sides}
    result = replay(data, source=src, decisions=logs)
    if data.get("result") is not None and not same_outcome(result.to_dict(), data["result"]):
        raise ReplayError(f"{src}: re-running the actions does not reproduce the recorded match "
                          "(recorded by another version of the core, or edited); record it again")
    return {side: (np.stack([s[0] for s in rows]), np.stack([s[1] for s in rows]),
                   np.stack([s[2] for s in rows]).astype(np.int64)) for side, rows in logs.items()}


def bots_recorded(replays: Sequence[tuple[str, dict]]) -> str:
    """" (bots recorded: a, b)" for an error message, or "" when the replays name none."""
    names = sorted({str(n) for _, d in replays for n in (d.get("bots") or {}).values()})
    return f" (bots recorded: {', '.join(names)})" if names else ""
