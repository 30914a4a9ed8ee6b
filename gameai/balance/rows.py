"""One finished match, as the store keeps it and every consumer reads it: `MatchRow`.

The store writes and reads these, the statistics, sensitivity, report and auto-balance
consume them; a typo in a field name is then an AttributeError at the line that made it,
not a silently missing dict key. The four JSON columns hold dicts (army compositions,
the configuration's parameter values, per-unit statistics); rows read from the store share
equal dicts between matches, so treat them as read-only.
"""
from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, fields, replace

#: Columns of a match row, in results.csv and store order. JSON columns hold dicts.
COLUMNS = (
    "key", "phase", "config_id", "params", "matchup", "army_a", "army_b", "bot", "tier", "rep",
    "a_side", "seed", "map_seed", "winner", "steps", "a_units", "b_units",
    "a_survivors", "b_survivors", "a_hp_left", "b_hp_left", "a_damage", "b_damage", "a_kills", "b_kills",
    "unit_stats", "run_id", "created",
)
JSON_COLUMNS = ("params", "a_units", "b_units", "unit_stats")
WINNERS = ("a", "b", "draw")


@dataclass(frozen=True, slots=True)
class MatchRow:
    key: str
    phase: str
    config_id: str
    params: dict            # the configuration's overrides, {"units.archer.damage": 12.0, ...}
    matchup: str
    army_a: str
    army_b: str
    bot: str
    tier: str
    rep: int
    a_side: str             # "blue" or "red"
    seed: int
    map_seed: int | None
    winner: str             # "a", "b" or "draw"
    steps: int
    a_units: dict           # {unit type: count}
    b_units: dict
    a_survivors: int | None = None
    b_survivors: int | None = None
    a_hp_left: float | None = None
    b_hp_left: float | None = None
    a_damage: float | None = None
    b_damage: float | None = None
    a_kills: int | None = None
    b_kills: int | None = None
    unit_stats: dict | None = None
    run_id: int = 0         # stamped by the coordinator when it stores the row
    created: float = 0.0

    def __post_init__(self):
        if self.winner not in WINNERS:
            raise ValueError(f"match {self.key}: winner must be one of {WINNERS}, not {self.winner!r}")

    @property
    def mirror(self) -> bool:
        return self.army_a == self.army_b

    @property
    def decisive(self) -> bool:
        return self.winner != "draw"

    def stamped(self, run_id: int) -> "MatchRow":
        return replace(self, run_id=run_id)

    def record(self) -> tuple:
        """Values in COLUMNS order, JSON columns encoded (as stored and as written to results.csv)."""
        return tuple(json.dumps(getattr(self, c), sort_keys=True) if c in JSON_COLUMNS else getattr(self, c)
                     for c in COLUMNS)

    def to_dict(self) -> dict:
        return {c: getattr(self, c) for c in COLUMNS}

    @classmethod
    def from_dict(cls, d: dict) -> "MatchRow":
        missing = [c for c in _REQUIRED if c not in d]
        if missing:
            raise ValueError(f"match row {d.get('key', '?')}: missing {', '.join(missing)}")
        return cls(**{c: d[c] for c in COLUMNS if c in d})


_REQUIRED = tuple(f.name for f in fields(MatchRow) if f.default is MISSING)


class RecordDecoder:
    """Builds MatchRows from stored records (tuples in COLUMNS order).

    The parameter and army columns repeat across all matches of a configuration and
    matchup, so their decoded dicts are memoised on the stored text (bounded): decoding a
    million rows then costs one json.loads per distinct value, not four per row, and equal
    values share one dict.
    """

    def __init__(self, memo_size: int = 4096):
        self._memo: dict[str, dict] = {}
        self._size = memo_size

    def shared(self, text: str):
        """The decoded value of a JSON column that repeats across rows (memoised)."""
        v = self._memo.get(text)
        if v is None:
            if len(self._memo) >= self._size:
                self._memo.clear()
            v = self._memo[text] = json.loads(text)
        return v

    def row(self, rec: tuple) -> MatchRow:
        (key, phase, config_id, params, matchup, army_a, army_b, bot, tier, rep, a_side, seed, map_seed, winner,
         steps, a_units, b_units, a_surv, b_surv, a_hp, b_hp, a_dmg, b_dmg, a_kills, b_kills, unit_stats,
         run_id, created) = rec
        return MatchRow(key, phase, config_id, self.shared(params), matchup, army_a, army_b, bot, tier, rep,
                        a_side, seed, map_seed, winner, steps, self.shared(a_units), self.shared(b_units),
                        a_surv, b_surv, a_hp, b_hp, a_dmg, b_dmg, a_kills, b_kills, json.loads(unit_stats),
                        run_id, created)
