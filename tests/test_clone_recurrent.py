"""The recurrent clone (clone format 4): a GRU over each unit's match, played step by step from its own state."""
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
    return record_kite(tmp_path_factory, 6)


@pytest.fixture(scope="module")
def clone_zip(recorded, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clone") / "recurrent.zip"
    assert main(["imitate", str(recorded), "--bot", "kite", "--out", str(out), "--recurrent", "--epochs", "3",
                 "--seed", "2"]) == 0
    return out


def _sequences(recorded):
    from agents.imitate import load_replays, replay_sequences

    return replay_sequences(load_replays(sorted(recorded.glob("*.json"))), bot="kite")


def test_the_file_is_a_maskable_ppo_model_with_a_format_4_entry(clone_zip):
    from sb3_contrib import MaskablePPO

    meta = json.loads(zipfile.ZipFile(clone_zip).read("gameai_clone.json"))
    assert meta["version"] == 4 and meta["recurrent"] is True and meta["hidden"] == 128
    assert meta["temperature"] == 1.0 and meta["apm"] >= 300.0 and meta["steering"] is True and meta["features"] and meta["prev_action"] and meta["directions"]
    model = MaskablePPO.load(clone_zip, device="cpu")  # an ordinary SB3 file: the step function loads anywhere
    size = model.observation_space.shape[0]
    action, _ = model.predict(np.zeros(size, np.float32), action_masks=np.ones(model.action_space.n, bool),
                              deterministic=True)
    assert 0 <= int(action) < model.action_space.n


def test_play_builds_the_same_inputs_and_states_as_training(recorded, clone_zip):
    """Step by step (as in a match) the inputs, hidden states and logits are those of the whole recorded sequence."""
    import torch

    from agents.clone_file import read_clone_layout
    from agents.clone_policy import recurrent_step
    from agents.clone_recurrent import RecurrentHistory
    from agents.rl_policy import load_model

    entry = read_clone_layout(clone_zip)
    policy = load_model(clone_zip).policy
    o, m, a = _sequences(recorded)[0]
    whole = entry.layout.sequence(o, m, a)
    hist = RecurrentHistory(entry.layout)
    state = np.zeros((o.shape[1], entry.hidden), np.float32)
    steps = []
    for t in range(len(o)):
        rows = hist.inputs(o[t], m[t])
        np.testing.assert_allclose(rows, whole[t], atol=1e-6)
        logits, state = recurrent_step(policy, rows, state, m[t])
        steps.append(logits)
        hist.taken(a[t])
    with torch.no_grad():
        seq, _ = policy.features_extractor.net(torch.as_tensor(whole).transpose(0, 1))
    seq = np.where(m > 0, seq.transpose(0, 1).numpy(), -np.inf)
    np.testing.assert_allclose(np.stack(steps), seq, atol=1e-4)


def test_the_clone_plays_in_eval_and_beats_random(clone_zip, capsys):
    from agents.map_seeds import held_out_seeds
    from agents.rl_eval import bot_factory, head_to_head
    from envs.ruleset import default_ruleset

    r = head_to_head(default_ruleset(), bot_factory(str(clone_zip)), bot_factory("random"), held_out_seeds(4),
                     map_size=SIZE)
    assert r["wins"] > r["losses"], r
    rc = main(["match", "--blue", str(clone_zip), "--red", "focus_fire", "--json"])
    assert rc == 0 and json.loads(capsys.readouterr().out)["winner"] in ("blue", "red", "draw")


def test_same_seed_same_clone_and_same_play(recorded, clone_zip, tmp_path):
    import torch

    from agents.map_seeds import held_out_seeds
    from agents.rl_eval import bot_factory, head_to_head
    from agents.rl_policy import load_model
    from envs.ruleset import default_ruleset

    again = tmp_path / "again.zip"
    assert main(["imitate", str(recorded), "--bot", "kite", "--out", str(again), "--recurrent", "--epochs", "3",
                 "--seed", "2"]) == 0
    a, b = load_model(clone_zip).policy.state_dict(), load_model(again).policy.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    play = [head_to_head(default_ruleset(), bot_factory(str(p)), bot_factory("focus_fire@average"),
                         held_out_seeds(3), map_size=SIZE) for p in (clone_zip, again)]
    assert play[0] == play[1]


class _TakeOver:
    """focus_fire plays the side until ``step``; then a stand-in is built and reset there, as the demo does."""

    def __init__(self, step: int, clone: Path):
        from agents import make_policy

        self.step, self.clone, self.first, self.stand_in = step, clone, make_policy("focus_fire"), None
        self.name = "focus_fire then clone"

    def reset(self, spec, team, seeds):
        self.args, self.t = (spec, team, seeds), 0
        self.first.reset(spec, team, seeds)

    def act(self, obs, mask):
        from demos.takeover import imitation_stand_in

        self.t += 1
        if self.t <= self.step:
            return self.first.act(obs, mask)
        if self.stand_in is None:
            spec, team, seeds = self.args
            self.stand_in, why = imitation_stand_in(self.clone, spec, team, seeds[0])
            assert why is None, why
        return self.stand_in.act(obs, mask)


def test_a_takeover_mid_match_starts_from_a_fresh_state_and_finishes(clone_zip):
    from agents.arena import run_matches
    from agents.map_seeds import held_out_seeds, terrain_for
    from agents.replay import record_match
    from envs.ruleset import default_ruleset

    rs = default_ruleset()
    seed = held_out_seeds(1)[0]
    takeover = _TakeOver(20, clone_zip)
    res = run_matches(rs, rs.teams["blue"], rs.teams["red"], [seed], blue_bot=takeover, red_bot="focus_fire",
                      terrain=terrain_for(SIZE))[0]
    assert res.winner in ("blue", "red", "draw") and res.steps > 20
    assert takeover.stand_in is not None and takeover.stand_in.base.state is not None
    # the same takeover plays the same match again
    again = run_matches(rs, rs.teams["blue"], rs.teams["red"], [seed], blue_bot=_TakeOver(20, clone_zip),
                        red_bot="focus_fire", terrain=terrain_for(SIZE))[0]
    assert (again.winner, again.steps, again.hp_left) == (res.winner, res.steps, res.hp_left)


def _rewrite_entry(src: Path, dst: Path, entry: bytes) -> None:
    from agents.clone_file import ENTRY

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            if item.filename != ENTRY:
                zout.writestr(item, zin.read(item.filename))
        zout.writestr(ENTRY, entry)


@pytest.mark.parametrize("edit, expected", [
    (lambda g: {k: v for k, v in g.items() if k != "hidden"}, "lacks whole-number hidden"),
    (lambda g: {**g, "delayed": "yes"}, "lacks delayed (true or false)"),
    (lambda g: {**g, "recurrent": False}, "lacks recurrent"),
    (lambda g: {**g, "pos_scale": None}, "lacks the number pos_scale"),
    (lambda g: {**g, "hidden": g["hidden"] + 1}, "the file is damaged"),
    (lambda g: {**g, "temperature": -1}, "temperature must be a number >= 0"),
    (lambda g: {**g, "n_actions": 10}, "is not 9 + 2K"),
    (lambda g: {**g, "apm": "fast"}, "apm (its order budget) must be a number > 0"),
    (lambda g: {**g, "apm": 0}, "apm (its order budget) must be a number > 0"),
])
def test_a_damaged_recurrent_entry_is_refused_in_one_line(edit, expected, clone_zip, tmp_path, capsys):
    good = json.loads(zipfile.ZipFile(clone_zip).read("gameai_clone.json"))
    bad = tmp_path / "bad.zip"
    _rewrite_entry(clone_zip, bad, json.dumps(edit(good)).encode())
    rc = main(["match", "--blue", str(bad), "--json"])
    err = capsys.readouterr().err
    assert rc == 2 and expected in err and str(bad) in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1


def test_older_clone_formats_still_play(recorded, tmp_path):
    from agents.imitate import imitate
    from agents.map_seeds import held_out_seeds
    from agents.rl_eval import bot_factory, head_to_head
    from envs.ruleset import default_ruleset

    files = sorted(recorded.glob("*.json"))[:2]
    for name, kwargs in (("v2.zip", {}), ("v3.zip", {"features": True})):
        imitate(files, tmp_path / name, bot="kite", epochs=1, seed=0, **kwargs)
        r = head_to_head(default_ruleset(), bot_factory(str(tmp_path / name)), bot_factory("random"),
                         held_out_seeds(1), map_size=SIZE)
        assert r["wins"] + r["draws"] + r["losses"] == 2


def test_clones_with_a_memory_never_share_a_forward_pass(clone_zip):
    """Two teams of one plain network share a pass (agents.learned_batch); a clone keeps its own input and state."""
    from agents.learned_batch import SharedForward
    from agents.rl_tiers import learned_policy

    assert SharedForward.pair(learned_policy(str(clone_zip)), learned_policy(str(clone_zip))) is None
