"""Villagers generated from the map: who lives where, what they sell, what they ask, what they know.

Each settlement gets a few villagers with roles (blacksmith, innkeeper, ...). Their persona
(the dialogue engine's format, see gameai.dialogue.persona) is built from the map: the facts
come from `world_facts`, quests send the player to real landmarks, and shops carry the
game's prices, which `game_rules` enforces whatever the model says. Same seed, same people.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demos.game_rules import QuestDef
from demos.world_facts import Fact, compass, miles

GIVEN_NAMES = (
    "Bram", "Elda", "Tomas", "Wenna", "Garrick", "Ysolde", "Hal", "Maren", "Osric", "Petra", "Rowan", "Sella",
    "Aldo", "Brigid", "Cael", "Dorran", "Edda", "Fenn", "Greta", "Hob", "Ilse", "Jory", "Kesta", "Lorn",
    "Mabry", "Nell", "Odo", "Pim", "Quilla", "Rurik", "Sabin", "Tilda", "Ulric", "Vera", "Wat", "Yara",
)

# role -> (traits, speech style, shop {item_id: (name, price)}, gives quests)
ROLES: dict[str, tuple[tuple[str, ...], str, dict[str, tuple[str, int]], bool]] = {
    "blacksmith": (("gruff", "honest", "proud of their work"), "short sentences, talks about iron and fire",
                   {"iron_sword": ("iron sword", 40), "shield": ("shield", 30), "horseshoe": ("horseshoe", 5)}, False),
    "innkeeper": (("warm", "chatty", "loves gossip"), "friendly, calls everyone 'dear'",
                  {"bread": ("loaf of bread", 2), "ale": ("mug of ale", 3), "room": ("room for the night", 10)}, False),
    "guard captain": (("stern", "watchful", "loyal to the village"), "clipped, military",
                      {}, True),
    "merchant": (("shrewd", "cheerful", "well travelled"), "quick, fond of bargains",
                 {"rope": ("coil of rope", 4), "lantern": ("lantern", 12), "map": ("map of the region", 15)}, True),
    "herbalist": (("gentle", "curious", "superstitious"), "soft, talks about plants and weather",
                  {"healing_potion": ("healing potion", 15), "herbs": ("bundle of herbs", 3)}, True),
}
ROLE_COLORS = {"blacksmith": (120, 120, 130), "innkeeper": (200, 140, 60), "guard captain": (170, 40, 40),
               "merchant": (150, 90, 190), "herbalist": (70, 160, 90)}
ROLE_ORDER = ("blacksmith", "innkeeper", "guard captain", "merchant", "herbalist")


@dataclass(frozen=True)
class VillagerSpec:
    npc_id: str
    name: str
    role: str
    settlement: str
    x: float
    y: float
    color: tuple[int, int, int]
    persona: dict
    shop: dict[str, int]
    quests: dict[str, QuestDef]


def _stand_spots(passable: np.ndarray, cx: int, cy: int, n: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """n distinct walkable tiles 2-4 tiles from the village centre (nearest ring first)."""
    rows, cols = passable.shape
    spots = []
    for radius in (2, 3, 4, 5, 6):
        ring = [(cx + dx, cy + dy) for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1)
                if max(abs(dx), abs(dy)) == radius]
        ring = [(x, y) for x, y in ring if 0 <= x < cols and 0 <= y < rows and passable[y, x]]
        rng.shuffle(ring)
        for x, y in ring:
            if all(abs(x - sx) + abs(y - sy) >= 3 for sx, sy in spots):
                spots.append((x, y))
            if len(spots) == n:
                return spots
    return spots


def make_villagers(game_map, facts_by_settlement: dict[str, list[Fact]], seed: int, landmarks,
                   per_settlement: int = 3) -> list[VillagerSpec]:
    rng = np.random.default_rng([int(seed), 0xD3A0])
    names = list(GIVEN_NAMES)
    rng.shuffle(names)
    passable = game_map.passable
    landmarks = [p for p in landmarks if p.kind not in ("bridge", "river")]  # quest targets: places to stand at
    out: list[VillagerSpec] = []
    for si, town in enumerate(game_map.settlements):
        roles = [ROLE_ORDER[(si + k) % len(ROLE_ORDER)] for k in range(per_settlement)]
        spots = _stand_spots(passable, town.x, town.y, len(roles), rng)
        neighbours = []
        for k, (role, (x, y)) in enumerate(zip(roles, spots)):
            name = names[(si * per_settlement + k) % len(names)]
            if si * per_settlement + k >= len(names):
                name = f"{name} of {town.name}"
            npc_id = f"{town.name.lower().replace(' ', '_')}_{role.replace(' ', '_')}"
            traits, style, shop, gives_quests = ROLES[role]
            quests: dict[str, QuestDef] = {}
            hooks = []
            if gives_quests and landmarks:
                # Send the player to a landmark that is a real trip but not across the world.
                by_dist = sorted(landmarks, key=lambda p: (p.x - town.x) ** 2 + (p.y - town.y) ** 2)
                target = by_dist[min(len(by_dist) - 1, 1 + k % 3)]
                qid = f"scout_{target.name.lower().replace(' ', '_')}"
                direction = compass(target.x - town.x, target.y - town.y)
                title = f"Scout {target.name}"
                reward = 20 + 5 * (k + si % 3)
                quests[qid] = QuestDef(qid, title, target.name, (target.x + 0.5, target.y + 0.5), reward)
                hooks.append({"id": qid, "name": title,
                              "hook": f"Travel {direction} to {target.name} ({miles(((target.x - town.x) ** 2 + (target.y - town.y) ** 2) ** 0.5)}) "
                                      f"and see what stirs there. I pay {reward} gold."})
            facts = facts_by_settlement.get(town.name, [])
            persona = {
                "id": npc_id,
                "name": name,
                "role": f"{role} of {town.name}",
                "traits": list(traits),
                "speech_style": style,
                "description": f"Lives in {town.name} and has worked there for years.",
                "facts": [{"id": f.fact_id, "text": f.text, "keywords": list(f.keywords)} for f in facts]
                + [{"id": "home", "text": f"{name} is the {role} of {town.name}.", "keywords": [town.name.lower()]}],
                "shop": {"currency": "gold",
                         "items": [{"id": iid, "name": iname, "price": price} for iid, (iname, price) in shop.items()]},
                "quests": hooks,
            }
            neighbours.append((name, role))
            out.append(VillagerSpec(npc_id, name, role, town.name, x + 0.5, y + 0.5, ROLE_COLORS[role], persona,
                                    {iid: price for iid, (_, price) in shop.items()}, quests))
        # Neighbours know each other.
        for v in out[-len(neighbours):]:
            v.persona["relationships"] = [{"who": n, "relation": f"the {r}, a neighbour"}
                                          for n, r in neighbours if n != v.name]
    return out
