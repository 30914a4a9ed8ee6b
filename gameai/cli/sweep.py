"""`gameai sweep SPEC --out DIR`: play a balance-test sweep and write its report.

Resumable: rerunning the same command after a kill plays only the missing matches.
"""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path


RESUME_NOTE = ("every finished match is saved in {out}/results.sqlite; "
               "run the same `gameai {cmd}` command again to resume")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep", help="run a balance-test sweep from a TOML spec; writes report.html, results.csv, summary.json",
        description="Play every match a sweep spec asks for (resuming from DIR/results.sqlite) and write "
                    "DIR/report.html, DIR/results.csv and DIR/summary.json. Spec format: docs/designer-balance.md.")
    p.add_argument("spec", help="sweep spec (TOML), e.g. examples/sweeps/unit_matrix.toml")
    p.add_argument("--out", required=True, help="output folder (created; reused to resume)")
    add_backend_args(p)
    p.add_argument("--check", action="store_true", help="validate the spec and print the plan, play nothing")
    p.set_defaults(func=run)


def add_backend_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=("local", "ray"), default="local",
                   help="local process pool (default) or Ray")
    p.add_argument("--address", default=None,
                   help="Ray cluster address (e.g. auto or ray://head:10001); default: start Ray locally")
    p.add_argument("--workers", type=int, default=None, help="worker processes / Ray CPUs (default: all cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def load(spec_path: str, args):
    """Load the spec and check the backend options; every bad input becomes a GameAIError."""
    from gameai.balance.spec import SpecError, load_spec
    from gameai.errors import GameAIError

    if args.workers is not None and args.workers < 1:
        raise GameAIError(f"--workers must be at least 1 (got {args.workers})")
    if args.address and args.backend != "ray":
        raise GameAIError("--address only applies to --backend ray")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise GameAIError(f"--out {out} is a file; give a folder (it is created, and reused to resume)")
    try:
        return load_spec(spec_path)
    except SpecError as exc:
        raise GameAIError(str(exc)) from None


def translate(exc: Exception):
    """Turn the balance package's own errors into a clean GameAIError (others propagate)."""
    from gameai.balance.play import EngineMismatch
    from gameai.balance.runner_ray import RayUnavailable
    from gameai.balance.spec import SpecError
    from gameai.balance.store import StoreError
    from gameai.errors import GameAIError

    if isinstance(exc, (SpecError, StoreError, RayUnavailable, EngineMismatch)):
        return GameAIError(str(exc))
    try:
        from envs.ruleset import RulesetError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, RulesetError):
        return GameAIError(str(exc))
    return None


@contextmanager
def sweep_errors(cmd: str, out):
    """Around a sweep or balance run: on Ctrl-C say how to resume; show the balance package's
    own errors as clean messages (anything else is a bug and propagates)."""
    try:
        yield
    except KeyboardInterrupt:
        print(RESUME_NOTE.format(cmd=cmd, out=out), file=sys.stderr)
        raise
    except Exception as exc:
        clean = translate(exc)
        if clean is not None:
            raise clean from None
        raise


def run(args) -> int:
    from rich.console import Console

    from gameai.balance.design import build_design
    from gameai.balance.plan import plan_matches
    from gameai.balance.report import analyse_and_report
    from gameai.balance.sweep import run_sweep

    console = Console()
    spec = load(args.spec, args)
    with sweep_errors("sweep", args.out):
        if args.check:
            configs = build_design(spec)
            n = len(plan_matches(spec, configs))
            console.print(f"{spec.source}: OK — {len(configs)} configurations × {len(spec.matchups)} matchups × "
                          f"{len(spec.bots)} bots × {len(spec.tiers)} tiers × {spec.matches} matches = {n} matches")
            return 0
        configs, outcome = run_sweep(spec, args.out, backend=args.backend, workers=args.workers,
                                     address=args.address, progress=not args.no_progress)
        summary, paths = analyse_and_report(spec, configs, outcome, args.out)
        check = run_learned_check(spec, configs, args.out, console) if spec.learned_bot_check else None
    print_summary(console, summary, paths, outcome)
    if check is not None:
        console.print(f"learned bot check ({', '.join(check['bots'])} fine-tuned {check['steps']:,} steps on the "
                      f"{len({r['config'] for r in check['rows']})} most extreme configurations): verdicts moved "
                      f"{_f(check['median_abs_shift_points'])} points (median), {_f(check['max_abs_shift_points'])} "
                      f"at most; details in {Path(args.out) / 'learned_check.json'}")
    return 0


def run_learned_check(spec, configs, out_dir, console) -> dict:
    """`learned_bot_check = true`: fine-tune the learned bots on the extreme configurations (learned_check.json)."""
    import json

    from gameai.balance.learned_check import learned_bot_check

    out = Path(out_dir)
    check = learned_bot_check(spec, configs, out / "learned_check", steps=spec.learned_check_steps,
                              log=lambda m: console.print(f"[dim]{m}[/dim]"))
    (out / "learned_check.json").write_text(json.dumps(check, indent=1))
    return check


def print_summary(console, summary: dict, paths: dict, outcome) -> None:
    from rich.table import Table

    console.print(f"[bold]{summary['name']}[/]: {summary['matches']} matches "
                  f"({outcome.played} played now, {outcome.reused} already stored) in {outcome.seconds:.1f} s")
    t = Table(title=f"balance deviation — {summary['headline_config']} (target ±{100 * summary['target']:g})")
    for col in ("segment", "deviation (pts)", "worst matchup (pts)"):
        t.add_column(col)
    for seg, d in summary["deviation"].items():
        t.add_row(seg, _f(d["deviation"]), _f(d["max_deviation"]))
    console.print(t)
    head = [f for f in summary["flags"] if f["config"] == summary["headline_config"]]
    for f in head:
        if f["flag"] in ("dominant", "underpowered"):
            console.print(f"[red]flag[/] ({f['segment']}) {f['army']} ({f['kind']}) is {f['flag']}: "
                          f"mean win rate {100 * f['mean_win_rate']:.1f}% against {len(f['against'])} opponents",
                          markup=True, highlight=False)
    outside: dict[str, list[str]] = {}
    for f in head:
        if f["flag"] == "imbalanced_matchup":
            outside.setdefault(f["segment"], []).append(f"{f['matchup']} {100 * f['win_rate']:.0f}%")
    for seg, items in outside.items():
        console.print(f"[yellow]outside 50% ± {100 * summary['target']:g}[/] ({seg}): {', '.join(items)}",
                      highlight=False)
    if not head:
        console.print("no flags in the headline configuration")
    styles = summary.get("style_verdicts")
    if styles:   # several bots: is each flagged matchup broken for every style? (report: "Verdicts across bot styles")
        for m in styles["matchups"]:
            verdicts = "; ".join(f"{t['tier']}: {t['headline_verdict']} ({t['headline_from']})" for t in m["tiers"])
            colour = {"robust": "green", "style-dependent": "red"}.get(m["marking"], "yellow")
            console.print(f"[{colour}]{m['marking']}[/] across bots {', '.join(styles['bots'])}: "
                          f"{m['matchup']}: {verdicts}", highlight=False)
    for name, p in paths.items():
        console.print(f"{name}: {p}")


def _f(v) -> str:
    return "–" if v is None else f"{v:.1f}"
