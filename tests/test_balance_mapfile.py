"""Sweeps on a designer's own map: [maps] kind = "file" with Tiled (or any pcg) map files."""
from __future__ import annotations

import csv
import json
import textwrap

import numpy as np
import pytest

import pcg
from gameai.balance.design import build_design
from gameai.balance.plan import plan_matches
from gameai.balance.spec import SpecError, load_spec
from gameai.cli.main import main
from pcg.tiles import Tile

SPEC = """
name = "on my map"
master_seed = 3
[matchups]
equal_cost = ["warrior", "archer"]
[play]
matches = 4
[maps]
kind = "file"
files = {files}
"""


def spec_file(tmp_path, files, extra="", name="spec.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(SPEC.format(files=json.dumps(files)) + extra), encoding="utf-8")
    return p


@pytest.fixture()
def tiled_map(tmp_path):
    pcg.save_map(pcg.skirmish_map(3, 20), tmp_path / "maps", "tmj")
    return tmp_path / "maps" / "map.tmj"


def test_a_sweep_plays_on_a_tiled_map_with_its_spawns(tmp_path, tiled_map):
    out = tmp_path / "out"
    spec = spec_file(tmp_path, ["maps/map.tmj"])
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 and {r["map_seed"] for r in rows} == {"0"}  # every match on the one map file
    assert {r["a_side"] for r in rows} == {"blue", "red"}                # sides swapped on it
    loaded = load_spec(spec)
    assert loaded.maps.files[0].spawns == tuple(sorted((s.team, s.x, s.y) for s in pcg.load_map(tiled_map).spawns))


def test_match_identity_follows_the_map_content_not_its_name(tmp_path, tiled_map):
    spec = load_spec(spec_file(tmp_path, ["maps/map.tmj"]))
    keys = [t.key for t in plan_matches(spec, build_design(spec))]
    again = load_spec(spec_file(tmp_path, ["maps/map.tmj"], name="again.toml"))
    assert [t.key for t in plan_matches(again, build_design(again))] == keys
    gm = pcg.load_map(tiled_map)
    ys, xs = np.nonzero(gm.tiles == Tile.GRASSLAND)
    gm.tiles[ys[0], xs[0]] = Tile.FOREST  # one edited cell: every match is new
    pcg.save_map(gm, tiled_map.parent, "tmj")
    edited = load_spec(spec_file(tmp_path, ["maps/map.tmj"]))
    assert not set(t.key for t in plan_matches(edited, build_design(edited))) & set(keys)


def test_several_maps_rotate_by_pair_so_both_sides_of_a_pair_share_a_map(tmp_path, tiled_map):
    pcg.save_map(pcg.skirmish_map(4, 20), tmp_path / "other", "tmj")
    spec = load_spec(spec_file(tmp_path, ["maps/map.tmj", "other/map.tmj"]))
    tasks = plan_matches(spec, build_design(spec))
    by_rep = {(t.matchup.name, t.rep): t.map_seed for t in tasks}
    assert {v for v in by_rep.values()} == {0, 1}
    if spec.swap_sides:
        assert all(by_rep[(m, r)] == by_rep[(m, r - 1)] for (m, r) in by_rep if r % 2)


def test_bad_map_settings_are_named(tmp_path, tiled_map):
    with pytest.raises(SpecError, match=r"maps.files\[0\]: cannot use 'nope.tmj'.*no such file"):
        load_spec(spec_file(tmp_path, ["nope.tmj"]))
    with pytest.raises(SpecError, match="maps.files: must be a non-empty list"):
        load_spec(spec_file(tmp_path, []))
    bad = tmp_path / "spec2.toml"
    bad.write_text('name = "x"\n[matchups]\nequal_cost = ["warrior", "archer"]\n[maps]\nkind = "skirmish"\n'
                   'seeds = [1]\nfiles = ["maps/map.tmj"]\n')
    with pytest.raises(SpecError, match='maps.files: is only read with kind = "file"'):
        load_spec(bad)
    (tmp_path / "grid.csv").write_text("grassland,lava,grassland,grassland\n" * 4)
    with pytest.raises(SpecError, match=r"maps.files\[0\].*unknown tile type 'lava'"):
        load_spec(spec_file(tmp_path, ["grid.csv"]))
