"""gameai calibrate: a tier fitted from replays, tier files, and clear errors for bad input."""
from __future__ import annotations

import json

import pytest

from agents import make_policy
from agents.calibrate import CalibrationError, calibrate
from agents.imitate import ImitationError, load_replays, record_matches
from agents.tier_file import TierFileError, load_tier_file, write_tier_file
from agents.tiers import TIERS, SkillTier, get_tier
from envs.ruleset import default_ruleset
from gameai.cli.main import main


@pytest.fixture(scope="module")
def novice_replays(tmp_path_factory):
    out = tmp_path_factory.mktemp("novice")
    return record_matches(default_ruleset(), "focus_fire@novice", "focus_fire", 8, out, map_sizes=(0, 24))


def test_calibration_recovers_the_tier_that_played(novice_replays):
    style = calibrate(load_replays(novice_replays), "nov", bot="focus_fire@novice",
                      ruleset_dict=default_ruleset().to_dict())
    true = TIERS["novice"]
    assert style.base_bot == "focus_fire"
    assert style.tier.reaction_delay == true.reaction_delay
    assert abs(style.tier.apm - true.apm) <= 0.1 * true.apm
    assert abs(style.tier.noise - true.noise) <= 0.1
    assert style.apm_capped and 0 < style.apm <= true.apm * 1.05
    assert 0 <= style.weak_target_focus <= 1 and 0 <= style.retreat_habit <= 1 and style.attack_accuracy == 1.0
    again = calibrate(load_replays(novice_replays), "nov", bot="focus_fire@novice")
    assert again.tier == style.tier  # deterministic


def test_cli_writes_a_tier_file_that_plays_wherever_a_tier_is_named(novice_replays, tmp_path, capsys):
    out = tmp_path / "nov.toml"
    assert main(["calibrate", str(novice_replays[0].parent), "--bot", "focus_fire@novice", "--out", str(out),
                 "--name", "nov"]) == 0
    assert "fitted tier 'nov': reaction delay 3 steps" in capsys.readouterr().out
    tier = load_tier_file(out)
    assert tier.name == "nov" and tier.reaction_delay == 3
    assert get_tier(str(out)) == tier
    pol = make_policy("focus_fire", str(out))
    assert pol.name == "focus_fire@nov"
    assert main(["eval", "--bots", f"focus_fire@{out},focus_fire@novice", "--seeds", "2", "--map-size", "0"]) == 0
    assert "focus_fire@" in capsys.readouterr().out


def test_a_sweep_spec_accepts_a_tier_file_next_to_it(tmp_path):
    from gameai.balance.spec import SpecError, load_spec

    write_tier_file(tmp_path / "alice.toml", SkillTier("alice", 2, 0.1, 200.0))
    spec = tmp_path / "sweep.toml"
    spec.write_text("[matchups]\nequal_cost = true\n" + "[play]\nbots = [\"focus_fire\"]\ntiers = [\"alice.toml\", \"novice\"]\nmatches = 2\n")
    loaded = load_spec(spec)
    assert loaded.tiers[0] == str((tmp_path / "alice.toml").resolve()) and loaded.tiers[1] == "novice"
    spec.write_text("[matchups]\nequal_cost = true\n" + "[play]\nbots = [\"focus_fire\"]\ntiers = [\"bob.toml\"]\nmatches = 2\n")
    with pytest.raises(SpecError, match="tier file 'bob.toml' cannot be used: .*file not found"):
        load_spec(spec)


def test_tier_files_with_a_missing_or_bad_field_name_it(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text('[tier]\nname = "x"\nreaction_delay = 1\nnoise = 0.1\n')
    with pytest.raises(TierFileError, match=r"t.toml:1: tier.apm: missing required key"):
        load_tier_file(p)
    p.write_text('[tier]\nname = "x"\nreaction_delay = 1\nnoise = 1.5\napm = 100\n')
    with pytest.raises(TierFileError, match=r"t.toml:4: tier.noise = 1.5: expected a finite number >= 0 and <= 1"):
        load_tier_file(p)
    p.write_text('[tier]\nname = "x"\nreaction_delay = -1\nnoise = 0.1\napm = "unlimited"\n')
    with pytest.raises(TierFileError, match="tier.reaction_delay = -1"):
        load_tier_file(p)
    p.write_text("[tier\n")
    with pytest.raises(TierFileError, match="not valid TOML"):
        load_tier_file(p)
    with pytest.raises(TierFileError, match="file not found"):
        get_tier(str(tmp_path / "none.toml"))
    p.write_text('[tier]\nname = "x"\nreaction_delay = 0\nnoise = 0.0\napm = "unlimited"\n')
    assert load_tier_file(p).apm is None


def test_bad_replays_give_clear_errors(novice_replays, tmp_path, capsys):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(ImitationError, match="empty.json: not a readable replay file"):
        load_replays([empty])
    corrupt = tmp_path / "corrupt.json"
    data = json.loads(novice_replays[0].read_text())
    data["actions"] = data["actions"][:3]
    corrupt.write_text(json.dumps(data))
    with pytest.raises(CalibrationError, match="corrupt.json"):
        calibrate(load_replays([corrupt]), "x", bot="focus_fire@novice")
    other = tmp_path / "other.json"
    data = json.loads(novice_replays[0].read_text())
    data["ruleset"]["units"]["warrior"]["hp"] = 999.0
    other.write_text(json.dumps(data))
    with pytest.raises(CalibrationError, match="other.json was recorded with another ruleset"):
        calibrate(load_replays([other]), "x", bot="focus_fire@novice", ruleset_dict=default_ruleset().to_dict())
    with pytest.raises(CalibrationError, match="no matches of bot 'kite'"):
        calibrate(load_replays(novice_replays[:1]), "x", bot="kite")
    for argv, msg in ((["calibrate", str(empty), "--out", str(tmp_path / "t.toml"), "--name", "x"],
                       "not a readable replay file"),
                      (["calibrate", str(novice_replays[0]), "--out", str(tmp_path / "t.txt"), "--name", "x"],
                       "--out must name a .toml file"),
                      (["calibrate", str(novice_replays[0]), "--out", str(tmp_path / "t.toml"), "--name", "a@b"],
                       "--name 'a@b'")):
        assert main(argv) != 0
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err
    assert not (tmp_path / "t.toml").exists()  # nothing written on a failure


def test_a_tier_file_keeps_its_base_bot_for_who_plays_it(tmp_path):
    from agents.tier_file import load_calibrated_tier
    from agents.tiers import SkillTier

    p = tmp_path / "alice.toml"
    write_tier_file(p, SkillTier("alice", 2, 0.1, 180.0), base_bot="kite", measured={"agreement": 0.8})
    got = load_calibrated_tier(p)
    assert got.tier == SkillTier("alice", 2, 0.1, 180.0) and got.base_bot == "kite"
    assert load_tier_file(p) == got.tier
    write_tier_file(p, SkillTier("bob", 0, 0.0, None))
    assert load_calibrated_tier(p).base_bot is None
    p.write_text('[tier]\nname = "x"\nreaction_delay = 0\nnoise = 0.0\napm = 60\nbase_bot = "kitten"\n')
    with pytest.raises(TierFileError, match=r"alice.toml:6: tier.base_bot = .kitten.: unknown scripted bot"):
        load_calibrated_tier(p)
