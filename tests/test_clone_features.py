"""The clone's derived features, progress memory and quarter-turn copies (issue 14, imitation follow-up).

Checked on real observations from a short recorded match: the features say what the scripted
rules compute from the same observation, play builds the same input as training, a quarter turn is
a symmetry of the scripted bots, and bad layouts or clone files give a clear error."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="module")
def match():
    """One recorded kite@average vs focus_fire match on a small map: (spec, [(obs, mask, action)] per side)."""
    from agents import make_policy
    from agents.imitate import ruleset_spec
    from agents.map_seeds import terrain_for
    from agents.replay import record_match
    from agents.imitate import replay_sequences
    from envs.ruleset import default_ruleset

    rs = default_ruleset()
    _, data = record_match(rs, rs.teams["blue"], rs.teams["red"], 3, blue_bot=make_policy("kite", "average"),
                           red_bot=make_policy("focus_fire"), terrain=terrain_for(16))
    return ruleset_spec([("r", data)]), replay_sequences([("r", data)], team="both")


def _layout(spec, frames=2, prev=2, masks=False):
    from agents.clone_input import CloneInput

    return CloneInput(frames, prev, spec.size, spec.n_actions, masks, True, spec.n_types, float(spec.pos_scale))


def test_features_say_what_the_scripted_rules_compute(match):
    from agents.clone_input import derived_features
    from agents.policy import move_along
    from agents.scripted import _Features

    spec, seqs = match
    o, m, _ = seqs[0]
    f = derived_features(spec, o, m)
    k = spec.k
    assert f.shape == o.shape[:-1] + (_layout(spec).feature_size,)
    sf = _Features(spec, o, m)
    near = sf.e_present[..., 0]
    live = sf.alive
    # the kite rule's two thresholds on the nearest enemy's distance
    np.testing.assert_array_equal(f[..., 1][live] > 0, (near & (sf.e_dist[..., 0] < 0.6 * sf.range))[live])
    np.testing.assert_array_equal(f[..., 2][live] > 0, (near & (sf.e_dist[..., 0] > sf.range))[live])
    np.testing.assert_array_equal(f[..., 3] > 0, sf.ready)
    # the step an advancing bot takes (towards the nearest enemy, else the centre)
    np.testing.assert_array_equal(f[..., 4:13].argmax(-1), move_along(sf.nearest_enemy_or_centre(), m))
    # the weakest enemy in reach: the slot focus_fire attacks
    has, att = sf.attack_weakest()
    weakest = f[..., 49:49 + k]
    assert has.any()
    np.testing.assert_array_equal(weakest[has].argmax(-1), att[has] - 9)
    assert (weakest[~has] == 0).all()
    assert set(np.unique(f[..., 4:49])) <= {0.0, 1.0}


def test_play_builds_the_same_input_as_training_with_features(match):
    from agents.clone_input import InputHistory

    spec, seqs = match
    for lay in (_layout(spec), _layout(spec, 3, 0, True)):
        for o, m, a in seqs:
            offline = lay.sequence(o, m, a)
            assert offline.shape == o.shape[:-1] + (lay.size,)
            hist = InputHistory(lay)
            for t in range(len(o)):
                np.testing.assert_array_equal(hist.inputs(o[t][None], m[t][None])[0], offline[t])
                hist.taken(a[t][None])


def test_progress_memory_counts_steps_without_getting_closer():
    """A unit walking on the spot (its goal distance unchanged) counts up; one closing in fast stays at 0."""
    from agents.clone_input import PROGRESS_CAP, Progress
    from envs.spec import ObservationSpec

    spec = ObservationSpec(k=1, n_types=1, patch_radius=0, scales=(1.0,) * 6)
    from agents.clone_input import CloneInput

    lay = CloneInput(1, 0, spec.size, spec.n_actions, False, True, 1, 10.0)
    prog = Progress(lay)
    e = spec.enemy_offset
    mask = np.ones((1, 2, spec.n_actions), np.int8)
    rows = []
    for t in range(5):
        obs = np.zeros((1, 2, spec.size), np.float32)
        obs[..., e] = 1.0                      # an enemy in view
        obs[0, 0, e + 2] = 1.0                 # unit 0: 10 cells north, every step
        obs[0, 1, e + 2] = 1.0 - 0.15 * t      # unit 1: 1.5 cells closer every step
        rows.append(prog.inputs(obs, mask)[0])
        prog.taken(np.array([[1, 1]]))         # both step north
    rows = np.stack(rows)
    np.testing.assert_allclose(rows[:, 0, :3] * PROGRESS_CAP, [[0] * 3, [1] * 3, [2] * 3, [3] * 3, [4] * 3])
    assert (rows[:, 1, :3] == 0).all()
    assert (rows[:, :, 3] == 0).all()          # north is the goal step: no move around it


def _same_play(spec, bot, seen, transformed_seen, transform, places=None):
    """Share of live decisions where ``bot`` playing the transformed match (its units in ``places`` order)
    does the transformed action of ``bot`` playing the match as recorded."""
    from agents.scripted import base_policy

    (o, m), (to, tm) = seen, transformed_seen
    places = np.arange(o.shape[1]) if places is None else places
    plain, other = base_policy(bot), base_policy(bot)
    plain.reset(spec, 0, [0])
    other.reset(spec, 0, [0])
    same = n = 0
    for t in range(len(o)):
        want = plain.act(o[t][None], m[t][None])
        _, _, want_transformed = transform(spec, o[t][None], m[t][None], want)
        got = other.act(to[t][None][:, places], tm[t][None][:, places])[:, places]
        live = (m[t, :, 1:] > 0).any(-1)
        same += int((got[0] == want_transformed[0])[live].sum())
        n += int(live.sum())
    return same / n


def test_a_quarter_turn_is_a_symmetry_of_the_scripted_bots(match):
    from agents.clone_augment import quarter_turns, turn_quarter

    spec, seqs = match
    o, m, a = seqs[0]
    c = (o, m, a)
    for _ in range(4):
        c = turn_quarter(spec, *c)
    assert all(np.array_equal(x, y) for x, y in zip(c, (o, m, a)))  # four turns: back where it started
    ro, rm, ra = turn_quarter(spec, o, m, a)
    assert not np.array_equal(ro, o) and ((ra != a) == ((a >= 1) & (a <= 8))).all()  # every move turns
    for bot in ("kite", "focus_fire"):
        share = _same_play(spec, bot, (o, m), (ro, rm), turn_quarter)
        assert share > 0.9, (bot, share)  # ties between equally good steps may break the other way
    assert len(quarter_turns(spec, seqs, 4)) == 4 * len(seqs) and len(quarter_turns(spec, seqs, 2)) == 2 * len(seqs)
    with pytest.raises(ValueError, match="do not fit"):
        turn_quarter(spec, o[..., :-1], m, a)
    with pytest.raises(ValueError, match="1, 2 or 4"):
        quarter_turns(spec, seqs, 3)


def test_a_mirror_with_places_of_the_other_parity_is_a_symmetry_of_the_scripted_bots(match):
    """Mirrored left to right, a unit goes round obstacles on its other side: the scripted bots choose the
    side by the unit's place (even / odd), so the mirror is the same player once places swap parity."""
    from agents.clone_augment import mirror
    from envs.spec import DIRECTIONS, MOVE0

    spec, seqs = match
    o, m, a = seqs[0]
    twice = mirror(spec, *mirror(spec, o, m, a))
    assert all(np.array_equal(x, y) for x, y in zip(twice, (o, m, a)))  # two mirrors: back where it started
    mo, mm, ma = mirror(spec, o, m, a)
    moves = (a >= MOVE0) & (a < MOVE0 + 8)
    vertical = np.isin(a, [MOVE0 + i for i, d in enumerate(DIRECTIONS) if d[0] == 0])
    assert ((ma != a) == (moves & ~vertical)).all()  # every move with a sideways part turns
    u_n = o.shape[1]
    swap = np.arange(u_n) ^ 1 if u_n % 2 == 0 else np.r_[np.arange(u_n - 1) ^ 1, u_n - 1]
    for bot in ("kite", "focus_fire"):
        share = _same_play(spec, bot, (o, m), (mo, mm), mirror, places=swap)  # places of the other parity
        assert share > 0.9, (bot, share)
    with pytest.raises(ValueError, match="mirror was built for"):
        mirror(spec, o[..., :-1], m, a)


