"""The demo's parts: scripts, the game's trade/quest rules, the generated world and what villagers know,
the camera, the chat box's word-by-word reveal, the skirmish on the core, menus driven by keys."""
from __future__ import annotations

import math

import numpy as np
import pytest

from demos.camera import Camera
from demos.chat_box import ChatBox
from demos.game_rules import PlayerState, QuestDef, accept, check_quests, judge_intent
from demos.input_script import ScriptError, parse_script
from demos.world_data import build_world
from demos.world_facts import compass, road_mask
from pcg.tiles import Tile

SEED, MAP = 3, 96


@pytest.fixture(scope="module")
def world():
    return build_world(SEED, MAP)


# ---------------------------------------------------------------- scripts
def test_script_parses_every_command():
    cmds = parse_script('walk_to npc "Bram"\ntalk\ntype "hi there"  # comment\nsend\nwait_reply 10\n'
                        'hold right 5\npress tab\nwait 3\nscreenshot a.png\nwalk_to 10 12.5\nquit\n')
    assert [c.name for c in cmds] == ["walk_to", "talk", "type", "send", "wait_reply", "hold", "press", "wait",
                                      "screenshot", "walk_to", "quit"]
    assert cmds[0].args == ("npc", "Bram") and cmds[2].args == ("hi there",)


@pytest.mark.parametrize("text, needle", [
    ('type "unclosed\n', "check the quotes"),
    ("hold right\n", "hold takes 'hold KEY FRAMES'"),
    ("walk_to 3\n", "walk_to takes 'npc [NAME]' or two tile coordinates"),
    ("walk_to x y\n", "coordinates must be numbers"),
    ("wait -4\n", "must not be negative"),
    ("screenshot shot.txt\n", "needs a .png"),
    ("type " + "a" * 600 + "\n", "limited to 500 characters"),
])
def test_script_errors_name_the_line(text, needle):
    with pytest.raises(ScriptError) as err:
        parse_script("wait 1\n" + text, "s.txt")
    assert "s.txt:2" in str(err.value) and needle in str(err.value)


# ---------------------------------------------------------------- game rules
STOCK = {"iron_sword": 40, "horseshoe": 5}


def test_trade_uses_the_games_price_not_the_models():
    player = PlayerState(gold=60)
    ruling = judge_intent("trade", {"item": "iron_sword", "price": 1}, "smith", STOCK, {}, player)
    assert ruling.offer is not None and ruling.offer.price == 40
    assert "Bought iron sword for 40 gold" in accept(ruling.offer, player, STOCK)
    assert player.gold == 20 and player.inventory == {"iron_sword": 1}


def test_trade_refused_without_gold_or_stock():
    poor = PlayerState(gold=3)
    r = judge_intent("trade", {"item": "iron_sword"}, "smith", STOCK, {}, poor)
    assert r.offer is None and "costs 40 gold; you have 3" in r.notice
    r = judge_intent("trade", {"item": "dragon"}, "smith", STOCK, {}, poor)
    assert r.offer is None and "iron sword (40g)" in r.notice
    # The price is checked again when the player accepts: gold spent elsewhere meanwhile counts.
    rich = PlayerState(gold=45)
    offer = judge_intent("trade", {"item": "iron_sword"}, "smith", STOCK, {}, rich).offer
    rich.gold = 10
    assert "need 40 gold" in accept(offer, rich, STOCK) and rich.inventory == {}


def test_quest_offer_accept_and_reward():
    q = QuestDef("scout_x", "Scout X", "X", (10.5, 10.5), 25)
    player = PlayerState(gold=0)
    offer = judge_intent("give_quest", {"quest": "scout_x"}, "guard", {}, {"scout_x": q}, player).offer
    assert offer is not None
    assert "Quest accepted" in accept(offer, player, {})
    again = judge_intent("give_quest", {"quest": "scout_x"}, "guard", {}, {"scout_x": q}, player)
    assert again.offer is None and "already taken" in again.notice
    assert check_quests(player, 40, 40) == [] and player.gold == 0
    assert check_quests(player, 11, 12) and player.gold == 25 and player.done_quests == ["scout_x"]
    assert judge_intent("give_quest", {"quest": "made_up"}, "guard", {}, {"scout_x": q}, player).offer is None


# ---------------------------------------------------------------- the world
def test_same_seed_same_world_other_seed_other_world(world):
    again = build_world(SEED, MAP)
    assert np.array_equal(world.tiles, again.tiles)
    assert world.personas == again.personas and world.houses == again.houses
    assert world.battlefield == again.battlefield and world.spawn == again.spawn
    assert not np.array_equal(build_world(SEED + 1, MAP).tiles, world.tiles)


def test_villagers_stand_on_walkable_ground_and_can_be_reached(world):
    from pcg.paths import walk_distance

    dist = walk_distance(world.walkable, [(int(world.spawn[0]), int(world.spawn[1]))]).reshape(world.tiles.shape)
    assert len(world.villagers) >= 2 * len(world.settlements)
    for v in world.villagers:
        assert world.walkable[int(v.y), int(v.x)]
        assert dist[int(v.y), int(v.x)] >= 0, f"{v.name} of {v.settlement} cannot be reached on foot"


@pytest.mark.parametrize("line", ["Good morning! What is the nearest landmark?", "Any landmarks near here?",
                                  "Where does the road go?"])
