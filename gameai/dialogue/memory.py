"""Per-NPC, per-player memory stream in SQLite (WAL): persists across restarts, loses nothing.

Compaction archives old rows (it never deletes them) and adds one summary row in their place,
so a long relationship stays inside the prompt budget and the full history stays on disk.
Erasure (`delete`) is the one way rows leave: it removes them and rewrites the file, so that
no byte of the player's words remains in the .db, -wal or -shm file.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gameai.dialogue.embeddings import DIM
from gameai.dialogue.errors import DialogueError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Memory:
    id: int
    turn: int
    speaker: str  # "player", "npc" or "summary"
    text: str
    importance: float
    embedding: np.ndarray


class MemoryStore:
    """Thread-safe; one store may serve every NPC of a game. ':memory:' for a throwaway store."""

    def __init__(self, path: str | Path = ":memory:"):
        self.path = str(path)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # Freed cells and pages are zeroed, so a rewritten or removed row leaves no stale copy
            # in the file's free space.
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
                CREATE TABLE IF NOT EXISTS memories (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    npc TEXT NOT NULL, player TEXT NOT NULL, turn INTEGER NOT NULL,
                    speaker TEXT NOT NULL, text TEXT NOT NULL, importance REAL NOT NULL,
                    embedding BLOB NOT NULL, created REAL NOT NULL, archived INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX IF NOT EXISTS memories_pair ON memories (npc, player, archived);
                """)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) != SCHEMA_VERSION:
                raise DialogueError(f"{self.path}: memory schema version {row[0]}, this gameai reads "
                                    f"{SCHEMA_VERSION}; use a new --memory file or upgrade gameai")
            self._db.commit()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise DialogueError(f"{self.path}: cannot open the memory database ({exc}); "
                                "pass a writable path to a gameai memory file (a new path creates one)") from None
        self._lock = threading.Lock()
        self.scrub_pending = False  # an erasure deleted rows but could not rewrite the file yet

    def add(self, npc: str, player: str, turn: int, speaker: str, text: str, importance: float,
            embedding: np.ndarray, archived: bool = False) -> int:
        vec = np.asarray(embedding, dtype=np.float32)
        if vec.shape != (DIM,):
            raise ValueError(f"embedding must have shape ({DIM},), got {vec.shape}")
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO memories (npc, player, turn, speaker, text, importance, embedding, created, archived)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (npc, player, turn, speaker, text, float(importance), vec.tobytes(), time.time(), int(archived)))
            self._db.commit()
            return int(cur.lastrowid)

    def active(self, npc: str, player: str) -> list[Memory]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, turn, speaker, text, importance, embedding FROM memories"
                " WHERE npc=? AND player=? AND archived=0 ORDER BY id", (npc, player)).fetchall()
        return [Memory(r[0], r[1], r[2], r[3], r[4], np.frombuffer(r[5], dtype=np.float32)) for r in rows]

    def next_turn(self, npc: str, player: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(turn) FROM memories WHERE npc=? AND player=?", (npc, player)).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def last_npc_lines(self, npc: str, player: str, n: int = 3) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT text FROM memories WHERE npc=? AND player=? AND speaker='npc' ORDER BY id DESC LIMIT ?",
                (npc, player, n)).fetchall()
        return [r[0] for r in rows]

    def archive(self, ids: list[int]) -> None:
        with self._lock:
            self._db.executemany("UPDATE memories SET archived=1 WHERE id=?", [(i,) for i in ids])
            self._db.commit()

    def archive_pair(self, npc: str | None, player: str) -> int:
        """Archive the pair's active rows (the NPC stops recalling them; they stay on disk).
        npc None: the player's rows with every NPC. Returns the rows archived."""
        where, args = _pair(npc, player)
        with self._lock:
            cur = self._db.execute(f"UPDATE memories SET archived=1 WHERE {where} AND archived=0", args)
            self._db.commit()
            return cur.rowcount

    def texts(self, npc: str | None, player: str) -> list[str]:
        """Every text stored of the player (archived and summaries too); npc None: of every NPC."""
        where, args = _pair(npc, player)
        with self._lock:
            return [r[0] for r in self._db.execute(f"SELECT text FROM memories WHERE {where}", args)]

    def delete(self, npc: str | None, player: str) -> int:
        """Erase the player's rows (archived rows and summaries too) so that no trace stays on disk.

        npc None erases the player from every NPC. Returns the rows deleted. The file is rewritten
        (VACUUM) and the WAL emptied (checkpoint TRUNCATE): secure_delete alone would zero the
        live pages but leave older copies of them in the WAL and stale cells from rows written
        before it was on. This costs time in proportion to the whole file, under the store's lock.
        """
        where, args = _pair(npc, player)
        with self._lock:
            n = self._db.execute(f"DELETE FROM memories WHERE {where}", args).rowcount
            self._db.commit()
            if n:
                self._scrub(f"deleted {n} memories of {player!r}, but ")
            return n

    def scrub(self) -> None:
        """Rewrite the file from its live rows and empty the WAL (what `delete` ends with)."""
        with self._lock:
            self._scrub("")

    def _scrub(self, done: str) -> None:
        self.scrub_pending = True
        try:
            self._db.execute("VACUUM")  # needs free disk space about the size of the file
            busy = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error as exc:
            raise DialogueError(f"{self.path}: {done}the file could not be rewritten ({exc}), so older "
                                "copies of deleted rows may remain in it; free disk space, then call "
                                "MemoryStore.scrub()") from None
        self.scrub_pending = bool(busy)
        if busy:
            raise DialogueError(
                f"{self.path}: {done}another connection to this file is reading, so older copies of "
                "deleted rows may remain in its -wal file; close the other connection, then call "
                "MemoryStore.scrub()")

    def count(self, npc: str | None, player: str, include_archived: bool = False) -> int:
        """Rows of the pair (npc None: of the player with every NPC)."""
        where, args = _pair(npc, player)
        q = f"SELECT COUNT(*) FROM memories WHERE {where}" + ("" if include_archived else " AND archived=0")
        with self._lock:
            return int(self._db.execute(q, args).fetchone()[0])

    def close(self) -> None:
        """Flush the WAL into the main file and close. Safe to call twice."""
        with self._lock:
            if self._db is None:
                return
            try:
                self._db.commit()
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()
                self._db = None  # type: ignore[assignment]

    def __enter__(self) -> "MemoryStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pair(npc: str | None, player: str) -> tuple[str, tuple[str, ...]]:
    return ("player=?", (player,)) if npc is None else ("npc=? AND player=?", (npc, player))
