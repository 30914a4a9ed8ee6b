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

from typing import Iterable

from gameai.balance.rows import MatchRow


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
        key = (r.config_id, r.matchup, r.bot, r.tier)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = Cell(r.config_id, r.matchup, r.army_a, r.army_b, r.bot, r.tier)
        self.matches += 1
        self.config_matches[r.config_id] = self.config_matches.get(r.config_id, 0) + 1
        if r.config_id not in self.params:
            self.params[r.config_id] = r.params
        if r.winner == "draw":
            cell.draws += 1
            return
        if key not in self.decisive_order:
            self.decisive_order[key] = None
        a_won = r.winner == "a"
        if a_won:
            cell.wins_a += 1
        else:
            cell.wins_b += 1
        pk = (r.config_id, r.bot, r.tier, tuple(r.a_units.items()), tuple(r.b_units.items()))
        p = self.pairings.get(pk)
        if p is None:
            p = self.pairings[pk] = [0, 0]
        p[0] += a_won
        p[1] += 1

    # -- what the rows contained, in first-seen order
    def tiers(self) -> list[str]:
        return list(dict.fromkeys(c.tier for c in self.cells.values()))

    def bots(self) -> list[str]:
        return list(dict.fromkeys(c.bot for c in self.cells.values()))

    def for_config(self, config_id: str) -> "SweepTally":
        """The part of the tally that belongs to one configuration."""
        sub = SweepTally()
        sub.cells = {k: c for k, c in self.cells.items() if c.config_id == config_id}
        sub.decisive_order = {k: None for k in self.decisive_order if k[0] == config_id}
        sub.params = {config_id: self.params[config_id]} if config_id in self.params else {}
        sub.config_matches = {config_id: self.config_matches.get(config_id, 0)}
        sub.pairings = {k: v for k, v in self.pairings.items() if k[0] == config_id}
        sub.matches = sub.config_matches[config_id]
        return sub
