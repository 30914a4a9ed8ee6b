"""A learned bot in balance sweeps: batched through one forward pass, and the same results whatever
the batch size and in any process (greedy and seeded-Gumbel tiers alike)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agents import make_policy
from agents.arena import run_matches
from agents.learned_batch import SharedForward
from agents.pretrained import model_path
from agents.rl_policy import FORWARD_BLOCK, LearnedPolicy, masked_logits
from envs.ruleset import default_ruleset, equal_cost_army
from gameai.balance.design import build_design
from gameai.balance.spec import load_spec
from gameai.balance.store import ResultStore
from gameai.balance.sweep import make_runner, play

REPO = Path(__file__).resolve().parents[1]
R = default_ruleset()
WARRIORS, ARCHERS = dict(equal_cost_army(R, "warrior", 60)), dict(equal_cost_army(R, "archer", 60))
SEEDS = list(range(100, 164))   # 64 matches


def _outcomes(results):
    return [(r.seed, r.winner, r.steps, r.hp_left, r.damage, r.kills) for r in results]


def _play_in_batches(tier: str, batch: int, seeds=SEEDS):
    out = []
    for i in range(0, len(seeds), batch):
        out += run_matches(R, WARRIORS, ARCHERS, seeds[i:i + batch], blue_bot="ppo", red_bot="ppo",
                           blue_tier=tier, red_tier=tier, max_steps=120)
    return _outcomes(out)


def test_a_rows_logits_do_not_depend_on_what_shares_its_forward_pass():
    """MKL rounds a 1-3 row product unlike a larger one; fixed blocks make every row's logits exact."""
    net = LearnedPolicy(model_path("ppo")).policy
    rng = np.random.default_rng(0)
    rows = 3 * FORWARD_BLOCK + 5
    obs = rng.normal(size=(rows, net.observation_space.shape[0])).astype(np.float32)
    mask = np.ones((rows, net.action_space.n), dtype=np.int8)
    mask[::3, 5:] = 0
    whole = masked_logits(net, obs, mask)
    assert np.isneginf(whole[::3, 5:]).all() and np.isfinite(whole[1::3]).all()
    for size in (1, 2, 3, 4, 7, FORWARD_BLOCK - 1, FORWARD_BLOCK, FORWARD_BLOCK + 1, rows):
        for start in (0, 5, rows - size):
            part = masked_logits(net, obs[start:start + size], mask[start:start + size])
            assert np.array_equal(part, whole[start:start + size]), (size, start)


def test_the_direct_mlp_path_gives_the_modules_logits_bit_for_bit():
    """masked_logits calls the plain MLP's torch kernels directly (less call overhead); same numbers."""
    import torch

    net = LearnedPolicy(model_path("ppo")).policy
    obs = np.random.default_rng(1).normal(size=(FORWARD_BLOCK, net.observation_space.shape[0])).astype(np.float32)
    with torch.no_grad():
        feats = net.extract_features(torch.as_tensor(obs), net.pi_features_extractor)
        by_modules = net.action_net(net.mlp_extractor.forward_actor(feats)).numpy().astype(np.float64)
    assert np.array_equal(masked_logits(net, obs, np.ones((FORWARD_BLOCK, net.action_space.n), np.int8)), by_modules)


@pytest.mark.parametrize("tier", ["expert", "average"])   # greedy, and seeded Gumbel sampling at T=0.7
def test_learned_matches_are_the_same_with_batch_sizes_1_7_and_64(tier):
    by_64 = _play_in_batches(tier, 64)
    assert _play_in_batches(tier, 7) == by_64
    assert _play_in_batches(tier, 1, SEEDS[:16]) == by_64[:16]
    assert len({(steps, json.dumps(hp)) for _, _, steps, hp, *_ in by_64}) > 32   # real, varied matches


