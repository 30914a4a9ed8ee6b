"""The results store: one SQLite file, one row per finished match, appended as matches finish.

Why SQLite: a match's row is committed in a transaction the moment its batch returns, the
file survives a kill at any instant (write-ahead log), and the match's identity key is the
primary key, so a resumed sweep skips what is stored and can never store a match twice.
Only the coordinating process writes; workers return rows to it.

Reading is chunked: `StoredRows` streams the rows of a list of keys in that order, a few
thousand at a time, so a million-match sweep is analysed and written out without ever
holding its rows in memory.
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from gameai.balance.rows import COLUMNS, JSON_COLUMNS, MatchRow, RecordDecoder

__all__ = ["COLUMNS", "JSON_COLUMNS", "ResultStore", "StoreError", "StoredRows"]

#: Keys per SELECT when reading rows by key (well under SQLite's bound-parameter limit).
READ_CHUNK = 900

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

    def add(self, rows: Iterable[MatchRow]) -> int:
        """Append finished matches in one transaction; a key already stored is left as it was."""
        # Plain INSERT of the new keys only (not INSERT OR IGNORE, which would also swallow a
        # row that breaks a CHECK constraint): a bad row fails the whole batch loudly.
        batch: dict[str, MatchRow] = {}
        for r in rows:
            batch.setdefault(r.key, r)
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
            values = [r.record() for k, r in batch.items() if k not in stored]
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

    def rows(self, keys: Iterable[str] | None = None, phase: str | None = None) -> list[MatchRow]:
        """Stored matches ordered by key; restricted to `keys` when given. Holds them all in
        memory: for a whole sweep, stream them with `StoredRows` instead."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM matches"
        args: tuple = ()
        if phase is not None:
            sql += " WHERE phase = ?"
            args = (phase,)
        wanted = set(keys) if keys is not None else None
        decode = RecordDecoder()
        return [decode.row(rec) for rec in self.db.execute(sql + " ORDER BY key", args)
                if wanted is None or rec[0] in wanted]

    def missing(self, keys: Sequence[str]) -> int:
        """How many of `keys` are not stored."""
        found = 0
        for i in range(0, len(keys), READ_CHUNK):
            chunk = list(keys[i:i + READ_CHUNK])
            found += self.db.execute(f"SELECT COUNT(*) FROM matches WHERE key IN ({', '.join('?' * len(chunk))})",
                                     chunk).fetchone()[0]
        return len(keys) - found

    def records(self, keys: Sequence[str]) -> Iterator[list[tuple]]:
        """Stored records (tuples in COLUMNS order, JSON columns as stored text) of `keys`, in
        that order, in chunks of READ_CHUNK; a key that is not stored raises StoreError."""
        select = f"SELECT {', '.join(COLUMNS)} FROM matches WHERE key IN "
        for i in range(0, len(keys), READ_CHUNK):
            chunk = [str(k) for k in keys[i:i + READ_CHUNK]]
            by_key = {rec[0]: rec for rec in self.db.execute(select + f"({', '.join('?' * len(chunk))})", chunk)}
            if len(by_key) < len(chunk):
                missing = [k for k in chunk if k not in by_key]
                raise StoreError(f"{self.path}: {len(missing)} planned matches are not stored (first: {missing[0]})")
            yield [by_key[k] for k in chunk]


class StoredRows:
    """The rows of a list of match keys, read back from a store file in that order, chunk by
    chunk, each time it is iterated. It opens the file per pass, so it outlives the
    `ResultStore` that wrote the rows. Iterating gives `MatchRow`s; `record_chunks()` gives
    the stored records themselves (what results.csv writes, with no JSON round trip).
    """

    def __init__(self, path: str | Path, keys: Sequence[str]):
        self.path = Path(path)
        # Keys as one fixed-width bytes array: 32 bytes a match instead of ~90 for a str.
        self._keys = np.array(keys, dtype="S") if len(keys) else np.array([], dtype="S32")

    def __len__(self) -> int:
        return len(self._keys)

    def record_chunks(self) -> Iterator[list[tuple]]:
        with ResultStore(self.path) as store:
            yield from store.records(_DecodedKeys(self._keys))

    def __iter__(self) -> Iterator[MatchRow]:
        decode = RecordDecoder()
        for chunk in self.record_chunks():
            for rec in chunk:
                yield decode.row(rec)


class _DecodedKeys(Sequence):
    """A str view of a bytes key array, decoded slice by slice as `records` asks for it."""

    def __init__(self, keys: np.ndarray):
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, i):
        part = self._keys[i]
        return [k.decode("ascii") for k in part] if isinstance(i, slice) else part.decode("ascii")
