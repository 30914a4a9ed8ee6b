"""Adaptive difficulty: pick the next opponent so that a player wins about half their matches.

The opponent is one bot played on a **ladder** of skill levels, from clumsier than a novice to an
expert (reaction delay, decision noise and APM cap interpolated; see ``ladder_tiers``). Each level
has an OpenSkill rating, fitted once by playing the levels against each other
(``calibrate_ladder``; the shipped fit is ``agents/pretrained/ladder_<bot>.json``). The player gets
an OpenSkill rating too. After every match the player's rating is updated against the level they
met (the level's rating is an anchor and does not move), and the next level is the one whose
predicted win chance against the player is nearest 50%.

Why ratings and not a plain "harder after a win" staircase: the rating says how far to move (a
player far stronger than the ladder's middle climbs several levels in one go) and it is the
number shown to the player. Because each result moves the rating, the choice also acts like a
staircase once the rating has settled, which keeps the win rate near 50% over a short session.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from agents.tiers import SkillTier

N_LEVELS = 9
#: The clumsiest level's limits; the top level is the expert (no limits).
WEAKEST = SkillTier("L0", reaction_delay=6, noise=0.5, apm=40.0)
LADDER_FORMAT = "gameai-ladder"


def ladder_tiers(n: int = N_LEVELS) -> list[SkillTier]:
    """n tiers from WEAKEST (level 0) to expert (level n-1), evenly spaced in each limit."""
    out = []
    for lv in range(n):
        f = lv / (n - 1)
        out.append(SkillTier(
            f"L{lv}", reaction_delay=int(round(WEAKEST.reaction_delay * (1 - f))),
            noise=round(WEAKEST.noise * (1 - f), 4),
            apm=None if lv == n - 1 else round(WEAKEST.apm + (600.0 - WEAKEST.apm) * f, 1)))
    return out


@dataclass(frozen=True)
class Ladder:
    """A bot's skill levels and their OpenSkill ratings (mu, sigma)."""

    bot: str
    tiers: tuple[SkillTier, ...]
    ratings: tuple[tuple[float, float], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"format": LADDER_FORMAT, "bot": self.bot,
                "levels": [{"name": t.name, "reaction_delay": t.reaction_delay, "noise": t.noise, "apm": t.apm,
                            "mu": mu, "sigma": sigma} for t, (mu, sigma) in zip(self.tiers, self.ratings)]}

    @classmethod
    def from_dict(cls, data: Any, source: str = "<ladder>") -> "Ladder":
        try:
            if data["format"] != LADDER_FORMAT:
                raise ValueError("format")
            levels = data["levels"]
            tiers = tuple(SkillTier(str(lv["name"]), int(lv["reaction_delay"]), float(lv["noise"]),
                                    None if lv["apm"] is None else float(lv["apm"])) for lv in levels)
            ratings = tuple((float(lv["mu"]), float(lv["sigma"])) for lv in levels)
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{source}: not a difficulty ladder (write one with agents.adaptive.calibrate_ladder)") \
                from None
        if len(tiers) < 2 or not all(np.isfinite(r).all() and r[1] > 0 for r in ratings):
            raise ValueError(f"{source}: a ladder needs at least 2 levels with finite ratings and sigma > 0")
        return cls(str(data["bot"]), tiers, ratings)


def shipped_ladder(bot: str = "focus_fire") -> Ladder:
    """The calibrated ladder that ships with gameai for ``bot``."""
    name = f"ladder_{bot}.json"
    ref = resources.files("agents.pretrained").joinpath(name)
    if not ref.is_file():
        raise ValueError(f"no calibrated difficulty ladder ships for bot {bot!r}; calibrate one with "
                         "agents.adaptive.calibrate_ladder")
    return Ladder.from_dict(json.loads(ref.read_text()), name)


