"""Memory: SQLite (WAL) per NPC and player, persists across restarts, retrieval by recency,
importance and relevance on real all-MiniLM-L6-v2 embeddings, compaction that loses nothing."""
import sqlite3

import numpy as np
import pytest

from dialogue_shared import authored, cast, embedder, engine
from gameai.dialogue import DialogueError, MemoryStore, RetrievalWeights
from gameai.dialogue.embeddings import DIM
from gameai.dialogue.importance import importance
from gameai.dialogue.retrieval import compact, retrieve, score


def test_memory_persists_across_an_engine_restart(tmp_path):
    db = str(tmp_path / "npc.db")
    eng = engine(authored(), memory=db)
    mara = eng.npc(cast()["mara"])
    mara.respond("arin", "My name is Arin and I lost my sister in the Greywood.")
    mara.respond("arin", "How much is the iron sword?")
    mara.respond("bea", "Hello there.")
    eng.close()  # flushes the WAL into the main file

    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT COUNT(*) FROM memories WHERE npc='mara' AND player='arin'").fetchone()[0] == 4

    eng2 = engine(authored(), memory=db)
    mara2 = eng2.npc(cast()["mara"])
    remembered = mara2.memories("arin")
    assert "My name is Arin and I lost my sister in the Greywood." in remembered
    assert all("Hello there." != m for m in remembered)  # per player: bea's line is not arin's
    assert eng2.store.next_turn("mara", "arin") == 2  # the turn counter continues
    eng2.close()


def test_memory_is_per_npc():
    eng = engine(authored())
    eng.npc(cast()["mara"]).respond("p", "I like your forge.")
    assert eng.npc(cast()["tobin"]).memories("p") == []
    eng.close()


def test_unreadable_memory_file_is_a_clear_error_and_is_not_overwritten(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"this is not a database, it is my notes" * 100)
    before = bad.read_bytes()
    with pytest.raises(DialogueError, match="cannot open the memory database"):
        MemoryStore(bad)
    assert bad.read_bytes() == before


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "m.db"
    MemoryStore(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(DialogueError, match="schema version 99"):
        MemoryStore(db)


def test_close_leaves_everything_in_the_main_file_and_closing_twice_changes_nothing(tmp_path):
    db = tmp_path / "m.db"
    wal = tmp_path / "m.db-wal"
    vec = np.zeros(DIM, dtype=np.float32)
    vec[0] = 1.0
    s = MemoryStore(db)
    s.add("mara", "arin", 0, "player", "I owe you ten gold.", 5.0, vec)
    assert wal.exists() and wal.stat().st_size > 0  # the row sits in the write-ahead log until close
    s.close()
    assert not wal.exists() or wal.stat().st_size == 0, "close flushes the WAL into the main file"
    after_first = db.read_bytes()
    s.close()  # a second close (an engine and a context manager both closing) must not raise or write
    assert db.read_bytes() == after_first
    with sqlite3.connect(db) as raw:
        rows = raw.execute("SELECT npc, player, text FROM memories").fetchall()
    assert rows == [("mara", "arin", "I owe you ten gold.")]
    with MemoryStore(db) as again:
        got = again.active("mara", "arin")
        assert [m.text for m in got] == ["I owe you ten gold."]
        np.testing.assert_array_equal(got[0].embedding, vec)


def test_importance_rates_game_relevant_lines_higher():
    assert importance("Nice weather.") == 1.0
    assert importance("My name is Arin and my sister died in the mines.") >= 7
    assert importance("Hello", flags=["input:insult"]) > importance("Hello")


def test_score_formula_components():
    emb = embedder()
    from gameai.dialogue.memory import Memory
    q = emb.embed_one("Where is my lost sister?")
    rel = Memory(1, 0, "player", "My sister vanished in the woods.", 1.0, emb.embed_one("My sister vanished in the woods."))
    irr = Memory(2, 0, "player", "The bread was stale.", 1.0, emb.embed_one("The bread was stale."))
    s = score([rel, irr], q, now_turn=0)
    assert s[0] > s[1]
    only_recency = RetrievalWeights(recency=1, importance=0, relevance=0, decay=0.5)
    old = Memory(3, 0, "player", "x", 1.0, rel.embedding)
    new = Memory(4, 4, "player", "x", 1.0, rel.embedding)
    np.testing.assert_allclose(score([old, new], q, 4, only_recency), [0.5 ** 4, 1.0])


def test_retrieval_finds_a_planted_memory_among_many():
    emb = embedder()
    filler = ["Nice weather today.", "I bought some bread.", "The road was muddy.", "I like your hat.",
              "How is business?", "The ale was good.", "My boots are wet.", "The market is busy."]
    key = "I promised the miller I would find his lost dog."
    with MemoryStore() as store:
        for i in range(50):
            text = key if i == 7 else filler[i % len(filler)]
            store.add("mara", "p", i, "player", text, importance(text), emb.embed_one(text))
        got = retrieve(store, "mara", "p", emb.embed_one("What did I promise to do for the miller?"), 50, k=3)
        assert key in [m.text for m in got]
        assert [m.id for m in got] == sorted(m.id for m in got)  # chronological for the prompt


def test_compaction_keeps_the_prompt_small_and_loses_nothing():
    emb = embedder()
    with MemoryStore() as store:
        for i in range(60):
            text = "My name is Arin." if i == 3 else f"Small talk number {i}."
            store.add("mara", "p", i, "player", text, importance(text), emb.embed_one(text))
        archived = compact(store, emb, "mara", "p", max_active=48, keep_recent=16)
        assert archived == 44
        active = store.active("mara", "p")
        assert len(active) == 17 and active[-1].speaker == "summary"
        assert "My name is Arin." in active[-1].text  # the important line survives in the summary
        assert store.count("mara", "p", include_archived=True) == 61  # originals archived, not deleted
        assert compact(store, emb, "mara", "p") == 0


def test_a_small_memory_budget_compacts_instead_of_crashing():
    eng = engine(authored(), max_active_memories=6)  # below the 16 rows normally kept verbatim
    mara = eng.npc(cast()["mara"])
    for i in range(8):
        mara.respond("p", f"Tell me about the weather on day {i}.")
    assert len(mara.memories("p")) <= 7
    assert eng.store.count("mara", "p", include_archived=True) >= 16  # folded and archived, not lost
    eng.close()


def test_long_relationship_stays_within_the_memory_budget():
    eng = engine(authored(), max_active_memories=20)
    mara = eng.npc(cast()["mara"])
    for i in range(20):
        mara.respond("p", f"Tell me about the weather on day {i}.")
    assert len(mara.memories("p")) <= 21
    assert eng.store.count("mara", "p", include_archived=True) >= 40
    eng.close()


def test_embedder_thread_count_from_env(monkeypatch):
    import pytest

    from gameai.dialogue.embeddings import threads

    monkeypatch.setenv("GAMEAI_THREADS", "2")
    assert threads() == 2
    for bad in ("two", "0"):
        monkeypatch.setenv("GAMEAI_THREADS", bad)
        with pytest.warns(UserWarning, match="not a whole number >= 1; using 1 thread"):
            assert threads() == 1
