"""Teaching mode (the squad judges orders) and the calibrated tier as the takeover stand-in, headless.

- the setup panel turns teaching mode on; an order is then held pending while the squad judges it
  on a worker thread, and frames keep coming meanwhile;
- a clearly suicidal order is refused and not carried out (the refusal, with its numbers, is shown);
  a good order is carried out at its step;
- judging never touches the live match: a match with a refused order plays exactly as one without it;
- takeover: a `gameai calibrate` tier file plays the player's side when there is no imitation; a
  damaged one is skipped with the reason, and the scripted tier stands in.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from tests.test_demo_play import make_app


def start_teaching_match(app, tier_keys=()):
    """Open play mode and start a match with "Squad judges orders" on (Up from Start, Right)."""
    import pygame

    app.post_key(pygame.K_b)
    app.post_key(pygame.K_p)
    for k in tier_keys:
        app.post_key(k)
    app.post_key(pygame.K_UP)
    app.post_key(pygame.K_RIGHT)
    app.post_key(pygame.K_DOWN)
    app.post_key(pygame.K_RETURN)
    for _ in range(3):
        app.tick()
    play = app.modes["play"]
    assert app.mode == "play" and play.phase == "playing" and play.review is not None
    return play


def close_in(app, play):
    """March the blue army at the red one (orders given directly, unjudged) until they are about to meet."""
    view = app.skirmish
    st = view.state
    blue, red = [int(u) for u in view.idx[0]], [int(u) for u in view.idx[1]]
    play.orders.order(0, blue, "move", cell=(int(st.x[0, red].mean()), int(st.y[0, red].mean())))
    view.speed = 8.0
    for _ in range(4000):
        app.tick()
        d = np.hypot(st.x[0, blue][:, None] - st.x[0, red][None], st.y[0, blue][:, None] - st.y[0, red][None])
        if d.min() < 4:
            break
    play.orders.cancel(0, blue)
    view.speed = 1.0
    return blue, red


def state_arrays(state):
    from dataclasses import fields

    return {f.name: np.array(getattr(state, f.name), copy=True) for f in fields(state)}


def run_to_step(app, step, seconds=300.0):
    """Tick until the battle reaches `step`. The limit is wall time, not frames: the battle waits at an
    order's step for the squad's verdict, which a cold process (compiling kernels) may take long to give."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if int(app.skirmish.state.t[0]) >= step:
            return
        app.tick()
        if app.squad_judging():
            time.sleep(0.002)  # an uncapped loop would starve the judging thread of the GIL
    raise AssertionError(f"step {step} not reached in {seconds:.0f} s")


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    """A teaching match against focus_fire@average: the two archers are sent into the enemy army."""
    import pygame

    tmp = tmp_path_factory.mktemp("teaching")
    app = make_app(tmp, log=True)
    app.session.choice.tier = "average"
    play = start_teaching_match(app)
    blue, red = close_in(app, play)
    view = app.skirmish
    st = view.state
    app.post_key(pygame.K_2)  # all archers
    app.tick()
    archers = list(play.selected)
    given_at = int(st.t[0])
    centre = (int(st.x[0, red].mean()), int(st.y[0, red].mean()))
    assert play.give_order("move", cell=centre)
    pending = play.review.pending[0]
    frames_while_judging, frame0 = 0, app.frame
    while not pending.future.done():  # the judgement runs on its thread; frames go on meanwhile
        app.tick()
        frames_while_judging += 1
        time.sleep(0.002)  # an uncapped loop would starve the judging thread of the GIL
    run_to_step(app, given_at + 1 + 2)
    app.recorded = (int(st.t[0]), state_arrays(st))
    return app, play, archers, pending, given_at, frames_while_judging, app.frame - frame0


