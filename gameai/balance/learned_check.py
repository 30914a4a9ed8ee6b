"""`learned_bot_check = true` in a spec's [play]: do a learned bot's verdicts hold once it is tuned to the numbers?

A learned bot in a sweep plays every configuration with the same network. Where the sweep's
numbers are furthest from what the bot trained on, its verdicts are the least sure. This check
takes the sweep's ``n`` most extreme configurations (the largest summed distance of each swept
parameter from the middle of its range, as a share of the range), fine-tunes each learned bot of
the spec on each of them for ``steps`` agent-steps (``agents.rl_finetune.fine_tune``), and plays
every matchup of that configuration with the bot and with its tuned copy (the same bot on both
sides, ``seeds`` held-out generated maps, both sides each). It reports the first army's win rate
both ways and how far it moved, in points. Small shifts: the verdicts do not hinge on the bot not
knowing the numbers. Large ones: re-run the sweep with a bot trained for those numbers.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from gameai.balance.spec import SweepSpec

MAP_SIZE = 32


def extreme_configs(spec: SweepSpec, configs: Sequence[Any], n: int = 2) -> list[Any]:
    """The ``n`` configurations furthest from the middle of the swept ranges (ties: lower index first)."""
    bounds = {p.key: p.bounds() for p in spec.params}

    def extremity(c) -> float:
        total = 0.0
        for key, value in c.overrides:
            lo, hi = bounds.get(key, (value, value))
            total += abs((value - lo) / (hi - lo) - 0.5) if hi > lo else 0.0
        return total

    ranked = sorted(configs, key=lambda c: (-extremity(c), c.index))
    return [c for c in ranked[:n] if c.overrides]


def learned_bots(spec: SweepSpec) -> list[str]:
    from agents.pretrained import is_learned

    return [b for b in spec.bots if is_learned(b)]


def _file_label(bot: str) -> str:
    """A file name for a bot's tuned copy: a model file's bot name is its path, and two runs may share a
    stem (runs/a/mine.zip, runs/b/mine.zip), so its content digest keeps their copies (and checkpoints) apart."""
    from gameai.balance.plan import bot_identity

    digest = bot_identity(bot)[1]
    return bot if digest is None else f"{Path(bot).stem}-{digest[:8]}"


def _win_rate(ruleset, blue: dict, red: dict, make_bot: Callable, seeds: list[int]) -> float:
    """The first army's win rate, the same bot on both sides, each seed from both sides."""
    from agents.arena import run_matches
    from agents.map_seeds import terrain_for

    wins = matches = 0
    for a, b, mine in ((blue, red, "blue"), (red, blue, "red")):
        res = run_matches(ruleset, a, b, seeds, blue_bot=make_bot(), red_bot=make_bot(), terrain=terrain_for(MAP_SIZE))
        wins += sum(r.winner == mine for r in res)
        matches += len(res)
    return wins / matches


def learned_bot_check(spec: SweepSpec, configs: Sequence[Any], work_dir: str | Path, *, n_configs: int = 2,
                      steps: int = 100_000, seeds: int = 20, log: Callable[[str], None] = print,
                      **train_settings: Any) -> dict[str, Any]:
    """Fine-tune each learned bot on the most extreme configurations and measure how far verdicts move."""
    from agents import make_policy
    from agents.map_seeds import held_out_seeds
    from agents.rl_finetune import fine_tune
    from agents.rl_tiers import learned_policy
    from gameai.balance.play import army_units

    bots = learned_bots(spec)
    rows = []
    map_seeds = held_out_seeds(seeds, start=90_000)
    for c in extreme_configs(spec, configs, n_configs):
        for bot in bots:
            out = Path(work_dir) / f"{_file_label(bot)}_tuned_{c.id}.zip"
            log(f"learned bot check: fine-tuning {bot} on {dict(c.overrides)} for {steps:,} steps")
            fine_tune(bot, c.ruleset, steps, seed=spec.master_seed, out=out, log=lambda m: None,
                      map_size=MAP_SIZE, **train_settings)
            for m in spec.matchups:
                blue, red = army_units(c.ruleset, m.a, spec.budget), army_units(c.ruleset, m.b, spec.budget)
                before = _win_rate(c.ruleset, blue, red, lambda: make_policy(bot), map_seeds)
                after = _win_rate(c.ruleset, blue, red, lambda: learned_policy(out, name=f"{bot}_tuned"), map_seeds)
                rows.append({"config": c.id, "overrides": dict(c.overrides), "bot": bot, "matchup": m.name,
                             "win_rate": before, "win_rate_tuned": after, "shift_points": 100 * (after - before)})
    shifts = np.abs([r["shift_points"] for r in rows]) if rows else np.zeros(0)
    return {"bots": bots, "steps": steps, "seeds": seeds, "rows": rows,
            "median_abs_shift_points": float(np.median(shifts)) if len(shifts) else None,
            "max_abs_shift_points": float(shifts.max()) if len(shifts) else None}
