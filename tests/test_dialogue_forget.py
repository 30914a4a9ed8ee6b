"""Forgetting a player is an erasure: after `forget`, none of the player's words (nor their
embeddings, nor their id) is anywhere in the bytes of the SQLite file or its -wal/-shm files,
other players keep everything, and a write queued or a turn in flight before the erasure does
not bring the words back. Archiving stays available as an explicit option."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from dialogue_shared import authored, cast, embedder, engine
from gameai.dialogue import DialogueError, MemoryStore, PlayerNotFoundError
from gameai.dialogue.embeddings import DIM

# Distinctive words that occur nowhere else (not in the cast's personas or authored lines).
SECRET_LINES = [
    "My name is Zorvathine and I buried the Quillmorrow amulet under the third birch.",
    "Tell nobody about Zorvathine's debt of ninety-one florins to the Kestrelwick guild.",
    "The password to my strongbox is plinth-saffron-obelisk.",
]
SECRET_WORDS = ["Zorvathine", "Quillmorrow", "Kestrelwick", "plinth-saffron-obelisk"]
PLAYER = "player-erasable-7f3c"
OTHER_LINES = ["I am Bertilde and I sell turnips at the Wednesday market.", "Bertilde owes you nothing."]


def disk_bytes(db: Path) -> dict[str, bytes]:
    """The database file and, when present, its WAL and shared-memory files, as raw bytes."""
    return {p.name: p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()}


def traces(db: Path, needles: list[bytes]) -> list[str]:
    return [f"{needle[:24]!r} in {name}" for name, data in disk_bytes(db).items()
            for needle in needles if needle in data]


def secret_needles() -> list[bytes]:
    """The words as text, and each line's embedding as the float32 blob the store writes."""
    words = [w.encode() for w in SECRET_WORDS] + [PLAYER.encode()]
    blobs = [embedder().embed_one(line).astype(np.float32).tobytes() for line in SECRET_LINES]
    return words + blobs


def talk(eng, npc: str, player: str, lines: list[str]) -> None:
    for line in lines:
        eng.npc(cast()[npc]).respond(player, line)
    eng.flush()


def test_forget_erases_every_trace_of_the_player_from_the_file(tmp_path):
    db = tmp_path / "npc.db"
    # A small active window so that compaction writes a summary row and archives originals:
    # both hold copies of the player's words and must go too.
    eng = engine(authored(), memory=str(db), max_active_memories=20)
    talk(eng, "mara", PLAYER, SECRET_LINES * 4)
    talk(eng, "mara", "bea", OTHER_LINES)
    eng.close()  # checkpointed: the words are now in the main file ...
    eng = engine(authored(), memory=str(db), max_active_memories=20)
    talk(eng, "mara", PLAYER, SECRET_LINES[:1])  # ... and in the WAL
    mara = eng.npc(cast()["mara"])
    assert any("Earlier:" in m for m in mara.memories(PLAYER))  # a summary holds the words too
    assert eng.store.count("mara", PLAYER, include_archived=True) > eng.store.count("mara", PLAYER)
    needles = secret_needles()
    assert traces(db, needles), "the test must see the words on disk before the erasure"
    bea_before = mara.memories("bea")

    stored = eng.store.count("mara", PLAYER, include_archived=True)
    assert mara.forget(PLAYER) == stored

    assert not any(line in embedder()._cache for line in SECRET_LINES)  # nor kept in the embedding cache
    assert traces(db, needles) == []
    assert mara.memories(PLAYER) == [] and eng.store.count("mara", PLAYER, include_archived=True) == 0
    assert mara.memories("bea") == bea_before  # another player's memory is untouched
    mara.respond("bea", "Do you remember me?")  # the store still works after the rewrite
    eng.close()
    assert traces(db, needles) == []  # closing (a checkpoint) brings nothing back
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("SELECT COUNT(*) FROM memories WHERE player='bea'").fetchone()[0] == 6


