"""`gameai mapgen`: writes a map, prints metrics, and answers bad input with a clear message (exit 2)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gameai.cli.main import main
from pcg import GameMap

ROOT = Path(__file__).resolve().parents[1]


def test_mapgen_writes_the_three_files(tmp_path, capsys):
    out = tmp_path / "m"
    assert main(["mapgen", "--seed", "3", "--size", "64", "--water", "0.3", "--teams", "3", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"map.npz", "map.json", "map.png"}
    text = capsys.readouterr().out
    assert "wrote" in text and "playable" in text
    gm = GameMap.load(out)
    assert gm.size == 64 and len(gm.spawns) == 3 and gm.params["water"] == 0.3


def test_mapgen_skirmish_json_summary(tmp_path, capsys):
    out = tmp_path / "arena"
    assert main(["mapgen", "--skirmish", "--seed", "2", "--teams", "2", "--out", str(out), "--json", "--no-preview"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["size"] == 32 and summary["playable"] is True
    assert len(set(summary["spawn_walk_to_centre"])) == 1
    assert not (out / "map.png").exists()


def test_mapgen_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "m"
    assert main(["mapgen", "--seed", "1", "--size", "32", "--out", str(out), "--no-preview"]) == 0
    before = (out / "map.json").read_bytes()
    assert main(["mapgen", "--seed", "2", "--size", "32", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "map.json").read_bytes() == before
    assert main(["mapgen", "--seed", "2", "--size", "32", "--out", str(out), "--force", "--no-preview"]) == 0
    assert (out / "map.json").read_bytes() != before


@pytest.mark.parametrize("args, needle", [
    (["--size", "0"], "size=0"),
    (["--size", "-3"], "size=-3"),
    (["--size", "2000000"], "GiB"),
    (["--water", "1.5"], "water=1.5"),
    (["--forest", "-0.2"], "forest=-0.2"),
    (["--water", "0.99", "--teams", "4"], "team spawns need"),
    (["--teams", "12"], "teams=12"),
    (["--octaves", "0"], "octaves=0"),
    (["--seed", "-5"], "seed=-5"),
    ([], "--out DIR is required"),
])
def test_bad_input_is_a_clean_error(tmp_path, capsys, args, needle):
    argv = ["mapgen", *args] + ([] if not args else ["--out", str(tmp_path / "x")])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("keep me")
    assert main(["mapgen", "--size", "32", "--out", str(f), "--no-preview"]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert f.read_text() == "keep me"


def test_metrics_in_unit_range(capsys):
    assert main(["mapgen", "--metrics", "--seeds", "6", "--size", "48", "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    for key in ("quality", "diversity", "controllability"):
        assert 0.0 <= m[key] <= 1.0
    assert m["quality"] == 1.0 and m["diversity"] > 0.2 and m["controllability"] > 0.9


def test_metrics_bad_seeds(capsys):
    assert main(["mapgen", "--metrics", "--seeds", "1"]) == 2
    assert "at least 2" in capsys.readouterr().err


def test_console_entry_point_runs_without_traceback(tmp_path):
    res = subprocess.run([sys.executable, "-m", "gameai", "mapgen", "--size", "0", "--out", str(tmp_path / "x")],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 2 and "size=0" in res.stderr and "Traceback" not in res.stderr
