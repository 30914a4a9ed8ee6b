"""The design: which configurations (sets of parameter values) a sweep plays.

grid: every combination of each parameter's values. random: independent draws. sobol / lhs:
quasi-random points from `scipy.stats.qmc`, which cover the space more evenly than random
draws for the same budget (better sensitivity estimates per match). Points in the unit cube
are mapped to each parameter through its distribution's inverse CDF (scipy.stats ppf).
"""
from __future__ import annotations

import hashlib
import inspect
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats
from scipy.stats import qmc

from gameai.balance.spec import Param, SpecError, SweepSpec

# scipy >= 1.15 names the generator argument `rng`; older releases call it `seed`.
_QMC_SEED_KW = "rng" if "rng" in inspect.signature(qmc.Sobol).parameters else "seed"


@dataclass(frozen=True)
class Config:
    """One point of the design: the ruleset overrides it applies (empty for the base ruleset),
    and the validated ruleset they give, built once when the design is built (`configure`) and
    handed to the workers ready; it takes no part in the id or in equality."""

    index: int
    overrides: tuple[tuple[str, float], ...]
    ruleset: Any = field(default=None, compare=False, repr=False)   # envs.ruleset.Ruleset

    @property
    def id(self) -> str:
        """Stable id from the values alone, so a resumed or extended sweep finds its matches again."""
        if not self.overrides:
            return "base"
        blob = json.dumps(self.overrides, sort_keys=True)
        return "c" + hashlib.blake2b(blob.encode(), digest_size=5).hexdigest()

    @property
    def label(self) -> str:
        if not self.overrides:
            return "base ruleset"
        return ", ".join(f"{k.rsplit('.', 2)[-2]}.{k.rsplit('.', 1)[-1]}={_fmt(v)}" for k, v in self.overrides)

    def as_dict(self) -> dict[str, float]:
        return dict(self.overrides)


def configure(base_ruleset, overrides: tuple[tuple[str, float], ...], index: int = 0) -> Config:
    """A configuration with its ruleset: ``base_ruleset.with_values(overrides)`` (RulesetError if rejected)."""
    return Config(index, overrides, base_ruleset.with_values(dict(overrides)))


def _fmt(v: float) -> str:
    return f"{v:g}"


def clean_value(v: float, integer: bool) -> float:
    """A parameter value as configurations hold it. Every producer of values (the designs,
    the auto-balance search) rounds through here, so one value means one config id.
    Round so that config ids and report labels stay readable; 4 decimals is finer than any
    designer's stat granularity."""
    if integer:
        return int(round(float(v)))
    return float(round(float(v), 4))


def _clean(p: Param, v: float) -> float:
    return clean_value(v, p.integer)


def grid_points(p: Param) -> list[float]:
    if p.values is not None:
        return [_clean(p, v) for v in p.values]
    pts = np.linspace(p.low, p.high, p.steps)
    out = list(dict.fromkeys(_clean(p, v) for v in pts))
    return out


def from_unit(p: Param, u: np.ndarray) -> np.ndarray:
    """Map points of [0, 1) to the parameter's values through its inverse CDF."""
    u = np.clip(u, 1e-12, 1 - 1e-12)
    if p.values is not None:
        vals = np.asarray(p.values, dtype=float)
        return vals[np.minimum((u * len(vals)).astype(int), len(vals) - 1)]
    if p.distribution == "loguniform":
        return stats.loguniform(p.low, p.high).ppf(u)
    if p.distribution == "normal":
        if p.low is None and p.high is None:
            return stats.norm(p.mean, p.sd).ppf(u)
        lo = -np.inf if p.low is None else (p.low - p.mean) / p.sd
        hi = np.inf if p.high is None else (p.high - p.mean) / p.sd
        return stats.truncnorm(lo, hi, loc=p.mean, scale=p.sd).ppf(u)
    if p.integer:
        # Every whole number in [low, high] gets an equal share of the cube.
        return np.floor(p.low + u * (p.high - p.low + 1)).clip(p.low, p.high)
    return p.low + u * (p.high - p.low)


def unit_points(kind: str, n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xD5,)))
    if kind == "random":
        return rng.random((n, d))
    if kind == "sobol":
        return qmc.Sobol(d, scramble=True, **{_QMC_SEED_KW: rng}).random(n)
    if kind == "lhs":
        return qmc.LatinHypercube(d, **{_QMC_SEED_KW: rng}).random(n)
    raise ValueError(f"unknown design kind {kind!r}")


def build_design(spec: SweepSpec) -> list[Config]:
    """All configurations of the spec, base first (when included), duplicates removed, each
    with its validated ruleset."""
    rows: list[tuple[tuple[str, float], ...]] = []
    if spec.include_base:
        rows.append(())
    keys = [p.key for p in spec.params]
    if spec.params:
        if spec.design_kind == "grid":
            for combo in itertools.product(*(grid_points(p) for p in spec.params)):
                rows.append(tuple(zip(keys, combo)))
        else:
            u = unit_points(spec.design_kind, spec.samples, len(spec.params), spec.master_seed)
            cols = [from_unit(p, u[:, j]) for j, p in enumerate(spec.params)]
            for i in range(spec.samples):
                rows.append(tuple((p.key, _clean(p, cols[j][i])) for j, p in enumerate(spec.params)))
    # A value equal to the base ruleset's is no change: drop it, so that such a point shares
    # its id (and its matches) with the base configuration.
    base = spec.base_ruleset
    rows = [tuple((k, v) for k, v in ov if base.get(k) != v) for ov in rows]
    points: list[Config] = []
    seen: set[str] = set()
    for ov in rows:
        c = Config(index=len(points), overrides=ov)
        if c.id in seen:
            continue
        seen.add(c.id)
        points.append(c)
    if not points:
        raise SpecError(spec.source, "design", None, "empty design (no configurations)",
                        hint="add [params] or include_base = true")
    from envs.ruleset import RulesetError, equal_cost_army, validate_composition

    fixed_armies = {a.name: a for m in spec.matchups for a in (m.a, m.b) if a.equal_cost_unit is None}
    unit_armies = {a.equal_cost_unit for m in spec.matchups for a in (m.a, m.b) if a.equal_cost_unit}
    configs = []
    for c in points:
        try:
            c = configure(base, c.overrides, c.index)
            for u in sorted(unit_armies):
                equal_cost_army(c.ruleset, u, spec.budget)
            for name, army in fixed_armies.items():   # a swept cost may push an army over budget
                validate_composition(c.ruleset, dict(army.units), path=f"armies.{name}", source=spec.source,
                                     budget=c.ruleset.match.budget)
        except RulesetError as exc:
            raise SpecError(spec.source, f"design point {c.label}", None, f"rejected by the ruleset: {exc}") from None
        configs.append(c)
    return configs