def test_a_mirrored_copy_reads_its_places_with_the_parity_swapped(match):
    from agents.clone_recurrent import RecurrentInput

    spec, seqs = match
    o, m, a = seqs[0]
    layout = RecurrentInput(spec.size, spec.n_actions, spec.n_types, float(spec.pos_scale), steering=True, slots=8)
    lo = layout.size - layout.n_scores - layout.slots
    plain = layout.sequence(o, m, a)[..., lo:lo + 8].argmax(-1)
    swapped = layout.sequence(o, m, a, mirrored=True)[..., lo:lo + 8].argmax(-1)
    places = np.arange(o.shape[1])
    assert (plain == np.minimum(places, 7)).all() and (swapped == np.minimum(places ^ 1, 7)).all()


def test_bad_feature_layouts_are_refused(match):
    from agents.clone_input import CloneInput

    spec, _ = match
    with pytest.raises(ValueError, match="position scale"):
        CloneInput(1, 0, spec.size, spec.n_actions, False, True, spec.n_types, 0.0)
    with pytest.raises(ValueError, match="do not fit"):
        CloneInput(1, 0, 20, spec.n_actions, False, True, spec.n_types, 10.0)
    with pytest.raises(ValueError, match="2K"):
        CloneInput(1, 0, spec.size, 12, False, True, spec.n_types, 10.0)


