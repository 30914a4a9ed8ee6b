"""The sufficient statistics of a sweep: everything the statistics, the sensitivity fits and
the report need, gathered in one pass over the match rows.

A million-match sweep does not fit in memory as rows, but every figure of the report is a
function of a few counts: wins, losses and draws per *cell* (configuration × matchup × bot ×
tier), and decisive matches and A-wins per army pairing within a cell (for the per-unit
linear model). So the rows stream through `SweepTally.add` in chunks and are dropped; the
tally's size grows with the number of cells and distinct army compositions, never with the
number of matches.

Order matters for the outputs (summary.json lists win rates in first-seen order), so cells
keep the order in which their first row arrived, as the row-based code did.
"""
from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Iterable

from gameai.balance.rows import COLUMNS, MatchRow, RecordDecoder

_CONFIG, _PARAMS, _MATCHUP, _ARMY_A, _ARMY_B, _BOT, _TIER, _WINNER, _A_UNITS, _B_UNITS = (
    COLUMNS.index(c) for c in ("config_id", "params", "matchup", "army_a", "army_b", "bot", "tier", "winner",
                               "a_units", "b_units"))
# The columns that make a run of matches counted together (see add_records), and the winner.
_RUN = itemgetter(_CONFIG, _PARAMS, _MATCHUP, _ARMY_A, _ARMY_B, _BOT, _TIER, _A_UNITS, _B_UNITS)
_WINNER_OF = itemgetter(_WINNER)


class Cell:
    """Outcomes of one configuration × matchup × bot × tier."""

    __slots__ = ("config_id", "matchup", "army_a", "army_b", "bot", "tier", "wins_a", "wins_b", "draws")

    def __init__(self, config_id: str, matchup: str, army_a: str, army_b: str, bot: str, tier: str):
        self.config_id, self.matchup, self.army_a, self.army_b = config_id, matchup, army_a, army_b
        self.bot, self.tier = bot, tier
        self.wins_a = self.wins_b = self.draws = 0

    @property
    def mirror(self) -> bool:
        return self.army_a == self.army_b

    @property
    def decisive(self) -> int:
        return self.wins_a + self.wins_b


class SweepTally:
    def __init__(self, rows: Iterable[MatchRow] = ()):
        self.cells: dict[tuple, Cell] = {}
        # Cells in the order of their first *decisive* match (the sensitivity fits' order).
        self.decisive_order: dict[tuple, None] = {}
        self.params: dict[str, dict] = {}           # config id -> its parameter values
        self.config_matches: dict[str, int] = {}
        # (config id, bot, tier, A's composition, B's composition) -> [A wins, decisive matches]
        self.pairings: dict[tuple, list[int]] = {}
        self.matches = 0
        self.update(rows)

    @classmethod
    def of(cls, rows: "Iterable[MatchRow] | SweepTally") -> "SweepTally":
        return rows if isinstance(rows, SweepTally) else cls(rows)

    def update(self, rows: Iterable[MatchRow]) -> "SweepTally":
        for r in rows:
            self.add(r)
        return self

    def add(self, r: MatchRow) -> None:
        self._count(r.config_id, r.params, r.matchup, r.army_a, r.army_b, r.bot, r.tier, r.a_units, r.b_units,
                    [r.winner])

    def add_records(self, records: Iterable[tuple], decoder: RecordDecoder) -> None:
        """Stored records (tuples in COLUMNS order) straight from the store: the same counts as
        `add(decoder.row(rec))`, without building the row or decoding its per-unit statistics,
        which no figure needs.

        Records come in plan order, where the matches of one cell and army pairing are
        consecutive, so they are counted a run at a time: one `_count` per run of equal
        columns, not one per match (the per-match Python calls were the largest cost of a
        million-match report). First-seen order is unchanged: nothing else is counted inside a run.
        """
        shared = decoder.shared
        for (config_id, params, matchup, army_a, army_b, bot, tier, a_units, b_units), run in groupby(records, _RUN):
            self._count(config_id, shared(params), matchup, army_a, army_b, bot, tier, shared(a_units),
                        shared(b_units), list(map(_WINNER_OF, run)))

    def _count(self, config_id: str, params: dict, matchup: str, army_a: str, army_b: str, bot: str, tier: str,
               a_units: dict, b_units: dict, winners: list[str]) -> None:
        """Count matches of one cell and army pairing, with these winners ("a", "b" or "draw"), in order."""
        key = (config_id, matchup, bot, tier)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = Cell(config_id, matchup, army_a, army_b, bot, tier)
        n = len(winners)
        self.matches += n
        self.config_matches[config_id] = self.config_matches.get(config_id, 0) + n
        if config_id not in self.params:
            self.params[config_id] = params
        draws = winners.count("draw")
        cell.draws += draws
        decisive = n - draws
        if not decisive:
            return
        if key not in self.decisive_order:
            self.decisive_order[key] = None
        wins_a = winners.count("a")
        cell.wins_a += wins_a
        cell.wins_b += decisive - wins_a
        pk = (config_id, bot, tier, tuple(a_units.items()), tuple(b_units.items()))
        p = self.pairings.get(pk)
        if p is None:
            p = self.pairings[pk] = [0, 0]
        p[0] += wins_a
        p[1] += decisive

    # -- what the rows contained, in first-seen order
    def tiers(self) -> list[str]:
        return list(dict.fromkeys(c.tier for c in self.cells.values()))

    def bots(self) -> list[str]:
        return list(dict.fromkeys(c.bot for c in self.cells.values()))
