"""A battlefield match as a replay in `agents.replay`'s format (what `gameai imitate` learns from).

The demo records every step's actions while a match is played (`SkirmishView.actions_log`); at
the end they are written with the full ruleset, the compositions, the seed and the battlefield's
tiles, so `gameai replay FILE` re-runs the match and `gameai imitate FILE --bot human` learns the
player's style from it. Before writing, the actions are re-run through `agents.replay.replay`:
the result stored is the one the re-run gives, and a re-run that disagrees with the match as
played is refused (the file would teach an imitation the wrong observations).
"""
from __future__ import annotations

import time
from pathlib import Path

from envs.ruleset import TEAMS


class RecordingError(RuntimeError):
    """A match that cannot be saved as a replay (the message says why and where)."""


def replay_data(view) -> dict:
    """The finished match on ``view`` (a SkirmishView) as replay data, with its re-run result."""
    from agents.replay import FORMAT, VERSION, ReplayError, replay

    if view.ended_at is None:
        raise RecordingError("the match is still running; a replay is written when it ends")
    if not view.actions_log:
        raise RecordingError("the match has no recorded steps")
    names = {side: name for side, (_, name) in zip(TEAMS, view.bots)}
    if view.takeover:  # "human+focus_fire@average": `imitate --bot human` then skips the stand-in's match
        names[view.takeover["side"]] = f"{view.takeover['was']}+{view.takeover['bot']}"
    data = {
        "format": FORMAT, "version": VERSION, "seed": int(view.match_seed),
        "ruleset": view.ruleset.to_dict(), "blue": dict(view.comp), "red": dict(view.comp),
        "max_steps": int(view.params.max_steps), "terrain": view.terrain.astype(int).tolist(), "spawns": None,
        "bots": names, "actions": [a.astype(int).tolist() for a in view.actions_log],
        "played_by": played_by(view), "takeover": view.takeover,
    }
    try:
        result = replay(data, source="the demo's match").to_dict()
    except ReplayError as exc:
        raise RecordingError(f"the recorded match does not re-run: {exc}") from None
    if result["winner"] != view.winner or result["steps"] != int(view.state.t[0]):
        raise RecordingError(f"re-running the recorded actions gives {result['winner']} in {result['steps']} steps, "
                             f"but the match ended {view.winner} in {int(view.state.t[0])}: not saved")
    result["config"].update(blue_bot=names["blue"], red_bot=names["red"])
    data["result"] = result
    return data


def played_by(view) -> dict[str, str]:
    """Who played each side, in words: a bot's name, or "human, then BOT from step N" after a takeover."""
    out = {side: name for side, (_, name) in zip(TEAMS, view.bots)}
    if view.takeover:
        t = view.takeover
        out[t["side"]] = f"{t['was']}, then {t['bot']} from step {t['step']} ({t['reason']})"
    return out


def save_match(view, folder: Path, label: str = "match") -> Path:
    """Write the finished match's replay into ``folder``; returns the file. OSError/RecordingError on failure."""
    from agents.replay import save_replay

    data = replay_data(view)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordingError(f"cannot create the replay folder {folder}: {exc.strerror or exc}") from None
    path = folder / f"{label}-{time.strftime('%Y%m%d-%H%M%S')}-r{view.round}-s{view.match_seed}.json"
    try:
        save_replay(path, data)
    except OSError as exc:
        raise RecordingError(f"cannot write the replay {path}: {exc.strerror or exc}") from None
    return path
