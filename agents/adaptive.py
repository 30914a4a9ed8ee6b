"""Adaptive difficulty: pick the next opponent so that a player wins about half their matches.

The opponent is one bot played at a **difficulty** d in [0, 1], from clumsier than a novice (0) to
the expert (1): its reaction delay, decision noise and APM cap are interpolated (``tier_at``).
Evenly spaced anchor difficulties have OpenSkill ratings, fitted once by playing them against each other
(``calibrate_ladder``; the shipped fit is ``agents/pretrained/ladder_<bot>.json``), and a
difficulty in between is rated by interpolating its anchors. The player gets an OpenSkill rating
too. After every match the player's rating is updated against the difficulty they met (its
rating is an anchor and does not move), and the next difficulty is the one whose predicted win
chance against the player is nearest 50%.

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

#: The clumsiest level's limits; the top level is the expert (no limits).
WEAKEST = SkillTier("L0", reaction_delay=6, noise=0.5, apm=40.0)
LADDER_FORMAT = "gameai-ladder"


def tier_at(d: float) -> SkillTier:
    """The skill limits at difficulty d: WEAKEST at 0, the expert (no limits) at 1, linear between."""
    d = float(np.clip(d, 0.0, 1.0))
    return SkillTier(f"d{d:.2f}", reaction_delay=int(round(WEAKEST.reaction_delay * (1 - d))),
                     noise=round(WEAKEST.noise * (1 - d), 4),
                     apm=None if d >= 1.0 else round(WEAKEST.apm + (600.0 - WEAKEST.apm) * d, 1))


def ladder_tiers(n: int) -> list[SkillTier]:
    """n anchor tiers evenly spaced in difficulty, from WEAKEST to the expert."""
    return [tier_at(lv / (n - 1)) for lv in range(n)]


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
    """Chooses the opponent's difficulty for the next match and rates the player after each one."""

    #: difficulties the controller chooses among (finer than the anchors: ratings are interpolated)
    GRID = np.linspace(0.0, 1.0, 101)

    def __init__(self, ladder: Ladder, player: tuple[float, float] | None = None, min_sigma: float = 6.0,
                 anchor_sigma: float = 4.0, correction_step: float = 0.03):
        from openskill.models import PlackettLuce

        self.ladder = ladder
        self.min_sigma = float(min_sigma)
        self.model = PlackettLuce()
        self.player = self.model.rating() if player is None else self.model.rating(mu=player[0], sigma=player[1])
        self._anchors = np.linspace(0.0, 1.0, len(ladder.ratings))
        # This session's copy of the ladder's ratings. They move too (each match rates both sides), so a
        # calibration that misjudged a difficulty for this player is corrected as the session goes on.
        self._mus = np.array([mu for mu, _ in ladder.ratings], dtype=float)
        self._sigmas = np.maximum([sg for _, sg in ladder.ratings], anchor_sigma)
        self.history: list[tuple[float, float]] = []
        # The integral term: each win nudges the difficulty up and each loss down by correction_step, on top
        # of what the ratings say, so a bias of the calibration for this player cannot hold the win rate off 50%.
        self.correction_step = float(correction_step)
        self.correction = 0.0
        self.difficulty = self._best_difficulty()

    @property
    def rating(self) -> float:
        """The player's shown rating: OpenSkill's ordinal (mu - 3 sigma), which grows as it becomes sure."""
        return float(self.player.ordinal())

    @property
    def tier(self) -> SkillTier:
        return tier_at(self.difficulty)

    def win_chance(self, difficulty: float) -> float:
        """The player's predicted chance to beat the bot at ``difficulty``."""
        return float(self.model.predict_win([[self.player], [self._anchor(difficulty)]])[0])

    def record(self, outcome: float) -> float:
        """The player's result at the current difficulty (1 win, 0.5 draw, 0 loss); returns the next difficulty."""
        if outcome not in (0, 0.5, 1):
            raise ValueError(f"outcome must be 1 (win), 0.5 (draw) or 0 (loss), got {outcome!r}")
        ranks = [0, 1] if outcome == 1 else ([1, 0] if outcome == 0 else [0, 0])
        before = self._anchor(self.difficulty)
        (self.player,), (after,) = self.model.rate([[self.player], [before]], ranks=ranks)
        # the bot's side of the update goes to the two anchors around this difficulty, by their weights
        hi = int(np.clip(np.searchsorted(self._anchors, self.difficulty), 1, len(self._anchors) - 1))
        w_hi = (self.difficulty - self._anchors[hi - 1]) / (self._anchors[hi] - self._anchors[hi - 1])
        self._mus[hi - 1] += (1 - w_hi) * (after.mu - before.mu)
        self._mus[hi] += w_hi * (after.mu - before.mu)
        if self.player.sigma < self.min_sigma:  # stay ready to move: players improve, tire, or were misjudged
            self.player = self.model.rating(mu=self.player.mu, sigma=self.min_sigma)
        self.history.append((self.difficulty, float(outcome)))
        self.correction = float(np.clip(self.correction + self.correction_step * 2 * (outcome - 0.5), -0.5, 0.5))
        self.difficulty = self._best_difficulty()
        return self.difficulty

    def make_opponent(self, seed: int = 0):
        """A Policy for the current difficulty (the ladder's bot with the difficulty's limits)."""
        from agents.scripted import base_policy
        from agents.tiers import TieredPolicy

        return TieredPolicy(base_policy(self.ladder.bot, seed), self.tier, seed)

    def _anchor(self, d: float):
        mus = np.maximum.accumulate(self._mus)  # harder is never rated weaker
        return self.model.rating(mu=float(np.interp(d, self._anchors, mus)),
                                 sigma=float(np.interp(d, self._anchors, self._sigmas)))

    def _best_difficulty(self) -> float:
        gaps = np.array([abs(self.win_chance(d) - 0.5) for d in self.GRID])
        best = self.GRID[np.flatnonzero(gaps <= gaps.min() + 1e-9)].mean()  # ties: the middle of the flat stretch
        return float(np.clip(round(best + self.correction, 2), 0.0, 1.0))


