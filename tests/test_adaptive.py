"""Adaptive difficulty: the controller moves the right way, rates the player, and reads ladders safely."""
from __future__ import annotations

import json

import numpy as np
import pytest

from agents.adaptive import (AdaptiveDifficulty, Ladder, describe, load_ladder, shipped_ladder, simulate_player,
                             tier_at)
from envs.ruleset import default_ruleset


def test_difficulty_loosens_every_limit_monotonically():
    tiers = [tier_at(d) for d in np.linspace(0, 1, 21)]
    assert tiers[0].reaction_delay == 6 and tiers[0].noise == 0.5 and tiers[0].apm == 40.0
    assert tiers[-1].reaction_delay == 0 and tiers[-1].noise == 0.0 and tiers[-1].apm is None
    for easy, hard in zip(tiers, tiers[1:]):
        assert hard.reaction_delay <= easy.reaction_delay and hard.noise <= easy.noise
        assert hard.apm is None or hard.apm >= easy.apm
    assert "temperature 1.00" in describe("ppo", 0.5) and "noise 25%" in describe("kite", 0.5)


def test_the_shipped_ladder_rates_harder_levels_higher_at_both_ends():
    ladder = shipped_ladder()
    mus = [mu for mu, _ in ladder.ratings]
    assert ladder.bot == "ppo" and ladder.difficulties[0] == 0.0 and ladder.difficulties[-1] == 1.0
    assert mus[-1] == max(mus) and mus[0] == min(mus)


def test_wins_raise_the_difficulty_and_the_rating_losses_lower_them():
    up = AdaptiveDifficulty(shipped_ladder())
    start, rating0 = up.difficulty, up.rating
    for _ in range(4):
        up.record(1)
    assert up.difficulty > start and up.rating > rating0
    down = AdaptiveDifficulty(shipped_ladder())
    for _ in range(4):
        down.record(0)
    assert down.difficulty < start and down.rating < rating0
    assert 0.0 <= down.difficulty <= up.difficulty <= 1.0
    # alternating results keep it near where it settled
    steady = AdaptiveDifficulty(shipped_ladder())
    for i in range(20):
        steady.record(i % 2)
    assert abs(steady.win_chance(steady.difficulty) - 0.5) < 0.1
    with pytest.raises(ValueError, match="outcome must be"):
        steady.record(2)


def test_a_short_real_session_is_deterministic_and_on_held_out_maps():
    a = simulate_player(shipped_ladder(), default_ruleset(), "kite", "average", n_matches=4, map_size=16)
    b = simulate_player(shipped_ladder(), default_ruleset(), "kite", "average", n_matches=4, map_size=16)
    assert a == b
    assert len(a["outcomes"]) == 4 and set(a["outcomes"]) <= {0.0, 0.5, 1.0}
    assert a["difficulties"][0] == AdaptiveDifficulty(shipped_ladder()).difficulty


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(format="other"), "not a difficulty ladder"),
    (lambda d: d["anchors"][0].pop("mu"), "not a difficulty ladder"),
    (lambda d: d["anchors"][3].update(mu=float("nan")), "finite mu"),
    (lambda d: d["anchors"][2].update(sigma=0), "sigma > 0"),
    (lambda d: d["anchors"].reverse(), "increasing difficulties"),
    (lambda d: d.update(anchors=d["anchors"][:1]), "at least 2 anchors"),
])
def test_bad_ladder_files_are_refused_with_the_reason(tmp_path, mutate, message):
    data = shipped_ladder().to_dict()
    mutate(data)
    path = tmp_path / "ladder.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message):
        load_ladder(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read a difficulty ladder"):
        load_ladder(path)


def test_a_ladder_round_trips_through_its_file(tmp_path):
    ladder = shipped_ladder()
    assert Ladder.from_dict(json.loads(json.dumps(ladder.to_dict()))) == ladder