def test_forget_one_npc_keeps_the_player_with_the_others_and_forget_everywhere(tmp_path):
    db = tmp_path / "npc.db"
    eng = engine(authored(), memory=str(db))
    talk(eng, "mara", PLAYER, SECRET_LINES[:1])
    talk(eng, "tobin", PLAYER, SECRET_LINES[1:2])
    assert eng.npc(cast()["mara"]).forget(PLAYER) == 2
    assert eng.npc(cast()["tobin"]).memories(PLAYER) == [SECRET_LINES[1], eng.store.last_npc_lines("tobin", PLAYER, 1)[0]]
    assert b"Quillmorrow" not in b"".join(disk_bytes(db).values())
    assert eng.forget(PLAYER) == 2  # npc_id None: every NPC (a player's erasure request)
    assert traces(db, secret_needles()) == []
    eng.close()


def test_archive_mode_keeps_the_history_on_disk(tmp_path):
    db = tmp_path / "npc.db"
    eng = engine(authored(), memory=str(db))
    mara = eng.npc(cast()["mara"])
    talk(eng, "mara", PLAYER, SECRET_LINES[:2])
    assert mara.forget(PLAYER, archive=True) == 4
    assert mara.memories(PLAYER) == []  # no longer recalled ...
    assert eng.store.count("mara", PLAYER, include_archived=True) == 4  # ... but kept
    assert b"Zorvathine" in b"".join(disk_bytes(db).values())
    assert mara.forget(PLAYER, archive=True) == 0  # archiving again: known player, nothing active
    assert mara.forget(PLAYER) == 4  # an erasure removes the archived history too
    assert traces(db, secret_needles()) == []
    eng.close()


def test_forgetting_an_unknown_player_is_a_clear_error(tmp_path):
    eng = engine(authored(), memory=str(tmp_path / "npc.db"))
    mara = eng.npc(cast()["mara"])
    with pytest.raises(PlayerNotFoundError, match="NPC 'mara' has no memory of player 'nobody'"):
        mara.forget("nobody")
    talk(eng, "mara", "Arin", ["Hello."])
    with pytest.raises(PlayerNotFoundError, match="case-sensitive"):
        mara.forget("arin")
    assert mara.forget("Arin") == 2
    with pytest.raises(PlayerNotFoundError):  # erasing twice: the second finds nothing
        mara.forget("Arin")
    with pytest.raises(PlayerNotFoundError, match="no NPC has any memory of player 'ghost'"):
        eng.forget("ghost")
    with pytest.raises(DialogueError, match="player_id must be a non-empty string"):
        mara.forget("  ")
    mara.respond("p", "Still talking after the errors?")  # a failed forget leaves no error for later turns
    eng.flush()
    eng.close()


def test_writes_queued_before_the_erasure_are_erased_too(tmp_path):
    db = tmp_path / "npc.db"
    eng = engine(authored(), memory=str(db))
    mara = eng.npc(cast()["mara"])
    talk(eng, "mara", PLAYER, SECRET_LINES[:1])
    gate = threading.Event()
    eng.write_later(gate.wait)  # the writer thread is busy: the next memory writes wait behind it
    # respond() would flush (wait for the gate) before its turn, so queue the writes directly:
    # a finished turn's write, and a bare insert (which only the queue's order can erase).
    eng.remember_later("mara", PLAYER, eng.memory_epoch("mara", PLAYER), mara._write_memory,
                       PLAYER, 9, SECRET_LINES[1], "Aye.", embedder().embed_one(SECRET_LINES[1]), [])
    eng.write_later(eng.store.add, "mara", PLAYER, 10, "player", SECRET_LINES[2], 1.0,
                    embedder().embed_one(SECRET_LINES[2]))
    result: list[int] = []
    forgetting = threading.Thread(target=lambda: result.append(mara.forget(PLAYER)))
    forgetting.start()
    forgetting.join(timeout=0.5)
    assert forgetting.is_alive()  # the erasure waits behind the queued writes ...
    gate.set()
    forgetting.join(timeout=60)
    eng.flush()
    assert result and mara.memories(PLAYER) == []  # ... so none of them lands after it
    assert traces(db, secret_needles()) == []
    eng.close()


