"""The sweep spec: a designer's TOML file saying which numbers to vary and how to test them.

`load_spec(path)` reads and validates the whole file up front, so a typo in a key path or a
value the ruleset would reject fails in the first second, not after an hour of matches.
Every error is a `SpecError` naming the file, the key in the spec, the bad value and what
was expected. The format is documented in docs/designer-balance.md.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gameai_schema import DataError, load_toml

#: Skill tiers of the scripted bots (agents.scripted); a spec may name any subset.
DEFAULT_TIERS = ("novice", "average", "expert")
DESIGN_KINDS = ("grid", "random", "sobol", "lhs")
DISTRIBUTIONS = ("uniform", "loguniform", "normal")
MAP_KINDS = ("open", "skirmish", "file")

_TOP_KEYS = {
    "name", "description", "ruleset", "master_seed", "target", "params", "design", "armies",
    "matchups", "play", "maps", "report", "autobalance",
}


class SpecError(DataError):
    """A sweep spec that cannot run; the message says where, what, and what to do:
    ``file[:line]: key.path: problem (got value); hint``.

    A :class:`gameai_schema.DataError` (``source``, ``path``, ``value``, ``expected`` = the problem,
    ``line``), plus ``hint``: what to write instead. Read from a file, the line is that of the key.
    """

    def __init__(self, source: str, path: str, value: Any, expected: str, *, hint: str = "",
                 show_value: bool | None = None, line: int | None = None):
        self.source, self.path, self.value, self.expected, self.line = source, path, value, expected, line
        self.hint = hint
        self.show_value = value is not None if show_value is None else show_value
        msg = f"{source}:{line}" if line else source
        if path:
            msg += f": {path}"
        msg += f": {expected}"
        if self.show_value:
            msg += f" (got {value!r})"
        if hint:
            msg += f"; {hint}"
        ValueError.__init__(self, msg)

    def at_line(self, line: int | None) -> "SpecError":
        return SpecError(self.source, self.path, self.value, self.expected, hint=self.hint,
                         show_value=self.show_value, line=line)

    def __reduce__(self):
        return _rebuild_spec_error, (self.source, self.path, self.value, self.expected, self.hint, self.show_value,
                                     self.line)


def _rebuild_spec_error(source, path, value, expected, hint, show_value, line) -> SpecError:
    return SpecError(source, path, value, expected, hint=hint, show_value=show_value, line=line)


def _err(source: str, where: str, problem: str, value: Any = None, expect: str = "") -> SpecError:
    return SpecError(source, where, value, problem, hint=expect)


@dataclass(frozen=True)
class Param:
    """One swept ruleset number, addressed by key path (`units.archer.damage`).

    Exactly one of: `values` (a list), `low`/`high` (a range; `steps` points for a grid),
    or a `distribution` (random and quasi-random designs only).
    """

    key: str
    values: tuple[float, ...] | None = None
    low: float | None = None
    high: float | None = None
    steps: int | None = None
    distribution: str | None = None
    mean: float | None = None
    sd: float | None = None
    integer: bool = False

    @property
    def kind(self) -> str:
        if self.values is not None:
            return "values"
        if self.distribution is not None:
            return "distribution"
        return "range"

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value this parameter can take (for normal: mean ± 3 sd unless clipped)."""
        if self.values is not None:
            return min(self.values), max(self.values)
        if self.distribution == "normal":
            lo = self.low if self.low is not None else self.mean - 3 * self.sd
            hi = self.high if self.high is not None else self.mean + 3 * self.sd
            return lo, hi
        return self.low, self.high


@dataclass(frozen=True)
class Army:
    """One side's army: a fixed composition, or a single unit type bought with an equal budget."""

    name: str
    units: tuple[tuple[str, int], ...] = ()
    equal_cost_unit: str | None = None

    def identity(self) -> dict:
        if self.equal_cost_unit is not None:
            return {"equal_cost": self.equal_cost_unit}
        return {"units": dict(self.units)}


@dataclass(frozen=True)
class Matchup:
    a: Army
    b: Army

    @property
    def name(self) -> str:
        return f"{self.a.name} vs {self.b.name}"

    @property
    def mirror(self) -> bool:
        return self.a.identity() == self.b.identity()


