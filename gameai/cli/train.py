"""`gameai train`: train a self-play MaskablePPO bot (parameter sharing over the batched core).

Shows a progress bar, checkpoints to ``OUT.ckpt/`` (every --checkpoint-every steps and on
Ctrl-C) and resumes from there when run again with the same --out. Trains on random generated
map seeds and ends with an evaluation on held-out map seeds against the scripted bots.
"""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train a learned bot by self-play (MaskablePPO); resumable",
        description="Train a learned bot for a ruleset with self-play MaskablePPO. One network drives every "
                    "unit of its team; it plays a league of the scripted bots and its own snapshots on random "
                    "generated maps, then is evaluated on held-out maps. Run the same command again to resume "
                    "after an interrupt. Steps are agent-steps (one unit's decision).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--ruleset", default=None, help="ruleset TOML file (default: the packaged default)")
    p.add_argument("--steps", type=int, required=True, help="total agent-steps to train (a resumed run continues to this)")
    p.add_argument("--out", required=True, help="model file to write (.zip); checkpoints go to OUT.ckpt/")
    p.add_argument("--seed", type=int, default=0, help="training seed (same seed, same run on 1 thread)")
    p.add_argument("--slots", type=int, default=512, help="units in each batch (SB3 n_envs)")
    p.add_argument("--map-size", type=int, default=32, help="generated map size in cells; 0 = built-in arena")
    p.add_argument("--checkpoint-every", type=int, default=100_000, help="agent-steps between checkpoints")
    p.add_argument("--snapshot-every", type=int, default=250_000, help="agent-steps between league snapshots")
    p.add_argument("--imitate", default="kite", metavar="BOT",
                   help="scripted bot cloned before self-play as a warm start; 'none' to learn from scratch")
    p.add_argument("--imitate-steps", type=int, default=300_000, help="slot-steps of the teacher's play to clone")
    p.add_argument("--learning-rate", type=float, default=6e-4, help="PPO learning rate")
    p.add_argument("--lr-schedule", choices=("linear", "constant"), default="linear",
                   help="learning rate over the run: linear (falls to 0 at the last step; self-play at a "
                        "constant rate drifts late in a run) or constant (how ppo was trained)")
    p.add_argument("--league", default="focus_fire,kite,retreat",
                   help="scripted bots in the opponent pool (snapshots of the learner join as it trains)")
    p.add_argument("--eval-seeds", type=int, default=100, help="held-out map seeds for the final evaluation (0: skip)")
    p.add_argument("--tensorboard", metavar="DIR", default=None,
                   help="also write TensorBoard logs here (needs `pip install tensorboard`)")
    p.add_argument("--randomize", metavar="SPEC", default=None,
                   help="domain-randomised self-play: draw rulesets from a balance sweep spec's parameter ranges "
                        "(a TOML file) or from 'default' ranges (every archetype's stats x0.5-x2), and random "
                        "armies within the budget; trains on observation layout v2")
    p.add_argument("--matches-per-draw", type=int, default=128,
                   help="with --randomize: matches a slot group plays on one drawn ruleset")
    p.add_argument("--single-unit-share", type=float, default=0.0, metavar="F",
                   help="with --randomize: share of the drawn (non-default) rulesets played with one archetype "
                        "per side bought with the budget, the armies of a sweep's unit matrix, which random "
                        "mixes almost never are")
    p.add_argument("--init", metavar="BOT", default=None,
                   help="fine-tune: start from this learned bot (a shipped name such as ppo_general, or a model "
                        ".zip) instead of imitation; e.g. adapt the generalist to one --ruleset")
    p.add_argument("--obs-layout", type=int, default=None, choices=(1, 2),
                   help="observation layout version (default: the --init model's, 2 with --randomize, else 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
    p.set_defaults(func=run)


def run(args) -> int:
    from gameai.cli.match import load_ruleset_arg
    from gameai.errors import GameAIError

    ruleset = load_ruleset_arg(args.ruleset)
    from agents.rl_policy import ModelFileError
    from agents.rl_randomize import RandomizeError, fingerprint
    from agents.rl_train import TrainConfig, TrainError, train
    from envs.maps import MapError

    try:
        draws = rule_draws(args.randomize, ruleset, args.single_unit_share)
        init = resolve_init(args.init)
    except (RandomizeError, ModelFileError) as exc:
        raise GameAIError(str(exc)) from None
    layout = args.obs_layout or (init_layout(init) if init else (2 if draws is not None else 1))

    cfg = TrainConfig(steps=args.steps, out=args.out, seed=args.seed, n_slots=args.slots, map_size=args.map_size,
                      checkpoint_every=args.checkpoint_every, snapshot_every=args.snapshot_every,
                      eval_seeds=args.eval_seeds, tensorboard=args.tensorboard,
                      imitate=None if args.imitate.lower() == "none" else args.imitate,
                      imitate_steps=args.imitate_steps, learning_rate=args.learning_rate,
                      lr_schedule=args.lr_schedule,
                      league_bots=tuple(b.strip() for b in args.league.split(",") if b.strip()),
                      ruleset_source=args.ruleset or "default", obs_layout=layout, randomize=fingerprint(draws),
                      matches_per_draw=args.matches_per_draw, init=init)
    try:
        result = train(cfg, ruleset, progress=not args.no_progress, draws=draws)
    except KeyboardInterrupt:
        print(f"interrupted: progress saved in {cfg.checkpoint_dir}; run the same command again to resume")
        raise
    except (TrainError, ModelFileError, MapError) as exc:
        raise GameAIError(str(exc)) from None
    print(f"trained {result.steps:,} agent-steps ({result.seconds:.0f} s this session, "
          f"idle slots {result.idle_fraction:.1%}"
          + (f", {result.rulesets_drawn} rulesets drawn" if result.rulesets_drawn else "")
          + f"); model: {result.model_path}")
    print("league (OpenSkill, best first):")
    for row in result.league:
        vs = "" if row["learner_score"] is None else f"  learner's recent score vs it {row['learner_score']:.0%}"
        print(f"  {row['name']:<16} ordinal {row['ordinal']:6.1f}  (mu {row['mu']:.1f}, sigma {row['sigma']:.1f}, "
              f"{row['games']} games){vs}")
    if result.evaluation:
        print(f"held-out evaluation ({cfg.eval_seeds} map seeds, both sides):")
        for opp, r in result.evaluation.items():
            print(f"  vs {opp:<12} win {r['win_rate']:.1%}  95% CI [{r['ci95'][0]:.1%}, {r['ci95'][1]:.1%}]  "
                  f"({r['wins']}W {r['draws']}D {r['losses']}L of {r['matches']})")
    return 0


def rule_draws(spec_arg: str | None, ruleset, single_unit_share: float = 0.0):
    """``--randomize``: None, the default ranges, or a balance sweep spec's parameter ranges (its parser
    validates the file and the values against the ruleset; the spec's own ruleset is the base)."""
    from agents.rl_randomize import RandomizeError, RuleDraws, default_ranges, ranges_from_params

    if spec_arg is None:
        if single_unit_share:
            raise RandomizeError("--single-unit-share needs --randomize (it shapes the drawn armies)")
        return None

    if spec_arg == "default":
        return RuleDraws(ruleset, default_ranges(ruleset), source="default", single_unit_share=single_unit_share)
    from gameai.balance.spec import SpecError, load_spec

    try:
        spec = load_spec(spec_arg)
    except (SpecError, OSError) as exc:
        raise RandomizeError(f"--randomize {spec_arg}: {exc}") from None
    budget = 1.0 if spec.budget is None else spec.budget / spec.base_ruleset.match.budget  # armies as the sweep's
    return RuleDraws(spec.base_ruleset, ranges_from_params(spec.params), budget_range=(0.6 * budget, budget),
                     source=str(spec_arg), single_unit_share=single_unit_share)


def resolve_init(arg: str | None) -> str | None:
    """``--init``: a shipped learned bot's model file, or a model .zip path; a clear error if missing."""
    if arg is None:
        return None
    from agents.rl_finetune import resolve_model

    return resolve_model(arg)


def init_layout(path: str) -> int:
    from agents.rl_policy import load_model, model_layout

    return model_layout(load_model(path))
