"""Domain randomisation for self-play: a ruleset and two armies drawn per match (numpy + envs only).

A generalist bot must play whatever numbers a designer tries, so it trains on many rulesets:
``RuleDraws`` holds ranges for ruleset numbers (key paths such as ``units.archer.range``) and draws
one ruleset (``Ruleset.with_values``) and one army per side (random mixes within a budget) at a
time (and, ``base_share`` of the time, the base ruleset with its own teams unchanged, so the
generalist keeps its home game; and, ``single_unit_share`` of the other draws, one archetype per side
bought with the budget, the equal-cost armies of a balance sweep's unit matrix, which random mixes
almost never are). ``default_ranges`` gives the documented default: every archetype's hp, damage, range, speed,
cooldown, armor and heal between ×0.5 and ×2 of its value in the base ruleset (zero stats, such as
a non-healer's heal, stay zero), cut to what the ruleset allows (speed at most 1, cooldown a whole
number of steps >= 1). Numbers are drawn log-uniformly, so ×0.5 and ×2 are equally likely.

Every draw comes from the generator it is given, so the same seed gives the same rulesets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from envs.ruleset import Ruleset, RulesetError

#: the unit numbers ``default_ranges`` varies
DEFAULT_STATS = ("hp", "damage", "range", "speed", "cooldown", "armor", "heal")
DEFAULT_FACTORS = (0.5, 2.0)


class RandomizeError(ValueError):
    """Ranges that cannot be drawn from: empty, or outside what the ruleset allows."""


@dataclass(frozen=True)
class StatRange:
    """One ruleset number drawn per ruleset: log-uniform in [low, high] (uniform if low <= 0)."""

    key: str
    low: float
    high: float
    integer: bool = False


def default_ranges(base: Ruleset, factors: tuple[float, float] = DEFAULT_FACTORS) -> tuple[StatRange, ...]:
    """Every archetype's stats in ×factors[0]..×factors[1] of ``base``, cut to the fields' bounds."""
    out = []
    for unit in base.unit_names:
        for stat in DEFAULT_STATS:
            key = f"units.{unit}.{stat}"
            v = float(base.get(key))
            if v <= 0:
                continue  # a zero stat (no heal, no armor) is a role, not a number to scale
            f = base.field(key)
            lo, hi = v * factors[0], v * factors[1]
            if f.high is not None:
                hi = min(hi, f.high)
            if f.low is not None:
                lo = max(lo, f.low)  # e.g. range >= 1 cell
            integer = f.type is int
            if integer:
                lo, hi = max(1.0, math.ceil(lo)), math.floor(hi)
            out.append(StatRange(key, lo, hi, integer))
    return tuple(out)


def check_ranges(base: Ruleset, ranges: Sequence[StatRange]) -> None:
    """RandomizeError unless every range is non-empty, names a number of ``base`` and stays within its bounds."""
    if not ranges:
        raise RandomizeError("no ranges to draw rulesets from: give at least one parameter range")
    for r in ranges:
        try:
            f = base.field(r.key)
        except RulesetError as exc:
            raise RandomizeError(f"{r.key}: not a ruleset number ({exc})") from None
        if not f.numeric:
            raise RandomizeError(f"{r.key}: not a number (it takes {f.expected})")
        if not (math.isfinite(r.low) and math.isfinite(r.high)) or r.low > r.high:
            raise RandomizeError(f"{r.key}: empty range [{r.low}, {r.high}] (low must be at most high)")
        for end in (r.low, r.high):
            try:  # the ruleset's own checks say what it accepts
                base.with_values({r.key: int(end) if f.type is int else float(end)})
            except RulesetError as exc:
                raise RandomizeError(f"{r.key}: range [{r.low}, {r.high}] goes outside what the ruleset allows "
                                     f"({f.expected}): {exc}") from None


def random_army(base: Ruleset, budget: float, rng: np.random.Generator) -> dict[str, int]:
    """A random mix bought with ``budget``: unit types drawn by Dirichlet weights until nothing more fits."""
    names = list(base.unit_names)
    cost = np.array([base.units[n].cost for n in names], dtype=np.float64)
    weights = rng.dirichlet(np.ones(len(names)))
    army = dict.fromkeys(names, 0)
    left = float(budget)
    while True:
        fits = cost <= left
        if not fits.any():
            break
        w = np.where(fits, weights, 0.0)
        i = int(rng.choice(len(names), p=w / w.sum())) if w.sum() > 0 else int(np.flatnonzero(fits)[0])
        army[names[i]] += 1
        left -= cost[i]
    army = {n: c for n, c in army.items() if c}
    if not army:
        cheapest = names[int(cost.argmin())]
        army = {cheapest: 1}
    return army


def single_unit_army(base: Ruleset, budget: float, rng: np.random.Generator) -> dict[str, int]:
    """One archetype, drawn uniformly among those the budget can buy, bought with all of it (as
    ``envs.ruleset.equal_cost_army``); the cheapest single unit if none fits."""
    names = list(base.unit_names)
    cost = np.array([base.units[n].cost for n in names], dtype=np.float64)
    fits = np.flatnonzero(cost <= budget)
    if len(fits) == 0:
        return {names[int(cost.argmin())]: 1}
    i = int(fits[rng.integers(len(fits))])
    return {names[i]: int(budget // cost[i])}


@dataclass
class RuleDraws:
    """Rulesets (numbers drawn from ``ranges``) and armies (random mixes within a budget drawn from
    ``budget_range`` × the match budget) for domain-randomised training."""

    base: Ruleset
    ranges: tuple[StatRange, ...]
    budget_range: tuple[float, float] = (0.6, 1.0)
    source: str = "default"
    base_share: float = 0.2  # share of draws that are the base ruleset with its own teams, unchanged
    single_unit_share: float = 0.0  # share of the other draws where each side is one archetype (unit-matrix armies)

    def __post_init__(self):
        self.ranges = tuple(self.ranges)
        check_ranges(self.base, self.ranges)
        lo, hi = self.budget_range
        if not (0 < lo <= hi):
            raise RandomizeError(f"budget range {self.budget_range} must satisfy 0 < low <= high")
        if not (0.0 <= self.base_share <= 1.0):
            raise RandomizeError(f"base_share must be within [0, 1], got {self.base_share}")
        if not (0.0 <= self.single_unit_share <= 1.0):  # also rejects NaN
            raise RandomizeError(f"single_unit_share must be within [0, 1], got {self.single_unit_share}")

    @classmethod
    def default(cls, base: Ruleset) -> "RuleDraws":
        return cls(base, default_ranges(base), source="default")

    def draw_values(self, rng: np.random.Generator) -> dict[str, float | int]:
        values: dict[str, float | int] = {}
        for r in self.ranges:
            if r.low > 0:
                v = float(np.exp(rng.uniform(np.log(r.low), np.log(r.high))))
            else:
                v = float(rng.uniform(r.low, r.high))
            values[r.key] = int(min(max(round(v), r.low), r.high)) if r.integer else v
        return values

    def draw(self, rng: np.random.Generator) -> tuple[Ruleset, dict[str, int], dict[str, int]]:
        """(ruleset, blue army, red army) for the next matches."""
        values = self.draw_values(rng)  # drawn even for a base draw, so the stream does not depend on it
        if rng.random() < self.base_share:
            return self.base, dict(self.base.teams["blue"]), dict(self.base.teams["red"])
        ruleset = self.base.with_values(values)
        budget = ruleset.match.budget * rng.uniform(*self.budget_range)  # one budget: both sides buy alike
        # only drawn when used, so a share of 0 keeps the draws of runs made before it existed
        single = self.single_unit_share > 0 and rng.random() < self.single_unit_share
        buy = single_unit_army if single else random_army
        armies = [buy(ruleset, budget, rng) for _ in range(2)]
        return ruleset, armies[0], armies[1]

    def describe(self) -> str:
        single = f", single-unit armies {self.single_unit_share:.0%}" if self.single_unit_share else ""
        return (f"{self.source}: {len(self.ranges)} ranges, budgets ×{self.budget_range[0]}–×{self.budget_range[1]}"
                f"{single}")


def ranges_from_params(params: Sequence) -> tuple[StatRange, ...]:
    """StatRanges from a balance sweep spec's params (anything with ``key``, ``bounds()``, ``integer``)."""
    out = []
    for p in params:
        lo, hi = p.bounds()
        out.append(StatRange(str(p.key), float(lo), float(hi), bool(getattr(p, "integer", False))))
    return tuple(out)


def fingerprint(draws: RuleDraws | None) -> Mapping | None:
    """What identifies a randomisation for resume checks (plain data)."""
    if draws is None:
        return None
    out = {"source": draws.source, "budget_range": list(draws.budget_range), "base_share": draws.base_share,
           "ranges": [[r.key, r.low, r.high, r.integer] for r in draws.ranges]}
    if draws.single_unit_share:  # absent at 0, so checkpoints written before the option still resume
        out["single_unit_share"] = draws.single_unit_share
    return out
