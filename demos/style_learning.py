"""Learning the player's style in the background: after each played match the demo clones the player again.

The clone is what `gameai imitate REPLAYS --bot human --out player_clone.zip` makes (the recurrent clone,
at the player's pace), learned from the player's newest ``RECENT_MATCHES`` played matches in `replays/`, so
it follows how they play now. It runs as a separate, low-priority process (`nice`, one torch thread): the
game keeps its frame rate on the other core, and a crash or a bad replay there never reaches the game. The
new clone replaces the old one in one rename when it is complete (`gameai imitate` writes a temporary file
first), so a takeover always loads a whole clone; the one it replaces is kept as
``player_clone.previous.zip``. A match that ends while a run is under way asks for one more run after it.

Only the demo's own clone file is written: a clone the player chose with `--takeover-model` is never
overwritten (learning is then off, and the log says so).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from demos.match_session import PLAYER_NAME

#: the newest played matches a clone learns from (a few minutes of CPU at most; older habits fade)
RECENT_MATCHES = 20
#: `nice` increment of the learning process: the game's frames come first
NICENESS = 10
PLAYED_GLOB = "played-*.json"  # demos.match_record.save_match(label="played")


def previous_path(clone: Path) -> Path:
    return clone.with_name(clone.stem + ".previous" + clone.suffix)


def start_imitation(replays, bot: str, out: Path) -> subprocess.Popen:
    """`gameai imitate REPLAYS --bot BOT --out OUT --json` as a low-priority process with one torch thread, in
    its own session (closing the game's terminal does not stop it). OSError if it cannot start."""
    cmd = [sys.executable, "-m", "gameai", "imitate", *map(str, replays), "--bot", bot, "--out", str(out), "--json"]
    env = {**os.environ, "GAMEAI_THREADS": "1"}
    nice = (lambda: os.nice(NICENESS)) if hasattr(os, "nice") else None
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=nice, start_new_session=True)


class StyleLearner:
    """Re-clones the player from their recent replays in a background process; ``poll`` it every frame."""

    def __init__(self, replay_dir: Path, clone_path: Path, log=print, notify=None):
        self.replay_dir = Path(replay_dir)
        self.clone_path = Path(clone_path)
        self.log = log
        self.notify = notify or (lambda message: None)  # a short line for the screen when a run ends
        self.proc: subprocess.Popen | None = None
        self.pending = False  # a match ended during a run: learn once more after it
        self.matches = 0  # replays the running (or last) run learns from
        self.last_result: dict | None = None  # the last finished run's summary (`gameai imitate --json`)
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None

    def request(self) -> None:
        """A played match was saved: learn from it (now, or after the run under way)."""
        if self.running:
            self.pending = True
        else:
            self._start()

    def poll(self) -> None:
        """Collect a finished run (log what it learned, or why not); start the one asked for meanwhile."""
        if self.proc is None or self.proc.poll() is None:
            return
        out, err = self.proc.communicate()
        rc, self.proc = self.proc.returncode, None
        self._report(rc, out, err)
        if self.pending:
            self.pending = False
            self._start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the runs asked for so far are done (tests, and a script's `wait_style`)."""
        while self.proc is not None:
            self.proc.wait(timeout)
            self.poll()

    def close(self) -> None:
        """The game is closing: a run under way finishes on its own (it writes the clone when done)."""
        if self.proc is not None and self.proc.poll() is None:
            self.log(f"still learning your style in the background (process {self.proc.pid}); "
                     f"{self.clone_path.name} is written when it is done")
            self.proc = None  # not waited for here; it is a child of nobody once the game has exited

    # ------------------------------------------------------------------------------------------
    def _start(self) -> None:
        replays = sorted(self.replay_dir.glob(PLAYED_GLOB))[-RECENT_MATCHES:]
        if not replays:
            return
        if self.clone_path.is_file():
            try:
                shutil.copyfile(self.clone_path, previous_path(self.clone_path))
            except OSError as exc:
                self.log(f"learning your style: cannot keep the previous clone ({exc.strerror or exc}); not learning")
                return
        try:
            self.proc = start_imitation(replays, PLAYER_NAME, self.clone_path)
        except OSError as exc:
            self.log(f"learning your style: cannot start ({exc.strerror or exc})")
            return
        self.matches = len(replays)
        self.log(f"learning your style from your last {len(replays)} played match(es), in the background")

    def _report(self, rc: int, out: str, err: str) -> None:
        if rc == 0:
            try:
                self.last_result = json.loads(out.strip().splitlines()[-1])
            except (json.JSONDecodeError, IndexError):
                self.last_result = {}
            self.last_error = None
            agree = self.last_result.get("train_agreement")
            self.log(f"your imitation learned from {self.matches} match(es)"
                     + (f" (it agrees with {agree:.0%} of your orders there)" if agree is not None else "")
                     + f": {self.clone_path.name} stands in when you leave a match")
            self.notify(f"Your imitation learned from {self.matches} match(es)")
            return
        lines = [line for line in err.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {rc}"
        self.last_error = reason.removeprefix("gameai imitate: error: ").removeprefix("gameai: error: ")
        kept = "your previous imitation stays" if self.clone_path.is_file() else "no imitation yet"
        self.log(f"learning your style did not work: {self.last_error} ({kept})")
        self.notify("Learning your style did not work (the log says why)")
