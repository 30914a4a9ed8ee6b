"""Menus and settings through real key presses (scripted), in the running game."""
from __future__ import annotations

import json

from demos.app import DemoApp, RunOptions
from demos.menus import HelpScreen


def run_app(tmp_path, script_text, **kw):
    script = tmp_path / "s.txt"
    script.write_text(script_text)
    opts = RunOptions(seed=kw.pop("seed", 21), map_size=64, headless=True, frames=kw.pop("frames", 400), llm=False,
                      skirmish_units=4, data_dir=tmp_path / "data", script=script, log=False, **kw)
    app = DemoApp(opts)
    app.run()
    return app


def test_settings_screen_changes_seed_and_volume_and_saves(tmp_path):
    # Esc: pause menu; Down x2 + Enter: Settings; Right: seed + 1; Down, Down, Left: volume - 10%;
    # Down + Enter: Apply. A new world is generated for the new seed and the settings are saved.
    app = run_app(tmp_path, "press escape\npress down\npress down\npress return\npress right\n"
                            "press down\npress down\npress left\npress down\npress return\nwait 2\nquit\n")
    assert app.world.seed == 22 and app.settings.seed == 22
    saved = json.loads((tmp_path / "data" / "settings.json").read_text())
    assert saved["seed"] == 22 and saved["volume"] == 0.4
    assert app.overlay is None


def test_pause_freezes_the_world_and_help_lists_the_controls(tmp_path):
    app = run_app(tmp_path, "press escape\nhold right 30\npress down\npress return\nwait 2\nquit\n", seed=5)
    assert isinstance(app.overlay, HelpScreen)  # opened from the pause menu, still showing at quit
    x0 = app.world.spawn[0]
    assert app.player.x == x0  # holding a key while paused moved nobody


def test_walk_to_npc_and_talk_without_a_model(tmp_path):
    app = run_app(tmp_path, "walk_to npc\ntalk\ntype \"hello\"\nsend\nwait 5\nquit\n", seed=9)
    assert app.mode == "chat" and app.talking_to
    chat = app.chats[app.talking_to]
    assert "voices are off" in (chat.notice or "")
    assert chat.input_text == "hello"  # nothing is sent when no model runs; the line is kept


def test_battlefield_view_and_new_skirmish_keys(tmp_path):
    app = run_app(tmp_path, "press b\nwait 60\npress n\nwait 2\nquit\n", seed=4)
    assert app.mode == "watch" and app.skirmish.round == 2
    assert app.skirmish.visible_in(app.camera)


def test_the_talk_key_is_not_typed_into_the_chat(tmp_path):
    """A real keyboard sends KEYDOWN e and TEXTINPUT "e" together; the "e" opens the chat, not the line."""
    import pygame

    class KeyboardLikeApp(DemoApp):
        def post_key(self, key):
            super().post_key(key)
            if key == pygame.K_e:
                pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text="e"))

    script = tmp_path / "s.txt"
    script.write_text('walk_to npc\ntalk\ntype "hi"\nwait 2\nquit\n')
    app = KeyboardLikeApp(RunOptions(seed=9, map_size=64, headless=True, frames=400, llm=False, skirmish_units=4,
                                     data_dir=tmp_path / "data", script=script, log=False))
    app.run()
    assert app.mode == "chat" and app.chats[app.talking_to].input_text == "hi"
