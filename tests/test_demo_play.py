"""Play mode: the player commands the blue army on the battlefield, headless, through the same
input path a mouse and keyboard use (scripted), and every played match is counted and saved.

- a played match driven by an input script: select, order, the match ends (won or lost), the
  replay is saved and `gameai imitate` can learn from it;
- clicks and keys become the right orders, and the orders the right core actions;
- takeover: leaving the battlefield or closing the game mid-match lets a stand-in finish it
  (the player's imitation model if there is one), and it counts;
- bad input: an order to a fallen unit, an unwritable replay folder, a damaged imitation model,
  a broken rating file, bad script commands and CLI options: clear messages, no traceback.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from demos.app import DemoApp, RunOptions
from demos.input_script import ScriptError, parse_script

SEED, MAP, UNITS = 21, 64, 6
SMALL = dict(width=800, height=600)  # cheaper frames; the battlefield still fits on screen


def make_app(tmp_path, script_text=None, frames=6000, **kw):
    script = None
    if script_text is not None:
        script = tmp_path / "play.txt"
        script.write_text(script_text)
    opts = RunOptions(seed=SEED, map_size=MAP, headless=True, frames=frames, llm=False, skirmish_units=UNITS,
                      data_dir=kw.pop("data_dir", tmp_path / "data"), script=script, fps_cap=kw.pop("fps_cap", 0),
                      **SMALL, **kw)
    return DemoApp(opts)


def start_match(app, *setup_keys):
    """Watch the battlefield, open play mode, start a match (keys choose in the setup panel)."""
    import pygame

    app.post_key(pygame.K_b)
    app.post_key(pygame.K_p)
    for k in setup_keys:
        app.post_key(k)
    app.post_key(pygame.K_RETURN)
    for _ in range(3):
        app.tick()
    assert app.mode == "play" and app.modes["play"].phase == "playing"
    return app.modes["play"]


def run_until(app, cond, limit=20000):
    for _ in range(limit):
        if cond():
            return
        app.tick()
    raise AssertionError("condition not reached")


PLAYED = """\
press b
wait 20
press p
press return
wait 5
press 0
click_unit red 0 right
press ]
press ]
press ]
wait 40
press 0
click_unit red 0 right
wait 40
drag_cells 0 0 60 60
click_unit red 0 right
wait_match 20000
wait 3
screenshot {shot}
quit
"""


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("played")
    app = make_app(tmp, PLAYED.format(shot=tmp / "over.png"), frames=30000, log=True)
    app.run()
    return app, tmp


def test_a_scripted_player_selects_orders_and_finishes_a_match(played):
    app, tmp = played
    out = app.session.last
    assert out is not None, "the played match never ended"
    assert out.winner in ("blue", "red", "draw") and out.takeover is None
    row = json.loads((tmp / "data" / "matches.jsonl").read_text().splitlines()[-1])
    assert row["played_by"] == {"blue": "human", "red": "focus_fire@novice"}
    assert row["winner"] == out.winner and row["steps"] > 0
    assert (tmp / "over.png").is_file()


def test_the_played_match_is_a_replay_imitate_learns_from(played):
    from agents.imitate import load_replays, replay_decisions
    from agents.replay import load_replay, replay, same_outcome

    app, _ = played
    path = app.session.last.replay
    assert path is not None and path.is_file(), app.session.last.replay_error
    data = load_replay(path)
    assert data["bots"] == {"blue": "human", "red": "focus_fire@novice"}
    again = replay(data, source=str(path))
    assert same_outcome(again.to_dict(), data["result"]) and again.winner == app.session.last.winner
    decisions = replay_decisions(load_replays([path]), bot="human")
    assert len(decisions) > 0 and decisions.matches == 1
    # the orders were carried out: some recorded human decisions are attacks, some moves
    acts = decisions.action
    assert (acts >= 9).any() and ((acts >= 1) & (acts < 9)).any()


def test_clicks_and_keys_become_orders_and_orders_core_actions(tmp_path):
    import pygame

    from envs.spec import ATTACK0, MOVE0

    app = make_app(tmp_path)
    play = start_match(app)
    view, pol = app.skirmish, play.orders
    blue = [int(u) for u in view.idx[0]]
    # a left click on a unit selects it
    app.post_click(app.unit_on_screen("blue", 0))
    app.tick()
    assert play.selected == [blue[0]]
    # 1-4 select all of a type, 0 the whole army
    app.post_key(pygame.K_0)
    app.tick()
    assert play.selected == blue
    warriors = view.ruleset.unit_names.index("warrior")
    app.post_key(pygame.K_1)
    app.tick()
    assert play.selected and all(view.state.utype[0, u] == warriors for u in play.selected)
    # a right click on the ground: move there; the first step goes down the flow field towards it
    u = play.selected[0]
    x, y = int(view.state.x[0, u]), int(view.state.y[0, u])
    goal = (x, max(0, y - 6)) if y >= 6 else (x, y + 6)
    app.post_click(app.cell_on_screen(*goal), button=3)
    app.tick()
    order = pol.order_of(0, u)
    assert order is not None and order.kind == "move" and order.cell == goal
    from demos.skirmish_view import STEP_INTERVAL

    n_before = len(view.actions_log)
    run_until(app, lambda: len(view.actions_log) > n_before, limit=int(STEP_INTERVAL * 60) + 5)
    a = int(view.actions_log[-1][u])
    assert MOVE0 <= a < ATTACK0, f"a move order gave action {a}"
    # a right click on an enemy: attack it
    app.post_click(app.unit_on_screen("red", 0), button=3)
    app.tick()
    target = int(view.idx[1][view.state.alive[0, view.idx[1]]][0])
    assert pol.order_of(0, u).kind == "attack" and pol.order_of(0, u).target == target
    # H: hold; the held unit stands (hold or strike, never a move)
    app.post_key(pygame.K_h)
    app.tick()
    assert pol.order_of(0, u).kind == "hold"
    n_before = len(view.actions_log)
    run_until(app, lambda: len(view.actions_log) > n_before, limit=int(STEP_INTERVAL * 60) + 5)
    assert not (MOVE0 <= int(view.actions_log[-1][u]) < ATTACK0)
    # R: retreat to the rally point
    app.post_key(pygame.K_r)
    app.tick()
    assert pol.order_of(0, u).kind == "retreat"
    app.shutdown()


def test_an_order_to_a_fallen_unit_is_refused_with_a_message(tmp_path):
    app = make_app(tmp_path)
    play = start_match(app)
    view = app.skirmish
    u = int(view.idx[0][0])
    play.selected = [u]
    view.state.alive[0, u] = False  # it fell this very frame, before the selection was pruned
    assert play.give_order("move", cell=(1, 1)) is False
    assert any("Order refused" in t.text and "dead" in t.text for t in app.hud.toasts)
    play.selected = []
    assert play.give_order("hold") is False
    assert any("Select units first" in t.text for t in app.hud.toasts)
    app.shutdown()


def test_leaving_the_battlefield_hands_the_match_to_a_stand_in_that_finishes_it(tmp_path):
    import pygame

    from agents.replay import load_replay

    app = make_app(tmp_path)
    start_match(app)
    for _ in range(60):
        app.tick()
    app.post_key(pygame.K_b)  # leave: back to the world, mid-match
    app.tick()
    view = app.skirmish
    assert app.mode == "world" and view.takeover is not None
    assert view.takeover["bot"] == "focus_fire@novice" and view.takeover["reason"] == "left the battlefield"
    view.speed = 8.0
    run_until(app, lambda: app.session.last is not None)
    out = app.session.last
    assert out.takeover["side"] == "blue" and out.replay is not None
    data = load_replay(out.replay)
    assert data["bots"]["blue"] == "human+focus_fire@novice"  # `imitate --bot human` skips this match
    assert data["takeover"]["step"] > 0 and "then focus_fire@novice" in data["played_by"]["blue"]
    assert not view.played  # the field went back to the bots' show
    app.shutdown()


def test_closing_the_game_mid_match_finishes_it_and_it_counts(tmp_path):
    app = make_app(tmp_path, "press b\npress p\npress return\nwait 30\npress 0\nclick_unit red 0 right\nwait 30\nquit\n")
    app.run()
    rows = [json.loads(line) for line in (tmp_path / "data" / "matches.jsonl").read_text().splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert row["takeover"]["reason"] == "closed the game" and row["winner"] in ("blue", "red", "draw")
    assert row["steps"] > row["takeover"]["step"] and row["replay"]


@pytest.mark.parametrize("kind", ["default", "plain"])
def test_the_players_imitation_takes_over_when_there_is_one(kind, played, tmp_path, capsys):
    """The clone `gameai imitate REPLAYS --bot human` makes by default (recurrent, at the player's pace), and the
    plain one (`--no-recurrent`), each learned from a played match, stand in for the player."""
    from gameai.cli.main import main

    app0, _ = played
    data = tmp_path / "data"
    data.mkdir()
    clone = data / "player_clone.zip"
    extra = ["--no-recurrent"] if kind == "plain" else []
    assert main(["imitate", str(app0.session.last.replay), "--bot", "human", "--out", str(clone), "--epochs", "1",
                 "--json", *extra]) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out).get("recurrent", False) is (kind == "default")
    app = make_app(tmp_path, data_dir=data)
    start_match(app)
    for _ in range(30):
        app.tick()
    app.hand_over_player_side("left the battlefield")
    assert app.skirmish.takeover["bot"] == "clone:player_clone.zip"
    app.skirmish.finish_now()
    app.tick()
    assert app.session.last.takeover["bot"] == "clone:player_clone.zip"
    app.shutdown()


def test_a_damaged_imitation_model_is_skipped_with_the_reason(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "player_clone.zip").write_bytes(b"not a zip at all")
    app = make_app(tmp_path, data_dir=data, log=True)
    start_match(app)
    app.hand_over_player_side("left the battlefield")
    assert app.skirmish.takeover["bot"] == "focus_fire@novice"
    assert "cannot play here" in capsys.readouterr().out
    app.shutdown()


def test_an_unwritable_replay_folder_is_reported_and_the_match_still_counts(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "replays").write_text("a file where the folder should be")
    app = make_app(tmp_path, data_dir=data)
    start_match(app)
    app.skirmish.finish_now()
    app.tick()
    out = app.session.last
    assert out.replay is None and "cannot create the replay folder" in out.replay_error
    assert any("Replay NOT saved" in line for line in out.lines)
    assert (data / "matches.jsonl").is_file()
    app.shutdown()


def test_adaptive_difficulty_rates_the_player_and_keeps_the_rating(tmp_path):
    import pygame

    data = tmp_path / "data"
    data.mkdir()
    (data / "player_rating.json").write_text("{broken")
    app = make_app(tmp_path, data_dir=data)
    assert app.session.note is None  # read on first use
    start_match(app, pygame.K_UP, pygame.K_UP, pygame.K_RETURN, pygame.K_DOWN, pygame.K_DOWN)  # "Adaptive difficulty" on, then "Start"
    assert "broken" in (app.session.note or "") and (data / "player_rating.broken.json").is_file()
    d0 = app.session.adaptive.difficulty
    assert app.skirmish.bots[1][1] == f"ppo@d{d0:.2f}"
    app.skirmish.finish_now()
    app.tick()
    out = app.session.last
    assert out.rating is not None and any("Your rating" in line for line in out.lines)
    saved = json.loads((data / "player_rating.json").read_text())
    assert saved["mu"] == pytest.approx(app.session.adaptive.player.mu)
    assert app.session.adaptive.history == [(d0, out.score)]
    app.shutdown()


@pytest.mark.parametrize("text, needle", [
    ("click 10\n", "click takes"),
    ("click 10 20 middle\n", "must be left or right"),
    ("click_unit green 0\n", "needs a team, blue or red"),
    ("drag_cells 1 2 3\n", "drag_cells takes"),
    ("click_cell -1 4\n", "must not be negative"),
    ("wait_match soon\n", "MAX_FRAMES must be a whole number"),
])
def test_bad_play_script_commands_name_the_line(text, needle):
    with pytest.raises(ScriptError) as err:
        parse_script("wait 1\n" + text, "p.txt")
    assert "p.txt:2" in str(err.value) and needle in str(err.value)


def test_bad_takeover_model_option(tmp_path, capsys):
    from gameai.cli.main import main

    for arg, needle in ((tmp_path / "none.zip", "no such file"), (tmp_path / "model.txt", "needs a model .zip")):
        rc = main(["demo", "--headless", "--no-llm", "--frames", "2", "--data-dir", str(tmp_path / "d"),
                   "--takeover-model", str(arg)])
        err = capsys.readouterr().err
        assert rc == 2 and needle in err and "Traceback" not in err


def test_a_watched_bot_skirmish_can_be_saved_as_a_replay(tmp_path):
    import pygame

    from agents.replay import load_replay

    app = make_app(tmp_path)
    app.post_key(pygame.K_b)
    app.post_key(pygame.K_r)  # nothing has ended yet: a message, no file
    app.tick()
    assert any("No replay: the match is still running" in t.text for t in app.hud.toasts)
    app.skirmish.speed = 8.0
    run_until(app, lambda: app.skirmish.ended_at is not None)
    app.post_key(pygame.K_r)
    app.tick()
    files = list((tmp_path / "data" / "replays").glob("watched-*.json"))
    assert len(files) == 1
    data = load_replay(files[0])
    assert data["bots"] == {"blue": app.skirmish.bots[0][1], "red": app.skirmish.bots[1][1]}
    assert data["result"]["winner"] == app.skirmish.winner
    app.shutdown()


def test_the_same_script_on_the_same_seed_plays_the_same_match(played, tmp_path):
    from agents.replay import load_replay

    app0, _ = played
    app = make_app(tmp_path, PLAYED.format(shot=tmp_path / "again.png"), frames=30000)
    app.run()
    a, b = load_replay(app0.session.last.replay), load_replay(app.session.last.replay)
    assert a["seed"] == b["seed"] and a["actions"] == b["actions"] and a["result"] == b["result"]


# --- learning the player's style in the background (demos/style_learning.py) ---------------------------------

def _learner_on(played, tmp_path, *extra_files: tuple[str, str]):
    """A StyleLearner over a replay folder holding the played match (and ``extra_files``: (name, text))."""
    import shutil

    from demos.style_learning import StyleLearner

    app0, _ = played
    replays = tmp_path / "data" / "replays"
    replays.mkdir(parents=True)
    shutil.copy(app0.session.last.replay, replays / app0.session.last.replay.name)
    for name, text in extra_files:
        (replays / name).write_text(text)
    lines: list[str] = []
    return StyleLearner(replays, tmp_path / "data" / "player_clone.zip", log=lines.append,
                        notify=lambda m: lines.append(f"screen: {m}")), lines


def test_the_demo_learns_the_players_style_in_the_background(played, tmp_path):
    from agents.clone_file import RecurrentEntry, read_clone_entry
    from demos.style_learning import previous_path

    learner, lines = _learner_on(played, tmp_path)
    learner.request()
    assert learner.running
    learner.request()  # a match ends during the run: one more run after it, not two at once
    assert learner.pending
    learner.wait(timeout=600)
    assert not learner.running and not learner.pending and learner.last_error is None
    entry, _ = read_clone_entry(learner.clone_path)
    assert isinstance(entry, RecurrentEntry)  # the clone `gameai imitate` makes by default
    assert sum("learning your style from your last 1 played match(es)" in line for line in lines) == 2
    assert "your imitation learned from 1 match(es) (it agrees with" in lines[-2]
    assert lines[-1] == "screen: Your imitation learned from 1 match(es)"
    # the second run kept the first one's clone aside, and wrote the same clone (same replays, same seed; the
    # zip's timestamps differ, its weights do not)
    from agents.rl_policy import load_model

    first, second = (load_model(p).policy.state_dict() for p in (previous_path(learner.clone_path),
                                                                learner.clone_path))
    assert first.keys() == second.keys() and all((first[k] == second[k]).all() for k in first)


def test_a_bad_replay_keeps_the_previous_imitation_and_says_why(played, tmp_path):
    learner, lines = _learner_on(played, tmp_path, ("played-zzzz.json", "{ not a replay"))
    learner.clone_path.write_bytes(b"the player's earlier clone")
    learner.request()
    learner.wait(timeout=600)
    assert learner.clone_path.read_bytes() == b"the player's earlier clone"
    assert "played-zzzz.json" in learner.last_error and "Traceback" not in lines[-2]
    assert lines[-2].startswith("learning your style did not work: ") and lines[-2].endswith(
        "(your previous imitation stays)")
    assert lines[-1] == "screen: Learning your style did not work (the log says why)"


def test_matches_without_the_player_teach_nothing_and_say_so(played, tmp_path):
    app0, _ = played
    data = json.loads(app0.session.last.replay.read_text())
    data["bots"]["blue"] = "human+focus_fire@novice"  # a match a stand-in finished is not learned as theirs
    learner, lines = _learner_on(played, tmp_path)
    app0_copy = learner.replay_dir / app0.session.last.replay.name
    app0_copy.write_text(json.dumps(data))
    learner.request()
    learner.wait(timeout=600)
    assert not learner.clone_path.exists() and "no decisions of bot 'human'" in learner.last_error
    assert lines[-2].endswith("(no imitation yet)")
    empty, _ = _learner_on(played, tmp_path / "other")
    for f in empty.replay_dir.iterdir():
        f.unlink()
    empty.request()
    assert not empty.running  # no played match at all: nothing is started


def test_the_game_learns_after_a_played_match_and_never_overwrites_a_chosen_model(tmp_path):
    import time

    from agents.clone_file import RecurrentEntry, read_clone_entry

    app = make_app(tmp_path, PLAYED.format(shot=tmp_path / "over.png"), frames=30000, learn_style=True)
    logged: list[str] = []
    app.log = logged.append
    app.style.log = logged.append
    app.run()  # plays the match, then quits: a run still under way finishes after the game has closed
    assert any("learning your style from your last 1 played match(es)" in line for line in logged), logged
    clone = tmp_path / "data" / "player_clone.zip"
    deadline = time.monotonic() + 600
    while not clone.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert isinstance(read_clone_entry(clone)[0], RecurrentEntry)

    mine = tmp_path / "mine.zip"
    mine.write_bytes(b"my own clone")
    other = make_app(tmp_path / "b", takeover_model=mine, learn_style=True)
    assert other.style is None and mine.read_bytes() == b"my own clone"
    other.shutdown()
