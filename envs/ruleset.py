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
expected, so a designer can fix the file without reading Python. The value checks and their
wording come from :mod:`gameai_schema`, shared with the other data formats.

Key paths name one value: ``units.archer.damage``, ``terrain.forest.move_cost``,
``match.budget``, ``teams.blue.archer``. A :class:`Ruleset` answers them directly
(``get``, ``with_values``, ``field``); nothing else walks a ruleset by path.
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from gameai_schema import Check, Checker, DataError, boolean, choice, integer, load_toml, number, string_list
from pcg.tiles import TILE_IDS, TILE_NAMES

TEAMS: tuple[str, str] = ("blue", "red")
WIN_CONDITIONS: tuple[str, ...] = ("last_team_standing",)
AT_STEP_LIMIT: tuple[str, ...] = ("draw", "most_hp_left", "most_units_left")


class RulesetError(DataError):
    """A ruleset that cannot be used. ``str(err)`` is a complete message for a person.

    Attributes: ``source`` (file or "<dict>"), ``path`` (dotted key path, "" for the whole
    file), ``value`` (the offending value, or None), ``expected`` (what would be valid) and
    ``line`` (1-based line in the file, when known).
    """


# ---------------------------------------------------------------------------------------------
# Typed records (frozen: a Ruleset is a value; change it with Ruleset.with_values)


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

    # -- key paths ------------------------------------------------------------------------

    def get(self, path: str) -> Any:
        """The value at a key path: ``r.get("units.archer.damage") == 11.0``. A team count of a
        defined unit the team does not field is 0. An unknown path raises :class:`RulesetError`."""
        table, name, leaf = _locate(self, path, None, self.source)
        if table == "match":
            return getattr(self.match, leaf)
        if table == "teams":
            return self.teams[name].get(leaf, 0)
        return getattr((self.units if table == "units" else self.terrain)[name], leaf)

    def field(self, path: str) -> "RuleField":
        """What a key path accepts: its type and bounds (see :class:`RuleField`)."""
        table, _, leaf = _locate(self, path, None, self.source)
        return RuleField(path, _CHECKS[table][leaf] if table != "teams" else _COUNT)

    def with_values(self, values: Mapping[str, Any]) -> "Ruleset":
        """A copy with the values at the given key paths replaced, validated.

        ``r.with_values({"units.archer.damage": 12.0, "teams.blue.archer": 4})``. Each value is
        checked by its field's check, then the rules that span tables (blocked terrain defined,
        some terrain passable, teams within budget) are checked again on the result. Unchanged
        records are shared with this ruleset (they are frozen). An unknown path or a bad value
        raises :class:`RulesetError` naming the path.
        """
        if not values:
            return self
        source = self.source if self.source.endswith(" (with overrides)") else f"{self.source} (with overrides)"
        c = Checker(source, RulesetError)
        edits: dict[tuple[str, str | None], dict[str, Any]] = {}
        for path, value in values.items():
            table, name, leaf = _locate(self, str(path), value, source)
            check = _COUNT if table == "teams" else _CHECKS[table][leaf]
            edits.setdefault((table, name), {})[leaf] = c.value(str(path), value, check)
        units, terrain, match = dict(self.units), dict(self.terrain), self.match
        teams_data: dict[str, dict[str, int]] = {t: dict(comp) for t, comp in self.teams.items()}
        for (table, name), changes in edits.items():
            if table == "units":
                units[name] = dataclasses.replace(units[name], **changes)
            elif table == "terrain":
                terrain[name] = dataclasses.replace(terrain[name], **changes)
            elif table == "match":
                match = dataclasses.replace(match, **changes)
            else:
                teams_data[name].update(changes)
        teams = _check_across_tables(c, units, terrain, match, teams_data)
        return Ruleset(units=units, terrain=terrain, match=match, teams=teams, source=source)

    def to_dict(self) -> dict[str, Any]:
        """Plain TOML-shaped data; ``parse_ruleset(r.to_dict())`` gives an equal ruleset."""
        units = {}
        for u in self.units.values():
            d = {k: getattr(u, k) for k in _UNIT_FIELDS}
            d["blocked_terrain"] = list(u.blocked_terrain)
            units[u.name] = d
        terrain = {t.name: {k: getattr(t, k) for k in _TERRAIN_FIELDS} for t in self.terrain.values()}
        match = {k: getattr(self.match, k) for k in _MATCH_FIELDS}
        return {"match": match, "units": units, "terrain": terrain,
                "teams": {t: dict(c) for t, c in self.teams.items()}}

    def to_toml(self) -> str:
        """The ruleset as TOML text (for saving a tuned variant)."""
        import tomli_w  # only needed when writing rulesets

        return tomli_w.dumps(self.to_dict())


