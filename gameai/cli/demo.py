"""`gameai demo`: the pygame demo world (walk a generated land, talk to NPCs, watch bots fight).

The demo lives in the top layer `demos/`, which nothing imports: this command validates the
arguments and then runs `demos.launch` by module name (runpy), so `gameai` never depends on it.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from gameai.errors import GameAIError

BACKENDS = ("auto", "llama_cpp", "smollm2", "authored")  # mirrors demos.settings.BACKENDS (no import of demos)


def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _pos_int(text: str) -> int:
    value = _nonneg_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="play the demo world: a generated land, villagers to talk to, bot skirmishes",
        description="Play the gameai demo world. Walk with WASD/arrows, press E next to a villager to talk "
        "(replies stream from the local model), B to watch the battlefield, F1 for help. "
        "With --headless it runs without a display, for tests, CI and screenshots.",
    )
    p.add_argument("--seed", type=_nonneg_int, help="world seed (default: the saved setting, 7 at first)")
    p.add_argument("--backend", choices=BACKENDS, help="model backend for the NPCs (default: the saved setting, auto)")
    p.add_argument("--map-size", type=int, help="tiles per side of the world (64-512, default 192)")
    p.add_argument("--headless", action="store_true", help="run without a window (SDL dummy video driver)")
    p.add_argument("--frames", type=_pos_int, help="stop after this many frames (default: until you quit)")
    p.add_argument("--screenshot", type=Path, metavar="FILE.png", help="save the last frame to this image")
    p.add_argument("--script", type=Path, metavar="FILE", help="replay scripted input (see docs/player.md)")
    p.add_argument("--data-dir", type=Path, help="where settings, the save and NPC memory live "
                   "(default: the user data dir, e.g. ~/.local/share/gameai/demo)")
    p.add_argument("--size", default="1280x720", metavar="WxH", help="window size (default 1280x720)")
    p.add_argument("--fps", type=_nonneg_int, default=60, help="frame rate cap (0: uncapped; default 60)")
    p.add_argument("--no-llm", action="store_true", help="do not start the NPC model (villagers stay silent)")
    p.add_argument("--units", type=_pos_int, default=24, help="units per team in the skirmishes (default 24)")
    p.add_argument("--takeover-model", type=Path, metavar="FILE.zip",
                   help="your imitation (from `gameai imitate REPLAYS --bot human --out FILE.zip`): it plays your "
                        "side when you leave a match midway (default: player_clone.zip in the data dir, if there)")
    p.add_argument("--takeover-tier", type=Path, metavar="FILE.toml",
                   help="your calibrated tier (from `gameai calibrate REPLAYS --bot human --name me "
                        "--out FILE.toml`): plays your side when you leave midway and there is no imitation "
                        "model (default: player_tier.toml in the data dir, if there)")
    p.add_argument("--learn-style", action=argparse.BooleanOptionalAction, default=True,
                   help="after each match you play, clone your style again from your last 20 played matches, in a "
                        "low-priority background process, into player_clone.zip in the data dir (it then stands in "
                        "when you leave a match; the clone it replaces is kept as player_clone.previous.zip). "
                        "Off with --takeover-model (your file is never overwritten). Default on")
    p.set_defaults(func=run)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise GameAIError(f"--size must look like 1280x720, got {text!r}") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise GameAIError(f"--size {w}x{h} is out of range; use between 320x240 and 7680x4320")
    return w, h


def run(args: argparse.Namespace) -> int:
    import runpy

    width, height = _parse_size(args.size)
    if args.units > 150:
        raise GameAIError(f"--units {args.units} is too many for the battlefield; use at most 150 per team")
    if args.screenshot is not None and args.screenshot.suffix.lower() not in (".png", ".bmp", ".jpg", ".jpeg", ".tga"):
        raise GameAIError(f"--screenshot needs an image file name ending in .png, got {str(args.screenshot)!r}")
    if args.script is not None and not args.script.is_file():
        raise GameAIError(f"--script {args.script}: no such file; write a script as described in docs/player.md")
    if args.takeover_model is not None:
        if args.takeover_model.suffix.lower() != ".zip":
            raise GameAIError(f"--takeover-model needs a model .zip (from gameai imitate), got {str(args.takeover_model)!r}")
        if not args.takeover_model.is_file():
            raise GameAIError(f"--takeover-model {args.takeover_model}: no such file; make one with "
                              f"`gameai imitate REPLAYS --bot human --out {args.takeover_model}`")
    if args.takeover_tier is not None:
        if args.takeover_tier.suffix.lower() != ".toml":
            raise GameAIError(f"--takeover-tier needs a tier file .toml (from gameai calibrate), "
                              f"got {str(args.takeover_tier)!r}")
        if not args.takeover_tier.is_file():
            raise GameAIError(f"--takeover-tier {args.takeover_tier}: no such file; make one with "
                              f"`gameai calibrate REPLAYS --bot human --name me --out {args.takeover_tier}`")
    if not args.headless and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") \
            and os.environ.get("SDL_VIDEODRIVER") in (None, "", "x11", "wayland"):
        import sys

        if sys.platform.startswith("linux"):
            raise GameAIError("no display found (DISPLAY is not set). Run it on a desktop, or use "
                              "--headless --frames N --screenshot shot.png to render without one")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    options = dict(
        seed=args.seed, backend=args.backend, map_size=args.map_size, headless=args.headless,
        frames=args.frames, screenshot=args.screenshot, script=args.script, data_dir=args.data_dir,
        width=width, height=height, fps_cap=args.fps, llm=not args.no_llm, skirmish_units=args.units,
        takeover_model=args.takeover_model, takeover_tier=args.takeover_tier, learn_style=args.learn_style,
    )
    done = runpy.run_module("demos.launch", init_globals={"DEMO_OPTIONS": options}, run_name="__main__")
    return int(done.get("DEMO_EXIT_CODE", 1))
