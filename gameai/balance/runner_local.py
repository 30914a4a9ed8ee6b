"""The default runner: a local process pool (all cores unless told otherwise).

Work units go out all at once; rows come back as units finish and are handed to
`on_rows` (which commits them to the store) in the coordinating process, so a kill at any
moment loses at most the units in flight. Results do not depend on the worker count: each
match's outcome is a function of its own seed and inputs (see plan.py). The pool starts on
first use and is kept for the runner's life, so the auto-balance search, which plays many
small rounds, pays the start-up once.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable

from gameai.balance.plan import WorkUnit
from gameai.balance.play import play_unit, warm_up
from gameai.balance.rows import MatchRow


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _init_worker() -> None:
    # One BLAS/numba thread per worker: the pool is the parallelism. This reaches workers that
    # import numpy themselves (forkserver, spawn); forked ones inherit the parent's BLAS pool,
    # which `gameai` sizes at start-up (gameai.cli.main.limit_native_threads).
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["NUMBA_NUM_THREADS"] = "1"


def _context():
    """How workers start. On Linux, fork: workers inherit the simulator already imported here
    (importing it costs seconds per process, which would eat a short sweep's speed-up). Where
    fork is unsafe (Ray's threads live in this process, or not Linux), forkserver or spawn.
    GAMEAI_MP_START overrides."""
    method = os.environ.get("GAMEAI_MP_START")
    if not method:
        ray = sys.modules.get("ray")
        ray_up = ray is not None and getattr(ray, "is_initialized", lambda: False)()
        if sys.platform.startswith("linux") and not ray_up:
            method = "fork"
        else:
            method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "fork":
        warm_up()   # forked workers inherit the loaded kernels
    elif method == "forkserver":
        ctx.set_forkserver_preload(["gameai.balance.play", "agents.arena", "envs.ruleset"])
    return ctx


class LocalRunner:
    """`with LocalRunner(workers) as r: r.run(units, on_rows)`; workers=1 plays in this process."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or default_workers())
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "LocalRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def ready(self) -> int:
        """The number of worker processes (the pool itself starts on first use)."""
        return self.workers

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, units: list[WorkUnit], on_rows: Callable[[list[MatchRow]], None]) -> None:
        """Play every unit; call `on_rows(rows)` in this process as each unit finishes."""
        if not units:
            return
        if self.workers == 1:
            # In-process: no pickling or start-up cost, same results (same function, same seeds).
            for u in units:
                on_rows(play_unit(u))
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context(),
                                             initializer=_init_worker)
        pending = {self._pool.submit(play_unit, u) for u in units}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    on_rows(fut.result())
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
