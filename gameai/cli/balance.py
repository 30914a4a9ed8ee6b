"""`gameai balance SPEC --out DIR`: search a ruleset change that brings every matchup within target.

Writes DIR/proposal.toml (the diff, with before/after figures), DIR/balanced_ruleset.toml and
DIR/balance.json. Exit code 0 when fresh-seed re-validation confirms the proposal, 1 when not.
`gameai balance check SPEC --baseline DIR` (the CI gate) is gameai/cli/balance_check.py.
"""
from __future__ import annotations


def register(subparsers) -> None:
    from gameai.cli.sweep import add_backend_args

    p = subparsers.add_parser(
        "balance", help="auto-balance: propose a ruleset diff that brings every matchup within 50%% ± target",
        description="Search parameter changes (optuna) within the spec's swept ranges that bring every matchup "
                    "within 50% ± target while changing as few numbers, by as little, as possible; re-validate on "
                    "fresh seeds. Exit code 0 if confirmed, 1 if not. The CI gate is `gameai balance check SPEC "
                    "--baseline DIR` (see `gameai balance check --help`).")
    p.add_argument("spec", help="sweep spec (TOML) with [params] (and optionally [autobalance])")
    p.add_argument("--out", required=True, help="output folder (created; reused to resume)")
    p.add_argument("--trials", type=int, default=None, help="search trials (default: the spec's autobalance.trials)")
    p.add_argument("--target", type=float, default=None,
                   help="half-width of the band, as a fraction: 0.03 = within 50%% ± 3 (default: the spec's target)")
    add_backend_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from rich.console import Console

    from gameai.balance.autobalance import autobalance
    from gameai.cli.sweep import load, sweep_errors
    from gameai.errors import GameAIError

    console = Console()
    if args.trials is not None and args.trials < 1:
        raise GameAIError(f"--trials must be at least 1 (got {args.trials})")
    if args.target is not None and not 0 < args.target < 0.5:
        raise GameAIError(f"--target is a fraction between 0 and 0.5, e.g. 0.03 for 50% ± 3 (got {args.target})")
    spec = load(args.spec, args)
    with sweep_errors("balance", args.out):
        result = autobalance(spec, args.out, backend=args.backend, workers=args.workers, address=args.address,
                             progress=not args.no_progress, trials=args.trials, target=args.target)
    b, a = result["before"], result["after"]
    console.print(f"[bold]proposal[/] (target: every matchup within 50% ± {100 * result['target']:g}):")
    if not result["proposal"]:
        console.print("  no change")
    for key, ch in result["proposal"].items():
        console.print(f"  {key}: {ch['before']:g} -> {ch['after']:g}")
    console.print(f"re-validated on fresh seeds ({result['validation_matches_per_cell']} matches per matchup and tier):")
    console.print(f"  deviation     {b['deviation']:.1f} -> {a['deviation']:.1f} points")
    console.print(f"  worst matchup {b['max_deviation']:.1f} -> {a['max_deviation']:.1f} points")
    console.print("  [green]confirmed[/]" if result["confirmed"] else
                  "  [red]not confirmed[/]: some matchup is still outside the target band (see balance.json); "
                  "try more --trials, wider parameter ranges, or more parameters")
    for name, p in result["files"].items():
        console.print(f"{name}: {p}")
    return 0 if result["confirmed"] else 1
