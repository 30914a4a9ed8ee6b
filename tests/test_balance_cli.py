"""`gameai sweep` / `gameai balance`: bad input gets a clean message and exit code 2, never a traceback."""
from __future__ import annotations

import pytest

from gameai.cli.main import main

GOOD = """
name = "cli"
[params]
"units.archer.damage" = [9, 13]
[matchups]
equal_cost = ["warrior", "archer"]
[play]
matches = 2
"""


@pytest.fixture
def spec(tmp_path):
    p = tmp_path / "spec.toml"
    p.write_text(GOOD)
    return p


def run(capsys, *argv):
    rc = main(list(argv))
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_check_validates_and_counts_without_playing(spec, tmp_path, capsys):
    rc, out, _ = run(capsys, "sweep", str(spec), "--out", str(tmp_path / "o"), "--check")
    assert rc == 0 and "= 6 matches" in " ".join(out.split())     # 3 configs x 1 matchup x 1 bot x 1 tier x 2
    assert not (tmp_path / "o" / "results.sqlite").exists()


@pytest.mark.parametrize("text,needle", [
    (GOOD.replace("archer.damage", "archer.dammage"), "units.archer.dammage"),
    (GOOD.replace("[9, 13]", "[9, -13]"), "-13"),
    (GOOD.replace("[9, 13]", "[]"), "empty"),
    (GOOD.replace("[params]", "[params"), "not valid TOML"),
])
def test_bad_spec_is_a_clean_error(tmp_path, capsys, text, needle):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    rc, _, err = run(capsys, "sweep", str(p), "--out", str(tmp_path / "o"))
    assert rc == 2 and needle in err and str(p) in err and "Traceback" not in err


def test_bad_options_are_clean_errors(spec, tmp_path, capsys):
    assert run(capsys, "sweep", str(spec), "--out", str(tmp_path), "--workers", "0")[0] == 2
    rc, _, err = run(capsys, "sweep", str(spec), "--out", str(tmp_path), "--address", "auto")
    assert rc == 2 and "--backend ray" in err
    (tmp_path / "afile").write_text("x")
    rc, _, err = run(capsys, "sweep", str(spec), "--out", str(tmp_path / "afile"))
    assert rc == 2 and "is a file" in err
    rc, _, err = run(capsys, "sweep", str(tmp_path / "missing.toml"), "--out", str(tmp_path))
    assert rc == 2 and "no such spec file" in err
    rc, _, err = run(capsys, "balance", str(spec), "--out", str(tmp_path), "--target", "3")
    assert rc == 2 and "fraction" in err


def test_a_damaged_store_is_reported_not_overwritten(spec, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    junk = b"not a database" * 64
    (out / "results.sqlite").write_bytes(junk)
    rc, _, err = run(capsys, "sweep", str(spec), "--out", str(out))
    assert rc == 2 and "not a gameai results file" in err
    assert (out / "results.sqlite").read_bytes() == junk


def test_balance_without_parameters_to_change_is_a_clean_error(tmp_path, capsys):
    p = tmp_path / "noparams.toml"
    p.write_text(GOOD.replace('[params]\n"units.archer.damage" = [9, 13]\n', ""))
    rc, _, err = run(capsys, "balance", str(p), "--out", str(tmp_path / "o"))
    assert rc == 2 and "no parameters to change" in err
