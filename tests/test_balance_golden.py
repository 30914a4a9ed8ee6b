"""The streaming statistics write what the row-by-row code wrote: for three reduced example
sweeps, results.csv and summary.json are compared byte for byte with the outputs of the code
before the rewrite (tests/data/balance_golden/make_golden.py). The stored match rows are the
input, so the simulator does not run and cannot move the goldens.

One documented exception: the least-squares figures (per-unit contribution, sensitivity).
The old code fitted one row per match, the new one fits grouped counts; the same least-squares
problem summed in another order differs in the last bits (up to ~1e-9 points here, the
normal equations of raw parameter values being ill-conditioned), and the outputs now round
these figures to 6 decimals (`estimators.FIGURE_DECIMALS`) so that such noise does not show.
They must agree with the old figures to within that rounding; every other byte is equal."""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from gameai.balance.design import build_design
from gameai.balance.report import analyse_and_report
from gameai.balance.rows import MatchRow
from gameai.balance.spec import load_spec
from gameai.balance.store import ResultStore, StoredRows

GOLDEN = Path(__file__).parent / "data" / "balance_golden"
SPECS = ("unit_matrix", "archer_tuning", "sobol_armies")


FIT_TOLERANCE = 0.5e-6 + 1e-8       # half the last written decimal, plus summation noise


def _fit_figures(summary: dict):
    """(container, key) of every fitted figure in a summary: the least-squares ones, and the
    ratings (an iterative fit whose last bits depend on the CPU's floating-point paths: a
    different machine moved one rating by one ulp, 1441.2752053240488 -> ...486)."""
    for c in summary["configs"]:
        for s in c["segments"].values():
            for u in s["unit_contribution"].values():
                yield from ((u, k) for k in ("points", "ci_low", "ci_high"))
            yield from ((s["ratings"], a) for a in sorted(s.get("ratings", {})))
    for e in summary["sensitivity"]:
        yield from ((e, k) for k in ("per_unit", "ci_low", "ci_high", "over_range"))
        yield from ((e["over_range_ci"], i) for i in range(2))


def _without_spec_path(text: str) -> str:
    # summary.json names the spec file as given on the command line: the only field that
    # depends on where the test runs.
    return re.sub(r'^  "spec": ".*",$', '  "spec": "<spec>",', text, count=1, flags=re.M)


@pytest.mark.parametrize("name", SPECS)
@pytest.mark.parametrize("source", ["list", "store"])
def test_outputs_match_the_goldens_byte_for_byte(tmp_path, name, source):
    spec = load_spec(GOLDEN / f"{name}.toml")
    configs = build_design(spec)
    with gzip.open(GOLDEN / f"{name}.rows.jsonl.gz", "rt", encoding="utf-8") as f:
        rows = [MatchRow.from_dict(json.loads(line)) for line in f]
    if source == "store":       # the sweep's own path: rows read back from results.sqlite in chunks
        with ResultStore(tmp_path / "results.sqlite") as store:
            store.add(rows)
        rows = StoredRows(tmp_path / "results.sqlite", [r.key for r in rows])
    outcome = SimpleNamespace(rows=rows, played=len(rows), reused=0)
    _, paths = analyse_and_report(spec, configs, outcome, tmp_path / "out")
    assert paths["csv"].read_bytes() == gzip.decompress((GOLDEN / f"{name}.results.csv.gz").read_bytes())
    got_text = paths["summary"].read_text(encoding="utf-8")
    want_text = gzip.decompress((GOLDEN / f"{name}.summary.json.gz").read_bytes()).decode("utf-8")
    got, want = json.loads(got_text), json.loads(want_text)
    figures = list(zip(_fit_figures(got), _fit_figures(want), strict=True))
    assert figures, "the goldens must exercise the least-squares figures"
    for (g, gk), (w, wk) in figures:
        assert abs(g[gk] - w[wk]) <= FIT_TOLERANCE, (g, w)
        g[gk] = w[wk]
    # With those figures set to the old ones, the file is the old file, byte for byte.
    assert got_text == json.dumps(json.loads(got_text), indent=2, default=float)
    assert _without_spec_path(json.dumps(got, indent=2, default=float)) == _without_spec_path(want_text)
    assert paths["report"].stat().st_size > 10_000
