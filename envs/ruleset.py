"""The game's numbers as data: a TOML ruleset, validated on load.

A ruleset has four tables (see docs/designer-ruleset.md for the designer's guide):

- ``[units.<name>]``   one table per archetype: hp, damage, range, speed, cooldown, armor,
  cost, vision (all required), heal and blocked_terrain (optional);
- ``[terrain.<tile>]`` one table per tile type, named after the PCG tiles in ``pcg.tiles``
  (``grassland``, ``forest``, ...): move_cost, passable, defence;
- ``[match]``          budget, max_steps, win_condition, at_step_limit, arena size, combat floor;
- ``[teams.blue]`` and ``[teams.red]``  the default compositions, ``unit = count``.

Every value is checked when the file is read. A problem raises :class:`RulesetError`, whose
message names the file, the key path (``units.archer.damage``), the bad value and what is
expected, so a designer can fix the file without reading Python.
"""
from __future__ import annotations

import copy
import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping

from pcg.tiles import TILE_IDS, TILE_NAMES

TEAMS: tuple[str, str] = ("blue", "red")
WIN_CONDITIONS: tuple[str, ...] = ("last_team_standing",)
AT_STEP_LIMIT: tuple[str, ...] = ("draw", "most_hp_left", "most_units_left")


class RulesetError(ValueError):
    """A ruleset that cannot be used. ``str(err)`` is a complete message for a person.

    Attributes: ``source`` (file or "<dict>"), ``path`` (dotted key path, "" for the whole
    file), ``value`` (the offending value, or None), ``expected`` (what would be valid) and
    ``line`` (1-based line in the file, when known).
    """

    def __init__(self, source: str, path: str, value: Any, expected: str, *, show_value: bool = True,
                 line: int | None = None):
        self.source, self.path, self.value, self.expected, self.line = source, path, value, expected, line
        self.show_value = show_value
        src = f"{source}:{line}" if line else source
        where = f"{src}: {path}" if path else src
        got = f" = {value!r}" if show_value else ""
        super().__init__(f"{where}{got}: {expected}")


# ---------------------------------------------------------------------------------------------
# Typed records (frozen: a Ruleset is a value; change it with apply_overrides)


@dataclass(frozen=True)
class UnitType:
    name: str
    hp: float
    damage: float
    range: float
    speed: float
    cooldown: int
    armor: float
    cost: int
    vision: float
    heal: float = 0.0
    blocked_terrain: tuple[str, ...] = ()


@dataclass(frozen=True)
class TerrainType:
    name: str
    tile_id: int
    move_cost: float
    passable: bool
    defence: float


@dataclass(frozen=True)
class MatchRules:
    budget: int
    max_steps: int
    win_condition: str = "last_team_standing"
    at_step_limit: str = "most_hp_left"
    arena_width: int = 24
    arena_height: int = 24
    min_damage_fraction: float = 0.1


@dataclass(frozen=True)
class Ruleset:
    units: dict[str, UnitType]
    terrain: dict[str, TerrainType]
    match: MatchRules
    teams: dict[str, dict[str, int]]
    source: str = field(default="<dict>", compare=False)

    @property
    def unit_names(self) -> tuple[str, ...]:
        """Archetype names in file order; a unit's type index in the core is its position here."""
        return tuple(self.units)

    @property
    def terrain_names(self) -> tuple[str, ...]:
        return tuple(self.terrain)

    def team_cost(self, composition: Mapping[str, int]) -> int:
        return sum(self.units[name].cost * int(n) for name, n in composition.items())

    def to_dict(self) -> dict[str, Any]:
        """Plain TOML-shaped data; ``parse_ruleset(r.to_dict())`` gives an equal ruleset."""
        units = {}
        for u in self.units.values():
            d = {k: getattr(u, k) for k, _ in _UNIT_FIELDS}
            d["blocked_terrain"] = list(u.blocked_terrain)
            units[u.name] = d
        terrain = {t.name: {k: getattr(t, k) for k, _ in _TERRAIN_FIELDS} for t in self.terrain.values()}
        match = {k: getattr(self.match, k) for k, _ in _MATCH_FIELDS}
        return {"match": match, "units": units, "terrain": terrain,
                "teams": {t: dict(c) for t, c in self.teams.items()}}

    def to_toml(self) -> str:
        """The ruleset as TOML text (for saving a tuned variant)."""
        import tomli_w  # only needed when writing rulesets

        return tomli_w.dumps(self.to_dict())