class _Alone:
    """A learned bot hidden from SharedForward: it runs its own forward pass (the per-team path)."""

    def __init__(self, pol):
        self.pol = pol

    def reset(self, spec, team, seeds):
        self.pol.reset(spec, team, seeds)

    def act(self, obs, mask):
        return self.pol.act(obs, mask)


@pytest.mark.parametrize("tier", ["expert", "novice"])
def test_one_shared_forward_pass_plays_exactly_as_two_per_team_passes(tier):
    shared_actions, alone_actions = [], []
    shared = run_matches(R, WARRIORS, ARCHERS, SEEDS[:12], blue_bot=make_policy("ppo", tier),
                         red_bot=make_policy("ppo", tier), max_steps=120, actions_out=shared_actions)
    alone = run_matches(R, WARRIORS, ARCHERS, SEEDS[:12], blue_bot=_Alone(make_policy("ppo", tier)),
                        red_bot=_Alone(make_policy("ppo", tier)), max_steps=120, actions_out=alone_actions)
    assert _outcomes(shared) == _outcomes(alone)
    assert np.array_equal(np.stack(shared_actions), np.stack(alone_actions))


def test_shared_pass_only_pairs_learned_bots_on_one_network():
    a, b = make_policy("ppo", "expert"), make_policy("ppo", "novice", seed=3)
    assert SharedForward.pair(a, b) is not None          # one cached network, any tiers
    assert SharedForward.pair(a, make_policy("focus_fire")) is None
    assert SharedForward.pair(a, _Alone(b)) is None


SPEC = """
name = "learned sweep"
master_seed = 23
[params]
"units.archer.range" = [4.0, 5.5]
[design]
include_base = false
[matchups]
pairs = [["warrior", "archer"]]
budget = 60
[armies]
warrior = {{ warrior = 4 }}
archer = {{ archer = 4 }}
[play]
bots = ["ppo"]
tiers = ["expert", "average"]
matches = 16
max_steps = 120
batch = {batch}
"""

CHILD = r"""
import json, sys
from gameai.balance.design import build_design
from gameai.balance.spec import load_spec
from gameai.balance.store import ResultStore
from gameai.balance.sweep import make_runner, play
spec = load_spec(sys.argv[1])
with ResultStore(sys.argv[2]) as store, make_runner("local", 1) as runner:
    out = play(spec, build_design(spec), store, runner, progress=False)
print(json.dumps(sorted([r.key, r.winner, r.steps, r.a_hp_left, r.b_hp_left] for r in out.rows)))
"""


def _sweep(tmp_path: Path, batch: int) -> list:
    spec_path = tmp_path / f"spec{batch}.toml"
    spec_path.write_text(SPEC.format(batch=batch), encoding="utf-8")
    spec = load_spec(spec_path)
    with ResultStore(tmp_path / f"b{batch}.sqlite") as store, make_runner("local", 1) as runner:
        out = play(spec, build_design(spec), store, runner, progress=False)
    return sorted([r.key, r.winner, r.steps, r.a_hp_left, r.b_hp_left] for r in out.rows)