@pytest.fixture(scope="module")
def clones(tmp_path_factory, match):
    """A clone with features (format 3) and one without (format 2), from the same few recorded matches."""
    from agents.imitate import record_matches
    from envs.ruleset import default_ruleset

    d = tmp_path_factory.mktemp("feat")
    files = record_matches(default_ruleset(), "kite@average", "focus_fire", 4, d / "rec", map_sizes=(16,))
    from agents.imitate import imitate

    out = {}
    for name, feats, temp in (("v3", True, 0.0), ("v2", False, 0.0), ("sampled", False, 1.0)):
        out[name] = d / f"{name}.zip"
        imitate(files, out[name], bot="kite@average", epochs=2, features=feats, temperature=temp)
    return out


def test_clone_files_keep_their_format_version(clones):
    from agents.clone_file import read_clone_layout
    from agents.clone_policy import HistoryClonePolicy
    from agents.rl_tiers import learned_policy

    for name, feats, version, temp in (("v3", True, 3, 0.0), ("v2", False, 2, 0.0), ("sampled", False, 3, 1.0)):
        meta = json.loads(zipfile.ZipFile(clones[name]).read("gameai_clone.json"))
        assert meta["version"] == version
        lay = read_clone_layout(clones[name])
        assert lay.features is feats
        base = learned_policy(str(clones[name])).base
        assert isinstance(base, HistoryClonePolicy) and base.temperature == temp
    # a tier or an explicit temperature still decides
    assert learned_policy(str(clones["sampled"]), "average").base.temperature == 0.7
    assert learned_policy(str(clones["sampled"]), temperature=0.0).base.temperature == 0.0


def test_a_clone_with_features_plays_a_match(clones):
    from agents.map_seeds import held_out_seeds
    from agents.rl_eval import bot_factory, head_to_head
    from envs.ruleset import default_ruleset

    r = head_to_head(default_ruleset(), bot_factory(str(clones["v3"])), bot_factory("random"), held_out_seeds(1),
                     map_size=16)
    assert r["wins"] + r["draws"] + r["losses"] == 2


@pytest.mark.parametrize("edit, expected", [
    (lambda g: {k: v for k, v in g.items() if k != "pos_scale"}, "lacks the number pos_scale"),
    (lambda g: {**g, "features": "yes"}, "lacks features"),
    (lambda g: {k: v for k, v in g.items() if k != "n_types"}, "lacks whole-number n_types"),
    (lambda g: {**g, "n_types": 99}, "do not fit"),
    (lambda g: {**g, "temperature": -1}, "temperature must be a number >= 0"),
    (lambda g: {**g, "temperature": "hot"}, "temperature must be a number >= 0"),
])
def test_bad_feature_entries_give_a_clear_error(edit, expected, clones, tmp_path, capsys):
    from gameai.cli.main import main

    good = json.loads(zipfile.ZipFile(clones["v3"]).read("gameai_clone.json"))
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(clones["v3"]) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            if item.filename != "gameai_clone.json":
                zout.writestr(item, zin.read(item.filename))
        zout.writestr("gameai_clone.json", json.dumps(edit(good)))
    rc = main(["match", "--blue", str(bad), "--json"])
    err = capsys.readouterr().err
    assert rc == 2 and expected in err and "Traceback" not in err, err


def test_training_with_turns_is_deterministic(clones, tmp_path):
    import torch

    from agents.imitate import imitate
    from agents.rl_policy import load_model

    files = sorted(Path(clones["v3"]).parent.joinpath("rec").glob("*.json"))[:2]
    for name in ("a", "b"):
        imitate(files, tmp_path / f"{name}.zip", bot="kite@average", epochs=1, seed=5, turns=4)
    a, b = (load_model(tmp_path / f"{n}.zip").policy.state_dict() for n in "ab")
    assert all(torch.equal(a[k], b[k]) for k in a)
