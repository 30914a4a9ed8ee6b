"""The balance CI gate: compare a sweep with a baseline sweep of the same spec, matchup by matchup.

Both sides are read from a sweep's public outputs (summary.json, and the baseline's
results.sqlite when it is kept, read-only), so any earlier `gameai sweep` or `gameai balance
check` output folder is a baseline. The gate looks at the headline configuration (the spec's
own ruleset when the design includes it), every matchup × segment (all, each tier, each bot).

The rule (docs/designer-balance.md, "The CI gate"). With m testable cells (decisive matches
on both sides) and a false-alarm budget alpha (default 5%), every interval below is taken at
the Bonferroni level 1 - alpha / (2m): at most alpha/2 for the "moved" family and alpha/2 for
the "left the band" family, however the segments overlap. So a ruleset edit that leaves every
matchup as it was fails the gate at most alpha of the time, although the edit re-rolls every
seed; an unchanged ruleset replays the same seeds and the same results, and always passes.

- moved: Newcombe's hybrid score interval for the difference of the two win rates (built from
  the two Wilson intervals, good coverage down to a dozen matches) excludes 0.
- left the band: the baseline's Wilson interval lay wholly inside 50% ± target and the current
  one lies wholly outside it. Both are claims the data must prove: an unchanged matchup proves
  both with chance at most alpha/(2m), whether it really is inside the band or not. (A weaker
  "the baseline did not prove it outside" would fail unrelated edits whenever a matchup that
  really is outside the band gets proven so by a luckier draw.) A cell now proven outside the
  band without either failure is reported as outside the band, not failed: the gate catches
  regressions, the report lists standing problems. Mirrors have no band.
"""
from __future__ import annotations

import csv
import json
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from agents.rl_eval import wilson

SUMMARY_NAME = "summary.json"
STORE_NAME = "results.sqlite"
CSV_NAME = "results.csv"
DEFAULT_ALPHA = 0.05

#: Verdicts, worst first (the Markdown table sorts by this).
FAILING = ("left_band", "moved")
VERDICTS = FAILING + ("outside_band", "untestable", "pass")


class BaselineError(ValueError):
    """The baseline folder cannot be compared with this sweep; the message says why and what to do."""


@dataclass(frozen=True)
class Cell:
    """One matchup in one segment of one sweep: counts as summary.json has them."""

    segment: str
    matchup: str
    mirror: bool
    wins_a: int
    wins_b: int
    draws: int

    @property
    def decisive(self) -> int:
        return self.wins_a + self.wins_b

    @property
    def win_rate(self) -> float:
        return self.wins_a / self.decisive if self.decisive else math.nan


@dataclass(frozen=True)
class CellCheck:
    segment: str
    matchup: str
    mirror: bool
    baseline: Cell
    current: Cell
    verdict: str
    base_ci: tuple[float, float] | None = None
    now_ci: tuple[float, float] | None = None
    diff_ci: tuple[float, float] | None = None

    @property
    def failed(self) -> bool:
        return self.verdict in FAILING

    @property
    def diff(self) -> float:
        return self.current.win_rate - self.baseline.win_rate


@dataclass(frozen=True)
class CheckResult:
    name: str
    config_label: str
    target: float
    alpha: float
    level: float             # the per-interval confidence level after the Bonferroni split
    baseline: str
    cells: tuple[CellCheck, ...]
    notes: tuple[str, ...] = field(default=())
    styles: dict | None = None   # this run's summary.json "style_verdicts" (several bots; styles.py)

    def style_of(self, matchup: str) -> dict | None:
        """The per-style verdicts of a matchup this run flagged, when several bots played."""
        return next((m for m in (self.styles or {}).get("matchups", ()) if m["matchup"] == matchup), None)

    @property
    def failures(self) -> list[CellCheck]:
        return [c for c in self.cells if c.failed]

    @property
    def passed(self) -> bool:
        return not self.failures


# ----------------------------------------------------------------------------- statistics