# ---------------------------------------------------------------------------------------------
# Field checkers: each returns the clean value or raises through `fail(expected)`.

Fail = Callable[[str], None]


def _number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
            hi_open: bool = False) -> Callable[[Any, Fail], float]:
    if lo is None:
        rng = "" if hi is None else f" <= {hi}"
    else:
        rng = f" {'>' if lo_open else '>='} {lo:g}"
        if hi is not None:
            rng += f" and {'<' if hi_open else '<='} {hi:g}"
    want = f"a finite number{rng}"

    def check(v: Any, fail: Fail) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            fail(f"expected {want}, got {type(v).__name__}")
        if math.isnan(v) or math.isinf(v):
            fail(f"expected {want}, got a non-finite value")
        if lo is not None and (v < lo or (lo_open and v == lo)):
            fail(f"expected {want}" + (", got a negative number" if v < 0 else ""))
        if hi is not None and (v > hi or (hi_open and v == hi)):
            fail(f"expected {want}")
        return float(v)

    return check


def _integer(lo: int) -> Callable[[Any, Fail], int]:
    want = f"a whole number >= {lo}"

    def check(v: Any, fail: Fail) -> int:
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            fail(f"expected {want}, got a non-finite value")
        if isinstance(v, bool) or not isinstance(v, int):
            fail(f"expected {want}, got {type(v).__name__}")
        if v < lo:
            fail(f"expected {want}" + (", got a negative number" if v < 0 else ""))
        return int(v)

    return check


def _boolean(v: Any, fail: Fail) -> bool:
    if not isinstance(v, bool):
        fail(f"expected true or false, got {type(v).__name__}")
    return v


def _choice(options: tuple[str, ...]) -> Callable[[Any, Fail], str]:
    def check(v: Any, fail: Fail) -> str:
        if not isinstance(v, str) or v not in options:
            fail("expected one of " + ", ".join(repr(o) for o in options))
        return v

    return check


def _string_list(v: Any, fail: Fail) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        fail("expected a list of terrain names, like [\"swamp\", \"forest\"]")
    return tuple(v)


_UNIT_FIELDS: tuple[tuple[str, Callable], ...] = (
    ("hp", _number(0, lo_open=True)),
    ("damage", _number(0)),
    ("range", _number(1)),           # cells; 1 reaches orthogonal neighbours, 1.5 diagonal ones
    ("speed", _number(0, 1, lo_open=True)),  # cells per step; a unit moves at most one cell a step
    ("cooldown", _integer(1)),       # steps between attacks; 1 = every step
    ("armor", _number(0)),
    ("cost", _integer(1)),
    ("vision", _number(1)),
    ("heal", _number(0)),
    ("blocked_terrain", _string_list),
)
_UNIT_REQUIRED = ("hp", "damage", "range", "speed", "cooldown", "armor", "cost", "vision")

_TERRAIN_FIELDS: tuple[tuple[str, Callable], ...] = (
    ("move_cost", _number(1)),       # speed points needed to enter; 1 = open ground
    ("passable", _boolean),
    ("defence", _number(0, 1, hi_open=True)),  # fraction of incoming damage absorbed on this tile
)

_MATCH_FIELDS: tuple[tuple[str, Callable], ...] = (
    ("budget", _integer(1)),
    ("max_steps", _integer(1)),
    ("win_condition", _choice(WIN_CONDITIONS)),
    ("at_step_limit", _choice(AT_STEP_LIMIT)),
    ("arena_width", _integer(8)),
    ("arena_height", _integer(8)),
    ("min_damage_fraction", _number(0, 1)),
)
_MATCH_REQUIRED = ("budget", "max_steps")


def _table(data: Any, path: str, source: str, what: str) -> dict:
    if not isinstance(data, dict):
        raise RulesetError(source, path, data, f"expected a table of {what}")
    return data


