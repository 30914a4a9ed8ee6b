"""Tiled maps in and out: ``.tmj``, the JSON map format of the Tiled editor (mapeditor.org).

A designer draws a battlefield in Tiled; gameai reads it as a :class:`GameMap` and plays, sweeps or
playtests on it. ``gameai mapgen --format tmj`` goes the other way, so a generated map can be
touched up in Tiled. The mapping (docs/pcg.md has the designer's version):

- **Terrain**: one tile layer, named ``terrain`` (or the map's only tile layer). Each cell's
  tile names its pcg tile type (``grassland``, ``forest``, ``shallow_water`` … see
  :mod:`pcg.tiles`) through the tileset: the tile's custom string property ``terrain``, or
  else the tile's class (``type`` in the JSON). Any tileset art works; only that name counts.
- **Spawns**: an object layer ``spawns`` of point objects, one per team, with an int property
  ``team`` (or named ``blue``/``red``/``team N``).
- **Places**: object layers ``settlements``, ``landmarks`` and ``resources``: the object's name
  is the place's name, its class is the kind (``peak``, ``resource`` …) and an optional string
  property ``detail`` (``wood``, ``team 0 start``) rides along.

Object positions are in pixels; the cell is ``floor(x / tilewidth), floor(y / tileheight)`` of
the object's anchor (its centre for tile objects). Only finite orthogonal maps are read (an
infinite map has no edges for a battlefield). Tile layer data may be a plain array, or base64
(uncompressed, zlib or gzip). Every problem raises :class:`MapFileError` naming the file and
what to change.

Written by hand rather than through a parser library because the checks are the product: the
errors name the cell, the tile id, the tileset and the fix. ``pytiled-parser`` (a Tiled reader
from the Arcade project) reads our exports in the tests, as an independent check that other Tiled
tools accept them.
"""
from __future__ import annotations

import base64
import gzip
import json
import math
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from pcg.errors import MapFileError
from pcg.gamemap import GameMap, Place, Spawn, _atomic_write
from pcg.tiles import PASSABLE, TILE_COLORS, TILE_IDS, TILE_NAMES, Tile

#: Largest side, in cells, of a map read from a file (a 4096² map is 16M cells: far past any battlefield).
MAX_SIDE = 4096
#: Largest .tmj file read, in bytes.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: The object layers that hold places, and the GameMap list each fills.
PLACE_LAYERS = ("settlements", "landmarks", "resources")
#: Tiled keeps flip and rotation flags in the top bits of a global tile id.
_GID_FLAGS = 0xF0000000
#: Pixel size of a tile in exported maps (Tiled needs one; any value works for gameai).
EXPORT_TILE_PX = 16
_TILED_VERSION = "1.10"


# ---------------------------------------------------------------------------------------------
# Reading


def read_tmj(path: str | os.PathLike) -> GameMap:
    """Read a Tiled JSON map as a :class:`GameMap` (tiles, spawns, places; height fields zero)."""
    p = Path(path)
    doc = _load_json(p)
    src = str(p)
    if not isinstance(doc, dict):
        raise MapFileError(f"{src}: not a Tiled map (the file's JSON is not an object)")
    if doc.get("type", "map") != "map":
        raise MapFileError(f"{src}: \"type\" is {doc.get('type')!r}, not \"map\" (is it a tileset or a world file?)")
    if doc.get("infinite"):
        raise MapFileError(f"{src}: an infinite map has no edges for a battlefield; in Tiled, untick "
                           "Map > Map Properties > Infinite and save again")
    orientation = doc.get("orientation", "orthogonal")
    if orientation != "orthogonal":
        raise MapFileError(f"{src}: orientation {orientation!r} is not supported; gameai maps are orthogonal grids")
    width = _positive_int(doc, "width", src)
    height = _positive_int(doc, "height", src)
    if width > MAX_SIDE or height > MAX_SIDE:
        raise MapFileError(f"{src}: the map is {width}×{height} cells; gameai reads maps up to {MAX_SIDE}×{MAX_SIDE}")
    if width < 4 or height < 4:
        raise MapFileError(f"{src}: the map is {width}×{height} cells; a battlefield needs at least 4×4")
    tile_w = _positive_int(doc, "tilewidth", src)
    tile_h = _positive_int(doc, "tileheight", src)
    gid_types = _tileset_types(doc.get("tilesets"), p)
    layers = list(_walk_layers(doc.get("layers"), src))
    tiles = _terrain(layers, gid_types, width, height, src)
    objects = {name: objs for name, objs in _object_layers(layers)}
    spawns = _spawns(objects.get("spawns", []), tiles, tile_w, tile_h, src)
    places = {kind: _places(objects.get(kind, []), kind, tiles, tile_w, tile_h, src) for kind in PLACE_LAYERS}
    props = _properties(doc.get("properties"), f"{src}: map properties")
    seed = props.get("seed", 0)
    zeros = np.zeros(tiles.shape, dtype=np.float32)
    return GameMap(
        tiles=tiles, height=zeros, moisture=zeros.copy(), temperature=zeros.copy(),
        settlements=places["settlements"], landmarks=places["landmarks"], resources=places["resources"],
        spawns=spawns, centre=_centre(props), seed=int(seed) if isinstance(seed, int) else 0,
        used_seed=int(props.get("used_seed", seed)) if isinstance(props.get("used_seed", seed), int) else 0,
        params={"source": src}, report={},
    )


