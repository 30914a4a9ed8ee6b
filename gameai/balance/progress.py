"""Progress with ETA for long sweeps (rich), shared by both runners."""
from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)


class SweepProgress:
    """`with SweepProgress(total, done) as p: p.advance(n)`; silent when disabled."""

    def __init__(self, total: int, done: int = 0, *, description: str = "matches", enabled: bool = True):
        self.enabled = enabled and total > 0
        self._progress = None
        self._task = None
        self.total, self.done, self.description = total, done, description

    def __enter__(self) -> "SweepProgress":
        if self.enabled:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=Console(file=sys.stderr), transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=self.total, completed=self.done, rate="")
        return self

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)
            speed = self._progress.tasks[0].speed
            if speed:
                self._progress.update(self._task, rate=f"{speed:.1f}/s")

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
