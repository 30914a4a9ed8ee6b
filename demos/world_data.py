"""The demo's world: a `pcg` map plus what the game adds on top (villagers, battlefield, start).

`build_world(seed, size)` is deterministic: the same seed gives the same land, the same
people in the same places and the same battlefield, in any process.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from demos.actors import Villager, walk_cost, walkable_mask
from demos.buildings import place_houses
from demos.game_rules import PlayerState, QuestDef
from demos.personas import make_villagers
from demos.world_facts import compass, miles, name_bridged_rivers, river_names, road_mask, settlement_facts
from pcg.tiles import Tile

BATTLEFIELD_W, BATTLEFIELD_H = 40, 26


class WorldDataError(ValueError):
    """The generated map cannot host the demo (e.g. no settlement); the message says what to try."""


@dataclass
class WorldData:
    seed: int
    game_map: object
    tiles: np.ndarray
    walkable: np.ndarray
    walk_cost: np.ndarray
    spawn: tuple[float, float]
    battlefield: tuple[int, int, int, int]  # x, y, w, h in tiles
    villagers: list[Villager] = field(default_factory=list)
    houses: list[tuple[int, int, int]] = field(default_factory=list)  # (x, y, style)
    landmarks: list = field(default_factory=list)  # pcg's landmarks + the rivers the demo named
    personas: list[dict] = field(default_factory=list)
    shops: dict[str, dict[str, int]] = field(default_factory=dict)
    quests: dict[str, dict[str, QuestDef]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.tiles.shape[0])

    @property
    def settlements(self):
        return self.game_map.settlements

    def villager(self, npc_id: str) -> Villager:
        return next(v for v in self.villagers if v.npc_id == npc_id)

    def place_name(self, x: float, y: float) -> str:
        bx, by, bw, bh = self.battlefield
        if bx <= x < bx + bw and by <= y < by + bh:
            return "The battlefield"
        near = min(self.settlements, key=lambda p: (p.x - x) ** 2 + (p.y - y) ** 2)
        if math.hypot(near.x - x, near.y - y) < 10:
            return near.name
        if self.landmarks:
            lm = min(self.landmarks, key=lambda p: (p.x - x) ** 2 + (p.y - y) ** 2)
            if math.hypot(lm.x - x, lm.y - y) < 8:
                return f"Near {lm.name}"
        return f"The wilds, {compass(x - near.x, y - near.y)} of {near.name}"

    def world_facts(self, npc: Villager, player: PlayerState, time_text: str) -> dict:
        """The per-turn World (gameai.dialogue) as plain data: landmarks relative to this NPC, quests, pack."""
        marks = sorted(self.landmarks, key=lambda p: (p.x - npc.x) ** 2 + (p.y - npc.y) ** 2)[:4]
        quests = []
        for qid, q in self.quests.get(npc.npc_id, {}).items():
            state = ("complete" if qid in player.done_quests else
                     "in progress" if qid in player.active_quests else "not started")
            quests.append({"id": qid, "name": q.title, "state": state, "objective": f"reach {q.target_name}"})
        return {
            "location": f"{npc.settlement}",
            "time": time_text,
            "landmarks": [{"id": p.name.lower().replace(" ", "_"), "name": p.name,
                           "direction": compass(p.x - npc.x, p.y - npc.y),
                           "distance": miles(math.hypot(p.x - npc.x, p.y - npc.y))} for p in marks],
            "quests": quests,
            "inventory": {k: int(v) for k, v in player.inventory.items()},
        }


def _battlefield(tiles: np.ndarray, walkable: np.ndarray, settlements, start: tuple[int, int]) -> tuple[int, int, int, int]:
    """The most open stretch of land (few obstacles, no village) within reach of the start.

    Scored with a box filter over the passable mask (scipy.ndimage), so picking it is one
    pass over the map, not a search over windows.
    """
    rows, cols = tiles.shape
    w, h = min(BATTLEFIELD_W, cols - 2), min(BATTLEFIELD_H, rows - 2)
    from pcg.paths import walk_distance

    dist = walk_distance(walkable, [start]).reshape(rows, cols)
    open_ground = walkable & ~np.isin(tiles, [int(Tile.SETTLEMENT), int(Tile.ROAD), int(Tile.BRIDGE)])
    openness = ndimage.uniform_filter(open_ground.astype(np.float64), size=(h, w), mode="constant")
    reach = ndimage.uniform_filter((dist >= 0).astype(np.float64), size=(h, w), mode="constant")
    yy, xx = np.mgrid[0:rows, 0:cols]
    valid = np.zeros((rows, cols), dtype=bool)
    valid[h // 2: rows - (h - h // 2), w // 2: cols - (w - w // 2)] = True
    # Prefer nearer fields among the open ones: a walk, not a trek.
    travel = np.where(dist >= 0, dist, dist.max() + 1) / max(1, dist.max())
    for margin in (8, 4, 0):  # keep villages (and their houses) off the field; relax on crowded maps
        score = openness * (reach > 0.5)
        for s in settlements:
            score[(abs(xx - s.x) < w // 2 + margin) & (abs(yy - s.y) < h // 2 + margin)] = 0
        score = np.where(valid, score, -1)
        if score.max() >= 0.6:
            break
    cy, cx = np.unravel_index(np.argmax(score - 0.25 * travel), score.shape)
    return int(cx - w // 2), int(cy - h // 2), int(w), int(h)


def build_world(seed: int, size: int) -> WorldData:
    import pcg
    from pcg.paths import walk_distance

    # More villages than pcg's size-based default: the demo is about meeting people.
    game_map = pcg.generate_map(seed, size, settlements=max(4, min(24, round(size * size / 6000))))
    if not game_map.settlements:
        raise WorldDataError(f"the map for seed {seed} has no settlement to start in; try another --seed "
                             "or a larger --map-size")
    tiles = np.asarray(game_map.tiles)
    walkable = walkable_mask(tiles)
    roads = road_mask(tiles)
    extra_marks, rivers = name_bridged_rivers(game_map, river_names(game_map), seed)
    landmarks = list(game_map.landmarks) + extra_marks
    facts = {}
    for town in game_map.settlements:
        road_dist = walk_distance(roads, [(town.x, town.y)])
        facts[town.name] = settlement_facts(game_map, town, rivers, road_dist, landmarks)
    specs = make_villagers(game_map, facts, seed, landmarks)
    home = game_map.settlements[0]
    # Start a few steps from the first village's first villager, so "walk up and talk" is the first thing to do.
    spawn = (home.x + 0.5, home.y + 0.5)
    if not walkable[home.y, home.x]:
        ys, xs = np.nonzero(walkable)
        i = int(np.argmin((xs - home.x) ** 2 + (ys - home.y) ** 2))
        spawn = (xs[i] + 0.5, ys[i] + 0.5)
    keep_free = [(int(s.x), int(s.y)) for s in specs] + [(int(spawn[0]), int(spawn[1]))]
    houses = place_houses(tiles, walkable, game_map.settlements, keep_free, seed)
    walkable = walkable.copy()
    for hx, hy, _ in houses:
        walkable[hy, hx] = False  # houses are solid
    cost = walk_cost(tiles)
    cost[~walkable] = np.inf
    battlefield = _battlefield(tiles, walkable, game_map.settlements, (int(spawn[0]), int(spawn[1])))
    villagers = [Villager(s.npc_id, s.name, s.role, s.settlement, s.x, s.y, s.color, phase=i * 1.7)
                 for i, s in enumerate(specs)]
    return WorldData(
        seed=seed, game_map=game_map, tiles=tiles, walkable=walkable, walk_cost=cost,
        spawn=spawn, battlefield=battlefield, villagers=villagers, houses=houses, landmarks=landmarks,
        personas=[s.persona for s in specs], shops={s.npc_id: s.shop for s in specs},
        quests={s.npc_id: s.quests for s in specs},
    )