def newcombe_difference(now: tuple[int, int], base: tuple[int, int], level: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval (his method 10) for p_now - p_base, from (successes, trials),
    built on the project's one Wilson interval (agents.rl_eval.wilson) at confidence `level`."""
    p1, p2 = now[0] / now[1], base[0] / base[1]
    l1, u1 = wilson(*now, level)
    l2, u2 = wilson(*base, level)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def outside_band(ci: tuple[float, float], target: float) -> bool:
    return ci[0] > 0.5 + target or ci[1] < 0.5 - target


def inside_band(ci: tuple[float, float], target: float) -> bool:
    return 0.5 - target <= ci[0] and ci[1] <= 0.5 + target


def compare(baseline: dict, current: dict, *, target: float, alpha: float = DEFAULT_ALPHA,
            baseline_label: str = "") -> CheckResult:
    """Compare two summary.json documents of the same spec (see check_same_spec)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (got {alpha})")
    base_cells, now_cells = headline_cells(baseline), headline_cells(current)
    if set(base_cells) != set(now_cells):
        raise BaselineError("the baseline and this sweep do not have the same matchups × segments: "
                            "they are not sweeps of the same spec")
    pairs = [(base_cells[k], now_cells[k]) for k in now_cells]
    testable = [(b, n) for b, n in pairs if b.decisive and n.decisive]
    m = max(1, len(testable))
    level = 1 - alpha / (2 * m)
    checks = []
    for b, n in pairs:
        if not (b.decisive and n.decisive):
            checks.append(CellCheck(n.segment, n.matchup, n.mirror, b, n, "untestable"))
            continue
        base_ci, now_ci = wilson(b.wins_a, b.decisive, level), wilson(n.wins_a, n.decisive, level)
        diff_ci = newcombe_difference((n.wins_a, n.decisive), (b.wins_a, b.decisive), level)
        if not n.mirror and inside_band(base_ci, target) and outside_band(now_ci, target):
            verdict = "left_band"
        elif diff_ci[0] > 0 or diff_ci[1] < 0:
            verdict = "moved"
        elif not n.mirror and outside_band(now_ci, target):
            verdict = "outside_band"
        else:
            verdict = "pass"
        checks.append(CellCheck(n.segment, n.matchup, n.mirror, b, n, verdict, base_ci, now_ci, diff_ci))
    notes = []
    if baseline.get("target") != current.get("target"):
        notes.append(f"the baseline was swept with target {baseline.get('target')}; both sides are judged "
                     f"against 50% ± {100 * target:g}")
    return CheckResult(current["name"], _headline(current)["label"], target, alpha, level, baseline_label,
                       tuple(checks), tuple(notes), current.get("style_verdicts"))


# ----------------------------------------------------------------------------- reading sweeps

def headline_cells(summary: dict) -> dict[tuple[str, str], Cell]:
    cfg = _headline(summary)
    cells = {}
    for seg, s in cfg["segments"].items():
        for w in s["win_rates"]:
            cells[(seg, w["matchup"])] = Cell(seg, w["matchup"], bool(w["mirror"]), int(w["wins_a"]),
                                              int(w["wins_b"]), int(w["draws"]))
    return cells


def _headline(summary: dict) -> dict:
    for c in summary["configs"]:
        if c["id"] == summary["headline_config"]:
            return c
    raise KeyError(f"headline configuration {summary['headline_config']!r} is not among the configurations")


def read_summary(folder: Path, what: str) -> dict:
    """summary.json of a sweep output folder, checked for everything the gate reads."""
    path = folder / SUMMARY_NAME
    if not folder.is_dir():
        raise BaselineError(f"{what} {folder}: no such folder; make one with `gameai sweep SPEC --out {folder}` "
                            "on the reference ruleset (or keep a previous `gameai balance check` --out folder)")
    if not path.is_file():
        raise BaselineError(f"{what} {folder}: has no {SUMMARY_NAME}; it is not a finished sweep's output "
                            f"folder (make one with `gameai sweep SPEC --out {folder}`)")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{what} {path}: is not valid JSON ({exc}); the file is damaged: "
                            "restore it from version control or sweep the baseline again") from None
    try:
        _validate_summary(summary)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BaselineError(f"{what} {path}: is not a gameai sweep summary or is damaged ({exc}); "
                            "restore it from version control or sweep the baseline again") from None
    return summary


def _validate_summary(summary: dict) -> None:
    if not isinstance(summary, dict):
        raise TypeError("the top level is not an object")
    for key in ("name", "master_seed", "segments", "headline_config", "configs"):
        if key not in summary:
            raise KeyError(f"missing {key!r}")
    cfg = _headline(summary)
    for seg, s in cfg["segments"].items():
        for w in s["win_rates"]:
            counts = [w["wins_a"], w["wins_b"], w["draws"], w["n"]]
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts):
                raise ValueError(f"segment {seg!r}, matchup {w.get('matchup')!r}: counts are not whole numbers >= 0")
            if w["wins_a"] + w["wins_b"] + w["draws"] != w["n"]:
                raise ValueError(f"segment {seg!r}, matchup {w['matchup']!r}: wins and draws do not add up to n")
            if not isinstance(w["matchup"], str) or not isinstance(w["mirror"], bool):
                raise ValueError(f"segment {seg!r}: a win rate without a matchup name or mirror flag")


def check_same_spec(baseline: dict, current: dict, baseline_dir: Path) -> None:
    """A baseline only means something for the same spec: same name, seed, design and cells."""
    problems = []
    for key, what in (("name", "spec name"), ("master_seed", "master_seed"), ("headline_config", "headline configuration")):
        if baseline.get(key) != current.get(key):
            problems.append(f"{what} {baseline.get(key)!r} (baseline) vs {current.get(key)!r} (this spec)")
    if not problems:
        b, n = set(headline_cells(baseline)), set(headline_cells(current))
        if b != n:
            only_b = ", ".join(f"{m} [{s}]" for s, m in sorted(b - n)[:5]) or "none"
            only_n = ", ".join(f"{m} [{s}]" for s, m in sorted(n - b)[:5]) or "none"
            problems.append(f"matchups × segments differ (only in the baseline: {only_b}; only here: {only_n})")
    if problems:
        raise BaselineError(f"baseline {baseline_dir} is from another spec: {'; '.join(problems)}. Sweep the "
                            f"baseline from this spec (`gameai sweep SPEC --out {baseline_dir}`) on the reference "
                            "ruleset, or point --baseline at the right folder")


def verify_rows(folder: Path, summary: dict) -> str:
    """Cross-check the baseline's row-level files, when kept, against its summary.json.

    results.csv lists exactly the sweep's planned matches; results.sqlite may hold more (an
    earlier engine's or spec's matches, when a folder was swept again), so the store is checked
    for the csv's matches and only counted on its own when there is no csv. The store is opened
    read-only through sqlite3, not ResultStore, which opens for writing (it creates its tables
    and sets the journal mode): a baseline is evidence and is never modified.
    Returns what was verified, in words.
    """
    cfg_id = _headline(summary)["id"]
    csv_path, store_path = folder / CSV_NAME, folder / STORE_NAME
    planned = _csv_rows(csv_path, cfg_id) if csv_path.exists() else None
    stored = _store_rows(store_path, cfg_id) if store_path.exists() else None
    if planned is not None and stored is not None:
        for key, row in planned.items():
            if stored.get(key) != row:
                raise BaselineError(
                    f"baseline {folder}: {STORE_NAME} and {CSV_NAME} disagree on match {key} "
                    f"({stored.get(key) or 'not stored'} vs {row}); one of them is damaged: sweep the baseline again")
    rows = planned if planned is not None else stored
    if rows is None:
        return f"{SUMMARY_NAME} only (no {CSV_NAME} or {STORE_NAME} kept)"
    counts: dict[tuple[str, str], list[int]] = {}
    col = {"a": 0, "b": 1, "draw": 2}
    for matchup, tier, bot, winner in rows.values():
        for seg in summary["segments"]:
            if seg == "all" or seg == tier or seg == f"bot:{bot}":
                counts.setdefault((seg, matchup), [0, 0, 0])[col[winner]] += 1
    source = CSV_NAME if planned is not None else STORE_NAME
    for key, cell in headline_cells(summary).items():
        got = counts.get(key, [0, 0, 0])
        if got != [cell.wins_a, cell.wins_b, cell.draws]:
            raise BaselineError(
                f"baseline {folder}: {source} and {SUMMARY_NAME} disagree on {key[1]} [{key[0]}] "
                f"({source}: {got[0]}-{got[1]} with {got[2]} draws; {SUMMARY_NAME}: {cell.wins_a}-{cell.wins_b} "
                f"with {cell.draws} draws); one of them is damaged or from another run: sweep the baseline again")
    return " and ".join(n for n, r in ((CSV_NAME, planned), (STORE_NAME, stored)) if r is not None) + \
        f" match {SUMMARY_NAME}"


def _csv_rows(path: Path, cfg_id: str) -> dict[str, tuple]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            need = {"key", "phase", "config_id", "matchup", "tier", "bot", "winner"}
            if not need <= set(reader.fieldnames or ()):
                raise ValueError(f"missing columns {sorted(need - set(reader.fieldnames or ()))}")
            out = {}
            for r in reader:
                if r["phase"] == "sweep" and r["config_id"] == cfg_id:
                    if r["winner"] not in ("a", "b", "draw"):
                        raise ValueError(f"line {reader.line_num}: winner {r['winner']!r}")
                    out[r["key"]] = (r["matchup"], r["tier"], r["bot"], r["winner"])
            return out
    except (UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise BaselineError(f"baseline {path}: is not a gameai results table or is damaged ({exc}); restore it, "
                            f"delete it, or sweep the baseline again") from None


def _store_rows(path: Path, cfg_id: str) -> dict[str, tuple]:
    # No write-ahead log to read (a committed baseline, a cleanly closed store): open it as
    # immutable, which creates no -shm/-wal files beside it. Otherwise read-only, log included.
    wal = path.with_name(path.name + "-wal")
    mode = "immutable=1" if not wal.exists() or wal.stat().st_size == 0 else "mode=ro"
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
        try:
            got = db.execute("SELECT key, matchup, tier, bot, winner FROM matches "
                             "WHERE phase = 'sweep' AND config_id = ?", (cfg_id,)).fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BaselineError(f"baseline {path}: cannot be read ({exc}); it is not a gameai results file or it is "
                            f"damaged: restore it, delete it (the gate then trusts {CSV_NAME}/{SUMMARY_NAME}), "
                            "or sweep the baseline again") from None
    return {k: (m, t, b, w) for k, m, t, b, w in got}


def load_baseline(folder: str | Path) -> tuple[dict, str]:
    """The baseline's summary.json, checked, and what of its row-level files agreed with it."""
    folder = Path(folder)
    summary = read_summary(folder, "baseline")
    return summary, verify_rows(folder, summary)
