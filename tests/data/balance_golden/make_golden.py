"""Regenerate the golden outputs of tests/test_balance_golden.py.

The goldens pin what `gameai sweep` writes (results.csv, summary.json) for three reduced
example sweeps. They were produced by the statistics code as it was before the streaming
rewrite (commit a0aadf0), so the test proves the rewrite changed no figure:

    git archive a0aadf0 | tar -x -C /tmp/orig
    PYTHONPATH=/tmp/orig /work/main/.venv/bin/python tests/data/balance_golden/make_golden.py

For each spec it plays the sweep on one worker, then keeps:
- NAME.rows.jsonl.gz: every stored match row, in results.csv order (the test's input, so the
  test needs no simulator: a later change to the simulator cannot move the goldens);
- NAME.results.csv.gz: results.csv as written (gzipped with a fixed header, to stay small);
- NAME.summary.json.gz: summary.json as written.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPECS = ("unit_matrix", "archer_tuning", "sobol_armies")
JSON_COLUMNS = ("params", "a_units", "b_units", "unit_stats")


def write_gz(path: Path, data: bytes) -> None:
    with open(path, "wb") as f, gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0) as g:
        g.write(data)


def main() -> None:
    for name in SPECS:
        spec = HERE / f"{name}.toml"
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            subprocess.run([sys.executable, "-m", "gameai", "sweep", str(spec.relative_to(Path.cwd())),
                            "--out", str(out), "--workers", "1", "--no-progress"], check=True)
            with open(out / "results.csv", newline="", encoding="utf-8") as f:
                keys = [r["key"] for r in csv.DictReader(f)]
            db = sqlite3.connect(out / "results.sqlite")
            db.row_factory = sqlite3.Row
            by_key = {r["key"]: dict(r) for r in db.execute("SELECT * FROM matches")}
            db.close()
            lines = io.StringIO()
            for k in keys:
                row = by_key[k]
                for c in JSON_COLUMNS:
                    row[c] = json.loads(row[c])
                lines.write(json.dumps(row) + "\n")
            write_gz(HERE / f"{name}.rows.jsonl.gz", lines.getvalue().encode("utf-8"))
            write_gz(HERE / f"{name}.results.csv.gz", (out / "results.csv").read_bytes())
            write_gz(HERE / f"{name}.summary.json.gz", (out / "summary.json").read_bytes())
        print(f"{name}: {len(keys)} matches")


if __name__ == "__main__":
    main()
