"""The shipped learned bot, its skill tiers, and the win-rate matrix (deterministic, with honest CIs)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from agents import make_policy
from agents.arena import run_matches
from agents.policy import Policy
from agents.pretrained import LEARNED_BOTS, model_path
from agents.rl_eval import matrix_rows, parse_bot, wilson, win_rate_matrix
from agents.rl_policy import LearnedPolicy, ModelFileError
from agents.rl_tiers import LEARNED_TIERS
from envs import core
from envs.ruleset import default_ruleset, parse_ruleset

R = default_ruleset()


def test_shipped_bot_is_small_and_registered():
    path = model_path("ppo")
    assert path.stat().st_size < 5_000_000
    assert "ppo" in LEARNED_BOTS
    import agents

    assert "ppo" in agents.ALL_BOTS and "kite" in agents.ALL_BOTS


@pytest.mark.parametrize("tier", list(LEARNED_TIERS))
def test_every_tier_plays_valid_reproducible_matches(tier):
    seeds = [11, 12, 13]
    runs = []
    for _ in range(2):
        pol = make_policy("ppo", tier, seed=2)
        assert isinstance(pol, Policy)
        actions = []
        res = run_matches(R, R.teams["blue"], R.teams["red"], seeds, blue_bot=pol, red_bot="kite", actions_out=actions)
        runs.append(([r.to_dict() for r in res], np.stack(actions)))
    assert runs[0][0] == runs[1][0] and np.array_equal(runs[0][1], runs[1][1])


def test_tiers_weaken_the_bot():
    """Novice (hot sampling, slow reactions, capped APM) must not play better than expert on the same maps."""
    seeds = list(range(20))
    score = {}
    for tier in ("novice", "expert"):
        res = run_matches(R, R.teams["blue"], R.teams["red"], seeds, blue_bot=make_policy("ppo", tier),
                          red_bot="focus_fire")
        score[tier] = sum(r.winner == "blue" for r in res)
    assert score["novice"] < score["expert"], score


def test_run_matches_accepts_the_learned_bot_by_name():
    res = run_matches(R, R.teams["blue"], R.teams["red"], [0, 1], blue_bot="ppo", red_bot="ppo", red_tier="novice")
    assert len(res) == 2 and res[0].config["blue_bot"] == "ppo@expert"


def test_model_for_another_ruleset_shape_is_refused():
    data = R.to_dict()
    data["units"]["mage"] = dict(data["units"]["archer"])
    other = parse_ruleset(data)
    params = core.compile_params(other)
    pol = LearnedPolicy(model_path("ppo"))
    with pytest.raises(ModelFileError, match="train a bot for this ruleset"):
        pol.reset(core.observation_spec(params), 0, [0])


def test_missing_or_broken_model_files(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        LearnedPolicy(tmp_path / "nope.zip")
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(ModelFileError, match="not a readable"):
        LearnedPolicy(bad)
    with pytest.raises(ValueError, match="unknown skill tier"):
        make_policy("ppo", "god")


def test_wilson_and_bot_names():
    lo, hi = wilson(80, 100)
    assert 0.70 < lo < 0.8 < hi < 0.88
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    assert parse_bot("ppo@novice") == ("ppo", "novice") and parse_bot("kite") == ("kite", "expert")
    with pytest.raises(ValueError):
        parse_bot("@novice")


def test_matrix_is_deterministic_and_consistent():
    bots = ["ppo", "focus_fire", "random"]
    a = win_rate_matrix(R, bots, 3, map_size=16)
    b = win_rate_matrix(R, bots, 3, map_size=16)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    m = a["matrix"]
    for x in bots:
        for y in bots:
            if x != y:
                assert m[x][y]["wins"] == m[y][x]["losses"] and m[x][y]["matches"] == 6
                assert m[x][y]["ci95"][0] <= m[x][y]["win_rate"] <= m[x][y]["ci95"][1]
    assert m["ppo"]["random"]["win_rate"] == 1.0
    assert len(matrix_rows(a)) == 4 and set(a["ratings"]) == set(bots)
    # ratings agree with the matrix: a bot that beats everyone is rated above one that loses every match
    assert a["ratings"]["ppo"]["ordinal"] > a["ratings"]["random"]["ordinal"]
    assert a["ratings"]["focus_fire"]["ordinal"] > a["ratings"]["random"]["ordinal"]


def test_eval_cli_prints_matrix_and_writes_json(tmp_path, capsys):
    from gameai.cli.main import main

    out = tmp_path / "m.json"
    assert main(["eval", "--bots", "ppo,random", "--seeds", "2", "--map-size", "16", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "win rate of row vs column" in text and "100% [" in text
    data = json.loads(out.read_text())
    assert data["matrix"]["ppo"]["random"]["matches"] == 4


def test_bad_thread_count_warns_and_uses_one_thread(monkeypatch):
    import torch

    from agents.rl_policy import set_torch_threads

    for bad in ("two", "0", "-3"):
        monkeypatch.setenv("GAMEAI_THREADS", bad)
        with pytest.warns(UserWarning, match=f"GAMEAI_THREADS='{bad}' is not a whole number >= 1; using 1 thread"):
            set_torch_threads()
        assert torch.get_num_threads() == 1