def test_a_suicidal_order_is_refused_with_its_numbers_and_not_carried_out(refused):
    app, play, archers, pending, given_at, _, _ = refused
    j = pending.future.result()
    assert archers and j.verdict == "refuse" and j.units == tuple(archers)
    assert j.order.win_prob < j.plan.win_prob  # what the refusal rests on
    assert not play.review.pending  # ruled on at its step
    assert all(play.orders.order_of(0, u) is None for u in archers)
    line = play.squad_says[0]  # no NPC engine in this run: the judge's own words, numbers and all
    assert line.startswith("Squad: refused") and j.reason in line and "ordered units" in line


def test_frames_keep_coming_while_the_squad_judges(refused):
    _, _, _, pending, _, frames_while_judging, _ = refused
    assert pending.future.done() and frames_while_judging >= 1


def test_a_good_order_is_carried_out_at_its_step(refused):
    from demos.army_selection import living

    app, play, _, _, _, _, _ = refused
    play.select(list(living(app.skirmish, 0)))
    army = list(play.selected)
    given_at = int(app.skirmish.state.t[0])
    assert play.give_order("hold")
    pending = play.review.pending[-1]
    assert all(play.orders.order_of(0, u) is None or play.orders.order_of(0, u).kind != "hold" for u in army)
    run_to_step(app, given_at + 3)
    assert pending.future.result().verdict == "accept"
    alive = app.skirmish.state.alive[0]
    assert all(play.orders.order_of(0, u).kind == "hold" for u in army if alive[u])


def test_a_refused_order_leaves_the_match_exactly_as_without_it(refused, tmp_path):
    """The judge works on copies: the match with the judged (refused) order is step for step the match
    without any order, so teaching mode keeps a match deterministic."""
    app, play, _, _, given_at, _, _ = refused
    step, after = app.recorded  # the live match just after the refusal (later tests gave orders)
    twin = make_app(tmp_path)
    twin.session.choice.tier = "average"
    twin_play = start_teaching_match(twin)
    close_in(twin, twin_play)
    run_to_step(twin, step)
    a, b = after, state_arrays(twin.skirmish.state)
    assert int(b["t"][0]) == step
    for name in a:
        assert np.array_equal(a[name], b[name]), name
    twin.shutdown()


def test_teaching_mode_is_off_unless_chosen_and_orders_are_then_immediate(tmp_path):
    from tests.test_demo_play import start_match

    app = make_app(tmp_path)
    play = start_match(app)
    assert play.review is None and app.skirmish.step_gate is None
    play.select([int(app.skirmish.idx[0][0])])
    assert play.give_order("hold")
    assert play.orders.order_of(0, int(app.skirmish.idx[0][0])).kind == "hold"
    app.shutdown()


# --- takeover by the player's calibrated tier ---------------------------------------------------------

def test_a_calibrated_tier_file_takes_over_when_there_is_no_imitation(tmp_path):
    from agents.tier_file import write_tier_file
    from agents.tiers import SkillTier
    from tests.test_demo_play import start_match

    data = tmp_path / "data"
    data.mkdir()
    write_tier_file(data / "player_tier.toml", SkillTier("alice", 2, 0.1, 180.0), base_bot="kite")
    app = make_app(tmp_path, data_dir=data)
    start_match(app)
    for _ in range(10):
        app.tick()
    app.hand_over_player_side("left the battlefield")
    assert app.skirmish.takeover["bot"] == "kite@player_tier.toml"
    policy = app.skirmish.bots[0][0]
    assert policy.tier == SkillTier("alice", 2, 0.1, 180.0)
    app.skirmish.finish_now()
    app.tick()
    assert app.session.last.takeover["bot"] == "kite@player_tier.toml"
    app.shutdown()


def test_a_damaged_tier_file_is_skipped_with_the_reason(tmp_path, capsys):
    from tests.test_demo_play import start_match

    data = tmp_path / "data"
    data.mkdir()
    (data / "player_tier.toml").write_text('[tier]\nname = "alice"\nreaction_delay = -3\n')
    app = make_app(tmp_path, data_dir=data, log=True)
    start_match(app)
    app.hand_over_player_side("left the battlefield")
    assert app.skirmish.takeover["bot"] == "focus_fire@novice"
    out = capsys.readouterr().out
    assert "calibrated tier cannot play here" in out and "reaction_delay" in out and "player_tier.toml" in out
    app.shutdown()


