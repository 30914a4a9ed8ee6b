"""The order budget (``agents.order_budget``): a tier's APM cap, a clone's pace, and the budget a recording fits."""
from __future__ import annotations

import numpy as np
import pytest
from clone_shared import SIZE, record_kite

from gameai.cli.main import main


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    return record_kite(tmp_path_factory, 4)


@pytest.fixture(scope="module")
def budget_zip(recorded, tmp_path_factory):
    out = tmp_path_factory.mktemp("clone") / "budget.zip"
    assert main(["imitate", str(recorded), "--bot", "kite", "--out", str(out), "--recurrent", "--turns", "1",
                 "--epochs", "2", "--seed", "3"]) == 0
    return out


def _sequences(folder, bot="kite"):
    from agents.imitate import load_replays, replay_sequences

    return replay_sequences(load_replays(sorted(folder.glob("*.json"))), bot=bot)


def test_a_team_gets_the_whole_tokens_it_saved_and_is_served_in_turn():
    from agents.order_budget import OrderBudget

    b = OrderBudget(120.0, 1)  # one token a step, four saved at most
    kept = np.zeros((1, 3), np.int64)
    alive = np.ones((1, 3), bool)
    want = np.array([[1, 2, 3]])
    assert b.grant(want, kept, alive).tolist() == [[1, 0, 0]]          # step 0: unit 0 served first
    assert b.grant(want, kept, alive).tolist() == [[0, 2, 0]]          # step 1: unit 1 first
    for _ in range(4):                                                  # nothing wanted: tokens saved, up to 4
        b.grant(kept, kept, alive)
    assert b.tokens[0] == 4.0
    assert b.grant(want, kept, alive).tolist() == [[1, 2, 3]]          # saved tokens spent in one step
    assert b.grant(want, kept, ~alive).tolist() == [[0, 0, 0]]         # the dead want nothing
    b.grant(want, kept, alive, spent=np.array([0]))                    # scoring: spend what was really made
    assert b.tokens[0] == 3.0
    with pytest.raises(ValueError, match="apm > 0"):
        OrderBudget(0.0, 1)


def test_held_decisions_are_the_kept_orders_after_the_last_granted_one():
    from agents.order_budget import held_decisions

    mask = np.ones((3, 3, 5), np.int8)
    alive = np.ones((3, 3), bool)
    action = np.array([[1, 0, 0],    # one token: unit 0 changed, units 1 and 2 may have been refused
                       [1, 0, 0],    # one token, nothing changed: no unit was refused
                       [1, 2, 0]])   # one token (rotation starts at unit 2): unit 1 changed last
    held = held_decisions(action, mask, alive, 120.0)
    assert held.tolist() == [[False, True, True], [False, False, False], [False, False, False]]


def test_the_fitted_budget_is_the_tiers_cap_and_every_recorded_order_fits(recorded):
    from agents.imitate import player_apm
    from agents.order_budget import fit_apm

    apm = player_apm(_sequences(recorded))
    assert 300.0 <= apm <= 300.0 * (1 + 1e-5)   # kite@average plays under a 300 APM cap
    still = np.zeros((5, 2), np.int64)
    assert fit_apm([(still, np.ones((5, 2, 5), np.int8), np.ones((5, 2), bool))]) is None  # never changed


def test_a_calibrated_tier_recovers_the_cap_exactly(recorded):
    from agents.calibrate import calibrate
    from agents.imitate import load_replays

    style = calibrate(load_replays(sorted(recorded.glob("*.json"))), "k", bot="kite@average")
    assert style.apm_capped and 300.0 <= style.tier.apm <= 300.001


def test_the_clone_plays_at_its_players_pace_and_scores_its_own_games_fully(budget_zip, tmp_path):
    """Recorded at temperature 0, a budget clone's own matches fit its budget, and scoring them rebuilds
    the same budget step by step: it agrees with itself on (almost) every decision."""
    from agents.clone_file import read_clone_layout
    from agents.imitate import agreement, player_apm
    from agents.map_seeds import held_out_seeds, terrain_for
    from agents.replay import record_match, save_replay
    from agents.rl_eval import bot_factory
    from agents.rl_tiers import learned_policy
    from envs.ruleset import default_ruleset

    apm = read_clone_layout(budget_zip).apm
    assert apm is not None and 300.0 <= apm <= 300.0 * (1 + 1e-5)
    ruleset = default_ruleset()
    for i, seed in enumerate(held_out_seeds(2)):
        clone = learned_policy(str(budget_zip), "expert", name="clone", temperature=0.0)
        _, data = record_match(ruleset, ruleset.teams["blue"], ruleset.teams["red"], seed, blue_bot=clone,
                               red_bot=bot_factory("focus_fire")(), terrain=terrain_for(SIZE))
        save_replay(tmp_path / f"own_{i}.json", data)
    seqs = _sequences(tmp_path, bot="clone")
    assert player_apm(seqs) <= apm                      # never faster than its budget
    score = agreement(budget_zip, seqs)
    assert score["agreement"] >= 0.99 and score["decisions"] > 50, score


def test_apm_settings_are_checked(recorded, tmp_path, capsys):
    rc = main(["imitate", str(recorded), "--bot", "kite", "--out", str(tmp_path / "a.zip"), "--apm", "fast",
               "--recurrent"])
    assert rc == 2 and "--apm must be auto, none or a number" in capsys.readouterr().err


def test_no_budget_on_request(recorded, tmp_path):
    from agents.clone_file import read_clone_layout

    out = tmp_path / "free.zip"
    assert main(["imitate", str(recorded), "--bot", "kite", "--out", str(out), "--recurrent", "--turns", "1",
                 "--epochs", "1", "--apm", "none"]) == 0
    assert read_clone_layout(out).apm is None
