"""Geography a villager knows, read off the generated map: bridges, rivers, roads, landmarks.

Everything here is computed from `pcg`'s GameMap, so what an NPC says about its home is
true of the map the player walks: "the bridge east of town crosses the River Merrow" is a
bridge tile east of the village on a river path pcg named. Directions are compass points
(y grows southward on the map); distances are in miles at a tenth of a mile per tile.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pcg.tiles import Tile

MILES_PER_TILE = 0.1
COMPASS = ("east", "south-east", "south", "south-west", "west", "north-west", "north", "north-east")


def compass(dx: float, dy: float) -> str:
    """Compass point from a map offset (x east, y south)."""
    if dx == 0 and dy == 0:
        return "here"
    angle = math.degrees(math.atan2(dy, dx)) % 360  # 0 = east, 90 = south
    return COMPASS[int((angle + 22.5) // 45) % 8]


def miles(tiles: float) -> str:
    m = tiles * MILES_PER_TILE
    if m < 0.6:
        return "less than a mile"
    if m < 1.5:
        return "about a mile"
    return f"about {round(m)} miles"


@dataclass(frozen=True)
class Fact:
    fact_id: str
    text: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class RouteInfo:
    target: str
    direction: str
    road_tiles: int


def river_names(game_map) -> list[tuple[np.ndarray, str]]:
    """Name every river path: its own name when pcg named it (its 'river' landmark lies on it),
    else "a stream that feeds <the river it flows into>", following tributaries downstream."""
    named = [p for p in game_map.landmarks if p.kind == "river"]
    paths = [np.asarray(p) for p in game_map.rivers if len(p)]
    own: dict[int, str] = {}
    for p in named:
        dists = [float(np.min((path[:, 0] - p.x) ** 2 + (path[:, 1] - p.y) ** 2)) for path in paths]
        if dists and min(dists) <= 2.0:
            own.setdefault(int(np.argmin(dists)), p.name)
    where: dict[tuple[int, int], int] = {}
    for i, path in enumerate(paths):
        for x, y in path.tolist():
            where.setdefault((x, y), i)

    def downstream(i: int) -> int | None:
        mx, my = paths[i][-1].tolist()
        # The mouth touches the river it joins (pcg traces each path up to the junction).
        ring = sorted(((dx, dy) for dx in range(-2, 3) for dy in range(-2, 3)), key=lambda d: abs(d[0]) + abs(d[1]))
        for dx, dy in ring:
            j = where.get((mx + dx, my + dy))
            if j is not None and j != i:
                return j
        return None

    out = []
    for i, path in enumerate(paths):
        j, seen = i, set()
        while j is not None and j not in own and j not in seen:
            seen.add(j)
            j = downstream(j)
        if j is not None and j in own:
            out.append((path, own[j] if j == i else f"a stream that feeds {own[j]}"))
    return out


def name_bridged_rivers(game_map, rivers: list[tuple[np.ndarray, str]], seed: int):
    """Give a name to each unnamed river that a bridge crosses, so every bridge crosses a named river.

    pcg names only the longest rivers; a villager pointing at "the bridge over the water"
    is less of a place. Names come from pcg's own name generator (seeded), and each new river
    becomes a landmark at its middle, so the map shows the name the villagers use.
    Returns (new landmarks, rivers including the new names).
    """
    from pcg.gamemap import Place
    from pcg.names import NameGenerator

    gen = NameGenerator(np.random.default_rng([int(seed), 0x21BE2]))
    taken = {p.name for p in game_map.landmarks} | {p.name for p in game_map.settlements}
    known = {id(path) for path, _ in rivers}
    out_rivers = list(rivers)
    new_marks = []
    paths = [np.asarray(p) for p in game_map.rivers if len(p)]
    for b in (p for p in game_map.landmarks if p.kind == "bridge"):
        if bridge_river(b, out_rivers) is not None or not paths:
            continue
        d = [float(np.min((path[:, 0] - b.x) ** 2 + (path[:, 1] - b.y) ** 2)) for path in paths]
        i = int(np.argmin(d))
        if d[i] > 4.0 or id(paths[i]) in known:
            continue
        name = gen.name("river")
        while name in taken:
            name = gen.name("river")
        taken.add(name)
        known.add(id(paths[i]))
        mid = paths[i][len(paths[i]) // 2]
        new_marks.append(Place(name, "river", int(mid[0]), int(mid[1])))
        out_rivers.append((paths[i], name))
    return new_marks, out_rivers


def bridge_river(bridge, rivers: list[tuple[np.ndarray, str]], reach: float = 4.0) -> str | None:
    """The named river a bridge crosses: the nearest named river path to the bridge tile."""
    best, best_d = None, reach ** 2
    for path, name in rivers:
        d = float(np.min((path[:, 0] - bridge.x) ** 2 + (path[:, 1] - bridge.y) ** 2))
        if d <= best_d:
            best, best_d = name, d
    return best


def road_routes(game_map, home, road_dist: np.ndarray) -> list[RouteInfo]:
    """Settlements reachable from `home` by road, nearest first, with their direction.

    `road_dist` is the walking distance along road/bridge/settlement tiles from home
    (pcg.paths.walk_distance), so "leads to" means an actual road, not a straight line.
    """
    road_dist = np.asarray(road_dist).reshape(game_map.tiles.shape)
    routes = []
    for other in game_map.settlements:
        if other.name == home.name:
            continue
        d = int(road_dist[other.y, other.x])
        if d > 0:
            routes.append(RouteInfo(other.name, compass(other.x - home.x, other.y - home.y), d))
    return sorted(routes, key=lambda r: r.road_tiles)


def road_mask(tiles: np.ndarray) -> np.ndarray:
    return np.isin(tiles, [int(Tile.ROAD), int(Tile.BRIDGE), int(Tile.SETTLEMENT)])


def settlement_facts(game_map, home, rivers, road_dist: np.ndarray, landmarks) -> list[Fact]:
    """What anyone living in `home` knows about the land around it."""
    facts: list[Fact] = []
    bridges = sorted((p for p in landmarks if p.kind == "bridge"),
                     key=lambda b: (b.x - home.x) ** 2 + (b.y - home.y) ** 2)
    for b in bridges[:1]:
        dist = math.hypot(b.x - home.x, b.y - home.y)
        river = bridge_river(b, rivers)
        where = f"{compass(b.x - home.x, b.y - home.y)} of {home.name}, {miles(dist)} away"
        crossing = f" crosses {river}" if river else " crosses the water"
        facts.append(Fact("bridge", f"{b.name}, {where},{crossing}.",
                          tuple(k for k in (b.name.split()[-1].lower(), "bridge", *(river.split()[-1:] if river else ())))))
    for i, r in enumerate(road_routes(game_map, home, road_dist)[:3]):
        facts.append(Fact(f"road_{i}", f"The road {r.direction} out of {home.name} leads to {r.target}, "
                                       f"{miles(r.road_tiles)} by road.", (r.target.lower(), "road")))
    others = [p for p in landmarks if p.kind not in ("bridge", "river")]
    if others:
        near = min(others, key=lambda p: (p.x - home.x) ** 2 + (p.y - home.y) ** 2)
        dist = math.hypot(near.x - home.x, near.y - home.y)
        facts.append(Fact("landmark", f"The nearest landmark is {near.name} ({near.kind}), "
                                      f"{miles(dist)} {compass(near.x - home.x, near.y - home.y)} of {home.name}.",
                          # found by its name, its kind and the word itself, as the bridge fact by "bridge"
                          tuple(dict.fromkeys((near.name.split()[-1].lower(), near.kind.lower(), "landmark")))))
    named = [name for _, name in rivers if not name.startswith("a stream")]
    if named:
        facts.append(Fact("rivers", f"The rivers of this land are {', '.join(sorted(set(named))[:4])}.",
                          ("river",)))
    return facts