@dataclass(frozen=True)
class MapSpec:
    kind: str = "open"
    size: int = 32
    seeds: tuple[int, ...] = ()
    files: tuple["MapFile", ...] = ()  # kind "file": designers' maps, loaded and checked once


@dataclass(frozen=True)
class MapFile:
    """A designer's map as the sweep plays it: the grid and spawns travel with each work unit (a Ray
    node needs no copy of the file), and the content digest is part of every match's identity, so an
    edited map never reuses results played on the old one."""

    path: str
    digest: str
    tiles: tuple[tuple[int, ...], ...]
    spawns: tuple[tuple[int, int, int], ...]  # (team, x, y)


@dataclass(frozen=True)
class AutoBalanceSpec:
    params: tuple[str, ...] = ()          # which swept parameters the search may change
    trials: int = 30
    matches: int = 40                     # per matchup cell and trial, on search seeds
    finalists: int = 3                    # best trials re-measured with more matches before choosing
    rounds: int = 3                       # search rounds while no finalist holds the target
    validation_matches: int = 200         # per matchup cell, on fresh seeds
    change_penalty: float = 0.02          # weight of "how many and how much" against the balance miss


@dataclass(frozen=True)
class SweepSpec:
    source: str
    name: str
    ruleset_ref: str                       # "default" or a resolved path
    base_ruleset: Any                      # envs.ruleset.Ruleset
    master_seed: int
    target: float
    params: tuple[Param, ...]
    design_kind: str
    samples: int
    include_base: bool
    armies: dict[str, Army]
    matchups: tuple[Matchup, ...]
    budget: float | None
    bots: tuple[str, ...]
    tiers: tuple[str, ...]
    matches: int
    swap_sides: bool
    max_steps: int | None
    maps: MapSpec
    batch: int
    heatmap: tuple[str, ...]
    autobalance: AutoBalanceSpec
    raw: dict = field(repr=False, default_factory=dict)
    reference_bot: str = ""                # whose verdict heads a matchup the bots disagree on (styles.py)
    learned_bot_check: bool = False        # fine-tune learned bots on the extreme configs (learned_check.py)
    learned_check_steps: int = 100_000

    def param(self, key: str) -> Param:
        for p in self.params:
            if p.key == key:
                return p
        raise KeyError(key)

    def ruleset_fingerprint(self) -> str:
        blob = json.dumps(self.base_ruleset.to_dict(), sort_keys=True, default=str)
        return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()


# ----------------------------------------------------------------------------- parsing helpers

def _number(source, where, v, *, integer=False, positive=False, allow_zero=True) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _err(source, where, "must be a number", v)
    if not math.isfinite(v):
        raise _err(source, where, "must be a finite number", v)
    if integer and not float(v).is_integer():
        raise _err(source, where, "must be a whole number", v)
    if positive and (v < 0 or (v == 0 and not allow_zero)):
        raise _err(source, where, "must be positive", v)
    return int(v) if integer else v


def _int(source, where, v, *, minimum=None) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _err(source, where, "must be a whole number", v)
    if minimum is not None and v < minimum:
        raise _err(source, where, f"must be at least {minimum}", v)
    return v


def _table(source, where, v) -> dict:
    if not isinstance(v, dict):
        raise _err(source, where, "must be a table", v, f"write it as [{where}] or {where} = {{ ... }}")
    return v


