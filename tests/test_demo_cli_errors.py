"""Bad input to `gameai demo` gives one clear message (exit 2, no traceback) and loses no data."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


class _Out:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def demo_inproc(capsys):
    """`gameai demo ARGS` in this process (fast: for errors caught before the game starts)."""
    from gameai.cli.main import main

    def run(*args):
        rc = main(["demo", *map(str, args)])
        cap = capsys.readouterr()
        return _Out(rc, cap.out, cap.err)

    return run


def demo(*args, env_extra=None, drop_display=False, timeout=120):
    env = dict(os.environ)
    if drop_display:
        for k in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
            env.pop(k, None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "gameai.cli.main", "demo", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def assert_clean_error(out, *needles):
    assert out.returncode == 2, (out.returncode, out.stdout[-500:], out.stderr[-1500:])
    assert "Traceback" not in out.stderr
    for n in needles:
        assert n in out.stderr, out.stderr


def test_missing_script_file(tmp_path, demo_inproc):
    out = demo_inproc("--headless", "--script", tmp_path / "nope.txt", "--data-dir", tmp_path)
    assert_clean_error(out, "nope.txt", "no such file")


def test_script_with_unknown_command_names_file_and_line(tmp_path, demo_inproc):
    script = tmp_path / "bad.txt"
    script.write_text("walk_to npc\n\ndance wildly\n")
    out = demo_inproc("--headless", "--frames", "5", "--no-llm", "--script", script, "--data-dir", tmp_path / "d")
    assert_clean_error(out, "bad.txt:3", "unknown command 'dance'", "walk_to")


def test_script_with_bad_key_and_bad_number(tmp_path, demo_inproc):
    script = tmp_path / "bad.txt"
    script.write_text("press warpdrive\n")
    assert_clean_error(demo_inproc("--headless", "--no-llm", "--script", script, "--data-dir", tmp_path / "d"),
                       "bad.txt:1", "unknown key 'warpdrive'")
    script.write_text("wait soon\n")
    assert_clean_error(demo_inproc("--headless", "--no-llm", "--script", script, "--data-dir", tmp_path / "d"),
                       "bad.txt:1", "FRAMES must be a whole number")


@pytest.mark.parametrize("args, needle", [
    (["--size", "10x10"], "--size 10x10 is out of range"),
    (["--size", "big"], "--size must look like 1280x720"),
    (["--screenshot", "shot.txt"], "needs an image file name"),
    (["--units", "1000"], "--units 1000 is too many"),
    (["--map-size", "20"], "map_size must be an integer between 64 and 512"),
])
def test_bad_options(tmp_path, demo_inproc, args, needle):
    assert_clean_error(demo_inproc("--headless", "--no-llm", "--frames", "2", "--data-dir", tmp_path, *args), needle)


def test_negative_seed_is_rejected_by_the_parser(tmp_path):
    out = demo("--headless", "--seed", "-3", "--data-dir", tmp_path)
    assert out.returncode == 2 and "must not be negative" in out.stderr and "Traceback" not in out.stderr


def test_no_display_without_headless_says_what_to_do(tmp_path):
    out = demo("--frames", "2", "--no-llm", "--data-dir", tmp_path, drop_display=True)
    assert_clean_error(out, "no display found", "--headless")


def test_broken_settings_file_is_reported_and_kept(tmp_path, demo_inproc):
    settings = tmp_path / "settings.json"
    settings.write_text('{"seed": 5, "volume": 3.5}')
    out = demo_inproc("--headless", "--no-llm", "--frames", "2", "--data-dir", tmp_path)
    assert_clean_error(out, "settings.json", "volume must be a number between 0 and 1")
    assert settings.read_text() == '{"seed": 5, "volume": 3.5}'  # never overwritten


def test_unreadable_data_dir(tmp_path, demo_inproc):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert_clean_error(demo_inproc("--headless", "--no-llm", "--frames", "2", "--data-dir", blocker / "demo"),
                       "cannot create the data directory")


def test_broken_save_is_set_aside_and_a_new_game_starts(tmp_path, demo_inproc):
    save = tmp_path / "save.json"
    save.write_text("{ this is not json")
    out = demo_inproc("--headless", "--no-llm", "--frames", "3", "--map-size", "64", "--units", "4", "--data-dir", tmp_path)
    assert out.returncode == 0, out.stderr[-1500:]
    assert "kept it as" in out.stdout
    assert (tmp_path / "save.broken.json").read_text() == "{ this is not json"
    assert json.loads(save.read_text())["gold"] == 60
