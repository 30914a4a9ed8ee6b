"""Scripted input: replay a small text file of player actions (walk, talk, type a line).

Tests, CI and demos drive the game through the same event path a player's keyboard uses:
each command posts ordinary pygame events (KEYDOWN/KEYUP/TEXTINPUT/QUIT) or asks the game to
walk somewhere, so a script exercises the real input handling, not a side door.

Format: one command per line, `#` starts a comment, arguments are shell-quoted.

    walk_to npc                 # walk to the nearest NPC (or: walk_to npc "Bram", walk_to 40 52)
    talk                        # press the talk key next to an NPC
    type "Where does the east road lead?"
    send                        # press Enter
    wait_reply 3000             # wait until the NPC has finished answering (at most N frames)
    hold right 30               # hold a key for N frames
    press tab                   # press and release a key (pygame key names)
    wait 60                     # let N frames pass
    screenshot shots/village.png
    quit

On the battlefield (play mode), mouse input, posted as real mouse events:

    click 640 360 [left|right]              # a click at screen pixels
    click_cell 12 9 [left|right]            # a click on a battlefield cell (x, y)
    drag_cells 0 0 15 30                    # a left-button drag box between two battlefield cells
    click_unit red 0 [left|right]           # a click on the N-th living unit of a team (blue/red)
    wait_match [MAX_FRAMES]                 # wait until the played match has ended
    wait_squad [MAX_SECONDS]                # teaching mode: wait until the squad has ruled on every order
"""
from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class ScriptError(ValueError):
    """The script file is malformed; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Command:
    line: int
    name: str
    args: tuple[str, ...]


# name -> (min args, max args, usage)
COMMANDS: dict[str, tuple[int, int, str]] = {
    "wait": (1, 1, "wait FRAMES"),
    "press": (1, 1, "press KEY"),
    "hold": (2, 2, "hold KEY FRAMES"),
    "type": (1, 1, 'type "TEXT"'),
    "send": (0, 0, "send"),
    "talk": (0, 0, "talk"),
    "walk_to": (1, 2, 'walk_to npc [NAME] | walk_to X Y'),
    "wait_reply": (0, 1, "wait_reply [MAX_FRAMES]"),
    "screenshot": (1, 1, "screenshot FILE.png"),
    "quit": (0, 0, "quit"),
    "click": (2, 3, "click X Y [left|right]"),
    "click_cell": (2, 3, "click_cell X Y [left|right]"),
    "drag_cells": (4, 4, "drag_cells X0 Y0 X1 Y1"),
    "click_unit": (2, 3, "click_unit blue|red N [left|right]"),
    "wait_match": (0, 1, "wait_match [MAX_FRAMES]"),
    "wait_squad": (0, 1, "wait_squad [MAX_SECONDS]"),
}
BUTTONS = {"left": 1, "right": 3}
DEFAULT_WAIT_MATCH_FRAMES = 20_000

DEFAULT_WAIT_REPLY_FRAMES = 3600
# The squad's judgement runs on a thread that shares the GIL with an uncapped headless frame loop, and
# the first one in a process compiles kernels: a frame budget would time out on a slow or cold machine,
# so this wait is in seconds of wall time.
DEFAULT_WAIT_SQUAD_SECONDS = 120.0
DEFAULT_WALK_FRAMES = 1800


class ScriptHost(Protocol):
    """What the game offers a script (the app implements it)."""

    def post_key(self, key: int) -> None: ...
    def post_text(self, text: str) -> None: ...
    def post_quit(self) -> None: ...
    def start_walk_to_npc(self, name: str | None) -> None: ...
    def start_walk_to(self, x: float, y: float) -> None: ...
    def walking(self) -> bool: ...
    def reply_pending(self) -> bool: ...
    def save_screenshot(self, path: Path) -> None: ...
    def log(self, message: str) -> None: ...
    def post_click(self, pos: tuple[int, int], button: int = 1, drag_to: tuple[int, int] | None = None) -> None: ...
    def cell_on_screen(self, x: float, y: float) -> tuple[int, int]: ...
    def unit_on_screen(self, team: str, n: int) -> tuple[int, int] | None: ...
    def match_running(self) -> bool: ...


def _key_code(name: str, where: str) -> int:
    import pygame

    try:
        return pygame.key.key_code(name)
    except ValueError:
        raise ScriptError(f"{where}: unknown key {name!r}; use pygame key names such as e, return, escape, left, tab, f1") from None


def _positive_int(text: str, where: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ScriptError(f"{where}: {what} must be a whole number, got {text!r}") from None
    if value < 0:
        raise ScriptError(f"{where}: {what} must not be negative, got {value}")
    return value


def _button(text: str, where: str) -> int:
    if text.lower() not in BUTTONS:
        raise ScriptError(f"{where}: the mouse button must be left or right, got {text!r}")
    return BUTTONS[text.lower()]


def parse_script(text: str, source: str = "<script>") -> list[Command]:
    """Parse and fully validate a script, so a typo fails before the game starts."""
    import pygame

    pygame.init()  # key names need pygame's key table
    commands: list[Command] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{source}:{number}"
        try:
            parts = shlex.split(raw, comments=True)
        except ValueError as exc:
            raise ScriptError(f"{where}: {exc} (check the quotes)") from None
        if not parts:
            continue
        name, args = parts[0].lower(), tuple(parts[1:])
        if name not in COMMANDS:
            raise ScriptError(f"{where}: unknown command {parts[0]!r}; known: {', '.join(COMMANDS)}")
        low, high, usage = COMMANDS[name]
        if not low <= len(args) <= high:
            raise ScriptError(f"{where}: {name} takes {usage!r}, got {len(args)} argument(s)")
        if name == "wait":
            _positive_int(args[0], where, "FRAMES")
        elif name == "press":
            _key_code(args[0], where)
        elif name == "hold":
            _key_code(args[0], where)
            _positive_int(args[1], where, "FRAMES")
        elif name in ("wait_reply", "wait_match") and args:
            _positive_int(args[0], where, "MAX_FRAMES")
        elif name == "wait_squad" and args:
            _positive_int(args[0], where, "MAX_SECONDS")
        elif name in ("click", "click_cell", "drag_cells"):
            n_coords = 4 if name == "drag_cells" else 2
            for a in args[:n_coords]:
                _positive_int(a, where, "coordinates")
            if len(args) > n_coords:
                _button(args[n_coords], where)
        elif name == "click_unit":
            if args[0].lower() not in ("blue", "red"):
                raise ScriptError(f"{where}: click_unit needs a team, blue or red, got {args[0]!r}")
            _positive_int(args[1], where, "N")
            if len(args) > 2:
                _button(args[2], where)
        elif name == "walk_to":
            if args[0].lower() != "npc":
                if len(args) != 2:
                    raise ScriptError(f"{where}: walk_to takes 'npc [NAME]' or two tile coordinates X Y")
                for a in args:
                    try:
                        float(a)
                    except ValueError:
                        raise ScriptError(f"{where}: walk_to coordinates must be numbers, got {a!r}") from None
        elif name == "type" and len(args[0]) > 500:
            raise ScriptError(f"{where}: a typed line is limited to 500 characters")
        elif name == "screenshot" and not args[0].lower().endswith((".png", ".bmp", ".jpg", ".jpeg", ".tga")):
            raise ScriptError(f"{where}: screenshot needs a .png (or .bmp/.jpg/.tga) file name, got {args[0]!r}")
        commands.append(Command(number, name, args))
    return commands


def load_script(path: str | Path) -> list[Command]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError(f"script file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"cannot read script file {path}: {exc}") from None
    return parse_script(text, str(path))


@dataclass
class ScriptPlayer:
    """Steps through commands, one frame at a time; blocking commands hold the script, not the game."""

    commands: list[Command]
    base_dir: Path = Path(".")
    index: int = 0
    held: dict[int, int] = field(default_factory=dict)  # key -> frames left
    _wait: int = 0
    _typing: str = ""
    _budget: int = 0
    _started: bool = False

    @property
    def finished(self) -> bool:
        return self.index >= len(self.commands) and not self._typing and self._wait == 0

    def held_keys(self) -> set[int]:
        return set(self.held)

    def update(self, host: ScriptHost) -> None:
        """Advance by one frame: release expired keys, then run commands until one blocks."""
        for key in list(self.held):
            self.held[key] -= 1
            if self.held[key] <= 0:
                del self.held[key]
        if self._typing:  # one character per frame, like a (fast) typist
            host.post_text(self._typing[0])
            self._typing = self._typing[1:]
            return
        if self._wait > 0:
            self._wait -= 1
            return
        while self.index < len(self.commands):
            cmd = self.commands[self.index]
            if not self._run(cmd, host):
                return
            self.index += 1
            self._started = False
            if cmd.name in ("type", "wait", "hold"):
                return

    def _run(self, cmd: Command, host: ScriptHost) -> bool:
        """Run (or keep running) one command; False while it is still blocking."""
        import pygame

        name, args = cmd.name, cmd.args
        if name == "wait":
            self._wait = int(args[0])
        elif name == "press":
            host.post_key(pygame.key.key_code(args[0]))
        elif name == "hold":
            self.held[pygame.key.key_code(args[0])] = int(args[1])
            self._wait = int(args[1])
        elif name == "type":
            self._typing = args[0]
        elif name == "send":
            host.post_key(pygame.K_RETURN)
        elif name == "talk":
            host.post_key(pygame.K_e)
        elif name == "quit":
            host.post_quit()
        elif name == "screenshot":
            target = Path(args[0])
            host.save_screenshot(target if target.is_absolute() else self.base_dir / target)
        elif name == "walk_to":
            if not self._started:
                self._started, self._budget = True, DEFAULT_WALK_FRAMES
                if args[0].lower() == "npc":
                    host.start_walk_to_npc(args[1] if len(args) > 1 else None)
                else:
                    host.start_walk_to(float(args[0]), float(args[1]))
                return False
            self._budget -= 1
            if host.walking() and self._budget > 0:
                return False
            if self._budget <= 0:
                host.log(f"script line {cmd.line}: walk_to gave up after {DEFAULT_WALK_FRAMES} frames")
        elif name in ("click", "click_cell", "click_unit"):
            button = BUTTONS[args[-1].lower()] if args[-1].lower() in BUTTONS else BUTTONS["left"]
            if name == "click":
                pos = (int(args[0]), int(args[1]))
            elif name == "click_cell":
                pos = host.cell_on_screen(int(args[0]), int(args[1]))
            else:
                pos = host.unit_on_screen(args[0].lower(), int(args[1]))
                if pos is None:
                    host.log(f"script line {cmd.line}: no living {args[0].lower()} unit #{args[1]} to click")
                    return True
            host.post_click(pos, button)
        elif name == "drag_cells":
            host.post_click(host.cell_on_screen(int(args[0]), int(args[1])), BUTTONS["left"],
                            drag_to=host.cell_on_screen(int(args[2]), int(args[3])))
        elif name == "wait_match":
            if not self._started:
                self._started = True
                self._budget = int(args[0]) if args else DEFAULT_WAIT_MATCH_FRAMES
                return False
            self._budget -= 1
            if host.match_running() and self._budget > 0:
                return False
            if self._budget <= 0:
                host.log(f"script line {cmd.line}: wait_match timed out; the match is still running")
        elif name == "wait_reply":
            if not self._started:
                self._started = True
                self._budget = int(args[0]) if args else DEFAULT_WAIT_REPLY_FRAMES
                return False
            self._budget -= 1
            if host.reply_pending() and self._budget > 0:
                return False
            if self._budget <= 0:
                host.log(f"script line {cmd.line}: wait_reply timed out; the NPC was still answering")
        elif name == "wait_squad":
            if not self._started:
                self._started = True
                self._deadline = time.monotonic() + (float(args[0]) if args else DEFAULT_WAIT_SQUAD_SECONDS)
                return False
            in_time = time.monotonic() < self._deadline
            if host.squad_judging() and in_time:
                return False
            if not in_time:
                host.log(f"script line {cmd.line}: wait_squad timed out; an order is still being judged")
        return True
