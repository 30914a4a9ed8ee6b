"""The player's matches on the battlefield: who they face, their rating, and what is kept of each match.

Before a match the player picks the opponent bot and its tier, or turns on adaptive difficulty
(`agents.adaptive`: the shipped ladder's bot at a difficulty that moves after every match so the
player wins about half; their OpenSkill rating is shown and kept in the data dir). When a match
ends — played to the end, or finished by a stand-in after the player left — it counts: adaptive
difficulty is re-rated on it, a line is appended to `matches.jsonl`, and its replay is written
to `replays/` in the format `gameai imitate` reads.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from demos.match_record import RecordingError, played_by, save_match
from demos.takeover import StandIn, stand_in_for_player, tier_for_difficulty

PLAYER_NAME = "human"  # the player's side in replays: `gameai imitate REPLAYS --bot human` learns from it
TIERS = ("novice", "average", "expert")
RATING_FILE = "player_rating.json"
RESULTS_FILE = "matches.jsonl"
REPLAY_DIR = "replays"
CLONE_FILE = "player_clone.zip"
TIER_FILE = "player_tier.toml"
PLAYER_TEAM, OPPONENT_TEAM = 0, 1  # the player commands blue


def opponent_bots() -> list[str]:
    """Every bot the player can face: scripted ones (but the random baseline) and shipped learned ones."""
    from agents.scripted import BOTS
    from demos.skirmish_view import learned_bots

    return [b for b in BOTS if b != "random"] + learned_bots()


@dataclass
class MatchChoice:
    bot: str = "focus_fire"
    tier: str = "novice"
    adaptive: bool = False
    teaching: bool = False  # the squad judges orders (demos.order_review); off: orders are obeyed at once


@dataclass
class MatchOutcome:
    winner: str
    score: float  # the player's: 1 win, 0.5 draw, 0 loss
    opponent: str
    replay: Path | None
    replay_error: str | None
    rating: float | None
    takeover: dict | None
    lines: list[str] = field(default_factory=list)  # what the result panel says


class MatchSession:
    def __init__(self, data_dir: Path, clone_path: Path | None = None, log=print, tier_path: Path | None = None):
        self.root = Path(data_dir)
        self.replay_dir = self.root / REPLAY_DIR
        self.clone_path = Path(clone_path) if clone_path is not None else self.root / CLONE_FILE
        self.tier_path = Path(tier_path) if tier_path is not None else self.root / TIER_FILE
        self.choice = MatchChoice()
        self.log = log
        self.adaptive = None  # agents.adaptive.AdaptiveDifficulty, made on first use
        self.opponent_name = ""
        self.last: MatchOutcome | None = None
        self.recorded_round: int | None = None
        self.note: str | None = None

    # --- before a match -------------------------------------------------------------------
    def controller(self):
        """The adaptive difficulty controller, with the player's saved rating (made on first use)."""
        if self.adaptive is None:
            from agents.adaptive import AdaptiveDifficulty, shipped_ladder

            self.adaptive = AdaptiveDifficulty(shipped_ladder(), player=self._load_rating())
        return self.adaptive

    def make_opponent(self, seed: int):
        """(policy, name) for the chosen opponent; ValueError/OSError with a reason if it cannot be built."""
        c = self.choice
        if c.adaptive:
            ctl = self.controller()
            name = f"{ctl.ladder.bot}@d{ctl.difficulty:.2f}"
            return ctl.make_opponent(seed), name
        from agents import make_policy

        return make_policy(c.bot, c.tier, seed), f"{c.bot}@{c.tier}"

    def rating(self) -> float | None:
        return None if self.adaptive is None else self.adaptive.rating

    def player_tier(self) -> str:
        """The scripted tier that matches the player: their adaptive band, else the tier they chose to face."""
        if self.choice.adaptive and self.adaptive is not None:
            return tier_for_difficulty(self.adaptive.difficulty)
        return self.choice.tier

    def stand_in(self, view) -> StandIn:
        return stand_in_for_player(view.spec, PLAYER_TEAM, view.match_seed + 7, model=self.clone_path,
                                   tier=self.player_tier(), tier_file=self.tier_path)

    # --- after a match --------------------------------------------------------------------
    def finish(self, view) -> MatchOutcome:
        """Count the match that just ended on ``view``: rate it, log it, save its replay. Runs once per match."""
        self.recorded_round = view.round
        score = {"blue": 1.0, "red": 0.0}.get(view.winner, 0.5)
        opponent = view.bots[OPPONENT_TEAM][1]
        rating = None
        if self.choice.adaptive and self.adaptive is not None and opponent.startswith(f"{self.adaptive.ladder.bot}@d"):
            self.adaptive.record(score)
            rating = self.adaptive.rating
            self._save_rating()
        replay, replay_error = None, None
        try:
            replay = save_match(view, self.replay_dir, label="played")
        except RecordingError as exc:
            replay_error = str(exc)
        outcome = MatchOutcome(view.winner, score, opponent, replay, replay_error, rating, view.takeover)
        verdict = {1.0: "You won!", 0.0: "You lost.", 0.5: "A draw."}[score]
        outcome.lines.append(f"{verdict}  against {opponent} in {int(view.state.t[0])} steps")
        if view.takeover:
            t = view.takeover
            outcome.lines.append(f"{t['bot']} finished it for you from step {t['step']} ({t['reason']}); it counts")
        if rating is not None:
            outcome.lines.append(f"Your rating: {rating:.1f}   next opponent: {self.adaptive.opponent}")
        outcome.lines.append(f"Replay saved: {replay}" if replay else f"Replay NOT saved: {replay_error}")
        self._append_result(view, outcome)
        self.last = outcome
        for line in outcome.lines:
            self.log(line)
        return outcome

    def _append_result(self, view, outcome: MatchOutcome) -> None:
        row = {"round": view.round, "seed": int(view.match_seed), "winner": view.winner, "score": outcome.score,
               "steps": int(view.state.t[0]), "played_by": played_by(view), "takeover": view.takeover,
               "replay": None if outcome.replay is None else str(outcome.replay), "rating": outcome.rating}
        try:
            with open(self.root / RESULTS_FILE, "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
        except OSError as exc:
            self.log(f"cannot append to {self.root / RESULTS_FILE}: {exc.strerror or exc}")

    # --- the rating file --------------------------------------------------------------------
    def _load_rating(self) -> tuple[float, float] | None:
        path = self.root / RATING_FILE
        if not path.exists():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            mu, sigma = float(raw["mu"]), float(raw["sigma"])
            if not (mu == mu and sigma > 0 and abs(mu) < 1e6):
                raise ValueError("mu must be a number and sigma > 0")
            return mu, sigma
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
            aside = path.with_name("player_rating.broken.json")
            os.replace(path, aside)
            self.note = f"{path}: unreadable rating ({exc}); kept it as {aside.name} and started a new rating"
            self.log(self.note)
            return None

    def _save_rating(self) -> None:
        p = self.adaptive.player
        path = self.root / RATING_FILE
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps({"mu": p.mu, "sigma": p.sigma}) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            self.log(f"cannot save the rating to {path}: {exc.strerror or exc}")