def _check_keys(source, where, table: dict, known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise _err(source, where, f"unknown key {unknown[0]!r}", None, f"known keys: {', '.join(sorted(known))}")


def _str_list(source, where, v) -> list[str]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _err(source, where, "must be a list of names", v)
    return v


_PARAM_KEYS = {"values", "range", "steps", "step", "distribution", "low", "high", "mean", "sd", "integer"}


def _flatten_params(source: str, table: dict, prefix: str = "") -> dict[str, Any]:
    """`[params]` accepts quoted key paths ("units.archer.damage" = ...) and nested tables."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict) and not (set(v) & _PARAM_KEYS):
            out.update(_flatten_params(source, v, key))
        else:
            out[key] = v
    return out


def _parse_param(source: str, key: str, v: Any) -> Param:
    where = f"params.{key!s}"
    if isinstance(v, list):
        v = {"values": v}
    if not isinstance(v, dict):
        raise _err(source, where, "must be a list of values or a table", v,
                   "e.g. { values = [8, 10] }, { range = [6, 14], steps = 5 } or { distribution = \"normal\", mean = 10, sd = 2 }")
    _check_keys(source, where, v, _PARAM_KEYS)
    integer = v.get("integer", False)
    if not isinstance(integer, bool):
        raise _err(source, f"{where}.integer", "must be true or false", integer)
    modes = [m for m in ("values", "range", "distribution") if m in v]
    if len(modes) != 1:
        raise _err(source, where, "needs exactly one of values, range or distribution", sorted(v))
    mode = modes[0]
    if mode == "values":
        vals = v["values"]
        if not isinstance(vals, list) or not vals:
            raise _err(source, f"{where}.values", "must be a non-empty list", vals, "an empty list gives an empty design")
        nums = tuple(_number(source, f"{where}.values", x) for x in vals)
        if len(set(nums)) != len(nums):
            raise _err(source, f"{where}.values", "has repeated values", list(nums))
        return Param(key=key, values=nums, integer=integer)
    if mode == "range":
        r = v["range"]
        if not isinstance(r, list) or len(r) != 2:
            raise _err(source, f"{where}.range", "must be [low, high]", r)
        low, high = (_number(source, f"{where}.range", x) for x in r)
        if not low < high:
            raise _err(source, f"{where}.range", "low must be below high", r)
        steps = None
        if "steps" in v and "step" in v:
            raise _err(source, where, "give steps (number of points) or step (spacing), not both", None)
        if "steps" in v:
            steps = _int(source, f"{where}.steps", v["steps"], minimum=2)
        elif "step" in v:
            step = _number(source, f"{where}.step", v["step"], positive=True, allow_zero=False)
            n = (high - low) / step
            if abs(n - round(n)) > 1e-9:
                raise _err(source, f"{where}.step", f"does not divide the range {r}", step)
            steps = int(round(n)) + 1
        return Param(key=key, low=low, high=high, steps=steps, integer=integer)
    dist = v["distribution"]
    if dist not in DISTRIBUTIONS:
        raise _err(source, f"{where}.distribution", "unknown distribution", dist, f"use one of {', '.join(DISTRIBUTIONS)}")
    low = _number(source, f"{where}.low", v["low"]) if "low" in v else None
    high = _number(source, f"{where}.high", v["high"]) if "high" in v else None
    if dist in ("uniform", "loguniform"):
        if low is None or high is None or not low < high:
            raise _err(source, where, f"a {dist} distribution needs low < high", v)
        if dist == "loguniform" and low <= 0:
            raise _err(source, f"{where}.low", "a loguniform distribution needs low > 0", low)
        return Param(key=key, low=low, high=high, distribution=dist, integer=integer)
    if "mean" not in v or "sd" not in v:
        raise _err(source, where, "a normal distribution needs mean and sd", v)
    mean = _number(source, f"{where}.mean", v["mean"])
    sd = _number(source, f"{where}.sd", v["sd"], positive=True, allow_zero=False)
    if low is not None and high is not None and not low < high:
        raise _err(source, where, "low must be below high", [low, high])
    return Param(key=key, low=low, high=high, distribution=dist, mean=mean, sd=sd, integer=integer)


def _parse_army(source: str, where: str, name: str, v: Any, ruleset) -> Army:
    from envs.ruleset import RulesetError, validate_composition

    unit_names = list(ruleset.unit_names)
    if not isinstance(v, dict) or not v:
        raise _err(source, where, "must be a table of unit = count", v, "e.g. rangers = { archer = 4, knight = 1 }")
    units = []
    for unit, count in v.items():
        if unit not in unit_names:
            raise _err(source, f"{where}.{unit}", "unknown unit", unit, f"the ruleset's units are: {', '.join(unit_names)}")
        c = _int(source, f"{where}.{unit}", count, minimum=0)
        if c:
            units.append((unit, c))
    if not units:
        raise _err(source, where, "army has no units", v)
    try:
        validate_composition(ruleset, dict(units), path=where, source=source, budget=ruleset.match.budget)
    except RulesetError as exc:
        raise SpecError(source, exc.path, exc.value, exc.expected, show_value=exc.show_value) from None
    return Army(name=name, units=tuple(sorted(units)))


def _parse_matchups(source, data, ruleset) -> tuple[dict[str, Army], list[Matchup], float | None]:
    armies_t = _table(source, "armies", data.get("armies", {}))
    unit_names = list(ruleset.unit_names)
    armies = {n: _parse_army(source, f"armies.{n}", n, v, ruleset) for n, v in armies_t.items()}
    m = _table(source, "matchups", data.get("matchups", {}))
    _check_keys(source, "matchups", m, {"equal_cost", "budget", "mirrors", "round_robin", "pairs"})
    mirrors = m.get("mirrors", False)
    if not isinstance(mirrors, bool):
        raise _err(source, "matchups.mirrors", "must be true or false", mirrors)
    budget = None
    if "budget" in m:
        budget = _number(source, "matchups.budget", m["budget"], positive=True, allow_zero=False)

    def _pairs(items: list[Army]) -> list[Matchup]:
        out = []
        for i, a in enumerate(items):
            for b in items[i:]:
                if a is b and not mirrors:
                    continue
                out.append(Matchup(a, b))
        return out

    matchups: list[Matchup] = []
    if "equal_cost" in m:
        ec = m["equal_cost"]
        if ec is True:
            ec = list(unit_names)
        elif ec is False:
            ec = []
        names = _str_list(source, "matchups.equal_cost", ec)
        for u in names:
            if u not in unit_names:
                raise _err(source, "matchups.equal_cost", "unknown unit", u, f"the ruleset's units are: {', '.join(unit_names)}")
        if len(set(names)) != len(names):
            raise _err(source, "matchups.equal_cost", "names a unit twice", names)
        matchups += _pairs([Army(name=u, equal_cost_unit=u) for u in names])
    if "round_robin" in m:
        names = _str_list(source, "matchups.round_robin", m["round_robin"])
        for n in names:
            if n not in armies:
                raise _err(source, "matchups.round_robin", "unknown army", n, f"define it under [armies]; known: {', '.join(armies) or 'none'}")
        matchups += _pairs([armies[n] for n in dict.fromkeys(names)])
    if "pairs" in m:
        pairs = m["pairs"]
        if not isinstance(pairs, list):
            raise _err(source, "matchups.pairs", "must be a list of [army, army]", pairs)
        for p in pairs:
            if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)):
                raise _err(source, "matchups.pairs", "each pair must be [army, army]", p)
            for n in p:
                if n not in armies:
                    raise _err(source, "matchups.pairs", "unknown army", n, f"define it under [armies]; known: {', '.join(armies) or 'none'}")
            matchups.append(Matchup(armies[p[0]], armies[p[1]]))
    seen: set[str] = set()
    unique = []
    for mu in matchups:
        if mu.name not in seen:
            seen.add(mu.name)
            unique.append(mu)
    if not unique:
        raise _err(source, "matchups", "no matchups to play", None,
                   "set equal_cost = true (unit-vs-unit matrix), round_robin = [armies...] or pairs = [[a, b]]")
    return armies, unique, budget


def _tier_file(source: str, name: str) -> str:
    """A calibrated tier file named in play.tiers: found next to the spec, checked now, kept as an absolute path."""
    from agents.tier_file import TierFileError, load_tier_file

    path = _next_to_spec(source, name)
    try:
        load_tier_file(path)
    except TierFileError as exc:
        raise _err(source, "play.tiers", f"tier file {name!r} cannot be used: {exc}") from None
    return str(path.resolve())


def _next_to_spec(source: str, name: str):
    """A path named in the spec: relative paths are relative to the spec file."""
    from pathlib import Path

    path = Path(name)
    return Path(source).parent / path if not path.is_absolute() and Path(source).is_file() else path


def _model_file(source: str, name: str) -> str:
    """A model file named in play.bots (`gameai train --out X.zip`): found next to the spec, loaded now to
    check it, kept as an absolute path (so every worker of a sweep finds the same file)."""
    from agents.rl_policy import ModelFileError, load_model

    path = _next_to_spec(source, name)
    try:
        load_model(path)
    except ModelFileError as exc:
        raise _err(source, "play.bots", f"model file {name!r} cannot be used: {exc}") from None
    return str(path.resolve())


def _no_model_twice(source: str, bots: list[str]) -> None:
    """A sweep knows a model file by its contents (gameai.balance.plan.bot_identity): two files with the
    same weights would be one bot's matches twice."""
    from agents.pretrained import is_model_file
    from gameai.balance.plan import bot_identity  # plan imports this module: import at use

    seen: dict[str, str] = {}
    for b in bots:
        if is_model_file(b):
            digest = bot_identity(b)[1]
            if digest in seen:
                raise _err(source, "play.bots", "names the same model twice", [seen[digest], b],
                           "list each trained model once")
            seen[digest] = b


def _known_bots() -> tuple[list[str], tuple[str, ...]]:
    """Every bot name `agents.make_policy` accepts (scripted and learned), and the skill tiers."""
    import agents

    try:
        names = list(agents.ALL_BOTS)
    except (AttributeError, ImportError):
        from agents import scripted

        names = list(scripted.BOTS)
    try:
        from agents.tiers import TIERS
        tiers = tuple(TIERS)
    except ImportError:
        tiers = DEFAULT_TIERS
    return names, tiers


def _map_files(source: str, mp: dict, kind: str, base_dir: Path) -> tuple[MapFile, ...]:
    """[maps] files = ["arena.tmj", ...] (paths relative to the spec): loaded through pcg.load_map."""
    raw = mp.get("files")
    if kind != "file":
        if raw is not None:
            raise _err(source, "maps.files", f"is only read with kind = \"file\" (kind is {kind!r})", raw)
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(f, str) and f for f in raw):
        raise _err(source, "maps.files", "must be a non-empty list of map files", raw,
                   "e.g. files = [\"maps/ridge.tmj\"] (Tiled .tmj, a gameai map folder, or a .csv / .png grid)")
    import numpy as np

    import pcg

    out = []
    for i, name in enumerate(raw):
        path = (base_dir / name).resolve()
        try:
            gm = pcg.load_map(path)
        except (pcg.MapFileError, OSError) as exc:
            raise _err(source, f"maps.files[{i}]", f"cannot use {name!r}: {exc}") from None
        tiles = np.asarray(gm.tiles, dtype=np.int64)
        spawns = tuple(sorted((int(sp.team), int(sp.x), int(sp.y)) for sp in gm.spawns if sp.team in (0, 1)))
        digest = hashlib.blake2b(tiles.tobytes() + repr((tiles.shape, spawns)).encode(), digest_size=12).hexdigest()
        out.append(MapFile(str(path), digest, tuple(map(tuple, tiles.tolist())), spawns))
    return tuple(out)


