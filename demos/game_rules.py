"""The game's own rules for what NPCs propose: trades and quests.

The dialogue engine only *proposes* an intent ("trade iron_sword for 40"). Whether it
happens is decided here, from the game's data: the item must be in that NPC's stock at the
game's price, the player must have the gold, a quest must be one that NPC actually gives
and not already taken. A model that offers a free sword, or a player who talks it into
one, changes nothing.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STARTING_GOLD = 60


@dataclass(frozen=True)
class QuestDef:
    quest_id: str
    title: str
    target_name: str
    target_xy: tuple[float, float]
    reward_gold: int
    radius: float = 4.0


@dataclass
class PlayerState:
    gold: int = STARTING_GOLD
    inventory: dict[str, int] = field(default_factory=dict)
    active_quests: dict[str, dict[str, Any]] = field(default_factory=dict)  # quest_id -> QuestDef fields
    done_quests: list[str] = field(default_factory=list)
    x: float | None = None
    y: float | None = None
    seed: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def load(cls, path: Path, seed: int) -> "PlayerState":
        """A save belongs to one seed's world; another seed starts fresh (gold/items carry over)."""
        if not path.exists():
            return cls(seed=seed)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            state = cls(**raw)
            if not isinstance(state.gold, int) or state.gold < 0:
                raise ValueError(f"gold must be a non-negative integer, got {state.gold!r}")
        except (ValueError, TypeError) as exc:
            # Keep the broken file for the player to inspect instead of overwriting it.
            aside = path.with_suffix(".broken.json")
            os.replace(path, aside)
            print(f"gameai demo: the save file {path} was unreadable ({exc}); kept it as {aside} and started a new game")
            return cls(seed=seed)
        if state.seed != seed:
            state.x = state.y = None
            state.active_quests = {}
            state.seed = seed
        return state

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.to_json() + "\n", encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash mid-write never corrupts the save


@dataclass(frozen=True)
class Offer:
    """A validated proposal the player can accept with one key."""

    kind: str  # "trade" | "quest"
    label: str
    npc_id: str
    item: str | None = None
    price: int = 0
    quest: QuestDef | None = None


@dataclass(frozen=True)
class Ruling:
    offer: Offer | None
    notice: str | None  # why nothing is offered, in the player's words


def pretty(item: str) -> str:
    return item.replace("_", " ")


def judge_intent(kind: str, args: dict[str, Any], npc_id: str, stock: dict[str, int],
                 quests: dict[str, QuestDef], player: PlayerState) -> Ruling:
    """Turn an engine-proposed intent into an offer the game allows, or a plain refusal."""
    if kind == "trade":
        item = str(args.get("item", "")).strip().lower().replace(" ", "_")
        if item not in stock:
            if not stock:
                return Ruling(None, None)
            wares = ", ".join(f"{pretty(k)} ({v}g)" for k, v in stock.items())
            return Ruling(None, f"Wares for sale: {wares}")
        price = stock[item]  # the game's price, whatever number the model said
        if player.gold < price:
            return Ruling(None, f"A {pretty(item)} costs {price} gold; you have {player.gold}.")
        return Ruling(Offer("trade", f"[Tab] Buy {pretty(item)} for {price} gold (you have {player.gold})",
                            npc_id, item=item, price=price), None)
    if kind == "give_quest":
        qid = str(args.get("quest", "")).strip()
        quest = quests.get(qid) or (next(iter(quests.values())) if len(quests) == 1 and not qid else None)
        if quest is None:
            return Ruling(None, None)
        if quest.quest_id in player.active_quests:
            return Ruling(None, f"Quest already taken: {quest.title}.")
        if quest.quest_id in player.done_quests:
            return Ruling(None, f"You already finished: {quest.title}.")
        return Ruling(Offer("quest", f"[Tab] Accept quest: {quest.title} (reward {quest.reward_gold} gold)",
                            npc_id, quest=quest), None)
    return Ruling(None, None)


def accept(offer: Offer, player: PlayerState, stock: dict[str, int]) -> str:
    """Apply an accepted offer, re-checking the rules (state may have changed since it was shown)."""
    if offer.kind == "trade":
        price = stock.get(offer.item or "")
        if price is None:
            return "That item is no longer for sale."
        if player.gold < price:
            return f"You need {price} gold but have {player.gold}."
        player.gold -= price
        player.inventory[offer.item] = player.inventory.get(offer.item, 0) + 1
        return f"Bought {pretty(offer.item)} for {price} gold. Gold left: {player.gold}."
    if offer.kind == "quest" and offer.quest is not None:
        q = offer.quest
        if q.quest_id in player.active_quests or q.quest_id in player.done_quests:
            return "You already have that quest."
        player.active_quests[q.quest_id] = asdict(q)
        return f"Quest accepted: {q.title}."
    return "Nothing to accept."


def check_quests(player: PlayerState, x: float, y: float) -> list[str]:
    """Complete quests whose target the player has reached; returns messages for the HUD."""
    messages = []
    for qid, q in list(player.active_quests.items()):
        tx, ty = q["target_xy"]
        if (tx - x) ** 2 + (ty - y) ** 2 <= q["radius"] ** 2:
            del player.active_quests[qid]
            player.done_quests.append(qid)
            player.gold += int(q["reward_gold"])
            messages.append(f"Quest complete: {q['title']}! +{q['reward_gold']} gold")
    return messages
