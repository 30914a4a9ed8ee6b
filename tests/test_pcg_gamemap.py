"""GameMap save/load round trip, the JSON places list, the PNG preview, and damaged files."""
import json

import numpy as np
import pytest

import pcg
from pcg import GameMap, MapFileError


@pytest.fixture(scope="module")
def gm():
    return pcg.generate_map(4, 96, teams=3)


def test_save_load_round_trip(gm, tmp_path):
    gm.save(tmp_path, preview=True)
    assert {p.name for p in tmp_path.iterdir()} == {"map.npz", "map.json", "map.png"}
    back = GameMap.load(tmp_path)
    for name in ("tiles", "height", "moisture", "temperature"):
        assert np.array_equal(getattr(back, name), getattr(gm, name))
    assert back.settlements == gm.settlements and back.landmarks == gm.landmarks
    assert back.resources == gm.resources and back.spawns == gm.spawns
    assert len(back.rivers) == len(gm.rivers)
    assert all(np.array_equal(a, b) for a, b in zip(back.rivers, gm.rivers))
    assert back.seed == gm.seed and back.params == gm.params and back.centre == gm.centre


def test_json_lists_places_with_tile_coordinates(gm, tmp_path):
    gm.save(tmp_path)
    meta = json.loads((tmp_path / "map.json").read_text())
    assert meta["size"] == [96, 96] and meta["seed"] == 4
    assert meta["tile_names"]["10"] == "river"
    for key in ("settlements", "landmarks", "resources"):
        assert meta[key], key
        for place in meta[key]:
            assert set(place) >= {"name", "kind", "x", "y"}
            assert 0 <= place["x"] < 96 and 0 <= place["y"] < 96
    assert [(s["team"], s["x"], s["y"]) for s in meta["spawns"]] == [(s.team, s.x, s.y) for s in gm.spawns]


def test_preview_is_a_png_with_legend_space(gm, tmp_path):
    path = gm.save_preview(tmp_path / "p.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image as mpimg

    img = mpimg.imread(path)
    assert img.shape[1] > img.shape[0]  # the legend sits to the right of the square map
    assert img[..., :3].std() > 0.1


def test_missing_files(tmp_path):
    with pytest.raises(MapFileError, match="map.npz is missing"):
        GameMap.load(tmp_path)


def test_corrupt_json(gm, tmp_path):
    gm.save(tmp_path)
    (tmp_path / "map.json").write_text("{not json")
    with pytest.raises(MapFileError, match="not valid JSON"):
        GameMap.load(tmp_path)
    (tmp_path / "map.json").write_text(json.dumps({"format": "gameai-map", "version": 99}))
    with pytest.raises(MapFileError, match="version 99"):
        GameMap.load(tmp_path)
    (tmp_path / "map.json").write_text(json.dumps([1, 2]))
    with pytest.raises(MapFileError, match="not a gameai map"):
        GameMap.load(tmp_path)


def test_truncated_npz(gm, tmp_path):
    gm.save(tmp_path)
    raw = (tmp_path / "map.npz").read_bytes()
    (tmp_path / "map.npz").write_bytes(raw[: len(raw) // 3])
    with pytest.raises(MapFileError, match="unreadable"):
        GameMap.load(tmp_path)


def test_json_missing_entries(gm, tmp_path):
    gm.save(tmp_path)
    meta = json.loads((tmp_path / "map.json").read_text())
    del meta["settlements"]
    (tmp_path / "map.json").write_text(json.dumps(meta))
    with pytest.raises(MapFileError, match="settlements"):
        GameMap.load(tmp_path)


def test_save_over_a_file_is_refused_and_keeps_it(gm, tmp_path):
    target = tmp_path / "taken"
    target.write_text("precious")
    with pytest.raises(MapFileError, match="not a directory"):
        gm.save(target)
    assert target.read_text() == "precious"


def test_fractions_add_up(gm):
    fr = gm.fractions()
    assert abs(sum(fr.values()) - 1.0) < 1e-9
    assert gm.passable.dtype == bool and gm.passable.shape == gm.tiles.shape


def test_unknown_tile_ids(gm, tmp_path):
    gm.save(tmp_path)
    with np.load(tmp_path / "map.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["tiles"] = arrays["tiles"].astype(np.int16)
    arrays["tiles"][0, 0] = 99
    np.savez(tmp_path / "map.npz", **arrays)
    with pytest.raises(MapFileError, match="outside the tile ids"):
        GameMap.load(tmp_path)
