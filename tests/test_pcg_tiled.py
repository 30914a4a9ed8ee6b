"""Designers' maps: Tiled .tmj and plain CSV/PNG grids in and out, with clear errors on bad files."""
from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

import pcg
from pcg.errors import MapFileError
from pcg.tiled import MAX_SIDE, tmj_document
from pcg.tiles import TILE_IDS, Tile

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world():
    return pcg.generate_map(5, 64)


def test_tmj_round_trip_keeps_tiles_spawns_and_places(world, tmp_path):
    path = pcg.save_map(world, tmp_path, "tmj")
    back = pcg.load_map(path)
    assert np.array_equal(back.tiles, world.tiles) and back.tiles.dtype == world.tiles.dtype
    assert back.spawns == world.spawns
    assert (back.settlements, back.landmarks, back.resources) == (world.settlements, world.landmarks, world.resources)
    assert back.centre == world.centre and back.seed == world.seed
    assert (tmp_path / "map-terrain.png").is_file()  # the tileset image Tiled shows


def test_an_independent_tiled_reader_accepts_the_export(world, tmp_path):
    """pytiled-parser (the Arcade project's Tiled reader) parses what we write, with the same cells."""
    import pytiled_parser

    path = pcg.save_map(world, tmp_path, "tmj")
    tm = pytiled_parser.parse_map(path)
    assert (tm.map_size.width, tm.map_size.height) == (64, 64)
    terrain = next(la for la in tm.layers if la.name == "terrain")
    tileset = tm.tilesets[1]
    types = {tid: tile.class_ for tid, tile in tileset.tiles.items()}
    names = np.vectorize(lambda gid: TILE_IDS[types[gid - 1]])(np.array(terrain.data))
    assert np.array_equal(names, world.tiles)
    spawns = next(la for la in tm.layers if la.name == "spawns")
    assert sorted((int(o.properties["team"]), int(o.coordinates.x // 16), int(o.coordinates.y // 16))
                  for o in spawns.tiled_objects) == [(s.team, s.x, s.y) for s in world.spawns]


def _tiny_map(tiles: list[list[str]], **extra) -> dict:
    """A map as a designer would draw it in Tiled: its own tileset with classes, not our export."""
    kinds = sorted({k for row in tiles for k in row})
    h, w = len(tiles), len(tiles[0])
    doc = {
        "type": "map", "orientation": "orthogonal", "infinite": False, "width": w, "height": h,
        "tilewidth": 32, "tileheight": 32,
        "tilesets": [{"firstgid": 10, "name": "ground", "tilecount": len(kinds) + 1, "columns": 4,
                      "tiles": [{"id": i, "type": k} for i, k in enumerate(kinds)]}],
        "layers": [{"type": "group", "name": "world", "layers": [
            {"type": "tilelayer", "name": "terrain", "width": w, "height": h,
             "data": [10 + kinds.index(k) for row in tiles for k in row]},
            {"type": "objectgroup", "name": "spawns", "objects": [
                {"name": "blue", "x": 16, "y": 16, "point": True},
                {"name": "", "x": (w - 1) * 32 + 5, "y": (h - 1) * 32 + 5,
                 "properties": [{"name": "team", "type": "int", "value": 1}]}]},
        ]}],
    }
    doc.update(extra)
    return doc


def _write(tmp_path: Path, doc: dict, name: str = "drawn.tmj") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return p


GRID = [["grassland"] * 6, ["grassland", "forest", "forest", "hills", "grassland", "grassland"],
        ["grassland", "mountain", "mountain", "swamp", "grassland", "grassland"], ["road"] * 6,
        ["grassland"] * 5 + ["bridge"]]


def test_a_designers_map_with_groups_classes_and_flip_flags(tmp_path):
    doc = _tiny_map(GRID)
    layer = doc["layers"][0]["layers"][0]
    layer["data"][0] |= 0x80000000  # flipped horizontally in Tiled: still grassland
    gm = pcg.load_map(_write(tmp_path, doc))
    assert gm.tiles.shape == (5, 6)
    assert [[pcg.TILE_NAMES[int(t)] for t in row] for row in gm.tiles] == GRID
    assert [(s.team, s.x, s.y) for s in gm.spawns] == [(0, 0, 0), (1, 5, 4)]


def test_base64_zlib_data_and_an_external_json_tileset(tmp_path):
    doc = _tiny_map(GRID)
    layer = doc["layers"][0]["layers"][0]
    raw = np.array(layer["data"], dtype="<u4").tobytes()
    layer.update(encoding="base64", compression="zlib", data=base64.b64encode(zlib.compress(raw)).decode())
    (tmp_path / "ground.tsj").write_text(json.dumps(doc["tilesets"][0] | {"firstgid": None}))
    doc["tilesets"] = [{"firstgid": 10, "source": "ground.tsj"}]
    gm = pcg.load_map(_write(tmp_path, doc))
    assert [[pcg.TILE_NAMES[int(t)] for t in row] for row in gm.tiles] == GRID


def test_the_terrain_property_names_the_tile_when_the_class_is_art(tmp_path):
    doc = _tiny_map(GRID)
    for tile in doc["tilesets"][0]["tiles"]:
        tile["properties"] = [{"name": "terrain", "type": "string", "value": tile["type"]}]
        tile["type"] = "PrettyArt"
    gm = pcg.load_map(_write(tmp_path, doc))
    assert pcg.TILE_NAMES[int(gm.tiles[2, 1])] == "mountain"


def _bad(tmp_path, doc) -> str:
    with pytest.raises(MapFileError) as err:
        pcg.load_map(_write(tmp_path, doc))
    assert "drawn.tmj" in str(err.value)
    return str(err.value)


def test_bad_tiled_maps_are_named_with_the_fix(tmp_path):
    doc = _tiny_map(GRID)
    doc["tilesets"][0]["tiles"][0]["type"] = "lava"
    assert "unknown tile type 'lava'" in _bad(tmp_path, doc) and "grassland" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"].pop(0)
    assert "missing layer" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"][0]["data"].pop()
    assert "non-rectangular" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID, width=MAX_SIDE + 1)
    assert f"up to {MAX_SIDE}" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"][1]["objects"][0].update(x=32 * 1 + 3, y=32 * 2 + 3)  # onto the mountain
    assert "impassable mountain at cell (1, 2)" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"][0]["data"][7] = 0
    assert "cell (1, 1) is empty" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"][0]["data"][7] = 99
    assert "tile id 99, which no tileset defines" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["tilesets"][0]["tiles"].pop(0)
    assert "has no terrain type" in _bad(tmp_path, doc)

    assert "Infinite" in _bad(tmp_path, _tiny_map(GRID, infinite=True))
    assert "isometric" in _bad(tmp_path, _tiny_map(GRID, orientation="isometric"))

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"][0].update(encoding="base64", compression="zstd", data="AAAA")
    assert "'zstd' compression is not supported" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"][0].update(encoding="base64", compression="zlib", data="AAAA")
    assert "corrupt" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["tilesets"] = [{"firstgid": 10, "source": "ground.tsx"}]
    assert "XML" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"][1]["objects"][1]["properties"] = []
    assert "no team" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"][1]["objects"][1]["properties"][0]["value"] = 0
    assert "two spawns" in _bad(tmp_path, doc)

    doc = _tiny_map(GRID)
    doc["layers"][0]["layers"][1]["objects"][0]["x"] = float("nan")
    assert "finite" in _bad(tmp_path, doc)

    p = tmp_path / "drawn.tmj"
    p.write_text('{"type": "map", "width": ')
    with pytest.raises(MapFileError, match=r"drawn.tmj:1:\d+: not valid JSON"):
        pcg.load_map(p)


def test_csv_and_png_grids_round_trip_and_reject_bad_cells(world, tmp_path):
    for fmt in ("csv", "png"):
        back = pcg.load_map(pcg.save_map(world, tmp_path / fmt, fmt))
        assert np.array_equal(back.tiles, world.tiles), fmt
    csv = tmp_path / "hand.csv"
    csv.write_text("grassland,forest,3,3\n" * 3 + "grassland,forest,3\n")
    with pytest.raises(MapFileError, match="non-rectangular grid: row 4 has 3 cells"):
        pcg.load_map(csv)
    csv.write_text("grassland,lava,3,3\n" * 4)
    with pytest.raises(MapFileError, match="row 1, column 2: unknown tile type 'lava'"):
        pcg.load_map(csv)
    csv.write_text("Grassland, forest ,3,13\n" * 4)
    assert pcg.load_map(csv).tiles[0].tolist() == [Tile.GRASSLAND, Tile.FOREST, Tile.GRASSLAND, Tile.SETTLEMENT]


def test_unknown_formats_and_missing_files_say_what_is_read(tmp_path):
    (tmp_path / "m.tmx").write_text("<map/>")
    with pytest.raises(MapFileError, match="JSON map files"):
        pcg.load_map(tmp_path / "m.tmx")
    with pytest.raises(MapFileError, match="no such file"):
        pcg.load_map(tmp_path / "none.tmj")
    (tmp_path / "m.xyz").write_text("?")
    with pytest.raises(MapFileError, match="unknown map format"):
        pcg.load_map(tmp_path / "m.xyz")


def test_the_export_is_deterministic(world):
    assert json.dumps(tmj_document(world, "t.png")) == json.dumps(tmj_document(copy.deepcopy(world), "t.png"))


def _gameai(*args, cwd):
    return subprocess.run([sys.executable, "-m", "gameai", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_cli_exports_a_tiled_map_and_plays_a_match_on_it(tmp_path):
    out = _gameai("mapgen", "--skirmish", "--seed", 4, "--format", "tmj", "--no-preview", "--out", tmp_path / "m",
                  cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "map.tmj" in out.stdout
    played = _gameai("match", "--map", tmp_path / "m" / "map.tmj", "--seed", 2, "--json", cwd=ROOT)
    assert played.returncode == 0, played.stderr
    assert json.loads(played.stdout)["winner"] in ("blue", "red", "draw")
    broken = tmp_path / "broken.tmj"
    broken.write_text(json.dumps(_tiny_map(GRID, width=2)))
    bad = _gameai("match", "--map", broken, cwd=ROOT)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "broken.tmj" in bad.stderr and "at least 4×4" in bad.stderr