def test_learned_bot_sweep_is_the_same_with_any_batch_size_and_in_another_process(tmp_path):
    by_16 = _sweep(tmp_path, 16)
    assert len(by_16) == 2 * 2 * 16                              # 2 configurations x 2 tiers x 16 matches
    assert _sweep(tmp_path, 7) == by_16
    assert _sweep(tmp_path, 1) == by_16
    spec_path = tmp_path / "spec16.toml"
    res = subprocess.run([sys.executable, "-c", CHILD, str(spec_path), str(tmp_path / "child.sqlite")],
                         capture_output=True, text=True, cwd=REPO, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert [list(r) for r in json.loads(res.stdout.strip().splitlines()[-1])] == [list(r) for r in by_16]


def test_a_sweep_plays_a_model_file_a_designer_trained(tmp_path):
    """`bots = ["mine.zip"]`: a model from `gameai train --out` plays in sweeps (found next to the spec),
    as the shipped bot with the same weights plays; a match is known by the file's contents, not its path."""
    import shutil

    from gameai.balance.learned_check import learned_bots
    from gameai.balance.spec import SpecError

    (tmp_path / "bots").mkdir()
    shutil.copy(model_path("ppo_general"), tmp_path / "bots" / "mine.zip")
    spec_text = ('name = "t"\nmaster_seed = 5\n[matchups]\nequal_cost = ["warrior", "archer"]\n'
                 '[play]\nbots = ["bots/mine.zip", "focus_fire"]\nmatches = 4\nlearned_bot_check = true\n')
    (tmp_path / "spec.toml").write_text(spec_text)
    spec = load_spec(tmp_path / "spec.toml")
    mine = str((tmp_path / "bots" / "mine.zip").resolve())
    assert spec.bots == (mine, "focus_fire") and spec.reference_bot == mine and learned_bots(spec) == [mine]
    from gameai.balance.learned_check import _file_label

    (tmp_path / "other").mkdir()
    shutil.copy(model_path("ppo"), tmp_path / "other" / "mine.zip")  # another run, the same file name
    labels = {_file_label(mine), _file_label(str(tmp_path / "other" / "mine.zip"))}
    assert len(labels) == 2 and all(lb.startswith("mine-") for lb in labels)  # tuned copies never overwrite
    assert _file_label("ppo_general") == "ppo_general"

    seeds = SEEDS[:6]
    by_file = run_matches(R, WARRIORS, ARCHERS, seeds, blue_bot=mine, red_bot="focus_fire", max_steps=120)
    by_name = run_matches(R, WARRIORS, ARCHERS, seeds, blue_bot="ppo_general", red_bot="focus_fire", max_steps=120)
    assert _outcomes(by_file) == _outcomes(by_name)

    def sweep(folder: Path, store: str) -> list:
        path = folder / "sweep.toml"
        path.write_text(spec_text.replace('["bots/mine.zip", "focus_fire"]', '["bots/mine.zip"]')
                        .replace("learned_bot_check = true", "max_steps = 120\nbatch = 4"))
        spec = load_spec(path)
        with ResultStore(tmp_path / store) as st, make_runner("local", 1) as runner:
            rows = play(spec, build_design(spec), st, runner, progress=False).rows
        assert {r.bot for r in rows} == set(spec.bots)
        return sorted([r.key, r.seed, r.winner, r.steps, r.a_hp_left, r.b_hp_left] for r in rows)

    first = sweep(tmp_path, "a.sqlite")
    assert len(first) == 4 * 1  # 4 matches of the one matchup, base configuration
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "bots", moved / "bots")
    assert sweep(moved, "b.sqlite") == first  # another folder, the same file: the same matches
    shutil.copy(model_path("ppo"), moved / "bots" / "mine.zip")  # retrained: new weights at the same path
    again = sweep(moved, "a.sqlite")  # the first store: its old results must not be reused
    assert {r[0] for r in again}.isdisjoint(r[0] for r in first)
    assert sorted(r[1] for r in again) == sorted(r[1] for r in first)  # same seeds: runs compared match for match

    (tmp_path / "bots" / "broken.zip").write_text("not a model")
    shutil.copy(model_path("ppo_general"), tmp_path / "bots" / "copy.zip")
    for bots, needle in ((["bots/missing.zip"], "does not exist"),
                         (["bots/broken.zip"], "not a readable MaskablePPO model"),
                         (["bots/mine.zip", "bots/copy.zip"], "names the same model twice")):
        (tmp_path / "bad.toml").write_text(spec_text.replace('["bots/mine.zip", "focus_fire"]', json.dumps(bots)))
        with pytest.raises(SpecError) as err:
            load_spec(tmp_path / "bad.toml")
        assert "play.bots" in str(err.value) and needle in str(err.value), str(err.value)