def _parse_ruleset(source: str, data: dict, base_dir: Path):
    """`ruleset = "default"` or a path relative to the spec: (reference, the loaded Ruleset)."""
    from envs.ruleset import RulesetError, default_ruleset, load_ruleset

    ref = data.get("ruleset", "default")
    if not isinstance(ref, str):
        raise _err(source, "ruleset", "must be \"default\" or a path to a ruleset TOML", ref)
    if ref == "default":
        return "default", default_ruleset()
    rpath = (base_dir / ref).resolve()
    if not rpath.is_file():
        raise _err(source, "ruleset", "no such ruleset file", str(rpath), "the path is relative to the spec file")
    try:
        return str(rpath), load_ruleset(rpath)
    except RulesetError as exc:
        raise SpecError(source, "ruleset", None, str(exc)) from None


def _parse_seed_and_target(source: str, data: dict) -> tuple[int, float]:
    master_seed = _int(source, "master_seed", data.get("master_seed", 0), minimum=0)
    target = _number(source, "target", data.get("target", 0.03))
    if not 0 < target < 0.5:
        raise _err(source, "target", "must be a fraction between 0 and 0.5", target,
                   "0.03 means every matchup within 50% ± 3%")
    return master_seed, float(target)


def _parse_params(source: str, data: dict, base) -> tuple[Param, ...]:
    """[params]: each swept key path must name a number of the ruleset; whole-number fields
    (cost, cooldown, team counts) are swept in whole numbers."""
    from envs.ruleset import RulesetError

    ptable = _flatten_params(source, _table(source, "params", data.get("params", {})))
    params = []
    for key, v in ptable.items():
        p = _parse_param(source, key, v)
        try:
            rule = base.field(key)
        except RulesetError as exc:
            raise SpecError(source, f"params.{key}", None, f"not a key path of the ruleset: {exc.expected}") from None
        if not rule.numeric:
            raise _err(source, f"params.{key}", f"is not a number in the ruleset ({rule.expected})", None,
                       "only numeric fields (unit stats, terrain costs, match numbers, team counts) can be swept")
        params.append(replace(p, integer=True) if rule.type is int else p)
    return tuple(params)