def _fields(data: Any, path: str, source: str, spec, required) -> dict[str, Any]:
    data = _table(data, path, source, "settings")
    known = dict(spec)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise RulesetError(source, f"{path}.{key}", value,
                               f"unknown key; valid keys are {', '.join(known)}")

        def fail(expected: str, _key=key, _value=value) -> None:
            raise RulesetError(source, f"{path}.{_key}", _value, expected)

        out[key] = known[key](value, fail)
    missing = [k for k in required if k not in data]
    if missing:
        raise RulesetError(source, f"{path}.{missing[0]}", None,
                           f"missing required key (add `{missing[0]} = ...` to [{path}])", show_value=False)
    return out


def parse_ruleset(data: Mapping[str, Any], source: str = "<dict>") -> Ruleset:
    """Validate TOML-shaped data into a :class:`Ruleset`; raises :class:`RulesetError`."""
    data = _table(data, "", source, "ruleset sections")
    sections = ("match", "units", "terrain", "teams")
    for key in data:
        if key not in sections:
            raise RulesetError(source, key, data[key], f"unknown section; valid sections are {', '.join(sections)}",
                               show_value=False)
    for key in sections:
        if key not in data:
            raise RulesetError(source, key, None, f"missing section [{key}]", show_value=False)

    terrain: dict[str, TerrainType] = {}
    for name, tdata in _table(data["terrain"], "terrain", source, "terrain types").items():
        path = f"terrain.{name}"
        if name not in TILE_IDS:
            raise RulesetError(source, path, name, "unknown terrain type; terrain tables are named after the map "
                               "tiles: " + ", ".join(TILE_NAMES.values()), show_value=False)
        f = _fields(tdata, path, source, _TERRAIN_FIELDS, tuple(k for k, _ in _TERRAIN_FIELDS))
        terrain[name] = TerrainType(name=name, tile_id=TILE_IDS[name], **f)
    if not terrain:
        raise RulesetError(source, "terrain", {}, "expected at least one terrain type, like [terrain.grassland]")
    if not any(t.passable for t in terrain.values()):
        raise RulesetError(source, "terrain", None, "no terrain type is passable; set passable = true on one",
                           show_value=False)

    units: dict[str, UnitType] = {}
    for name, udata in _table(data["units"], "units", source, "unit archetypes").items():
        path = f"units.{name}"
        f = _fields(udata, path, source, _UNIT_FIELDS, _UNIT_REQUIRED)
        for tname in f.get("blocked_terrain", ()):
            if tname not in terrain:
                raise RulesetError(source, f"{path}.blocked_terrain", tname,
                                   "names a terrain type this ruleset does not define; defined: "
                                   + ", ".join(terrain))
        units[name] = UnitType(name=name, **f)
    if not units:
        raise RulesetError(source, "units", {}, "expected at least one unit archetype, like [units.warrior]")

    match = MatchRules(**_fields(data["match"], "match", source, _MATCH_FIELDS, _MATCH_REQUIRED))

    teams_data = _table(data["teams"], "teams", source, "team compositions")
    for key in teams_data:
        if key not in TEAMS:
            raise RulesetError(source, f"teams.{key}", teams_data[key],
                               "unknown team; the teams are 'blue' and 'red'", show_value=False)
    teams: dict[str, dict[str, int]] = {}
    for team in TEAMS:
        if team not in teams_data:
            raise RulesetError(source, f"teams.{team}", None, f"missing team [teams.{team}]", show_value=False)
        teams[team] = validate_composition(units, teams_data[team], f"teams.{team}", source, match.budget)
    return Ruleset(units=units, terrain=terrain, match=match, teams=teams, source=source)


def validate_composition(units: Mapping[str, UnitType] | Ruleset, comp: Any, path: str = "composition",
                         source: str = "<composition>", budget: int | None = None) -> dict[str, int]:
    """Check a team composition ``{unit: count}``: known units, whole counts >= 0, not empty, and
    (when ``budget`` is given) within budget. Returns it without zero counts."""
    if isinstance(units, Ruleset):
        units = units.units
    comp = _table(comp, path, source, "unit counts, like warrior = 3")
    clean: dict[str, int] = {}
    for name, count in comp.items():
        if name not in units:
            raise RulesetError(source, f"{path}.{name}", count,
                               "unknown unit; defined units are " + ", ".join(units))

        def fail(expected: str, _name=name, _count=count) -> None:
            raise RulesetError(source, f"{path}.{_name}", _count, expected)

        n = _integer(0)(count, fail)
        if n:
            clean[name] = n
    if not clean:
        raise RulesetError(source, path, dict(comp), "the team is empty; give it at least one unit, like warrior = 3")
    if budget is not None:
        cost = sum(units[n].cost * c for n, c in clean.items())
        if cost > budget:
            raise RulesetError(source, path, dict(comp),
                               f"costs {cost}, more than the match budget of {budget}; remove units or raise match.budget")
    return clean


