"""The on-disk cache of fixed texts' embeddings (speech-act examples, persona data): what a later
start reads is what it would compute, and a bad file is recomputed without a traceback."""
from __future__ import annotations

import os

import numpy as np
import pytest

from gameai.dialogue import disk_cache as dc
from gameai.dialogue.embeddings import DIM, Embedder
from gameai.dialogue.speech_acts import EXAMPLES, ActClassifier

TEXTS = ["How much is the iron sword?", "The forge gets its iron from Greyhill.", "Tobin: the innkeeper, an old friend"]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GAMEAI_CACHE_DIR", str(tmp_path / "c"))
    return tmp_path / "c" / "embeddings"


@pytest.fixture(scope="module")
def shared():
    return Embedder()


def fresh(shared) -> Embedder:
    """A new embedder (empty memory caches) sharing the loaded weights: as a new process would be."""
    e = Embedder.__new__(Embedder)
    e.__dict__.update(shared.__dict__)
    e._cache, e._static, e._identity = {}, {}, None
    return e


def no_encoding(e: Embedder) -> Embedder:
    def fail(ids):
        raise AssertionError("the cached texts were encoded again")
    e._encode = fail
    return e


def files(cache) -> list:
    return sorted(cache.glob("*.bin")) if cache.is_dir() else []


def test_a_later_start_reads_what_the_first_computed(cache, shared):
    first = fresh(shared).embed_static(TEXTS)
    assert first.shape == (3, DIM) and first.dtype == np.float32
    assert np.array_equal(first, fresh(shared).embed(TEXTS))  # the cache holds the encoder's own vectors
    (f,) = files(cache)
    again = no_encoding(fresh(shared)).embed_static(TEXTS)
    assert np.array_equal(again, first)
    assert not list(cache.glob(".tmp-*"))  # the atomic write left no temporary file


def test_other_texts_or_order_or_model_are_other_files(cache, shared):
    for texts in (TEXTS, TEXTS[::-1], TEXTS[:2]):
        fresh(shared).embed_static(texts)
    assert len(files(cache)) == 3
    e = fresh(shared)
    other_model = fresh(shared)
    other_model._identity = b"another model" + bytes(19)
    assert dc.cache_key(other_model.identity(), TEXTS) != dc.cache_key(e.identity(), TEXTS)


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "empty", "foreign", "other_texts", "nan"])
def test_a_bad_cache_file_is_recomputed_quietly(cache, shared, damage, capfd):
    good = fresh(shared).embed_static(TEXTS)
    (f,) = files(cache)
    data = f.read_bytes()
    if damage == "truncated":
        f.write_bytes(data[: len(data) // 2])
    elif damage == "corrupt":
        f.write_bytes(data[:200] + bytes(b ^ 0xFF for b in data[200:260]) + data[260:])
    elif damage == "empty":
        f.write_bytes(b"")
    elif damage == "foreign":
        f.write_bytes(b"PK\x03\x04 this is a zip file, not ours" * 50)
    elif damage == "other_texts":  # a valid file written for other texts, found under this name
        fresh(shared).embed_static(["something else entirely"])
        other = next(p for p in files(cache) if p != f)
        os.replace(other, f)
    elif damage == "nan":  # valid header and checksum, but not numbers a model writes
        m = np.full((3, DIM), np.nan, np.float32)
        key = dc.cache_key(fresh(shared).identity(), TEXTS)
        assert dc.save(f, key, m)
    e = fresh(shared)
    assert np.array_equal(e.embed_static(TEXTS), good)
    assert capfd.readouterr().err == ""  # no traceback, no warning
    assert np.array_equal(no_encoding(fresh(shared)).embed_static(TEXTS), good)  # and it was rewritten whole


def test_an_unwritable_cache_folder_is_skipped(tmp_path, monkeypatch, shared):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("GAMEAI_CACHE_DIR", str(blocker))
    assert np.array_equal(fresh(shared).embed_static(TEXTS), fresh(shared).embed(TEXTS))


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch, shared):
    monkeypatch.setenv("GAMEAI_CACHE_DIR", "none")
    assert dc.cache_dir() is None
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    fresh(shared).embed_static(TEXTS)
    assert not any(tmp_path.rglob("*.bin"))


def test_player_lines_are_never_written(cache, shared):
    """embed() (player lines, the NPC's own lines) keeps vectors in memory only: erasing a player
    has nothing on disk to clean up here."""
    e = fresh(shared)
    e.embed(["I'm looking for my brother, he's tall with red hair."])
    e.embed_one("My name is Arlen.")
    assert files(cache) == []


def test_the_act_classifier_reads_its_examples_from_the_cache(cache, shared):
    a = ActClassifier(fresh(shared))
    b = ActClassifier(no_encoding(fresh(shared)))  # a second start: no example is encoded again
    assert np.array_equal(a._matrix, b._matrix)
    assert a._matrix.shape == (sum(len(x) for x in EXAMPLES.values()), DIM)
    q = shared.embed_one("Thanks a lot, friend.")
    assert a.classify("Thanks a lot, friend.", q) == b.classify("Thanks a lot, friend.", q)


def test_the_folder_stays_bounded(cache, shared, monkeypatch):
    monkeypatch.setattr(dc, "MAX_FILES", 3)
    for i in range(5):
        fresh(shared).embed_static([f"fact number {i}"])
    assert len(files(cache)) == 3


def test_an_npc_embeds_its_persona_data_once_and_a_later_start_reads_it(cache, shared):
    from gameai.dialogue import DialogueEngine, EngineConfig, MemoryStore, World, load_persona
    from gameai.dialogue.persona import cast_dir
    from gameai.dialogue.router import data_options

    mara = load_persona(cast_dir() / "mara.toml")
    texts = [o.text for o in data_options(mara, World.from_dict(mara.world))]
    for e in (fresh(shared), no_encoding(fresh(shared))):  # the second: a later start, nothing encoded
        with DialogueEngine(EngineConfig(backend="authored"), embedder=e, store=MemoryStore()) as eng:
            eng.npc(mara)
            assert set(texts) <= set(e._static)
            assert np.array_equal(e.embed(texts), shared.embed(texts))
