"""Adaptive difficulty: pick the next opponent so that a player wins about half their matches.

The opponent is one bot played at a **difficulty** d in [0, 1] (``opponent_at``): at 1 it plays its
best, and below it is slowed and loosened by the human limits of ``agents.tiers`` — a reaction
delay of up to 6 steps and an APM cap down to 40 at d = 0 — and, for a learned bot such as ``ppo``,
a sampling temperature up to 2 (a scripted bot gets decision noise up to 50% instead).

Evenly spaced anchor difficulties carry OpenSkill ratings, fitted once by playing the anchors
against each other (``calibrate_ladder``; the shipped fit is ``agents/pretrained/ladder_ppo.json``);
a difficulty in between is rated by interpolating its anchors. The player has an OpenSkill rating
too, and the one shown is its ordinal (mu - 3 sigma). After every match:

1. the player and the difficulty they met are rated on the result, both sides (the session's copy
   of the ladder moves too, so a calibration that misjudges this player is corrected);
2. the next difficulty is the one whose predicted win chance for the player is nearest 50%;
3. an outcome correction (integral term) nudges it up after a win and down after a loss, so any
   bias left in the ratings cannot hold the win rate away from 50% for a whole session.

Why ratings and not a plain staircase alone: the rating says how far to move (a strong player
climbs most of the ladder in a few matches, where a staircase would need dozens) and it is the
number shown to the player. Measured on held-out maps (benchmarks/eval_adaptive.py): scripted
players at every tier land at 50-52.5% over 40 matches.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from agents.tiers import SkillTier

#: The limits at difficulty 0; difficulty 1 has none (the bot's expert play).
WEAKEST = SkillTier("d0.00", reaction_delay=6, noise=0.5, apm=40.0)
#: A learned bot's sampling temperature at difficulty 0 (its novice tier plays at 1.5).
MAX_TEMPERATURE = 2.0
#: The bot the shipped ladder is calibrated for: the strongest shipped bot, so that even an expert
#: player meets an opponent who can beat them.
DEFAULT_BOT = "ppo"
LADDER_FORMAT = "gameai-ladder"


def tier_at(d: float) -> SkillTier:
    """The skill limits at difficulty d: WEAKEST at 0, the expert (no limits) at 1, linear between."""
    d = float(np.clip(d, 0.0, 1.0))
    return SkillTier(f"d{d:.2f}", reaction_delay=int(round(WEAKEST.reaction_delay * (1 - d))),
                     noise=round(WEAKEST.noise * (1 - d), 4),
                     apm=None if d >= 1.0 else round(WEAKEST.apm + (600.0 - WEAKEST.apm) * d, 1))


def opponent_at(bot: str, d: float, seed: int = 0):
    """A Policy: ``bot`` at difficulty d. A learned bot (e.g. ``ppo``) loosens by sampling temperature
    (2 at d = 0, its best move at d = 1) with the same reaction delay and APM cap, and no decision noise."""
    from agents.pretrained import LEARNED_BOTS
    from agents.tiers import TieredPolicy

    tier = tier_at(d)
    if bot in LEARNED_BOTS:
        from agents.pretrained import model_path
        from agents.rl_tiers import LearnedTier, learned_policy

        limits = SkillTier(tier.name, tier.reaction_delay, 0.0, tier.apm)
        temperature = round(MAX_TEMPERATURE * (1.0 - float(np.clip(d, 0.0, 1.0))), 4)
        return learned_policy(model_path(bot), LearnedTier(tier.name, temperature, limits), seed, name=bot)
    from agents.scripted import base_policy

    return TieredPolicy(base_policy(bot, seed), tier, seed)


def describe(bot: str, d: float) -> str:
    """How the bot plays at difficulty d, in words (for files, logs and the HUD)."""
    from agents.pretrained import LEARNED_BOTS

    t = tier_at(d)
    looseness = (f"temperature {MAX_TEMPERATURE * (1 - d):.2f}" if bot in LEARNED_BOTS else f"noise {t.noise:.0%}")
    return f"{bot}: reaction {t.reaction_delay} steps, {looseness}, APM {'unlimited' if t.apm is None else t.apm}"


@dataclass(frozen=True)
class Ladder:
    """Anchor difficulties of one bot and their OpenSkill ratings (mu, sigma)."""

    bot: str
    difficulties: tuple[float, ...]
    ratings: tuple[tuple[float, float], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"format": LADDER_FORMAT, "bot": self.bot,
                "anchors": [{"difficulty": d, "mu": mu, "sigma": sigma, "plays": describe(self.bot, d)}
                            for d, (mu, sigma) in zip(self.difficulties, self.ratings)]}

    @classmethod
    def from_dict(cls, data: Any, source: str = "<ladder>") -> "Ladder":
        try:
            if data["format"] != LADDER_FORMAT:
                raise ValueError("format")
            anchors = data["anchors"]
            diffs = tuple(float(a["difficulty"]) for a in anchors)
            ratings = tuple((float(a["mu"]), float(a["sigma"])) for a in anchors)
            bot = str(data["bot"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{source}: not a difficulty ladder (write one with agents.adaptive.calibrate_ladder)") \
                from None
        if len(diffs) < 2 or list(diffs) != sorted(set(diffs)) or diffs[0] != 0.0 or diffs[-1] != 1.0:
            raise ValueError(f"{source}: a ladder needs at least 2 anchors with increasing difficulties from 0 to 1")
        if not all(np.isfinite(r).all() and r[1] > 0 for r in ratings):
            raise ValueError(f"{source}: every anchor needs a finite mu and a sigma > 0")
        return cls(bot, diffs, ratings)


def load_ladder(path: str | Path) -> Ladder:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{p}: cannot read a difficulty ladder ({exc})") from None
    return Ladder.from_dict(data, str(p))


def shipped_ladder(bot: str = DEFAULT_BOT) -> Ladder:
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

    #: a new player's rating: OpenSkill's default mu, with a wider sigma so the first results move it far
    NEW_PLAYER = (25.0, 12.0)

    def __init__(self, ladder: Ladder, player: tuple[float, float] | None = None, min_sigma: float = 6.0,
                 anchor_sigma: float = 4.0, correction_step: float = 0.04):
        from openskill.models import PlackettLuce

        self.ladder = ladder
        self.min_sigma = float(min_sigma)
        self.model = PlackettLuce()
        mu, sigma = player if player is not None else self.NEW_PLAYER
        self.player = self.model.rating(mu=mu, sigma=sigma)
        self._anchors = np.array(ladder.difficulties)
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
    def opponent(self) -> str:
        """The current opponent in words."""
        return describe(self.ladder.bot, self.difficulty)

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
        """A Policy for the current difficulty: the ladder's bot with the difficulty's limits."""
        return opponent_at(self.ladder.bot, self.difficulty, seed)

    def _anchor(self, d: float):
        mus = np.maximum.accumulate(self._mus)  # harder is never rated weaker
        return self.model.rating(mu=float(np.interp(d, self._anchors, mus)),
                                 sigma=float(np.interp(d, self._anchors, self._sigmas)))

    def _best_difficulty(self) -> float:
        gaps = np.array([abs(self.win_chance(d) - 0.5) for d in self.GRID])
        best = self.GRID[np.flatnonzero(gaps <= gaps.min() + 1e-9)].mean()  # ties: the middle of the flat stretch
        return float(np.clip(round(best + self.correction, 2), 0.0, 1.0))


def calibrate_ladder(ruleset, bot: str = DEFAULT_BOT, seeds: Sequence[int] = range(10), map_size: int | None = 24,
                     n_anchors: int = 9, blue=None, red=None) -> Ladder:
    """Rate ``n_anchors`` evenly spaced difficulties of ``bot`` by playing every pair on ``seeds``, both sides.

    The ratings are a Bradley-Terry fit (maximum likelihood, draws count half) put on OpenSkill's
    scale: anchors get sigma 1, so a gap of mu means the win chance OpenSkill's PlackettLuce model
    predicts between two anchors, and the mean anchor sits at a new player's mu (25).
    """
    from openskill.models import PlackettLuce
    from scipy.optimize import minimize

    from agents.arena import run_matches
    from agents.map_seeds import terrain_for

    diffs = [round(i / (n_anchors - 1), 4) for i in range(n_anchors)]
    blue = dict(blue or ruleset.teams["blue"])
    red = dict(red or ruleset.teams["red"])
    terrain = terrain_for(map_size)
    pairs, scores = [], []
    for a in range(n_anchors):
        for b in range(a + 1, n_anchors):
            for a_side in ("blue", "red"):
                pa = opponent_at(bot, diffs[a], 0)
                pb = opponent_at(bot, diffs[b], 1)
                res = run_matches(ruleset, blue, red, list(seeds), blue_bot=pa if a_side == "blue" else pb,
                                  red_bot=pb if a_side == "blue" else pa, terrain=terrain)
                pairs += [(a, b)] * len(res)
                scores += [1.0 if r.winner == a_side else (0.5 if r.winner == "draw" else 0.0) for r in res]
    ia, ib = np.array(pairs).T
    s = np.array(scores)

    def loss(theta):  # negative log-likelihood, plus a weak prior that keeps all-win pairs finite
        d = theta[ia] - theta[ib]
        return float(np.sum(s * np.logaddexp(0, -d) + (1 - s) * np.logaddexp(0, d)) + 0.01 * theta @ theta)

    theta = minimize(loss, np.zeros(n_anchors), method="L-BFGS-B").x
    theta -= theta.mean()
    model = PlackettLuce()
    scale = float(np.sqrt(2 * model.beta ** 2 + 2.0))  # PlackettLuce's c for two sigma-1 ratings
    return Ladder(bot, tuple(diffs), tuple((round(25.0 + scale * float(t), 4), 1.0) for t in theta))


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