def _parse_design(source: str, data: dict, params: tuple[Param, ...]) -> tuple[str, int, bool]:
    """[design]: kind, samples, include_base."""
    d = _table(source, "design", data.get("design", {}))
    _check_keys(source, "design", d, {"kind", "samples", "include_base"})
    kind = d.get("kind", "grid")
    if kind not in DESIGN_KINDS:
        raise _err(source, "design.kind", "unknown design", kind, f"use one of {', '.join(DESIGN_KINDS)}")
    samples = _int(source, "design.samples", d.get("samples", 16), minimum=0)
    include_base = d.get("include_base", True)
    if not isinstance(include_base, bool):
        raise _err(source, "design.include_base", "must be true or false", include_base)
    if kind == "grid":
        for p in params:
            if p.kind == "distribution" or (p.kind == "range" and p.steps is None):
                raise _err(source, f"params.{p.key}", "a grid needs a list of values or a range with steps", None,
                           "add steps = N (or step = S), or use design.kind = \"random\", \"sobol\" or \"lhs\"")
    elif params:
        if samples == 0:
            raise _err(source, "design.samples", "empty design: 0 samples", 0, "ask for at least 1 sample")
        if kind == "sobol" and samples & (samples - 1):
            raise _err(source, "design.samples", "a Sobol design needs a power of two samples", samples,
                       f"use {1 << (samples.bit_length() - 1)} or {1 << samples.bit_length()}, or design.kind = \"lhs\"")
    if not params and not include_base:
        raise _err(source, "design", "empty design: no parameters and include_base = false", None,
                   "add [params] or set include_base = true to test the ruleset as it is")
    return kind, samples, include_base