def calibrate_ladder(ruleset, bot: str = "focus_fire", seeds: Sequence[int] = range(12), map_size: int | None = 24,
                     n_anchors: int = 17, blue=None, red=None) -> Ladder:
    """Rate ``n_anchors`` evenly spaced difficulties of ``bot`` by playing every pair on ``seeds``, both sides.

    The ratings are a Bradley-Terry fit (maximum likelihood, draws count half) put on OpenSkill's
    scale: anchors get sigma 1, so a gap of mu means the win chance OpenSkill's PlackettLuce model
    predicts between two anchors, and the mean anchor sits at a new player's mu (25).
    """
    from openskill.models import PlackettLuce
    from scipy.optimize import minimize

    from agents.arena import run_matches
    from agents.map_seeds import terrain_for
    from agents.scripted import base_policy
    from agents.tiers import TieredPolicy

    tiers = ladder_tiers(n_anchors)
    blue = dict(blue or ruleset.teams["blue"])
    red = dict(red or ruleset.teams["red"])
    terrain = terrain_for(map_size)
    pairs, scores = [], []
    for a in range(len(tiers)):
        for b in range(a + 1, len(tiers)):
            for a_side in ("blue", "red"):
                pa = TieredPolicy(base_policy(bot, 0), tiers[a], 0)
                pb = TieredPolicy(base_policy(bot, 1), tiers[b], 1)
                res = run_matches(ruleset, blue, red, list(seeds), blue_bot=pa if a_side == "blue" else pb,
                                  red_bot=pb if a_side == "blue" else pa, terrain=terrain)
                pairs += [(a, b)] * len(res)
                scores += [1.0 if r.winner == a_side else (0.5 if r.winner == "draw" else 0.0) for r in res]
    ia, ib = np.array(pairs).T
    s = np.array(scores)

    def loss(theta):  # negative log-likelihood, plus a weak prior that keeps all-win pairs finite
        d = theta[ia] - theta[ib]
        return float(np.sum(s * np.logaddexp(0, -d) + (1 - s) * np.logaddexp(0, d)) + 0.01 * theta @ theta)

    theta = minimize(loss, np.zeros(len(tiers)), method="L-BFGS-B").x
    theta -= theta.mean()
    model = PlackettLuce()
    scale = float(np.sqrt(2 * model.beta ** 2 + 2.0))  # PlackettLuce's c for two sigma-1 ratings
    return Ladder(bot, tuple(tiers), tuple((round(25.0 + scale * float(t), 4), 1.0) for t in theta))


def save_ladder(ladder: Ladder, path: str | Path) -> None:
    Path(path).write_text(json.dumps(ladder.to_dict(), indent=1) + "\n")


def simulate_player(ladder: Ladder, ruleset, player_bot: str, player_tier: str, n_matches: int = 40,
                    first_seed: int = 0, map_size: int | None = 24) -> dict[str, Any]:
    """A scripted bot at a fixed tier stands in for a player: ``n_matches`` against the adaptive opponent.

    Each match is on its own held-out map seed; the player alternates sides. Returns the player's
    win rate (draws count half), the difficulties met and the rating after each match.
    """
    from agents import make_policy
    from agents.arena import run_matches
    from agents.map_seeds import held_out_seeds, terrain_for

    ctl = AdaptiveDifficulty(ladder)
    terrain = terrain_for(map_size)
    blue, red = dict(ruleset.teams["blue"]), dict(ruleset.teams["red"])
    outcomes, difficulties, ratings = [], [], []
    for m, seed in enumerate(held_out_seeds(n_matches, start=first_seed)):
        player_side = "blue" if m % 2 == 0 else "red"
        player = make_policy(player_bot, player_tier, seed=2)
        opponent = ctl.make_opponent(seed=3)
        pair = (player, opponent) if player_side == "blue" else (opponent, player)
        result = run_matches(ruleset, blue, red, [seed], blue_bot=pair[0], red_bot=pair[1], terrain=terrain)[0]
        score = 1.0 if result.winner == player_side else (0.5 if result.winner == "draw" else 0.0)
        difficulties.append(ctl.difficulty)
        outcomes.append(score)
        ctl.record(score)
        ratings.append(ctl.rating)
    return {"player": f"{player_bot}@{player_tier}", "matches": n_matches, "win_rate": float(np.mean(outcomes)),
            "outcomes": outcomes, "difficulties": difficulties, "ratings": ratings}
