"""The playtest battery: load maps, run the checks on each, write findings.json, replays and report.html.

Checks (``CHECKS``) run in a fixed order per map; each returns ``Finding``s. Everything random
comes from ``PlaytestConfig.seed`` (match seeds, bot noise), so the same seed gives the same
findings in any process.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from envs import core
from envs.ruleset import Ruleset
from gameai.playtest import explorer, exploits, fairness, fuzz, reachability, stuck
from gameai.playtest.findings import SEVERITIES, Finding, save_findings
from gameai.playtest.mapview import MapView, PlaytestInputError

#: check name -> (function(view, cfg, progress) -> findings, work units it reports); the names are also
#: findings.CHECK_NAMES, which the CLI lists without importing this module (a test keeps them equal)
CHECKS: dict[str, tuple[Callable, Callable]] = {
    "reachability": (lambda v, c, p: reachability.check(v, c), lambda c: 1),
    "distances": (lambda v, c, p: fairness.distance_check(v, c), lambda c: 1),
    "fairness": (fairness.side_check, lambda c: 2 * c.matches),
    "exploits": (exploits.check, lambda c: 1),
    "explorer": (explorer.check, lambda c: 1),
    "stuck": (stuck.check, lambda c: 1),
    "fuzz": (fuzz.check, lambda c: 1),
}
#: the playtest builds per-archetype graphs of the whole map; far larger maps need a chunked run
MAX_CELLS = 512 * 512


@dataclass
class PlaytestConfig:
    seed: int = 0
    matches: int = 16                   # per side, for fairness
    bot: str = "focus_fire"
    tier: str = "expert"
    checks: tuple[str, ...] = tuple(CHECKS)
    out_dir: Path | None = None         # None: no replays or pictures (library use, tests)
    stats: dict = field(default_factory=dict)  # per-map figures the checks measured (side advantage, ...)
    n_maps: int = 1                     # maps in this run (set by run_playtest; for multiple-testing control)


def load_views(paths: Sequence, ruleset: Ruleset) -> list[MapView]:
    """Read and check every map before anything runs, so a bad file stops the run at once.

    Each item is a map file or folder (anything ``pcg.load_map`` reads) or a ``pcg.GameMap``.
    """
    import pcg

    params = core.compile_params(ruleset)
    views = []
    for i, p in enumerate(paths):
        if isinstance(p, pcg.GameMap):  # a map in memory (library use): named by its seed
            views.append(MapView(f"map {i} (seed {p.seed})", p, params))
            continue
        try:
            gm = pcg.load_map(p)
        except (pcg.MapFileError, OSError) as exc:
            msg = str(exc)
            raise PlaytestInputError(msg if str(p) in msg else f"{p}: {msg}") from None
        h, w = gm.tiles.shape
        if h * w > MAX_CELLS:
            raise PlaytestInputError(f"{p}: the map is {w}×{h} cells; the playtest takes maps up to "
                                     f"{MAX_CELLS} cells (512×512); test a cut-out of it")
        views.append(MapView(str(p), gm, params))
    return views


def _run_map(view: MapView, cfg: PlaytestConfig, advance=lambda n: None) -> tuple[list[Finding], dict]:
    """Every check on one map: (findings, the map's figures)."""
    out: list[Finding] = []
    for name in cfg.checks:
        fn, units = CHECKS[name]
        reported = [0]

        def progress(n: int, _r=reported) -> None:
            _r[0] += n
            advance(n)

        out += fn(view, cfg, progress)
        advance(units(cfg) - reported[0])
    return out, cfg.stats.get(view.name, {})


def _run_parallel(views: list[MapView], cfg: PlaytestConfig, workers: int, done) -> list[Finding]:
    """Maps spread over worker processes; each map's result depends on nothing but the map and cfg."""
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # fork: workers inherit the compiled kernels (spawn would compile or load them again per worker)
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    results: dict[str, list[Finding]] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(_run_map, v, cfg): v.name for v in views}
        for fut in as_completed(futures):
            found, stats = fut.result()
            results[futures[fut]] = found
            cfg.stats[futures[fut]] = stats
            done()
    return [f for v in views for f in results[v.name]]


def run_playtest(paths: Sequence[str | os.PathLike], ruleset: Ruleset, cfg: PlaytestConfig,
                 show_progress: bool = False, workers: int = 1) -> tuple[list[Finding], dict]:
    """Run the battery on every map; returns (findings, meta) and writes the files when ``cfg.out_dir`` is set.

    ``workers`` > 1 tests that many maps at once in worker processes (same findings as 1).
    """
    from gameai.balance.progress import SweepProgress

    unknown = [c for c in cfg.checks if c not in CHECKS]
    if unknown:
        raise PlaytestInputError(f"unknown check(s) {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
    views = load_views(paths, ruleset)
    cfg.n_maps = len(views)
    if cfg.out_dir is not None:
        cfg.out_dir.mkdir(parents=True, exist_ok=True)
    findings: list[Finding] = []
    per_map = sum(CHECKS[c][1](cfg) for c in cfg.checks)
    with SweepProgress(per_map * len(views), description="playtest", enabled=show_progress) as bar:
        if workers <= 1 or len(views) == 1:
            for view in views:
                findings += _run_map(view, cfg, bar.advance)[0]
        else:
            findings += _run_parallel(views, cfg, workers, lambda: bar.advance(per_map))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (f.map, order[f.severity], f.check, f.subject, f.cells))
    cfg.stats = {v.name: cfg.stats.get(v.name, {}) for v in views}  # map order, whatever order they finished in
    meta = {"ruleset": ruleset.source, "seed": cfg.seed, "checks": list(cfg.checks),
            "maps": [v.name for v in views], "matches_per_side": cfg.matches, "bot": f"{cfg.bot} ({cfg.tier})",
            "notes": [reachability.ONE_WAY_NOTE], "stats": cfg.stats}
    if cfg.out_dir is not None:
        from gameai.playtest.report import write_report

        write_report(cfg.out_dir, views, findings, meta)  # fills each finding's picture
        save_findings(cfg.out_dir / "findings.json", findings, meta)
    return findings, meta
