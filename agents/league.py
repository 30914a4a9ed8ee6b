"""The self-play league: the opponents the learner trains against, and everyone's rating.

The pool holds the scripted bots and frozen snapshots of the learner taken during training.
Each new training match draws its opponent by prioritized fictitious self-play: an opponent is
drawn with weight ``(1 - p)^power + floor``, where ``p`` is the learner's recent score against
it, so the learner spends its time on the opponents it does not beat yet while never forgetting
the others. Every finished match updates OpenSkill (Plackett-Luce) ratings of the learner and
that opponent, so the league can print a leaderboard at any point.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np

from agents.policy import random_valid
from envs.core import ObservationSpec

LEARNER = "learner"
SCRIPTED_POOL = ("focus_fire", "kite", "retreat", "random")


class League:
    """Opponent pool + ratings; implements ``agents.rl_slots.Opponents``."""

    def __init__(self, scripted: tuple[str, ...] = SCRIPTED_POOL, max_snapshots: int = 4,
                 pfsp_power: float = 2.0, floor: float = 0.05, memory: float = 0.02):
        from openskill.models import PlackettLuce

        from agents.scripted import BOTS

        unknown = [s for s in scripted if s not in BOTS]
        if unknown:
            raise ValueError(f"unknown scripted bots {unknown} in the league; available: {', '.join(BOTS)}")
        self.model = PlackettLuce()
        self.scripted = tuple(scripted)
        self.max_snapshots = int(max_snapshots)
        self.pfsp_power, self.floor, self.memory = float(pfsp_power), float(floor), float(memory)
        self.snapshots: dict[str, Any] = {}  # name -> frozen policy network
        self.retired: dict[str, Any] = {}
        self.ratings = {name: self.model.rating(name=name) for name in (LEARNER, *self.scripted)}
        self.score = {name: 0.5 for name in self.scripted}  # learner's running score vs each opponent
        self.games = {name: 0 for name in self.ratings}
        self._scripted_policies: dict[str, Any] = {}

    # ---- the pool ----------------------------------------------------------------------------
    @property
    def opponents(self) -> list[str]:
        return [*self.scripted, *self.snapshots]

    def add_snapshot(self, policy: Any, steps: int) -> str:
        """Freeze a copy of the learner's current network as a new opponent."""
        name = f"self@{int(steps)}"
        frozen = copy.deepcopy(policy)
        frozen.set_training_mode(False)
        self.snapshots[name] = frozen
        # a snapshot starts at the learner's current rating and score
        lr = self.ratings[LEARNER]
        self.ratings[name] = self.model.rating(mu=lr.mu, sigma=lr.sigma, name=name)
        self.score[name] = 0.5
        self.games[name] = 0
        while len(self.snapshots) > self.max_snapshots:
            old = next(iter(self.snapshots))
            # retired: no longer drawn, but matches already running against it play on
            self.retired[old] = self.snapshots.pop(old)
            self.score.pop(old, None)  # its rating stays in the table as history
        return name

    def sample(self, rng: np.random.Generator) -> str:
        names = self.opponents
        w = np.array([(1.0 - self.score[n]) ** self.pfsp_power + self.floor for n in names])
        return names[int(rng.choice(len(names), p=w / w.sum()))]

    def act(self, name: str, spec: ObservationSpec, obs: np.ndarray, mask: np.ndarray,
            rng: np.random.Generator) -> np.ndarray:
        if name == "random":
            return random_valid(mask, [rng] * obs.shape[0])
        net = self.snapshots.get(name) or self.retired.get(name)
        if net is not None:
            from agents.rl_policy import masked_logits

            b_n, u_n, d = obs.shape
            logits = masked_logits(net, obs.reshape(-1, d), mask.reshape(b_n * u_n, -1))
            # snapshots play stochastically (temperature 1), as they did while learning
            return (logits + rng.gumbel(size=logits.shape)).argmax(-1).reshape(b_n, u_n)
        pol = self._scripted_policies.get(name)
        if pol is None:
            from agents.scripted import base_policy

            pol = self._scripted_policies[name] = base_policy(name)
        pol.reset(spec, 1, [0] * obs.shape[0])  # scripted strategies are stateless: reset only sets the spec
        return pol.act(obs, mask)

    def report(self, name: str, outcome: float) -> None:
        """The learner scored ``outcome`` (1 win, 0.5 draw, 0 loss) against ``name``."""
        if name in self.score:
            self.score[name] += self.memory * (outcome - self.score[name])
        ranks = [0, 0] if outcome == 0.5 else ([0, 1] if outcome > 0.5 else [1, 0])
        (a,), (b,) = self.model.rate([[self.ratings[LEARNER]], [self.ratings[name]]], ranks=ranks)
        self.ratings[LEARNER], self.ratings[name] = a, b
        self.games[LEARNER] += 1
        self.games[name] += 1

    # ---- reporting and persistence -------------------------------------------------------------
    def table(self) -> list[dict[str, Any]]:
        """Leaderboard rows, best first: name, mu, sigma, ordinal (mu - 3 sigma), games, learner score vs it."""
        rows = [{"name": n, "mu": r.mu, "sigma": r.sigma, "ordinal": r.ordinal(), "games": self.games.get(n, 0),
                 "learner_score": self.score.get(n)} for n, r in self.ratings.items()]
        return sorted(rows, key=lambda r: -r["ordinal"])

    def state_dict(self) -> dict[str, Any]:
        return {"ratings": {n: [r.mu, r.sigma] for n, r in self.ratings.items()}, "score": self.score,
                "games": self.games, "snapshots": list(self.snapshots), "scripted": list(self.scripted)}

    def save(self, directory: Path) -> None:
        """league.json (ratings, scores) and league.pt (the snapshot networks' weights)."""
        import torch

        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / "league.json.tmp"
        tmp.write_text(json.dumps(self.state_dict(), indent=1))
        tmp.replace(directory / "league.json")
        torch.save({n: p.state_dict() for n, p in self.snapshots.items()}, directory / "league.pt.tmp")
        (directory / "league.pt.tmp").replace(directory / "league.pt")

    def load(self, directory: Path, template_policy: Any) -> None:
        """Restore a saved league; snapshot networks are rebuilt as copies of ``template_policy``."""
        import torch

        data = json.loads((directory / "league.json").read_text())
        weights = torch.load(directory / "league.pt", map_location="cpu") if (directory / "league.pt").exists() else {}
        self.ratings = {n: self.model.rating(mu=m, sigma=s, name=n) for n, (m, s) in data["ratings"].items()}
        self.score, self.games = dict(data["score"]), dict(data["games"])
        self.snapshots = {}
        for name in data["snapshots"]:
            net = copy.deepcopy(template_policy)
            net.load_state_dict(weights[name])
            net.set_training_mode(False)
            self.snapshots[name] = net
