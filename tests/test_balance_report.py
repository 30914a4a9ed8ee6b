"""report.html: rendered from its template with nothing cut silently, and read back in a real
headless Chromium (Debian's `chromium`, installed by `make test` like Xvfb), cut off from every
host: the headline, every flag and every plot must be on the page, each plot decoded by the browser.

The input is a golden sweep's stored rows (tests/data/balance_golden), so no match is played.
The fold sizes are set small so that this small sweep folds every kind of long list."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from gameai.balance import report_page
from gameai.balance.design import build_design
from gameai.balance.report import analyse_and_report
from gameai.balance.rows import MatchRow
from gameai.balance.spec import load_spec

GOLDEN = Path(__file__).parent / "data" / "balance_golden"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page(HTMLParser):
    """The parts of a report page the tests look at."""

    def __init__(self, text: str):
        super().__init__()
        self.imgs: list[dict] = []
        self.flags: list[str] = []
        self.summaries: list[str] = []
        self.rows = 0
        self.h1 = ""
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and "plot" in (a.get("class") or ""):
            self.imgs.append(a)
        if tag in ("li", "tr") and "data-flag" in a:
            self.flags.append(a["data-flag"])
        if tag in ("h1", "summary"):
            self._in = tag
            if tag == "summary":
                self.summaries.append("")
        if tag == "tr":
            self.rows += 1

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "h1":
            self.h1 += data
        elif self._in == "summary":
            self.summaries[-1] += data


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """sobol_armies' report with small folds: (summary, view, report path)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(report_page, "FOLD_ROWS", 5)
    mp.setattr(report_page, "BARS_PER_FIGURE", 5)
    mp.setattr(report_page, "PANELS_PER_FIGURE", 2)
    views = []
    real = report_page.page_view
    mp.setattr(report_page, "page_view", lambda *a, **k: views.append(real(*a, **k)) or views[-1])
    spec = load_spec(GOLDEN / "sobol_armies.toml")
    with gzip.open(GOLDEN / "sobol_armies.rows.jsonl.gz", "rt", encoding="utf-8") as f:
        rows = [MatchRow.from_dict(json.loads(line)) for line in f]
    out = tmp_path_factory.mktemp("report")
    summary, paths = analyse_and_report(spec, build_design(spec), SimpleNamespace(rows=rows, played=len(rows),
                                                                                  reused=0), out)
    mp.undo()
    yield summary, views[0], paths["report"]


def test_long_lists_fold_and_say_how_many_more(report):
    summary, view, path = report
    page = Page(path.read_text(encoding="utf-8"))
    sens = [e for e in summary["sensitivity"] if e["segment"] == "all"]
    assert len(sens) > 5, "the sweep must have more sensitivity bars than one small figure holds"
    series = view["sensitivity"][0]
    assert sum(1 for f in series.figures) == -(-len(sens) // 5)       # every bar is in some figure
    assert any(s.startswith(f"{len(series.figures) - 1} more figures") for s in page.summaries)
    assert any("(matchups 1–2 of 3)" in f.title for s in view["heatmaps"] for f in s.figures)
    n_win = len(view["win_rows"])
    assert f"{n_win - 5} more win rates (of {n_win})" in page.summaries
    assert f"{len(view['config_rows']) - 5} more configurations (of {len(view['config_rows'])})" in page.summaries
    others = [f for f in summary["flags"] if f["config"] != summary["headline_config"]]
    assert page.flags.count("imbalanced_matchup") + page.flags.count("dominant") + \
        page.flags.count("underpowered") == len(summary["flags"])
    if others:
        assert f"{len(others)} more flag{'s' if len(others) > 1 else ''} in other configurations" in page.summaries
    n_figures = len(view["matrices"].figures) + len(view["per_tier"].figures) + sum(
        len(s.figures) for s in view["sensitivity"] + view["heatmaps"])
    assert len(page.imgs) == n_figures
    assert all(img["src"].startswith("data:image/png;base64,") for img in page.imgs), "plots are embedded"


@pytest.mark.skipif(CHROMIUM is None,
                    reason="chromium is not installed (apt-get install chromium; `make test` does it as root)")
def test_report_in_headless_chromium_shows_headline_flags_and_every_plot(report, tmp_path):
    summary, view, path = report
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000", "--dump-dom", path.as_uri()]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        dom, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError("chromium did not render the report within 120 s") from None
    assert proc.returncode == 0, err[-2000:]
    page = Page(dom)
    assert page.h1 == f"Balance report: {summary['name']}"
    for row in view["headline"]:
        assert f"<td class=\"l\">{row['segment']}</td><td>{row['deviation']}</td>" in dom
    head_flags = [f for f in summary["flags"] if f["config"] == summary["headline_config"]]
    assert head_flags, "the golden sweep has flags in its headline configuration"
    assert page.flags.count("imbalanced_matchup") + page.flags.count("dominant") + \
        page.flags.count("underpowered") == len(summary["flags"])
    assert len(page.imgs) == len(Page(path.read_text(encoding="utf-8")).imgs) > 10
    undecoded = [img["alt"] for img in page.imgs if img.get("data-decoded") != "true"]
    assert not undecoded, f"plots the browser could not show: {undecoded}"