# ---------------------------------------------------------------------------------------------
# The tables' fields, checked by gameai_schema (which words the errors); file order is to_dict's order.

_UNIT_FIELDS: dict[str, Check] = {
    "hp": number(0, lo_open=True),
    "damage": number(0),
    "range": number(1),              # cells; 1 reaches orthogonal neighbours, 1.5 diagonal ones
    "speed": number(0, 1, lo_open=True),  # cells per step; a unit moves at most one cell a step
    "cooldown": integer(1),          # steps between attacks; 1 = every step
    "armor": number(0),
    "cost": integer(1),
    "vision": number(1),
    "heal": number(0),
    "blocked_terrain": string_list("terrain names", '["swamp", "forest"]'),
}
_UNIT_REQUIRED = ("hp", "damage", "range", "speed", "cooldown", "armor", "cost", "vision")

_TERRAIN_FIELDS: dict[str, Check] = {
    "move_cost": number(1),          # speed points needed to enter; 1 = open ground
    "passable": boolean,
    "defence": number(0, 1, hi_open=True),  # fraction of incoming damage absorbed on this tile
}

_MATCH_FIELDS: dict[str, Check] = {
    "budget": integer(1),
    "max_steps": integer(1),
    "win_condition": choice(WIN_CONDITIONS),
    "at_step_limit": choice(AT_STEP_LIMIT),
    "arena_width": integer(8),
    "arena_height": integer(8),
    "min_damage_fraction": number(0, 1),
}
_MATCH_REQUIRED = ("budget", "max_steps")

_SECTIONS = ("match", "units", "terrain", "teams")
_COUNT = integer(0)
_CHECKS: dict[str, dict[str, Check]] = {"units": _UNIT_FIELDS, "terrain": _TERRAIN_FIELDS, "match": _MATCH_FIELDS}


@dataclass(frozen=True)
class RuleField:
    """What one key path accepts, from the check that validates it.

    ``type`` is the Python type of a clean value (float, int, bool, str, or tuple for a list of
    names); ``low``/``high`` the bounds (None: unbounded), ``low_open``/``high_open`` whether the
    bound itself is excluded; ``options`` the allowed words of a choice; ``check(v)`` validates.
    """

    path: str
    check: Check

    @property
    def type(self) -> type:
        return self.check.type

    @property
    def low(self) -> float | None:
        return self.check.low

    @property
    def high(self) -> float | None:
        return self.check.high

    @property
    def low_open(self) -> bool:
        return self.check.low_open

    @property
    def high_open(self) -> bool:
        return self.check.high_open

    @property
    def options(self) -> tuple[str, ...] | None:
        return self.check.options

    @property
    def numeric(self) -> bool:
        return self.type in (int, float)

    @property
    def expected(self) -> str:
        return self.check.expected


def _locate(r: "Ruleset", path: str, value: Any, source: str) -> tuple[str, str | None, str]:
    """(table, record name or None for [match], field) of a key path, or RulesetError."""
    parts = path.split(".")
    table = parts[0]
    shown = value is not None   # get() and field() have no value to quote

    def unknown(depth: int, valid) -> RulesetError:
        known = ".".join(parts[:depth])
        return RulesetError(source, path, value, f"unknown key path ('{known}' does not exist in the ruleset); "
                            f"valid keys {'here' if depth > 1 else 'at the top'}: {', '.join(valid)}", show_value=shown)

    if table not in _SECTIONS:
        raise unknown(1, _SECTIONS)
    if table == "match":
        if len(parts) != 2 or parts[1] not in _MATCH_FIELDS:
            raise RulesetError(source, path, value, "unknown key path; valid keys here: " + ", ".join(_MATCH_FIELDS),
                               show_value=shown)
        return table, None, parts[1]
    records = {"units": r.units, "terrain": r.terrain, "teams": dict.fromkeys(TEAMS)}[table]
    if len(parts) < 2 or parts[1] not in records:
        raise unknown(2, records)
    fields = r.units if table == "teams" else _CHECKS[table]   # a team count is named by its unit
    if len(parts) != 3 or parts[2] not in fields:
        what = "unknown unit; defined units are " if table == "teams" else "unknown key path; valid keys here: "
        raise RulesetError(source, path, value, what + ", ".join(fields), show_value=shown)
    return table, parts[1], parts[2]


