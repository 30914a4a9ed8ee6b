"""The demo end to end with the real local model: walk to a villager, talk, see the reply, buy
from the blacksmith through the game's rules, be remembered.

Run 1 drives the game in-process (so the chat box can be inspected frame by frame) from an
input script; run 2 is a separate `gameai demo` process on the same data dir, which must find
the first conversation in the NPC's SQLite memory.
"""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from demos.app import DemoApp, RunOptions
from demos.world_data import build_world

pytestmark = pytest.mark.slow

SEED, MAP = 7, 96
FIRST_LINES = ("Good morning, how are you?", "What do you sell?")


class RecordingApp(DemoApp):
    """The real game, noting what the chat box shows each frame (instrumentation, not a stand-in)."""

    def draw(self) -> None:
        super().draw()
        for chat in self.chats.values():
            if chat.busy:
                self.shown.append(chat.visible_partial)


BUY = "I want to buy the iron sword."


def _script(path, lines, shot, smith):
    body = ["walk_to npc", "talk"]
    for line in lines:
        body += [f'type "{line}"', "send", "wait_reply 3000"]
    body += [f"screenshot {shot}"]
    # Then buy from the blacksmith twice: 60 gold pays for one 40-gold sword, not two.
    body += ["press escape", f'walk_to npc "{smith}"', "talk"]
    body += [f'type "{BUY}"', "send", "wait_reply 3000", "press tab", "wait 2"] * 2
    body += ["quit"]
    path.write_text("\n".join(body) + "\n")
    return path


def _pixel_stats(path):
    import pygame

    img = pygame.image.load(str(path))
    px = pygame.surfarray.array3d(img).reshape(-1, 3)
    return img.get_size(), float(px.std()), len(np.unique(px[::7], axis=0))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("talk")
    shot = tmp / "talk.png"
    world = build_world(SEED, MAP)
    home = world.villagers[0].settlement
    smith = next(v for v in world.villagers if v.settlement == home and v.role == "blacksmith")
    opts = RunOptions(seed=SEED, map_size=MAP, headless=True, frames=12000, data_dir=tmp / "data",
                      script=_script(tmp / "talk.txt", FIRST_LINES, shot, smith.name), fps_cap=60,
                      skirmish_units=12)
    app = RecordingApp.__new__(RecordingApp)
    app.shown = []
    DemoApp.__init__(app, opts)
    assert app.run() == 0
    app.first_npc = next(iter(app.chats))  # the villager met first
    app.smith = smith
    return app, tmp, shot


def test_player_walks_to_a_villager_and_talks(first_run):
    app, _, _ = first_run
    assert app.chats, "the script's talk key did not open a conversation"
    # The last conversation is with the blacksmith, who the player walked up to (TALK_RANGE).
    assert app.talking_to == app.smith.npc_id
    assert app.smith.distance_to(app.player.x, app.player.y) <= 1.9
    said = [l.text for l in app.chats[app.first_npc].lines if l.speaker == "You"]
    assert said[:len(FIRST_LINES)] == list(FIRST_LINES)


def test_a_real_model_reply_arrives_and_is_shown_word_by_word(first_run):
    app, _, _ = first_run
    assert app.worker is not None and app.worker.info.get("backend") in ("llama_cpp", "transformers", "smollm2")
    chat = app.chats[app.first_npc]
    replies = [l.text for l in chat.lines if l.speaker == chat.npc_name]
    assert len(replies) >= len(FIRST_LINES) and all(r.strip() for r in replies)
    # What was on screen while the reply came in: growing prefixes of whole words of the final line.
    frames = [s for s in app.shown if s]
    assert len(set(frames)) >= 3, f"the reply did not appear word by word: {frames[:5]}"
    finals = [l.text.split() for c in app.chats.values() for l in c.lines if l.speaker == c.npc_name]
    for shown in frames:
        words = shown.split()
        assert any(f[:len(words)] == words for f in finals), f"{shown!r} is not a word prefix of a reply"


def test_a_proposed_trade_goes_through_the_games_rules(first_run):
    app, tmp, _ = first_run
    # The engine proposed the trade; the game charged its own price once and refused the second
    # purchase for lack of gold.
    assert app.player_state.gold == 60 - 40 and app.player_state.inventory == {"iron_sword": 1}
    assert "costs 40 gold; you have 20" in (app.chats[app.smith.npc_id].notice or "")
    import json

    saved = json.loads((tmp / "data" / "save.json").read_text())
    assert saved["gold"] == 20 and saved["inventory"] == {"iron_sword": 1}


def test_screenshot_is_a_rendered_frame(first_run):
    _, _, shot = first_run
    size, std, colors = _pixel_stats(shot)
    assert size == (1280, 720)
    assert std > 20 and colors > 40, f"screenshot looks blank: std {std:.1f}, {colors} colours"


def test_memory_persists_for_the_next_run(first_run):
    app, tmp, _ = first_run
    db = tmp / "data" / "npc_memory.sqlite"
    with sqlite3.connect(db) as con:
        texts = [r[0] for r in con.execute("SELECT text FROM memories WHERE npc=?", (app.first_npc,))]
    assert FIRST_LINES[0] in texts  # the player's own words, stored for this villager
    save = (tmp / "data" / "save.json").read_text()
    assert '"seed": 7' in save

    # Run 2: a new game and a new NPC process on the same data dir (the written lines are enough
    # here: what is checked is the memory, not the model). It starts where run 1 ended, next to
    # the blacksmith, and greets the nearest villager, who must remember the player.
    script = tmp / "again.txt"
    script.write_text('walk_to npc\ntalk\ntype "Hello again."\nsend\nwait_reply 3000\nquit\n')
    again = DemoApp(RunOptions(seed=SEED, map_size=MAP, headless=True, frames=3000, backend="authored",
                               skirmish_units=12, data_dir=tmp / "data", script=script))
    assert again.run() == 0
    npc = again.talking_to
    assert npc in app.chats  # one of the villagers met in run 1
    assert again.memories.get(npc), "the villager remembered nothing from the first run"
    assert any(FIRST_LINES[0] in m or BUY in m for m in again.memories[npc])
    assert "remembers you" in again.chats[npc].lines[0].text  # and the player is told
