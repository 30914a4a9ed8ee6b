"""What `gameai demo` runs, by module name (runpy), with the checked options in DEMO_OPTIONS.

`gameai` never imports `demos`: the CLI validates arguments, then runs this module with
`runpy.run_module("demos.launch", init_globals={"DEMO_OPTIONS": {...}}, run_name="__main__")`
and reads DEMO_EXIT_CODE back. Errors that are the player's input or environment become
GameAIError so the CLI prints one clean message.
"""
from __future__ import annotations

from pathlib import Path

from gameai.errors import GameAIError


def launch(options: dict) -> int:
    from demos.app import DEMO_ERRORS, RunOptions, main

    opts = dict(options)
    for key in ("screenshot", "script", "data_dir", "takeover_model", "takeover_tier"):
        if opts.get(key) is not None:
            opts[key] = Path(opts[key])
    try:
        return main(RunOptions(**opts))
    except DEMO_ERRORS as exc:
        raise GameAIError(str(exc)) from None


if __name__ == "__main__":
    DEMO_EXIT_CODE = launch(globals().get("DEMO_OPTIONS") or {})