def test_bad_takeover_tier_option(tmp_path, capsys):
    from gameai.cli.main import main

    for arg, needle in ((tmp_path / "none.toml", "no such file"), (tmp_path / "tier.txt", "needs a tier file")):
        rc = main(["demo", "--headless", "--no-llm", "--frames", "2", "--data-dir", str(tmp_path / "d"),
                   "--takeover-tier", str(arg)])
        err = capsys.readouterr().err
        assert rc == 2 and needle in err and "Traceback" not in err


def test_the_battle_waits_at_a_step_whose_verdict_is_still_out():
    """A verdict late at its step holds the battle (not the frames) until it comes, in the order given."""
    from concurrent.futures import Future

    from demos.order_review import OrderReview, PendingOrder

    review = OrderReview.__new__(OrderReview)  # only the queue of pending orders is exercised here
    first, second = Future(), Future()
    review.pending = [PendingOrder([0], "hold", None, None, 12, None, first),
                      PendingOrder([1], "hold", None, None, 13, None, second)]
    assert review.due(11) == ([], True)
    assert review.due(12) == ([], False)
    first.set_result("judged")
    second.set_result("judged")
    ready, go = review.due(12)
    assert go and [p.units for p in ready] == [[0]]
    ready, go = review.due(13)
    assert go and [p.units for p in ready] == [[1]] and not review.pending


@pytest.mark.slow
def test_the_squad_speaks_its_verdict_through_the_npc_engine(refused, tmp_path):
    """The real NPC process (the one the villagers talk through) answers with the sergeant's line:
    the model's reaction and the judgement's numbers, via gameai.squad.voice.speak_reason."""
    from demos.conversations import Conversations
    from demos.llm_worker import LLMWorker, WorkerSpec
    from gameai.squad.voice import reason_clause

    app, _, _, pending, _, _, _ = refused
    facts = pending.future.result().facts()
    talk = Conversations(app)
    heard = []
    assert not talk.squad_line(facts, heard.append)  # no engine yet: the caller shows the judge's words
    talk.worker = LLMWorker(WorkerSpec(personas=[], memory_path=str(tmp_path / "memory.sqlite"))).start()
    try:
        deadline = time.monotonic() + 300
        while not talk.worker.ready and talk.worker.failed is None and time.monotonic() < deadline:
            talk.poll()
            time.sleep(0.05)
        assert talk.worker.ready, talk.worker.failed
        assert talk.squad_line(facts, heard.append)
        while not heard and time.monotonic() < deadline:
            talk.poll()
            time.sleep(0.05)
    finally:
        talk.close()
    assert heard and heard[0] and heard[0].endswith(reason_clause(facts))


TEACHING_SCRIPT = """\
press b
wait 5
press p
press up
press right
press down
press return
wait 5
press 0
click_unit red 0 right
wait_squad 300
wait 3
quit
"""


def test_teaching_mode_through_the_input_script(tmp_path, capsys):
    """The setup panel's row turns it on from the keyboard; a right click's order is judged, then ruled on."""
    # Uncapped frames pass by the thousand while the squad judges; the script's own waits end the run.
    app = make_app(tmp_path, TEACHING_SCRIPT, frames=10**8, log=True, fps_cap=240)  # capped: the judge needs the GIL
    app.run()
    out = capsys.readouterr().out
    assert "play: the squad judges orders (rollouts against focus_fire@novice)" in out
    assert "-> unit " in out and ": the squad is judging it" in out
    verdicts = [line for line in out.splitlines() if line.startswith("[demo] squad: ")]
    assert len(verdicts) == 1, out
    verdict = verdicts[0]
    assert verdict.split("squad: ")[1].startswith(("accepted", "carried out with a warning", "refused"))
    assert "rollouts of 20 s each" in verdict