def test_villagers_find_their_map_facts_by_plain_words(world, line):
    """A villager's facts about its map are found by the words a player uses for them ("landmark", "road"), not
    only by the name of the place (which the player does not know yet). (This world has no bridge.)"""
    from gameai.dialogue.grounding import find_facts
    from gameai.dialogue.persona import persona_from_dict
    from gameai.dialogue.world import World

    kind = next(k for k in ("landmark", "road") if k in line.lower())
    askable = [p for p in world.personas if any(f["id"].startswith(kind) for f in p["facts"])]
    assert askable
    for data in askable:
        persona = persona_from_dict(data)
        found = find_facts(line, persona, World.from_dict(data.get("world")))
        assert any(f.id.startswith(f"fact:{kind}") for f in found.facts), (data["name"], found.facts)


def test_what_villagers_know_is_true_of_the_map(world):
    by_name = {p.name: p for p in world.landmarks}
    towns = {t.name: t for t in world.settlements}
    roads = road_mask(world.tiles)
    from pcg.paths import walk_distance

    for persona, v in zip(world.personas, world.villagers):
        home = towns[v.settlement]
        facts = {f["id"]: f["text"] for f in persona["facts"]}
        if "bridge" in facts:
            bridge = next(p for p in world.landmarks if p.kind == "bridge" and facts["bridge"].startswith(p.name))
            assert world.tiles[bridge.y, bridge.x] == Tile.BRIDGE
            assert f"{compass(bridge.x - home.x, bridge.y - home.y)} of {home.name}" in facts["bridge"]
            river = facts["bridge"].rsplit("crosses ", 1)[1].rstrip(".").replace("a stream that feeds ", "")
            assert river in by_name and by_name[river].kind == "river"
        dist = walk_distance(roads, [(home.x, home.y)]).reshape(world.tiles.shape)
        for key, text in facts.items():
            if key.startswith("road_"):
                target = next(t for name, t in towns.items() if f"leads to {name}," in text)
                assert dist[target.y, target.x] > 0, f"{text}: no road actually connects them"
        if "landmark" in facts:
            name = facts["landmark"].split("nearest landmark is ", 1)[1].split(" (")[0]
            assert name in by_name


def test_personas_are_valid_for_the_dialogue_engine(world):
    from gameai.dialogue.persona import persona_from_dict

    for p in world.personas:
        persona = persona_from_dict(p, "test")
        assert persona.facts and persona.name


def test_world_facts_for_the_engine_validate(world):
    from gameai.dialogue.world import World

    player = PlayerState(inventory={"rope": 1})
    w = World.from_dict(world.world_facts(world.villagers[0], player, "morning (09:00)"))
    assert w.location == world.villagers[0].settlement and len(w.landmarks) == 4


# ---------------------------------------------------------------- camera and chat
def test_camera_follows_smoothly_and_stays_on_the_map():
    cam = Camera(1280, 720, 3200, 3200)
    cam.center_on(0, 0)
    assert cam.offset == (0, 0)  # clamped at the corner
    steps = []
    for _ in range(120):
        cam.follow(1600, 1600, 1 / 60)
        steps.append((cam.x, cam.y))
    assert steps[0][0] < steps[30][0] < steps[-1][0]  # eases in, no jump
    assert math.isclose(cam.x, 1600 - 640, abs_tol=2) and math.isclose(cam.y, 1600 - 360, abs_tol=2)
    cam.center_on(10_000, 10_000)
    assert cam.offset == (3200 - 1280, 3200 - 720)


def test_chat_reveals_whole_words_at_reading_pace():
    chat = ChatBox("Bram", "blacksmith of Hold")
    chat.type_text("Hello\x07 there")
    assert chat.input_text == "Hello there"  # control characters dropped
    assert chat.take_input() == "Hello there" and chat.busy
    assert chat.take_input() is None  # one line at a time
    chat.add_stream_text("Well met, trav")
    shown = []
    for _ in range(30):
        chat.update(1 / 60)
        shown.append(chat.visible_partial)
    assert shown[-1] == "Well met,"  # "trav" is not a whole word yet
    assert shown[0] == "" and "Well" in shown  # one word at a time
    chat.add_stream_text("eller.")
    chat.finish_reply("Well met, traveller.")
    while chat.busy:
        chat.update(1 / 60)
    assert chat.last_reply == "Well met, traveller."


# ---------------------------------------------------------------- skirmish
def test_skirmish_runs_on_the_core_to_a_result(world):
    from demos.skirmish_view import SkirmishView

    view = SkirmishView(world, seed=SEED, units_per_team=10)
    assert view.alive_counts() == (10, 10)
    messages = []
    for _ in range(60 * 90):
        messages += view.update(1 / 60)
        if view.ended_at is not None:
            break
    assert view.ended_at is not None, "the skirmish never ended"
    assert sum(view.kills) > 0 and view.result in messages
    assert sum(view.wins) + view.draws == 1
    title, teams, wins, status = view.score()
    assert "Next skirmish" in status and teams[0][0].startswith("Blue")
    view.new_skirmish()
    assert view.round == 2 and view.alive_counts() == (10, 10)


def test_skirmish_is_deterministic(world):
    from demos.skirmish_view import SkirmishView

    a, b = SkirmishView(world, seed=5, units_per_team=8), SkirmishView(world, seed=5, units_per_team=8)
    for _ in range(400):
        a.update(1 / 60)
        b.update(1 / 60)
    assert np.array_equal(a.state.x, b.state.x) and np.array_equal(a.state.hp, b.state.hp)
