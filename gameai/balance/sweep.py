"""Running a sweep: plan the matches, skip those already stored, play the rest on a backend.

`play(...)` is the one path every caller uses (the sweep, the auto-balance search and its
re-validation): it resumes from the store, commits each unit's rows as they arrive, and
returns the rows of exactly the planned matches, in plan order, as a `StoredRows` that reads
them back from the store file in chunks each time it is iterated (never all at once).
"""
from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from pathlib import Path

from gameai.balance.design import Config, build_design
from gameai.balance.plan import MatchTask, plan_matches, work_units
from gameai.balance.progress import SweepProgress
from gameai.balance.spec import SweepSpec
from gameai.balance.rows import MatchRow
from gameai.balance.store import ResultStore, StoredRows

BACKENDS = ("local", "ray")
STORE_NAME = "results.sqlite"


@dataclass
class PlayOutcome:
    tasks: list[MatchTask]
    rows: StoredRows     # the planned matches' rows, in plan order (re-read on each iteration)
    played: int          # matches played in this call
    reused: int          # matches found in the store (resumed or shared with an earlier run)
    seconds: float


def make_runner(backend: str = "local", workers: int | None = None, address: str | None = None):
    """A runner for the backend; use it as a context manager (it owns a pool or a Ray session)."""
    if backend == "local":
        from gameai.balance.runner_local import LocalRunner

        return LocalRunner(workers)
    if backend == "ray":
        from gameai.balance.runner_ray import RayRunner

        return RayRunner(workers, address)
    raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")


def play(spec: SweepSpec, configs: list[Config], store: ResultStore, runner, *, phase: str = "sweep",
         matches: int | None = None, progress: bool = True, description: str | None = None) -> PlayOutcome:
    t0 = time.perf_counter()
    tasks = plan_matches(spec, configs, phase=phase, matches=matches)
    done = store.done_keys()
    todo = [t for t in tasks if t.key not in done]
    played = 0
    if todo:
        # ready(): a Ray runner joins its cluster here, so the run record names the real worker
        # count (every CPU of the cluster when --workers is not given), never null.
        run_id = store.start_run({"spec": spec.source, "phase": phase, "backend": runner.name,
                                  "workers": runner.ready(), "planned": len(tasks), "todo": len(todo),
                                  "host": platform.node()})
        units = work_units(spec, todo)
        with SweepProgress(len(tasks), len(tasks) - len(todo), enabled=progress,
                           description=description or f"{spec.name}: {phase}") as bar:
            def on_rows(rows: list[MatchRow]) -> None:
                nonlocal played
                played += store.add(r.stamped(run_id) for r in rows)
                bar.advance(len(rows))

            runner.run(units, on_rows)
    keys = [t.key for t in tasks]
    missing = store.missing(keys)
    if missing:
        raise RuntimeError(f"{missing} planned matches are not in the store after the run")
    return PlayOutcome(tasks, StoredRows(store.path, keys), played, len(tasks) - len(todo),
                       time.perf_counter() - t0)


def run_sweep(spec: SweepSpec, out_dir: str | Path, *, backend: str = "local", workers: int | None = None,
              address: str | None = None, progress: bool = True) -> tuple[list[Config], PlayOutcome]:
    """Play the spec's whole design into OUT/results.sqlite (resuming), return configs and rows."""
    configs = build_design(spec)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with ResultStore(out / STORE_NAME) as store, make_runner(backend, workers, address) as runner:
        store.set_meta("spec", spec.source)
        outcome = play(spec, configs, store, runner, progress=progress)
    return configs, outcome