def check_file_size(p: Path) -> None:
    """Refuse a map file too large to be a map before reading it (a wrong file, not a big battlefield)."""
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise MapFileError(f"{p}: cannot read the file ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise MapFileError(f"{p}: the file is {size / 2**20:.0f} MB; gameai reads map files up to "
                           f"{MAX_FILE_BYTES // 2**20} MB")


def _load_json(p: Path) -> Any:
    if p.is_dir():
        raise MapFileError(f"{p} is a folder; pass the .tmj file inside it")
    check_file_size(p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise MapFileError(f"{p}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise MapFileError(f"{p}: not a text file; a Tiled JSON map (.tmj) is UTF-8 JSON "
                           "(a .tmx is Tiled's XML format: in Tiled, File > Export As > JSON map files)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MapFileError(f"{p}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None


def _positive_int(d: dict, key: str, where: str) -> int:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise MapFileError(f"{where}: \"{key}\" = {v!r}; expected a positive whole number")
    return v


def _properties(raw: Any, where: str) -> dict[str, Any]:
    """Tiled's property list ``[{"name", "type", "value"}]`` (or the pre-1.2 plain object) as a dict."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return dict(raw)
    if not isinstance(raw, list):
        raise MapFileError(f"{where}: \"properties\" should be a list of {{name, type, value}}")
    out = {}
    for prop in raw:
        if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
            raise MapFileError(f"{where}: a property without a name: {prop!r}")
        out[prop["name"]] = prop.get("value")
    return out


def _tileset_types(raw: Any, map_path: Path) -> dict[int, tuple[str | None, str]]:
    """Global tile id -> (pcg tile name or None, description for errors), for every tile of every tileset."""
    src = str(map_path)
    if not isinstance(raw, list) or not raw:
        raise MapFileError(f"{src}: the map has no tilesets, so its tiles have no terrain types; add a tileset "
                           "whose tiles have a class (or a 'terrain' property) naming a pcg tile type")
    out: dict[int, tuple[str | None, str]] = {}
    for ref in raw:
        if not isinstance(ref, dict):
            raise MapFileError(f"{src}: a tileset entry is not an object: {ref!r}")
        first = _positive_int(ref, "firstgid", f"{src}: tileset")
        ts, where = ref, src
        if "source" in ref:
            ts, where = _external_tileset(map_path, ref["source"])
        name = ts.get("name", "?")
        tiles = ts.get("tiles", [])
        if not isinstance(tiles, list):
            raise MapFileError(f"{where}: tileset {name!r}: \"tiles\" should be a list")
        count = ts.get("tilecount", 0)
        count = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0
        for local in range(count):  # tiles with no entry in "tiles" exist but carry no type
            out[first + local] = (None, f"tile {local} of tileset {name!r}")
        for tile in tiles:
            if not isinstance(tile, dict) or not isinstance(tile.get("id"), int):
                raise MapFileError(f"{where}: tileset {name!r}: a tile without an integer \"id\": {tile!r}")
            props = _properties(tile.get("properties"), f"{where}: tileset {name!r}, tile {tile['id']}")
            kind = props.get("terrain") or tile.get("type") or tile.get("class")
            out[first + tile["id"]] = (kind if isinstance(kind, str) and kind else None,
                                       f"tile {tile['id']} of tileset {name!r}")
    return out


def _external_tileset(map_path: Path, source: Any) -> tuple[dict, str]:
    if not isinstance(source, str) or not source:
        raise MapFileError(f"{map_path}: a tileset \"source\" should be a file name, got {source!r}")
    path = (map_path.parent / source)
    if path.suffix.lower() == ".tsx":
        raise MapFileError(f"{map_path}: tileset {source!r} is in Tiled's XML format; gameai reads JSON tilesets: "
                           "open it in Tiled and use File > Export As > JSON tileset files (.tsj), then point "
                           "the map at the .tsj")
    if not path.is_file():
        raise MapFileError(f"{map_path}: tileset file {source!r} not found next to the map ({path})")
    doc = _load_json(path)
    if not isinstance(doc, dict):
        raise MapFileError(f"{path}: not a Tiled tileset (the JSON is not an object)")
    return doc, str(path)


def _walk_layers(raw: Any, src: str):
    """Every layer, group layers flattened (Tiled lets designers file layers into folders)."""
    if raw is None:
        return
    if not isinstance(raw, list):
        raise MapFileError(f"{src}: \"layers\" should be a list")
    for layer in raw:
        if not isinstance(layer, dict):
            raise MapFileError(f"{src}: a layer is not an object: {layer!r}")
        if layer.get("type") == "group":
            yield from _walk_layers(layer.get("layers"), src)
        else:
            yield layer


def _terrain(layers: list[dict], gid_types: dict, width: int, height: int, src: str) -> np.ndarray:
    tile_layers = [la for la in layers if la.get("type") == "tilelayer"]
    named = [la for la in tile_layers if str(la.get("name", "")).lower() == "terrain"]
    if not tile_layers:
        raise MapFileError(f"{src}: missing layer: the map has no tile layer; draw the ground on a tile layer "
                           "named 'terrain'")
    if len(named) > 1:
        raise MapFileError(f"{src}: {len(named)} tile layers are named 'terrain'; keep one")
    if not named and len(tile_layers) > 1:
        names = ", ".join(repr(la.get("name")) for la in tile_layers)
        raise MapFileError(f"{src}: missing layer: {len(tile_layers)} tile layers ({names}) and none is named "
                           "'terrain'; rename the one that holds the ground")
    layer = named[0] if named else tile_layers[0]
    lname = layer.get("name", "terrain")
    if "chunks" in layer:
        raise MapFileError(f"{src}: layer {lname!r} is stored in chunks (an infinite map); untick Infinite in Tiled")
    if (layer.get("width", width), layer.get("height", height)) != (width, height):
        raise MapFileError(f"{src}: layer {lname!r} is {layer.get('width')}×{layer.get('height')} cells but the map "
                           f"is {width}×{height}; resize the layer to the map")
    gids = _layer_data(layer, src) & ~np.uint64(_GID_FLAGS)
    if gids.size != width * height:
        raise MapFileError(f"{src}: non-rectangular grid: layer {lname!r} has {gids.size} cells, but a "
                           f"{width}×{height} map needs {width * height}")
    grid = gids.reshape(height, width)
    tiles = np.empty((height, width), dtype=np.uint8)
    for gid in np.unique(grid):
        where = np.argwhere(grid == gid)[0]
        cell = f"cell ({where[1]}, {where[0]})"
        if gid == 0:
            raise MapFileError(f"{src}: layer {lname!r}, {cell} is empty; every cell needs a terrain tile")
        kind, desc = gid_types.get(int(gid), (None, None))
        if desc is None:
            raise MapFileError(f"{src}: layer {lname!r}, {cell} uses tile id {int(gid)}, which no tileset defines")
        if kind is None:
            raise MapFileError(f"{src}: {desc} (used at {cell}) has no terrain type; give it a class or a string "
                               f"property 'terrain' naming one of: {', '.join(TILE_IDS)}")
        if kind not in TILE_IDS:
            raise MapFileError(f"{src}: {desc} (used at {cell}) has unknown tile type {kind!r}; use one of: "
                               f"{', '.join(TILE_IDS)}")
        tiles[grid == gid] = TILE_IDS[kind]
    return tiles


def _layer_data(layer: dict, src: str) -> np.ndarray:
    lname = layer.get("name", "terrain")
    data = layer.get("data")
    encoding = layer.get("encoding", "csv")
    if encoding == "csv":  # in .tmj, "csv" means a plain JSON array
        arr = np.asarray(data) if isinstance(data, list) else None
        if arr is None or arr.ndim != 1 or (arr.size and (arr.dtype.kind not in "iu" or int(arr.min()) < 0)):
            raise MapFileError(f"{src}: layer {lname!r}: \"data\" should be an array of tile ids (whole numbers >= 0)")
        return arr.astype(np.uint64)
    if encoding != "base64":
        raise MapFileError(f"{src}: layer {lname!r}: unknown encoding {encoding!r}; use csv or base64")
    if not isinstance(data, str):
        raise MapFileError(f"{src}: layer {lname!r}: base64 \"data\" should be a string")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise MapFileError(f"{src}: layer {lname!r}: \"data\" is not valid base64") from None
    compression = layer.get("compression", "")
    try:
        if compression == "zlib":
            raw = zlib.decompress(raw)
        elif compression == "gzip":
            raw = gzip.decompress(raw)
        elif compression:
            raise MapFileError(f"{src}: layer {lname!r}: {compression!r} compression is not supported; in Tiled set "
                               "Map Properties > Tile Layer Format to CSV, Base64 (uncompressed), zlib or gzip")
    except (zlib.error, OSError, EOFError):
        raise MapFileError(f"{src}: layer {lname!r}: the {compression} data is corrupt") from None
    if len(raw) % 4:
        raise MapFileError(f"{src}: layer {lname!r}: decoded data is {len(raw)} bytes, not whole 4-byte tile ids")
    return np.frombuffer(raw, dtype="<u4").astype(np.uint64)


def _object_layers(layers: list[dict]):
    for la in layers:
        if la.get("type") == "objectgroup":
            yield str(la.get("name", "")).lower(), la.get("objects") or []


def _cell_of(obj: Any, tiles: np.ndarray, tile_w: int, tile_h: int, what: str) -> tuple[int, int]:
    if not isinstance(obj, dict):
        raise MapFileError(f"{what}: not an object: {obj!r}")
    x, y = obj.get("x"), obj.get("y")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
        raise MapFileError(f"{what}: position ({x!r}, {y!r}) is not a pair of finite numbers")
    if "gid" in obj:  # a tile object is anchored at its bottom-left corner: use its centre
        x += float(obj.get("width") or 0) / 2
        y -= float(obj.get("height") or 0) / 2
    cx, cy = math.floor(x / tile_w), math.floor(y / tile_h)
    h, w = tiles.shape
    if not (0 <= cx < w and 0 <= cy < h):
        raise MapFileError(f"{what}: at cell ({cx}, {cy}), outside the {w}×{h} map")
    return cx, cy


def _spawns(objs: list, tiles: np.ndarray, tile_w: int, tile_h: int, src: str) -> list[Spawn]:
    out: dict[int, Spawn] = {}
    for obj in objs:
        name = obj.get("name", "") if isinstance(obj, dict) else ""
        what = f"{src}: spawn {name!r}" if name else f"{src}: a spawn"
        cx, cy = _cell_of(obj, tiles, tile_w, tile_h, what)
        team = _properties(obj.get("properties"), what).get("team")
        if team is None:
            team = {"blue": 0, "red": 1}.get(str(name).lower())
            if team is None and str(name).lower().startswith("team "):
                team = str(name)[5:].strip()
        try:
            team = int(team)
        except (TypeError, ValueError):
            raise MapFileError(f"{what}: no team; give the spawn an int property 'team' (0 = blue, 1 = red) "
                               "or name it blue / red") from None
        if team < 0:
            raise MapFileError(f"{what}: team {team}; teams are numbered from 0")
        if team in out:
            raise MapFileError(f"{what}: team {team} has two spawns; keep one")
        if int(tiles[cy, cx]) not in PASSABLE:
            raise MapFileError(f"{what}: spawn on impassable {TILE_NAMES[int(tiles[cy, cx])]} at cell ({cx}, {cy}); "
                               "move it onto walkable ground")
        out[team] = Spawn(team, cx, cy)
    return [out[t] for t in sorted(out)]


def _places(objs: list, layer: str, tiles: np.ndarray, tile_w: int, tile_h: int, src: str) -> list[Place]:
    out = []
    default_kind = {"settlements": "settlement", "resources": "resource", "landmarks": "landmark"}[layer]
    for obj in objs:
        name = obj.get("name", "") if isinstance(obj, dict) else ""
        what = f"{src}: {layer} object {name!r}"
        cx, cy = _cell_of(obj, tiles, tile_w, tile_h, what)
        props = _properties(obj.get("properties"), what)
        kind = obj.get("type") or obj.get("class") or default_kind
        out.append(Place(str(name), str(kind), cx, cy, str(props.get("detail", ""))))
    return out


def _centre(props: dict) -> tuple[int, int] | None:
    cx, cy = props.get("centre_x"), props.get("centre_y")
    return (cx, cy) if isinstance(cx, int) and isinstance(cy, int) else None


# ---------------------------------------------------------------------------------------------
# Writing


def write_tmj(gm: GameMap, path: str | os.PathLike) -> Path:
    """Write ``gm`` as a Tiled map at ``path`` (``.tmj``) plus its tileset image beside it.

    The tileset image (``<name>-terrain.png``, one coloured square per pcg tile) is only for
    looking at the map in Tiled; gameai reads tile types from the tileset's classes.
    """
    out = Path(path)
    image = out.with_name(f"{out.stem}-terrain.png")
    _atomic_write(image, lambda fh: _write_palette_png(fh))
    text = json.dumps(tmj_document(gm, image.name), separators=(",", ":"))
    _atomic_write(out, lambda fh: fh.write(text.encode("utf-8")))
    return out


def tmj_document(gm: GameMap, image_name: str) -> dict:
    """The Tiled JSON document of ``gm`` (global tile id = pcg tile id + 1)."""
    h, w = gm.tiles.shape
    px = EXPORT_TILE_PX
    next_id = iter(range(1, 1 << 30))

    def point(name: str, kind: str, x: int, y: int, props: list[dict]) -> dict:
        return {"id": next(next_id), "name": name, "type": kind, "x": (x + 0.5) * px, "y": (y + 0.5) * px,
                "width": 0, "height": 0, "rotation": 0, "visible": True, "point": True, "properties": props}

    def group(layer_id: int, name: str, objects: list[dict]) -> dict:
        return {"id": layer_id, "name": name, "type": "objectgroup", "draworder": "topdown", "objects": objects,
                "opacity": 1, "visible": True, "x": 0, "y": 0}

    layers = [{"id": 1, "name": "terrain", "type": "tilelayer", "width": w, "height": h, "x": 0, "y": 0,
               "opacity": 1, "visible": True, "data": (gm.tiles.astype(np.int64) + 1).ravel().tolist()}]
    spawns = [point("blue" if s.team == 0 else "red" if s.team == 1 else f"team {s.team}", "spawn", s.x, s.y,
                    [{"name": "team", "type": "int", "value": int(s.team)}]) for s in gm.spawns]
    layers.append(group(2, "spawns", spawns))
    for i, kind in enumerate(PLACE_LAYERS):
        objs = [point(p.name, p.kind, p.x, p.y, [{"name": "detail", "type": "string", "value": p.detail}])
                for p in getattr(gm, kind)]
        layers.append(group(3 + i, kind, objs))
    props = [{"name": "generator", "type": "string", "value": "gameai"},
             {"name": "seed", "type": "int", "value": int(gm.seed)},
             {"name": "used_seed", "type": "int", "value": int(gm.used_seed)}]
    if gm.centre:
        props += [{"name": "centre_x", "type": "int", "value": int(gm.centre[0])},
                  {"name": "centre_y", "type": "int", "value": int(gm.centre[1])}]
    tileset = {
        "firstgid": 1, "name": "gameai-terrain", "tilewidth": px, "tileheight": px, "tilecount": len(Tile),
        "columns": len(Tile), "margin": 0, "spacing": 0, "image": image_name, "imagewidth": px * len(Tile),
        "imageheight": px,
        "tiles": [{"id": int(t), "type": TILE_NAMES[int(t)],
                   "properties": [{"name": "terrain", "type": "string", "value": TILE_NAMES[int(t)]},
                                  {"name": "passable", "type": "bool", "value": int(t) in PASSABLE}]}
                  for t in Tile],
    }
    return {"type": "map", "version": _TILED_VERSION, "tiledversion": "1.10.2", "orientation": "orthogonal",
            "renderorder": "right-down", "width": w, "height": h, "tilewidth": px, "tileheight": px,
            "infinite": False, "compressionlevel": -1, "nextlayerid": 3 + len(PLACE_LAYERS),
            "nextobjectid": next(next_id), "properties": props, "layers": layers, "tilesets": [tileset]}


def _write_palette_png(fh) -> None:
    """One EXPORT_TILE_PX square per tile id, left to right, in the preview colours."""
    import matplotlib.image

    strip = np.zeros((EXPORT_TILE_PX, EXPORT_TILE_PX * len(Tile), 3), dtype=np.uint8)
    for t in Tile:
        strip[:, int(t) * EXPORT_TILE_PX:(int(t) + 1) * EXPORT_TILE_PX] = TILE_COLORS[t]
    matplotlib.image.imsave(fh, strip, format="png")
