"""`gameai imitate`: behaviour cloning from replays, recording, and clean errors for bad replays."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gameai.cli.main import main

SIZE = "16"  # small maps keep recording and evaluation quick


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """Eight matches of focus_fire (expert) against random, both sides, on training map seeds."""
    d = tmp_path_factory.mktemp("replays")
    assert main(["imitate", "--record", "focus_fire", "--opponent", "random", "--matches", "8",
                 "--out-dir", str(d), "--map-sizes", SIZE]) == 0
    return d


@pytest.fixture(scope="module")
def clone_zip(recorded, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clone") / "clone.zip"
    assert main(["imitate", str(recorded), "--bot", "focus_fire", "--out", str(out), "--epochs", "12",
                 "--seed", "3", "--no-recurrent"]) == 0
    return out


def test_record_writes_replays_on_training_seeds_with_the_bot_on_both_sides(recorded):
    from agents.map_seeds import HELD_OUT_SEED0
    from agents.replay import load_replay

    files = sorted(recorded.glob("*.json"))
    assert len(files) == 8
    data = [load_replay(f) for f in files]
    assert all(d["seed"] < HELD_OUT_SEED0 for d in data)
    assert {d["bots"]["blue"] for d in data} == {"focus_fire@expert", "random@expert"}
    assert [d["bots"]["blue"] == "focus_fire@expert" for d in data] == [True, False] * 4


def test_decisions_are_the_observations_the_player_saw(tmp_path):
    """Replays hold actions only; re-running them must regenerate the exact observations and masks."""
    from agents import make_policy
    from agents.imitate import replay_decisions
    from agents.map_seeds import terrain_for
    from agents.replay import record_match
    from envs.ruleset import default_ruleset

    class Watching:
        def __init__(self):
            self.inner, self.name, self.seen = make_policy("kite", "average"), "kite@average", []

        def reset(self, spec, team, seeds):
            self.inner.reset(spec, team, seeds)

        def act(self, obs, mask):
            a = self.inner.act(obs, mask)
            live = (mask[0, :, 1:] > 0).any(-1)
            self.seen.append((obs[0][live].copy(), mask[0][live].copy(), a[0][live].copy()))
            return a

    rs = default_ruleset()
    watch = Watching()
    _, data = record_match(rs, rs.teams["blue"], rs.teams["red"], 5, blue_bot=make_policy("focus_fire"),
                           red_bot=watch, terrain=terrain_for(16))
    got = replay_decisions([("r", data)], team="red")
    assert got.matches == 1
    np.testing.assert_array_equal(got.obs, np.concatenate([s[0] for s in watch.seen]))
    np.testing.assert_array_equal(got.mask, np.concatenate([s[1] for s in watch.seen]))
    np.testing.assert_array_equal(got.action, np.concatenate([s[2] for s in watch.seen]))
    both = replay_decisions([("r", data)], team="both")
    assert len(both) > len(got) and both.matches == 2
    assert len(replay_decisions([("r", data)], bot="kite")) == len(got)  # a name without tier: any tier


def test_clone_is_a_learned_bot_that_beats_random(clone_zip):
    from agents.map_seeds import held_out_seeds
    from agents.rl_eval import bot_factory, head_to_head
    from envs.ruleset import default_ruleset

    r = head_to_head(default_ruleset(), bot_factory(str(clone_zip)), bot_factory("random"),
                     held_out_seeds(8), map_size=int(SIZE))
    assert r["wins"] > r["losses"] and r["win_rate"] >= 0.6, r


def test_clone_plays_in_eval_and_match(clone_zip, tmp_path, capsys):
    out = tmp_path / "m.json"
    rc, _, err = run_cli(capsys, "eval", "--bots", f"{clone_zip},random", "--seeds", "2", "--map-size", SIZE,
                         "--json", str(out))
    assert rc == 0, err
    assert str(clone_zip) in json.loads(out.read_text())["bots"]
    rc, out_text, err = run_cli(capsys, "match", "--blue", str(clone_zip), "--blue-tier", "average", "--json")
    assert rc == 0, err
    assert json.loads(out_text)["config"]["blue_bot"] == f"{clone_zip}@average"


def test_same_seed_same_model_other_seed_other_model(recorded, tmp_path):
    import torch

    from agents.imitate import imitate
    from agents.rl_policy import load_model

    files = sorted(recorded.glob("*.json"))[:3]
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        imitate(files, tmp_path / f"{name}.zip", team="both", epochs=2, seed=seed)
    a, b, c = (load_model(tmp_path / f"{n}.zip").policy.state_dict() for n in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def _edited(recorded: Path, tmp_path: Path, edit) -> Path:
    data = json.loads(sorted(recorded.glob("*.json"))[0].read_text())
    edit(data)
    p = tmp_path / "edited.json"
    p.write_text(json.dumps(data))
    return p


@pytest.mark.parametrize("case, expected", [
    ("empty", "not a readable replay"),
    ("corrupt", "not a readable replay"),
    ("not_replay", "not a gameai replay"),
    ("other_ruleset", "another ruleset"),
    ("wrong_units", "one action per unit"),
    ("truncated", "truncated"),
    ("bad_action", "outside the action codes"),
    ("missing", "file not found"),
])
def test_bad_replays_give_a_clear_error(case, expected, recorded, tmp_path, capsys):
    good = sorted(recorded.glob("*.json"))[0]
    bad = tmp_path / "bad.json"
    if case == "empty":
        bad.write_text("")
    elif case == "corrupt":
        bad.write_text(good.read_text()[:500])
    elif case == "not_replay":
        bad.write_text('{"hello": 1}')
    elif case == "other_ruleset":
        def harder(d):
            d["ruleset"]["units"][next(iter(d["ruleset"]["units"]))]["hp"] += 1
        bad = _edited(recorded, tmp_path, harder)
    elif case == "wrong_units":
        bad = _edited(recorded, tmp_path, lambda d: d.update(actions=[a[:-1] for a in d["actions"]]))
    elif case == "truncated":
        bad = _edited(recorded, tmp_path, lambda d: d.update(actions=d["actions"][:3]))
    elif case == "bad_action":
        bad = _edited(recorded, tmp_path, lambda d: d["actions"][1].__setitem__(0, 99))
    elif case == "missing":
        bad = tmp_path / "nowhere.json"
    rc, _, err = run_cli(capsys, "imitate", str(good), str(bad), "--out", str(tmp_path / "x.zip"))
    assert rc == 2 and expected in err and "Traceback" not in err, err
    if case not in ("empty", "corrupt", "not_replay", "missing"):
        assert str(bad) in err  # the error names the file to fix
    assert not (tmp_path / "x.zip").exists()


@pytest.mark.parametrize("args, expected", [
    (["--bot", "kite"], "no decisions of bot 'kite'"),
    (["--out", "model.txt"], "must name a .zip"),
    (["--epochs", "0"], "at least 1"),
    (["--no-recurrent", "--frames", "0"], "--frames must be at least 1"),
    (["--frames", "3"], "--frames: inputs of the plain clone, which reads stacked frames; add --no-recurrent"),
    (["--masks"], "--masks: inputs of the plain clone"),
    (["--prev-actions", "2"], "the recurrent clone reads its last action or none"),
    (["--prev-actions", "-1"], "--prev-actions at least 0"),
    (["--temperature", "-0.5"], "--temperature must be a number >= 0"),
    (["--no-recurrent", "--mirror"], "--mirror (mirrored copies, places swapped) is for the recurrent clone"),
    (["--no-recurrent", "--apm", "200"], "--apm (the clone's order budget) is played by the recurrent clone"),
    (["--no-recurrent", "--steering"], "--steering is an input of the recurrent clone"),
    (["--recurrent", "--apm", "-3"], "--apm must be auto, none or a number"),
])
def test_bad_settings_give_a_clear_error(args, expected, recorded, tmp_path, capsys):
    argv = ["imitate", str(recorded), "--out", str(tmp_path / "x.zip"), *args]
    rc, _, err = run_cli(capsys, *argv)
    assert rc == 2 and expected in err, err


def test_the_default_clone_is_the_recurrent_one_the_targets_were_measured_on(recorded, tmp_path, capsys):
    """`gameai imitate REPLAYS --out X` makes the clone of docs/designer-bots.md's held-out figures: recurrent,
    with its steering memory and places, learned from quarter-turned and mirrored copies, playing at temperature 1."""
    from agents.clone_file import RecurrentEntry, read_clone_entry

    files = sorted(recorded.glob("*.json"))[:2]
    out = tmp_path / "default.zip"
    rc, stdout, err = run_cli(capsys, "imitate", *map(str, files), "--bot", "focus_fire", "--out", str(out),
                              "--epochs", "1", "--json")
    assert rc == 0, err
    summary = json.loads(stdout)
    assert summary["recurrent"] and summary["mirror"] and summary["steering"] and summary["turns"] == 4
    assert summary["features"] and summary["prev_action"] and "apm" in summary
    entry, temperature = read_clone_entry(out)
    assert isinstance(entry, RecurrentEntry) and temperature == 1.0
    assert entry.layout.steering and entry.layout.slots == 8 and entry.apm == summary["apm"]


@pytest.mark.parametrize("args, expected", [
    (["--record", "chess", "--out-dir", "D"], "unknown bot"),
    (["--record", "kite@god", "--out-dir", "D"], "unknown skill tier"),
    (["--record", "kite", "--out-dir", "D", "--first-seed", "999999999", "--matches", "5"], "held-out"),
    (["--record", "kite"], "needs --out-dir"),
    ([], "name replay files"),
])
def test_bad_record_settings_give_a_clear_error(args, expected, tmp_path, capsys):
    argv = ["imitate", *[str(tmp_path / a) if a == "D" else a for a in args]]
    rc, _, err = run_cli(capsys, *argv)
    assert rc == 2 and expected in err, err


# --- the clone's memory (issue 14 follow-up): input layout, file format, old and bad clone files -----------

def test_history_built_while_playing_equals_the_training_layout():
    """The clone must see the same input in play as in training: compare step by step."""
    from agents.clone_input import CloneInput, InputHistory

    rng = np.random.default_rng(0)
    t_n, u_n, d, a_n = 7, 3, 5, 4
    obs = rng.normal(size=(t_n, u_n, d)).astype(np.float32)
    masks = rng.integers(0, 2, size=(t_n, u_n, a_n)).astype(np.int8)
    acts = rng.integers(0, a_n, size=(t_n, u_n))
    for frames, prev, with_masks in ((1, 0, False), (3, 2, False), (2, 4, True)):
        lay = CloneInput(frames, prev, d, a_n, with_masks)
        offline = lay.sequence(obs, masks, acts)
        hist = InputHistory(lay)
        for t in range(t_n):
            online = hist.inputs(obs[t][None], masks[t][None])[0]
            np.testing.assert_array_equal(online, offline[t])
            hist.taken(acts[t][None])
        assert offline.shape == (t_n, u_n, lay.size)
    # the first step: the first observation repeated, "hold" (0) as the previous actions
    first = CloneInput(2, 1, d, a_n).sequence(obs, masks, acts)[0]
    np.testing.assert_array_equal(first[:, d:2 * d], obs[0])
    np.testing.assert_array_equal(first[:, 2 * d:], np.eye(a_n)[np.zeros(u_n, int)])


def test_clone_file_records_its_input_layout_and_plays_with_memory(clone_zip):
    from agents.clone_file import read_clone_layout
    from agents.clone_policy import HistoryClonePolicy
    from agents.imitate import FRAMES, MASKS, PREV_ACTIONS
    from agents.rl_tiers import learned_policy

    lay = read_clone_layout(clone_zip)
    assert (lay.frames, lay.prev_actions, lay.masks) == (FRAMES, PREV_ACTIONS, MASKS)
    assert isinstance(learned_policy(str(clone_zip)).base, HistoryClonePolicy)


def test_an_old_clone_without_layout_still_plays(recorded, tmp_path):
    """A version-1 clone is a plain MaskablePPO file reading the current observation only."""
    from agents.imitate import load_replays, new_model, replay_decisions
    from agents.map_seeds import held_out_seeds
    from agents.rl_eval import bot_factory, head_to_head
    from agents.rl_imitation import clone
    from agents.rl_policy import LearnedPolicy
    from agents.rl_tiers import learned_policy
    from envs.ruleset import default_ruleset

    data = replay_decisions(load_replays(sorted(recorded.glob("*.json"))[:2]), bot="focus_fire")
    model = new_model(data.obs.shape[1], data.mask.shape[1])
    clone(model.policy, {"obs": data.obs, "mask": data.mask, "action": data.action}, epochs=1)
    old = tmp_path / "old.zip"
    model.save(old)
    pol = learned_policy(str(old))
    assert type(pol.base) is LearnedPolicy
    r = head_to_head(default_ruleset(), bot_factory(str(old)), bot_factory("random"), held_out_seeds(2), map_size=16)
    assert r["wins"] + r["draws"] + r["losses"] == 4


def _rewrite_entry(src: Path, dst: Path, entry: bytes | None) -> None:
    """Copy a clone .zip, replacing (or dropping, for None) its layout entry."""
    import zipfile

    from agents.clone_file import ENTRY

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            if item.filename != ENTRY:
                zout.writestr(item, zin.read(item.filename))
        if entry is not None:
            zout.writestr(ENTRY, entry)


@pytest.mark.parametrize("case, expected", [
    ("damaged_json", "is damaged"),
    ("foreign_entry", "not a gameai clone entry"),
    ("newer_version", "version 5 is not supported"),
    ("missing_field", "lacks whole-number frames"),
    ("bad_masks", "lacks masks"),
    ("wrong_size", "the file is damaged"),
    ("not_a_zip", "is not a readable"),
    ("truncated_zip", "is not a readable"),
])
def test_bad_clone_files_give_a_clear_error(case, expected, clone_zip, tmp_path, capsys):
    good = json.loads(__import__("zipfile").ZipFile(clone_zip).read("gameai_clone.json"))
    bad = tmp_path / "bad.zip"
    if case == "damaged_json":
        _rewrite_entry(clone_zip, bad, b"{frames: 3")
    elif case == "foreign_entry":
        _rewrite_entry(clone_zip, bad, json.dumps({"format": "other", "version": 2}).encode())
    elif case == "newer_version":
        _rewrite_entry(clone_zip, bad, json.dumps({**good, "version": 5}).encode())
    elif case == "missing_field":
        _rewrite_entry(clone_zip, bad, json.dumps({k: v for k, v in good.items() if k != "frames"}).encode())
    elif case == "bad_masks":
        _rewrite_entry(clone_zip, bad, json.dumps({**good, "masks": "yes"}).encode())
    elif case == "wrong_size":
        _rewrite_entry(clone_zip, bad, json.dumps({**good, "frames": good["frames"] + 1}).encode())
    elif case == "not_a_zip":
        bad.write_text("this is not a model")
    elif case == "truncated_zip":
        bad.write_bytes(clone_zip.read_bytes()[:300])
    rc, _, err = run_cli(capsys, "match", "--blue", str(bad), "--json")
    assert rc == 2 and expected in err and "Traceback" not in err, err


def test_clone_with_memory_agrees_more_than_without(recorded, tmp_path):
    """On held-back recorded matches, reading past frames and own actions helps a tiered teacher's clone."""
    from agents.imitate import agreement, imitate, load_replays, record_matches, replay_sequences
    from envs.ruleset import default_ruleset

    rec = tmp_path / "rec"
    files = record_matches(default_ruleset(), "kite@average", "focus_fire", 10, rec, map_sizes=(16,))
    dev = replay_sequences(load_replays(files[8:]), bot="kite@average")
    got = {}
    for name, frames, prev in (("plain", 1, 0), ("memory", 2, 1)):
        imitate(files[:8], tmp_path / f"{name}.zip", bot="kite@average", epochs=6, frames=frames, prev_actions=prev)
        got[name] = agreement(tmp_path / f"{name}.zip", dev)["agreement"]
    assert got["memory"] > got["plain"] + 0.05, got