def _probe_params(source: str, base, params: tuple[Param, ...]) -> None:
    """Every parameter's extreme values must give valid rulesets: fail now, not mid-sweep."""
    from envs.ruleset import RulesetError

    for p in params:
        lo, hi = p.bounds()
        for val in (list(p.values) if p.values is not None else [lo, hi]):
            val = int(round(val)) if p.integer else val
            try:
                base.with_values({p.key: val})
            except RulesetError as exc:
                raise SpecError(source, f"params.{p.key}", None,
                                f"value {val!r} is rejected by the ruleset: {exc}") from None


@dataclass(frozen=True)
class PlaySettings:
    bots: tuple[str, ...]
    tiers: tuple[str, ...]
    matches: int
    swap_sides: bool
    max_steps: int | None
    batch: int
    reference_bot: str
    learned_bot_check: bool = False
    learned_check_steps: int = 100_000


def _parse_play(source: str, data: dict) -> PlaySettings:
    """[play]: bots, tiers, matches per cell, side swapping, step limit, batch size."""
    play = _table(source, "play", data.get("play", {}))
    _check_keys(source, "play", play, {"bots", "tiers", "matches", "swap_sides", "max_steps", "batch",
                                       "reference_bot", "learned_bot_check", "learned_check_steps"})
    known_bots, known_tiers = _known_bots()
    bots = _str_list(source, "play.bots", play.get("bots", ["focus_fire"]))
    from agents.pretrained import is_model_file

    bots = [_model_file(source, b) if is_model_file(b) else b for b in bots]
    _no_model_twice(source, bots)
    if not bots:
        raise _err(source, "play.bots", "no bots", bots, f"name one of: {', '.join(known_bots)}")
    for b in bots:
        if b not in known_bots and not is_model_file(b):
            raise _err(source, "play.bots", "unknown bot", b,
                       f"available bots: {', '.join(known_bots)}, or a model file MODEL.zip from `gameai train`")
    tiers = _str_list(source, "play.tiers", play.get("tiers", ["expert"]))
    if not tiers:
        raise _err(source, "play.tiers", "no skill tiers", tiers, f"name some of: {', '.join(known_tiers)}")
    tiers = [_tier_file(source, t) if t.endswith(".toml") else t for t in tiers]
    for t in tiers:
        if t not in known_tiers and not t.endswith(".toml"):
            raise _err(source, "play.tiers", "unknown skill tier", t,
                       f"tiers are: {', '.join(known_tiers)}, or a tier file NAME.toml from `gameai calibrate`")
    matches = _int(source, "play.matches", play.get("matches", 40), minimum=1)
    swap = play.get("swap_sides", True)
    if not isinstance(swap, bool):
        raise _err(source, "play.swap_sides", "must be true or false", swap)
    max_steps = play.get("max_steps")
    if max_steps is not None:
        max_steps = _int(source, "play.max_steps", max_steps, minimum=1)
    batch = _int(source, "play.batch", play.get("batch", 64), minimum=1)
    reference = play.get("reference_bot", bots[0])
    if isinstance(reference, str) and is_model_file(reference):
        reference = str(_next_to_spec(source, reference).resolve())  # as the bots' model files are kept
    if reference not in bots:
        raise _err(source, "play.reference_bot", "is not one of the bots this spec plays", reference,
                   f"name one of: {', '.join(bots)}")
    check = play.get("learned_bot_check", False)
    if not isinstance(check, bool):
        raise _err(source, "play.learned_bot_check", "must be true or false", check)
    from agents.pretrained import LEARNED_BOTS, is_learned

    if check and not any(is_learned(b) for b in bots):
        raise _err(source, "play.learned_bot_check", "needs a learned bot among play.bots", list(bots),
                   f"add one of: {', '.join(LEARNED_BOTS)}, or a model file MODEL.zip from `gameai train`")
    check_steps = _int(source, "play.learned_check_steps", play.get("learned_check_steps", 100_000), minimum=1)
    return PlaySettings(tuple(bots), tuple(tiers), matches, swap, max_steps, batch, reference, check, check_steps)