def load_ruleset(path: str | Path) -> Ruleset:
    """Read and validate a TOML ruleset file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesetError(str(p), "", None, "file not found; pass the path of a .toml ruleset "
                           "(examples/rulesets/default.toml is a starting point)", show_value=False) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(str(p), "", None, f"cannot read the file ({exc})", show_value=False) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesetError(str(p), "", None, f"not valid TOML: {exc}", show_value=False) from None
    try:
        return parse_ruleset(data, source=str(p))
    except RulesetError as exc:  # point the designer at the line as well
        line = _line_of(text, exc.path)
        if line is None:
            raise
        raise RulesetError(exc.source, exc.path, exc.value, exc.expected, show_value=exc.show_value,
                           line=line) from None


_HEADER = re.compile(r"^\[\s*([^\[\]]+?)\s*\]$")
_KEY = re.compile(r"^([A-Za-z0-9_\-]+)\s*=")


def _line_of(text: str, path: str) -> int | None:
    """The line that sets ``path`` (or the header of the nearest enclosing table) in TOML text.

    A plain scan of ``[table]`` headers and ``key =`` lines, which is how rulesets are written;
    tomllib does not report positions.
    """
    if not path:
        return None
    table, headers = "", {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        m = _HEADER.match(line)
        if m:
            table = m.group(1).replace(" ", "")
            headers.setdefault(table, n)
            continue
        m = _KEY.match(line)
        if m and (f"{table}.{m.group(1)}" if table else m.group(1)) == path:
            return n
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in headers:
            return headers[".".join(parts[:i])]
    return None


def default_ruleset_text() -> str:
    """The packaged default ruleset's TOML text (a copy of examples/rulesets/default.toml)."""
    return resources.files("envs.data").joinpath("default.toml").read_text("utf-8")


def default_ruleset() -> Ruleset:
    """The packaged default ruleset (identical to examples/rulesets/default.toml)."""
    return parse_ruleset(tomllib.loads(default_ruleset_text()), source="<default ruleset>")


def apply_overrides(ruleset: Ruleset, overrides: Mapping[str, Any]) -> Ruleset:
    """A copy of ``ruleset`` with dotted-path values replaced, re-validated.

    ``apply_overrides(r, {"units.archer.damage": 12.0, "teams.blue.archer": 4})``. An unknown
    path or a bad value raises :class:`RulesetError` naming the path.
    """
    data = copy.deepcopy(ruleset.to_dict())
    source = f"{ruleset.source} (with overrides)"
    for dotted, value in overrides.items():
        parts = str(dotted).split(".")
        node: Any = data
        for i, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                raise RulesetError(source, dotted, value, f"unknown key path ('{'.'.join(parts[:i + 1])}' does not "
                                   "exist in the ruleset)")
            node = node[part]
        leaf = parts[-1]
        # Team counts may name a unit not yet in the team; everything else must already exist.
        if not isinstance(node, dict) or (leaf not in node and not (parts[0] == "teams" and len(parts) == 3)):
            valid = ", ".join(node) if isinstance(node, dict) else ""
            raise RulesetError(source, dotted, value, f"unknown key path; valid keys here: {valid}")
        node[leaf] = value
    return parse_ruleset(data, source=source)


def equal_cost_army(ruleset: Ruleset, unit_name: str, budget: int | None = None) -> dict[str, int]:
    """A single-archetype army that fills the budget (default: the match budget): ``{unit: budget // cost}``."""
    if unit_name not in ruleset.units:
        raise RulesetError(ruleset.source, f"units.{unit_name}", unit_name,
                           "unknown unit; defined units are " + ", ".join(ruleset.units), show_value=False)
    budget = ruleset.match.budget if budget is None else budget
    count = int(budget) // ruleset.units[unit_name].cost
    if count < 1:
        raise RulesetError(ruleset.source, f"units.{unit_name}.cost", ruleset.units[unit_name].cost,
                           f"is more than the budget of {budget}, so the army would be empty")
    return {unit_name: count}
