"""The results store: append-only, keyed by match identity, survives reopening."""
from __future__ import annotations

import sqlite3

import pytest

from gameai.balance.rows import MatchRow
from gameai.balance.store import ResultStore, StoreError


def row(key: str, winner="a", run_id=1) -> MatchRow:
    return MatchRow.from_dict({
        "key": key, "phase": "sweep", "config_id": "base", "params": {}, "matchup": "x vs y", "army_a": "x",
        "army_b": "y", "bot": "focus_fire", "tier": "expert", "rep": 0, "a_side": "blue", "seed": 1, "map_seed": None,
        "winner": winner, "steps": 10, "a_units": {"x": 2}, "b_units": {"y": 3}, "a_survivors": 1, "b_survivors": 0,
        "a_hp_left": 5.0, "b_hp_left": 0.0, "a_damage": 9.5, "b_damage": 3.0, "a_kills": 3, "b_kills": 1,
        "unit_stats": {"a": {"x": {"damage": 9.5}}, "b": {}}, "run_id": run_id, "created": 0.0,
    })


def test_rows_round_trip_and_a_key_is_stored_once(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as s:
        assert s.add([row("k1"), row("k2", "b")]) == 2
        assert s.add([row("k1", "draw", run_id=2), row("k3")]) == 1       # k1 already there: kept as it was
    with ResultStore(tmp_path / "r.sqlite") as s:
        rows = {r.key: r for r in s.rows()}
        assert set(rows) == {"k1", "k2", "k3"}
        assert rows["k1"].winner == "a" and rows["k1"].run_id == 1
        assert rows["k2"].a_units == {"x": 2} and rows["k2"].unit_stats["a"]["x"]["damage"] == 9.5
        assert rows["k2"] == row("k2", "b")
        assert s.done_keys() == {"k1", "k2", "k3"}
        assert [r.key for r in s.rows(keys={"k2"})] == ["k2"]


def test_a_failed_batch_leaves_nothing_half_written(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as s:
        with pytest.raises(ValueError, match="winner must be one of"):
            MatchRow.from_dict({**row("k2").to_dict(), "winner": "blue"})
        bad = row("k2")
        object.__setattr__(bad, "winner", "blue")      # past the row's own check: the table's CHECK
        with pytest.raises(sqlite3.IntegrityError):
            s.add([row("k1"), bad])
        assert s.count() == 0


def test_a_file_that_is_not_a_store_gets_a_clear_error(tmp_path):
    p = tmp_path / "results.sqlite"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a gameai results file"):
        ResultStore(p)