def _parse_maps(source: str, data: dict, base, base_dir: Path) -> MapSpec:
    """[maps]: open arena, generated skirmish maps (seeds), or designers' map files."""
    from pcg.tiles import TILE_NAMES

    mp = _table(source, "maps", data.get("maps", {}))
    _check_keys(source, "maps", mp, {"kind", "size", "seeds", "files"})
    mkind = mp.get("kind", "open")
    if mkind not in MAP_KINDS:
        raise _err(source, "maps.kind", "unknown map kind", mkind, f"use one of {', '.join(MAP_KINDS)}")
    size = _int(source, "maps.size", mp.get("size", 32), minimum=8)
    seeds = mp.get("seeds", [0] if mkind == "skirmish" else [])
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = list(range(seeds))
    if not isinstance(seeds, list):
        raise _err(source, "maps.seeds", "must be a list of map seeds or a count", seeds)
    seeds = tuple(_int(source, "maps.seeds", s, minimum=0) for s in seeds)
    if mkind == "skirmish" and not seeds:
        raise _err(source, "maps.seeds", "a skirmish map needs at least one map seed", [])
    files = _map_files(source, mp, mkind, base_dir)
    for i, mf in enumerate(files):  # every tile of the map needs a [terrain.<name>] table in the ruleset
        missing = sorted({TILE_NAMES[t] for row in mf.tiles for t in row} - set(base.terrain))
        if missing:
            raise _err(source, f"maps.files[{i}]", f"the map uses tiles the ruleset has no terrain table for: "
                       f"{', '.join(missing)}", None, "add [terrain.<name>] tables to the ruleset or use another map")
    return MapSpec(mkind, size, seeds, files)