def test_a_turn_in_flight_during_the_erasure_is_not_remembered(tmp_path):
    db = tmp_path / "npc.db"
    eng = engine(authored(), memory=str(db))
    mara = eng.npc(cast()["mara"])
    talk(eng, "mara", PLAYER, SECRET_LINES[:1])
    stream = mara.stream(PLAYER, SECRET_LINES[1])
    first = next(stream)  # the turn has begun: the player's line is read, the reply on its way
    assert mara.forget(PLAYER) == 2
    rest = "".join(stream)
    assert (first + rest).strip() == stream.reply.text.strip()  # the player still gets the reply
    eng.flush()
    assert mara.memories(PLAYER) == []
    assert traces(db, secret_needles()) == []
    mara.respond(PLAYER, "Hello again.")  # a turn after the erasure is remembered as usual
    assert mara.memories(PLAYER)[0] == "Hello again."
    eng.close()


def test_erasures_racing_other_players_lose_none_of_their_lines(tmp_path):
    db = tmp_path / "npc.db"
    eng = engine(authored(), memory=str(db))
    npcs = [eng.npc(cast()[n]) for n in ("mara", "tobin")]
    errors: list[BaseException] = []

    def chatter(player: str) -> None:
        try:
            for i in range(6):
                npcs[i % 2].respond(player, f"Line {i} from {player}.")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    def eraser() -> None:
        try:
            for line in SECRET_LINES:
                npcs[0].respond(PLAYER, line)
                eng.forget(PLAYER)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=chatter, args=(f"p{k}",)) for k in range(3)] + [threading.Thread(target=eraser)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    eng.flush()
    assert errors == []
    for k in range(3):
        said = [m for n in ("mara", "tobin") for m in eng.store.texts(n, f"p{k}") if m.startswith("Line ")]
        assert sorted(said) == sorted(f"Line {i} from p{k}." for i in range(6))
    assert eng.store.count(None, PLAYER, include_archived=True) == 0
    eng.close()
    assert traces(db, secret_needles()) == []


def test_a_file_written_before_secure_delete_is_scrubbed_too(tmp_path):
    """An older gameai wrote with secure_delete off and archived rows by rewriting them, which
    leaves stale copies of the text in the pages' free space: the erasure must remove those."""
    db = tmp_path / "old.db"
    MemoryStore(db).close()
    vec = np.zeros(DIM, np.float32).tobytes()
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA secure_delete=OFF")
        for i, line in enumerate(SECRET_LINES + OTHER_LINES):
            player = PLAYER if line in SECRET_LINES else "bea"
            raw.execute("INSERT INTO memories (npc, player, turn, speaker, text, importance, embedding, created)"
                        " VALUES ('mara', ?, ?, 'player', ?, 1.0, ?, 0)", (player, i, line, vec))
        raw.execute("UPDATE memories SET archived=1, text=text || ' ' WHERE player=?", (PLAYER,))
    store = MemoryStore(db)
    assert store.delete("mara", PLAYER) == 3
    assert traces(db, [w.encode() for w in SECRET_WORDS] + [PLAYER.encode()]) == []
    assert sorted(store.texts("mara", "bea")) == sorted(OTHER_LINES)
    store.close()


def test_a_reader_holding_the_wal_is_reported_and_the_next_forget_finishes_the_job(tmp_path):
    db = tmp_path / "npc.db"
    eng = engine(authored(), memory=str(db))
    talk(eng, "mara", PLAYER, SECRET_LINES[:1])
    talk(eng, "mara", "bea", OTHER_LINES[:1])
    eng.store._db.execute("PRAGMA busy_timeout=100")  # keep the test short: the default waits 10 s
    reader = sqlite3.connect(db)  # e.g. a backup tool, reading while the erasure runs
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM memories").fetchone()  # holds a snapshot open in the WAL
    with pytest.raises(DialogueError, match="another connection to this file is reading.*scrub"):
        eng.forget(PLAYER)
    assert eng.store.scrub_pending and eng.store.count(None, PLAYER, include_archived=True) == 0
    reader.rollback()
    reader.close()
    with pytest.raises(PlayerNotFoundError):  # the retry finishes the rewrite, then finds nothing
        eng.forget(PLAYER)
    assert not eng.store.scrub_pending
    assert traces(db, [w.encode() for w in SECRET_WORDS] + [PLAYER.encode()]) == []
    assert eng.npc(cast()["mara"]).memories("bea")[0] == OTHER_LINES[0]
    eng.close()