def _check_across_tables(c: Checker, units: dict[str, "UnitType"], terrain: dict[str, "TerrainType"],
                         match: "MatchRules", teams_data: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """The rules that span tables; returns the validated team compositions."""
    if not any(t.passable for t in terrain.values()):
        c.fail("terrain", None, "no terrain type is passable; set passable = true on one", show_value=False)
    for u in units.values():
        for tname in u.blocked_terrain:
            if tname not in terrain:
                c.fail(f"units.{u.name}.blocked_terrain", tname,
                       "names a terrain type this ruleset does not define; defined: " + ", ".join(terrain))
    return {team: validate_composition(units, teams_data[team], f"teams.{team}", c.source, match.budget)
            for team in TEAMS}


def parse_ruleset(data: Mapping[str, Any], source: str = "<dict>") -> Ruleset:
    """Validate TOML-shaped data into a :class:`Ruleset`; raises :class:`RulesetError`."""
    c = Checker(source, RulesetError)
    data = c.table(data, "", "ruleset sections")
    for key in data:
        if key not in _SECTIONS:
            c.fail(key, data[key], f"unknown section; valid sections are {', '.join(_SECTIONS)}", show_value=False)
    for key in _SECTIONS:
        if key not in data:
            c.fail(key, None, f"missing section [{key}]", show_value=False)

    terrain: dict[str, TerrainType] = {}
    for name, tdata in c.table(data["terrain"], "terrain", "terrain types").items():
        path = f"terrain.{name}"
        if name not in TILE_IDS:
            c.fail(path, name, "unknown terrain type; terrain tables are named after the map tiles: "
                   + ", ".join(TILE_NAMES.values()), show_value=False)
        f = c.fields(tdata, path, _TERRAIN_FIELDS, required=tuple(_TERRAIN_FIELDS))
        terrain[name] = TerrainType(name=name, tile_id=TILE_IDS[name], **f)
    if not terrain:
        c.fail("terrain", {}, "expected at least one terrain type, like [terrain.grassland]")

    units: dict[str, UnitType] = {}
    for name, udata in c.table(data["units"], "units", "unit archetypes").items():
        path = f"units.{name}"
        units[name] = UnitType(name=name, **c.fields(udata, path, _UNIT_FIELDS, required=_UNIT_REQUIRED))
    if not units:
        c.fail("units", {}, "expected at least one unit archetype, like [units.warrior]")

    match = MatchRules(**c.fields(data["match"], "match", _MATCH_FIELDS, required=_MATCH_REQUIRED))

    teams_data = c.table(data["teams"], "teams", "team compositions")
    for key in teams_data:
        if key not in TEAMS:
            c.fail(f"teams.{key}", teams_data[key], "unknown team; the teams are 'blue' and 'red'", show_value=False)
    for team in TEAMS:
        if team not in teams_data:
            c.fail(f"teams.{team}", None, f"missing team [teams.{team}]", show_value=False)
    teams = _check_across_tables(c, units, terrain, match, teams_data)
    return Ruleset(units=units, terrain=terrain, match=match, teams=teams, source=source)


def validate_composition(units: Mapping[str, UnitType] | Ruleset, comp: Any, path: str = "composition",
                         source: str = "<composition>", budget: int | None = None) -> dict[str, int]:
    """Check a team composition ``{unit: count}``: known units, whole counts >= 0, not empty, and
    (when ``budget`` is given) within budget. Returns it without zero counts."""
    if isinstance(units, Ruleset):
        units = units.units
    c = Checker(source, RulesetError)
    comp = c.table(comp, path, "unit counts, like warrior = 3")
    clean: dict[str, int] = {}
    for name, count in comp.items():
        if name not in units:
            c.fail(f"{path}.{name}", count, "unknown unit; defined units are " + ", ".join(units))
        n = c.value(f"{path}.{name}", count, _COUNT)
        if n:
            clean[name] = n
    if not clean:
        c.fail(path, dict(comp), "the team is empty; give it at least one unit, like warrior = 3")
    if budget is not None:
        cost = sum(units[n].cost * k for n, k in clean.items())
        if cost > budget:
            c.fail(path, dict(comp), f"costs {cost}, more than the match budget of {budget}; "
                   "remove units or raise match.budget")
    return clean


def load_ruleset(path: str | Path) -> Ruleset:
    """Read and validate a TOML ruleset file; errors also name the line to fix."""
    return load_toml(path, parse_ruleset, RulesetError,
                     "a .toml ruleset (examples/rulesets/default.toml is a starting point)")


def default_ruleset_text() -> str:
    """The packaged default ruleset's TOML text (a copy of examples/rulesets/default.toml)."""
    return resources.files("envs.data").joinpath("default.toml").read_text("utf-8")


def default_ruleset() -> Ruleset:
    """The packaged default ruleset (identical to examples/rulesets/default.toml)."""
    return parse_ruleset(tomllib.loads(default_ruleset_text()), source="<default ruleset>")


def apply_overrides(ruleset: Ruleset, overrides: Mapping[str, Any]) -> Ruleset:
    """``ruleset.with_values(overrides)`` (kept for callers that pass the ruleset in)."""
    return ruleset.with_values(overrides)


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