def _parse_report(source: str, data: dict, swept: list[str]) -> tuple[str, ...]:
    """[report]: heatmap = [param, param]."""
    rep = _table(source, "report", data.get("report", {}))
    _check_keys(source, "report", rep, {"heatmap"})
    heat = tuple(_str_list(source, "report.heatmap", rep.get("heatmap", [])))
    if heat and len(heat) != 2:
        raise _err(source, "report.heatmap", "names two swept parameters", list(heat))
    for k in heat:
        if k not in swept:
            raise _err(source, "report.heatmap", "is not a swept parameter", k, f"swept: {', '.join(swept) or 'none'}")
    return heat


def _parse_autobalance(source: str, data: dict, swept: list[str]) -> AutoBalanceSpec:
    """[autobalance]: which swept parameters the search may change, and its budget."""
    ab = _table(source, "autobalance", data.get("autobalance", {}))
    _check_keys(source, "autobalance", ab, {"params", "trials", "matches", "finalists", "rounds", "validation_matches",
                                            "change_penalty"})
    ab_params = tuple(_str_list(source, "autobalance.params", ab.get("params", list(swept))))
    for k in ab_params:
        if k not in swept:
            raise _err(source, "autobalance.params", "is not a swept parameter", k,
                       "the search only changes parameters listed under [params], within their ranges")
    return AutoBalanceSpec(
        params=ab_params,
        trials=_int(source, "autobalance.trials", ab.get("trials", 30), minimum=1),
        matches=_int(source, "autobalance.matches", ab.get("matches", 40), minimum=2),
        finalists=_int(source, "autobalance.finalists", ab.get("finalists", 3), minimum=1),
        rounds=_int(source, "autobalance.rounds", ab.get("rounds", 3), minimum=1),
        validation_matches=_int(source, "autobalance.validation_matches", ab.get("validation_matches", 200), minimum=2),
        change_penalty=_number(source, "autobalance.change_penalty", ab.get("change_penalty", 0.02), positive=True),
    )


# ----------------------------------------------------------------------------- entry points

def load_spec(path: str | Path) -> SweepSpec:
    """Read and fully validate a sweep spec file; raises SpecError naming the file, the line,
    the key, the bad value and what to write instead."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(str(path), "", None, "no such spec file",
                        hint="check the path (examples live in examples/sweeps/)")
    return load_toml(path, lambda data, source: parse_spec(data, source, base_dir=path.parent), SpecError,
                     "a sweep spec (examples live in examples/sweeps/)")


def parse_spec(data: dict, source: str = "<spec>", base_dir: str | Path = ".") -> SweepSpec:
    """Validate a parsed TOML document, one section at a time; see load_spec."""
    if not isinstance(data, dict):
        raise SpecError(source, "", None, "a spec is a TOML document of tables")
    _check_keys(source, "(top level)", data, _TOP_KEYS)
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str):
        raise _err(source, "name", "must be text", name)
    ruleset_ref, base = _parse_ruleset(source, data, Path(base_dir))
    master_seed, target = _parse_seed_and_target(source, data)
    params = _parse_params(source, data, base)
    kind, samples, include_base = _parse_design(source, data, params)
    _probe_params(source, base, params)
    armies, matchups, budget = _parse_matchups(source, data, base)
    play = _parse_play(source, data)
    maps = _parse_maps(source, data, base, Path(base_dir))
    swept = [p.key for p in params]
    return SweepSpec(
        source=source, name=name, ruleset_ref=ruleset_ref, base_ruleset=base, master_seed=master_seed,
        target=target, params=params, design_kind=kind, samples=samples, include_base=include_base,
        armies=armies, matchups=tuple(matchups), budget=budget, bots=play.bots, tiers=play.tiers,
        matches=play.matches, swap_sides=play.swap_sides, max_steps=play.max_steps, maps=maps, batch=play.batch,
        heatmap=_parse_report(source, data, swept), autobalance=_parse_autobalance(source, data, swept), raw=data,
        reference_bot=play.reference_bot, learned_bot_check=play.learned_bot_check,
        learned_check_steps=play.learned_check_steps,
    )
