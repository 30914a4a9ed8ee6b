"""The results store: one SQLite file, one row per finished match, appended as matches finish.

Why SQLite: a match's row is committed in a transaction the moment its batch returns, the
file survives a kill at any instant (write-ahead log), and the match's identity key is the
primary key, so a resumed sweep skips what is stored and can never store a match twice.
Only the coordinating process writes; workers return rows to it.
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Iterable

#: Columns of a match row, in results.csv order. JSON columns hold dicts.
COLUMNS = (
    "key", "phase", "config_id", "params", "matchup", "army_a", "army_b", "bot", "tier", "rep",
    "a_side", "seed", "map_seed", "winner", "steps", "a_units", "b_units",
    "a_survivors", "b_survivors", "a_hp_left", "b_hp_left", "a_damage", "b_damage", "a_kills", "b_kills",
    "unit_stats", "run_id", "created",
)
JSON_COLUMNS = ("params", "a_units", "b_units", "unit_stats")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS matches (
    key TEXT PRIMARY KEY,
    phase TEXT NOT NULL, config_id TEXT NOT NULL, params TEXT NOT NULL,
    matchup TEXT NOT NULL, army_a TEXT NOT NULL, army_b TEXT NOT NULL,
    bot TEXT NOT NULL, tier TEXT NOT NULL, rep INTEGER NOT NULL, a_side TEXT NOT NULL,
    seed INTEGER NOT NULL, map_seed INTEGER,
    winner TEXT NOT NULL CHECK (winner IN ('a', 'b', 'draw')), steps INTEGER NOT NULL,
    a_units TEXT NOT NULL, b_units TEXT NOT NULL,
    a_survivors INTEGER, b_survivors INTEGER, a_hp_left REAL, b_hp_left REAL,
    a_damage REAL, b_damage REAL, a_kills INTEGER, b_kills INTEGER,
    unit_stats TEXT NOT NULL, run_id INTEGER NOT NULL, created REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS matches_phase ON matches(phase, config_id);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL, info TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""


class StoreError(ValueError):
    """The results file cannot be used (corrupt, locked, or not a gameai store)."""


class ResultStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed match survives even an OS crash, not only a killed process.
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: cannot open the results store ({exc}); "
                "it is not a gameai results file or it is damaged: choose another --out folder"
            ) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- bookkeeping
    def start_run(self, info: dict) -> int:
        cur = self.db.execute("INSERT INTO runs(started, info) VALUES (?, ?)", (time.time(), json.dumps(info)))
        return int(cur.lastrowid)

    def runs(self) -> list[dict]:
        return [{"run_id": r, "started": s, **json.loads(i)} for r, s, i in
                self.db.execute("SELECT run_id, started, info FROM runs ORDER BY run_id")]

    def set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(k, v) VALUES (?, ?)", (key, json.dumps(value)))

    def get_meta(self, key: str, default=None):
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # -- matches
    def done_keys(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM matches")}

    def add(self, rows: Iterable[dict]) -> int:
        """Append finished matches in one transaction; a key already stored is left as it was."""
        # Plain INSERT of the new keys only (not INSERT OR IGNORE, which would also swallow a
        # row that breaks a CHECK constraint): a bad row fails the whole batch loudly.
        batch: dict[str, dict] = {}
        for r in rows:
            batch.setdefault(r["key"], r)
        if not batch:
            return 0
        placeholders = ", ".join("?" for _ in COLUMNS)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            stored = set()
            keys = list(batch)
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                stored.update(k for (k,) in self.db.execute(
                    f"SELECT key FROM matches WHERE key IN ({', '.join('?' for _ in chunk)})", chunk))
            values = [tuple(json.dumps(r[c], sort_keys=True) if c in JSON_COLUMNS else r[c] for c in COLUMNS)
                      for k, r in batch.items() if k not in stored]
            self.db.executemany(f"INSERT INTO matches({', '.join(COLUMNS)}) VALUES ({placeholders})", values)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return len(values)

    def count(self, phase: str | None = None) -> int:
        if phase is None:
            return self.db.execute("SELECT COUNT(*) FROM matches").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM matches WHERE phase = ?", (phase,)).fetchone()[0]

    def rows(self, keys: Iterable[str] | None = None, phase: str | None = None) -> list[dict]:
        """Stored matches as dicts (JSON columns decoded); restricted to `keys` when given."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM matches"
        args: tuple = ()
        if phase is not None:
            sql += " WHERE phase = ?"
            args = (phase,)
        out = []
        wanted = set(keys) if keys is not None else None
        for rec in self.db.execute(sql + " ORDER BY key", args):
            if wanted is not None and rec[0] not in wanted:
                continue
            row = dict(zip(COLUMNS, rec))
            for c in JSON_COLUMNS:
                row[c] = json.loads(row[c])
            out.append(row)
        return out
