"""The default runner: a local process pool (all cores unless told otherwise).

Work units go out all at once; rows come back as units finish and are handed to
`on_rows` (which commits them to the store) in the coordinating process, so a kill at any
moment loses at most the units in flight. Results do not depend on the worker count: each
match's outcome is a function of its own seed and inputs (see plan.py).
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable

from gameai.balance.plan import WorkUnit
from gameai.balance.play import play_unit


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _init_worker() -> None:
    # One BLAS/torch thread per worker: the pool is the parallelism.
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def run_local(units: list[WorkUnit], on_rows: Callable[[list[dict]], None], *, workers: int | None = None) -> None:
    """Play every unit; call `on_rows(rows)` in this process as each unit finishes."""
    if not units:
        return
    workers = max(1, min(workers or default_workers(), len(units)))
    if workers == 1:
        # In-process: no pickling or start-up cost, same results (same function, same seeds).
        for u in units:
            on_rows(play_unit(u))
        return
    # forkserver: safe after threads (rich, Ray) exist in this process, and cheaper than spawn
    # once the server has imported the simulator.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["gameai.balance.play", "agents.arena", "envs.ruleset"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker) as pool:
        pending = {pool.submit(play_unit, u) for u in units}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    on_rows(fut.result())
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
