"""`gameai COMMAND` registers only that command's parser (a cold `gameai chat --say` does not import
the bot tiers or the training set for the other commands' options); help and typos see them all."""
from __future__ import annotations

import subprocess
import sys

import pytest

from gameai.cli.main import COMMAND_MODULES, build_parser, command_module, main


def test_each_command_is_found_by_its_module_alone():
    full = build_parser()
    names = set(full._subparsers._group_actions[0].choices)
    assert names == {m.replace("_", "-") for m in COMMAND_MODULES}
    for mod in COMMAND_MODULES:
        cmd = mod.replace("_", "-")
        assert command_module([cmd, "--x"]) == mod
        only = build_parser(mod)
        assert set(only._subparsers._group_actions[0].choices) == {cmd}  # the module registers its own name


@pytest.mark.parametrize("argv", [[], ["--help"], ["--version"], ["chta"], ["dialogue_eval"], ["-h", "chat"]])
def test_no_command_or_an_unknown_one_builds_the_whole_parser(argv):
    assert command_module(argv) is None


def test_a_typo_still_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["chta"])
    err = capsys.readouterr().err
    assert "invalid choice: 'chta'" in err and "'dialogue-eval'" in err and "'match'" in err


def test_chat_does_not_import_the_rl_stack():
    code = ("import sys; from gameai.cli.main import build_parser, command_module; "
            "build_parser(command_module(['chat', '--npc', 'x.toml'])); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('agents', 'envs', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