class AdaptiveDifficulty:
    """Chooses the opponent level for the next match and rates the player after each one."""

    def __init__(self, ladder: Ladder, player: tuple[float, float] | None = None):
        from openskill.models import PlackettLuce

        self.ladder = ladder
        self.model = PlackettLuce()
        self.player = self.model.rating() if player is None else self.model.rating(mu=player[0], sigma=player[1])
        self.history: list[tuple[int, float]] = []
        self.level = self._best_level()

    @property
    def rating(self) -> float:
        """The player's shown rating: OpenSkill's ordinal (mu - 3 sigma), which grows as it becomes sure."""
        return float(self.player.ordinal())

    @property
    def tier(self) -> SkillTier:
        return self.ladder.tiers[self.level]

    def win_chance(self, level: int) -> float:
        """The player's predicted chance to beat ``level``."""
        return float(self.model.predict_win([[self.player], [self._anchor(level)]])[0])

    def record(self, outcome: float) -> int:
        """The player's result against the current level (1 win, 0.5 draw, 0 loss); returns the next level."""
        if outcome not in (0, 0.5, 1):
            raise ValueError(f"outcome must be 1 (win), 0.5 (draw) or 0 (loss), got {outcome!r}")
        ranks = [0, 1] if outcome == 1 else ([1, 0] if outcome == 0 else [0, 0])
        (self.player,), _ = self.model.rate([[self.player], [self._anchor(self.level)]], ranks=ranks)
        self.history.append((self.level, float(outcome)))
        self.level = self._best_level()
        return self.level

    def make_opponent(self, seed: int = 0):
        """A Policy for the current level (the ladder's bot at the level's tier)."""
        from agents.scripted import base_policy
        from agents.tiers import TieredPolicy

        return TieredPolicy(base_policy(self.ladder.bot, seed), self.tier, seed)

    def _anchor(self, level: int):
        mu, sigma = self.ladder.ratings[level]
        return self.model.rating(mu=mu, sigma=sigma)

    def _best_level(self) -> int:
        gaps = [abs(self.win_chance(lv) - 0.5) for lv in range(len(self.ladder.tiers))]
        return int(np.argmin(gaps))


def calibrate_ladder(ruleset, bot: str = "focus_fire", seeds: Sequence[int] = range(24), map_size: int | None = 24,
                     passes: int = 3, blue=None, red=None) -> Ladder:
    """Rate every level of ``bot``'s ladder by playing all pairs of levels on ``seeds``, both sides.

    Ratings are OpenSkill's, fitted match by match in a fixed order over ``passes`` passes
    (sigma kept from shrinking below 1, so later passes still correct the order effects).
    """
    from openskill.models import PlackettLuce

    from agents.arena import run_matches
    from agents.map_seeds import terrain_for
    from agents.scripted import base_policy
    from agents.tiers import TieredPolicy

    tiers = ladder_tiers()
    blue = dict(blue or ruleset.teams["blue"])
    red = dict(red or ruleset.teams["red"])
    terrain = terrain_for(map_size)
    games: list[tuple[int, int, float]] = []  # (level a, level b, a's score)
    for a in range(len(tiers)):
        for b in range(a + 1, len(tiers)):
            for a_side in ("blue", "red"):
                pa = TieredPolicy(base_policy(bot, 0), tiers[a], 0)
                pb = TieredPolicy(base_policy(bot, 1), tiers[b], 1)
                res = run_matches(ruleset, blue, red, list(seeds), blue_bot=pa if a_side == "blue" else pb,
                                  red_bot=pb if a_side == "blue" else pa, terrain=terrain)
                games += [(a, b, 1.0 if r.winner == a_side else (0.5 if r.winner == "draw" else 0.0)) for r in res]
    model = PlackettLuce()
    ratings = [model.rating() for _ in tiers]
    order = np.random.default_rng(0).permutation(len(games))
    for _ in range(passes):
        for g in order:
            a, b, score = games[g]
            ranks = [0, 1] if score == 1 else ([1, 0] if score == 0 else [0, 0])
            (ra,), (rb,) = model.rate([[ratings[a]], [ratings[b]]], ranks=ranks)
            ratings[a], ratings[b] = ra, rb
            for i in (a, b):
                if ratings[i].sigma < 1.0:
                    ratings[i] = model.rating(mu=ratings[i].mu, sigma=1.0)
    return Ladder(bot, tuple(tiers), tuple((round(r.mu, 4), round(r.sigma, 4)) for r in ratings))


def save_ladder(ladder: Ladder, path: str | Path) -> None:
    Path(path).write_text(json.dumps(ladder.to_dict(), indent=1) + "\n")
