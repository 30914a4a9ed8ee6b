"""`gameai balance check SPEC --baseline DIR`: the balance CI gate.

Replays the sweep into --out (resuming; an --out folder that already holds this sweep is reused
as is), compares every matchup × segment of its headline configuration with the baseline (a
previous sweep's output folder) and writes JUnit XML and a Markdown summary. Exit code 0 when
nothing left the target band or moved beyond its CI, 1 when something did, 2 on bad input.
`gameai balance-check` is the same command (main.py maps `balance check` onto it, because
`gameai balance SPEC` already takes a spec as its first argument).
"""
from __future__ import annotations

import time
from pathlib import Path

DEFAULT_OUT = "balance-check"


def register(subparsers) -> None:
    from gameai.cli.sweep import add_backend_args

    p = subparsers.add_parser(
        "balance-check", prog="gameai balance check",
        help="CI gate (also `gameai balance check`): replay a sweep, compare it with a baseline sweep; "
             "JUnit XML + Markdown",
        description="Replay the sweep of SPEC and compare each matchup × segment of its headline configuration "
                    "with a baseline sweep of the same spec. Fails (exit 1) when a matchup leaves 50% ± target "
                    "or its win rate moves beyond its confidence interval; writes JUnit XML for the CI's test "
                    "view and Markdown for a pull-request comment. Rule: docs/designer-balance.md.")
    p.add_argument("spec", help="sweep spec (TOML) with a target")
    p.add_argument("--baseline", required=True,
                   help="a previous sweep's output folder (summary.json; results.csv/results.sqlite are "
                        "cross-checked when kept)")
    p.add_argument("--out", default=DEFAULT_OUT,
                   help=f"output folder of the replayed sweep (default: ./{DEFAULT_OUT}; reused to resume); "
                        "it is a complete sweep folder, ready to become the next baseline")
    p.add_argument("--junit", default=None, help="JUnit XML path (default: OUT/check.junit.xml)")
    p.add_argument("--markdown", default=None, help="Markdown summary path (default: OUT/check.md)")
    p.add_argument("--target", type=float, default=None,
                   help="half-width of the band as a fraction, e.g. 0.05 (default: the spec's target)")
    # The default is resolved in run(): gameai.balance.check imports scipy.stats (2 s), too slow for
    # building the parser that every gameai command builds.
    p.add_argument("--alpha", type=float, default=None,
                   help="false-alarm budget of the whole check for an unchanged game (default: 0.05)")
    add_backend_args(p)
    p.set_defaults(func=run, command="balance check")


def run(args) -> int:
    from rich.console import Console

    from gameai.balance.check import BaselineError, check_same_spec, compare, load_baseline, read_summary
    from rich.markup import escape

    from gameai.balance.check_report import describe, styles_text, write_junit, write_markdown
    from gameai.balance.design import build_design
    from gameai.balance.report import analyse_and_report
    from gameai.balance.sweep import run_sweep
    from gameai.cli.sweep import load, sweep_errors
    from gameai.errors import GameAIError

    t0 = time.perf_counter()
    console = Console()
    if args.alpha is None:
        from gameai.balance.check import DEFAULT_ALPHA
        args.alpha = DEFAULT_ALPHA
    if not 0 < args.alpha < 0.5:
        raise GameAIError(f"--alpha is a false-alarm rate between 0 and 0.5, e.g. 0.05 (got {args.alpha})")
    if args.target is not None and not 0 < args.target < 0.5:
        raise GameAIError(f"--target is a fraction between 0 and 0.5, e.g. 0.05 for 50% ± 5 (got {args.target})")
    out, baseline_dir = Path(args.out), Path(args.baseline)
    if out.resolve() == baseline_dir.resolve():
        raise GameAIError(f"--out {out} is the baseline folder; the check would overwrite its own reference: "
                          "give another --out")
    spec = load(args.spec, args)
    if args.target is None and "target" not in spec.raw:
        raise GameAIError(f"{spec.source}: has no target; a CI gate needs the band it holds matchups to: add "
                          "e.g. `target = 0.05` (50% ± 5) at the top of the spec, or pass --target 0.05")
    target = args.target if args.target is not None else spec.target
    try:
        baseline, verified = load_baseline(baseline_dir)
        with sweep_errors("balance check", out):
            # Before the replay: a baseline of another spec should not cost a whole sweep to find out.
            early = {"name": spec.name, "master_seed": spec.master_seed, "headline_config": build_design(spec)[0].id}
            mismatch = {k: v for k, v in early.items() if baseline.get(k) != v}
            if mismatch:
                check_same_spec(baseline, {**baseline, **mismatch}, baseline_dir)
            configs, outcome = run_sweep(spec, out, backend=args.backend, workers=args.workers,
                                         address=args.address, progress=not args.no_progress)
            analyse_and_report(spec, configs, outcome, out)
        current = read_summary(out, "this sweep")
        check_same_spec(baseline, current, baseline_dir)
        result = compare(baseline, current, target=target, alpha=args.alpha, baseline_label=str(baseline_dir))
    except BaselineError as exc:
        raise GameAIError(str(exc)) from None
    junit = write_junit(result, args.junit or out / "check.junit.xml", time.perf_counter() - t0)
    md = write_markdown(result, args.markdown or out / "check.md")

    console.print(f"[bold]{result.name}[/]: {outcome.played} matches played, {outcome.reused} reused; "
                  f"baseline {baseline_dir} ({verified})", highlight=False)
    for c in result.failures:
        console.print(f"[red]FAIL[/] {escape(describe(c, result))}", highlight=False)
    for matchup in dict.fromkeys(c.matchup for c in result.failures):
        style = result.style_of(matchup)
        if style:   # several bots: say whether the failure holds for every style
            console.print(f"     {escape(matchup)} {escape(styles_text(style))}", highlight=False)
    n = len(result.cells)
    if result.passed:
        console.print(f"[green]passed[/]: all {n} matchup × segment checks", highlight=False)
    else:
        console.print(f"[red]failed[/]: {len(result.failures)} of {n} matchup × segment checks", highlight=False)
    console.print(f"junit: {junit}\nmarkdown: {md}\nreport: {out / 'report.html'}", highlight=False)
    return 0 if result.passed else 1
