"""The recurrent clone's wall follower memory and place in the team (``gameai imitate --recurrent --steering``)."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from clone_shared import SIZE, record_kite

from gameai.cli.main import main


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    return record_kite(tmp_path_factory, 4)


@pytest.fixture(scope="module")
def steering_zip(recorded, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clone") / "steering.zip"
    assert main(["imitate", str(recorded), "--bot", "kite", "--out", str(out), "--recurrent", "--steering",
                 "--turns", "1", "--epochs", "2", "--seed", "1"]) == 0
    return out


def _sequences(recorded):
    from agents.imitate import load_replays, replay_sequences

    return replay_sequences(load_replays(sorted(recorded.glob("*.json"))), bot="kite")


def _spec():
    from envs import core
    from envs.ruleset import default_ruleset

    return core.observation_spec(core.compile_params(default_ruleset()))


def test_the_entry_names_the_steering_memory_and_the_places(steering_zip):
    from agents.clone_file import read_clone_layout
    from agents.imitate import RECURRENT_SLOTS

    meta = json.loads(zipfile.ZipFile(steering_zip).read("gameai_clone.json"))
    assert meta["version"] == 4 and meta["steering"] is True and meta["slots"] == RECURRENT_SLOTS
    layout = read_clone_layout(steering_zip).layout
    assert layout.steering and layout.slots == RECURRENT_SLOTS


def test_play_builds_the_same_inputs_as_training(recorded, steering_zip):
    """Step by step (as in a match) the memory and the place one-hots are those of the whole recorded sequence."""
    from agents.clone_file import read_clone_layout
    from agents.clone_recurrent import RecurrentHistory

    layout = read_clone_layout(steering_zip).layout
    o, m, a = _sequences(recorded)[1]
    whole = layout.sequence(o, m, a)
    hist = RecurrentHistory(layout)
    for t in range(len(o)):
        np.testing.assert_allclose(hist.inputs(o[t][None], m[t][None])[0], whole[t], atol=1e-6)
        hist.taken(a[t][None])


def test_a_unit_that_cannot_get_closer_is_due_to_walk_around():
    """Held in place with every step blocked, a unit keeps trying: after STUCK_STEPS it walks around, for
    DETOUR_STEPS."""
    from agents.clone_steering import DETOUR_STEPS, STUCK_STEPS, SteeringMemory
    from envs.spec import HOLD, MOVE0

    spec = _spec()
    obs = np.zeros((2, spec.size), np.float32)
    obs[:, spec.OWN_HP] = 1.0
    obs[:, spec.OWN_CENTER_DX] = 1.0  # the goal (the centre, no enemy in view) 10 cells east
    mask = np.zeros((2, spec.n_actions), np.float32)
    mask[:, HOLD] = 1
    mask[1, MOVE0:MOVE0 + 8] = 1  # unit 1 may step anywhere, unit 0 nowhere
    mem = SteeringMemory(spec, spec.pos_scale)
    due = []
    for _ in range(STUCK_STEPS + 1):  # the first step sets the best distance, then STUCK_STEPS without progress
        x = mem.inputs(obs, mask)
        due.append(x[:, 5].copy())  # "a walk around starts if the unit keeps trying now"
        mem.taken(np.array([HOLD, HOLD]))
    assert [d[0] for d in due] == [0] * STUCK_STEPS + [1] and not any(d[1] for d in due)  # unit 1 held by choice
    x = mem.inputs(obs, mask)
    assert x[0, 3] == 1 and x[0, 2] == pytest.approx((DETOUR_STEPS - 1) / DETOUR_STEPS)  # on it, one step done
    assert x[1, 3] == 0 and x[0, 8] == 0 and x[1, 8] == 1  # unit 0 started one walk around, unit 1 none


def test_the_place_in_the_team_is_a_one_hot_and_the_rest_share_the_last():
    from agents.clone_recurrent import RecurrentHistory, RecurrentInput

    spec = _spec()
    layout = RecurrentInput(spec.size, spec.n_actions, spec.n_types, float(spec.pos_scale), steering=True, slots=3)
    obs = np.zeros((2, 5, spec.size), np.float32)
    mask = np.ones((2, 5, spec.n_actions), np.float32)
    rows = RecurrentHistory(layout).inputs(obs, mask)
    places = rows[..., layout.size - layout.n_scores - 3:layout.size - layout.n_scores]
    assert rows.shape == (2, 5, layout.size)
    np.testing.assert_array_equal(places[0], [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 0, 1]])


def test_the_steering_clone_plays_and_takes_over(steering_zip):
    from agents.arena import run_matches
    from agents.map_seeds import held_out_seeds, terrain_for
    from agents.rl_eval import bot_factory, head_to_head
    from envs.ruleset import default_ruleset
    from tests.test_clone_recurrent import _TakeOver

    rs = default_ruleset()
    r = head_to_head(rs, bot_factory(str(steering_zip)), bot_factory("focus_fire"), held_out_seeds(2), map_size=SIZE)
    assert r["matches"] == 4
    # a takeover mid-match: the memory starts at the stand-in's first step, and the match finishes
    takeover = _TakeOver(15, steering_zip)
    res = run_matches(rs, rs.teams["blue"], rs.teams["red"], held_out_seeds(1), blue_bot=takeover,
                      red_bot="focus_fire", terrain=terrain_for(SIZE))[0]
    assert res.winner in ("blue", "red", "draw") and res.steps > 15 and takeover.stand_in is not None


def test_steering_without_recurrent_is_refused(recorded, tmp_path, capsys):
    rc = main(["imitate", str(recorded), "--bot", "kite", "--out", str(tmp_path / "x.zip"), "--no-recurrent",
               "--steering"])
    err = capsys.readouterr().err
    assert rc == 2 and "recurrent clone: drop --no-recurrent" in err and "Traceback" not in err


@pytest.mark.parametrize("edit, expected", [
    (lambda g: {**g, "steering": "yes"}, "steering must be true or false"),
    (lambda g: {**g, "slots": -1}, "slots must be a whole number >= 0"),
    (lambda g: {k: v for k, v in g.items() if k != "slots"}, "the file is damaged"),
])
def test_a_damaged_steering_entry_is_refused_in_one_line(edit, expected, steering_zip, tmp_path, capsys):
    from agents.clone_file import ENTRY

    good = json.loads(zipfile.ZipFile(steering_zip).read(ENTRY))
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(steering_zip) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            if item.filename != ENTRY:
                zout.writestr(item, zin.read(item.filename))
        zout.writestr(ENTRY, json.dumps(edit(good)))
    rc = main(["match", "--blue", str(bad), "--json"])
    err = capsys.readouterr().err
    assert rc == 2 and expected in err and str(bad) in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1


def test_no_steering_writes_the_entry_as_before(recorded, tmp_path):
    """Without the memory a recurrent clone's entry has neither new field: older gameai versions read it as before."""
    out = tmp_path / "plain.zip"
    assert main(["imitate", str(recorded), "--bot", "kite", "--out", str(out), "--recurrent", "--no-steering",
                 "--turns", "1", "--epochs", "1"]) == 0
    meta = json.loads(zipfile.ZipFile(out).read("gameai_clone.json"))
    assert meta["version"] == 4 and "steering" not in meta and "slots" not in meta
