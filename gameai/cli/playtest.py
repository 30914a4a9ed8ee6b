"""`gameai playtest MAP… --out DIR`: run the playtest battery on designers' maps (docs/designer-playtest.md)."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    from gameai.playtest.findings import CHECK_NAMES as CHECKS

    p = subparsers.add_parser(
        "playtest", help="test maps for unreachable places, cut-off spawns, unfair sides; writes a report",
        description="Run playtest checks on one or more maps (Tiled .tmj, .csv/.png grids, or map folders from "
                    "`gameai mapgen`) and write report.html, findings.json and a replay per finding into --out. "
                    "With --baseline, exit 1 when a finding appears that the baseline does not have.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("maps", nargs="+", metavar="MAP", help="map files or folders to test")
    p.add_argument("--ruleset", default=None, help="ruleset TOML file (default: the packaged default)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for report.html, findings.json, replays/")
    p.add_argument("--seed", type=int, default=0, help="seed of every match and bot; same seed, same findings")
    p.add_argument("--matches", type=int, default=16,
                   help="fairness matches per side (as drawn, then with the spawns swapped); 0 skips them")
    p.add_argument("--checks", default=",".join(CHECKS),
                   help=f"comma-separated checks to run, from: {', '.join(CHECKS)}")
    p.add_argument("--baseline", metavar="FILE", default=None,
                   help="findings.json of an earlier run: exit 1 if any finding is new (for CI)")
    p.add_argument("--workers", type=int, default=1,
                   help="maps tested at once in worker processes (2 uses both cores of a 2-core machine); "
                        "the findings do not depend on it")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    import sys
    from pathlib import Path

    from envs.maps import MapError
    from gameai.cli.match import load_ruleset_arg
    from gameai.errors import GameAIError
    from gameai.playtest.findings import FindingsError, load_findings, new_findings
    from gameai.playtest.mapview import PlaytestInputError
    from gameai.playtest.runner import PlaytestConfig, run_playtest

    if args.seed < 0:
        raise GameAIError(f"--seed must be a whole number >= 0 (got {args.seed})")
    if args.workers < 1:
        raise GameAIError(f"--workers must be at least 1 (got {args.workers})")
    if args.matches < 0:
        raise GameAIError(f"--matches must be 0 or more (got {args.matches})")
    checks = tuple(c.strip() for c in args.checks.split(",") if c.strip())
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise GameAIError(f"--out {out}: exists and is not a folder")
    baseline = None
    if args.baseline is not None:
        try:
            baseline = load_findings(args.baseline)  # read first: a bad baseline should not cost a run
        except FindingsError as exc:
            raise GameAIError(f"--baseline {exc}") from None
    ruleset = load_ruleset_arg(args.ruleset)
    cfg = PlaytestConfig(seed=args.seed, matches=args.matches, checks=checks, out_dir=out)
    try:
        findings, _ = run_playtest(args.maps, ruleset, cfg, show_progress=not args.no_progress,
                                   workers=args.workers)
    except (PlaytestInputError, MapError) as exc:  # MapError: a map the armies do not fit on
        raise GameAIError(str(exc)) from None
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    print(f"{len(findings)} finding(s) on {len(args.maps)} map(s): "
          + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for f in findings:
        if f.severity != "info":
            print(f"  {f.severity:<7} {f.map}: {f.message}")
    print(f"report: {out / 'report.html'}  findings: {out / 'findings.json'}")
    if baseline is not None:
        new = new_findings(findings, baseline)
        if new:
            print(f"{len(new)} new finding(s) not in the baseline {args.baseline}:", file=sys.stderr)
            for f in new:
                print(f"  {f.severity} {f.check} {f.map}: {f.message}", file=sys.stderr)
            return 1
        print(f"no new findings against the baseline {args.baseline}")
    return 0
