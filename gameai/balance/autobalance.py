"""Auto-balance: search parameter changes that bring every matchup within 50% ± target,
changing as few parameters, by as little, as possible; then re-validate on fresh seeds.

The search is optuna's TPE sampler (seeded, so reruns propose the same trials and find their
matches in the store: the search resumes like a sweep). Each parameter gets a yes/no
"change it?" choice and, if yes, a value within its swept range, so leaving a parameter
alone is a first-class option. A trial's score (lower is better), in win-rate points:

    miss    = mean over matchup cells of max(0, |win rate - 50| - target)
    guide   = GUIDE_WEIGHT * damage-share gap, only while the target is missed (see damage_gap)
    centre  = CENTRE_WEIGHT * mean over cells of |win rate - 50|
    penalty = change_penalty * 100 * (number changed + sum of |change| / swept range)

Steps: (1) search on "search" seeds; (2) the best few trials are re-measured with four times
the matches on "confirm" seeds and the best kept, searching further (up to `rounds` times)
while none holds the target; (3) each change is reverted in turn (smallest
first) if the target still holds without it; (4) base and proposal are both played on
"validate" seeds that no earlier step used, giving the before/after figures. The proposal is
confirmed when every validation win rate lies within 50% ± target.
"""
from __future__ import annotations

import json
import math
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from gameai.balance.design import Config, clean_value, configure
from gameai.balance.rows import MatchRow
from gameai.balance.spec import SpecError, SweepSpec
from gameai.balance.stats import win_rates
from gameai.balance.store import ResultStore
from gameai.balance.sweep import STORE_NAME, make_runner, play


#: Weight of the damage-share guide in the search score (see damage_gap).
GUIDE_WEIGHT = 0.5
#: Weight of the plain deviation: inside the band it pulls proposals off the band's edge,
#: where fresh seeds would push them out again half the time.
CENTRE_WEIGHT = 0.5


@dataclass
class Knob:
    key: str
    base: float
    low: float
    high: float
    integer: bool

    @property
    def span(self) -> float:
        return self.high - self.low


def knobs_of(spec: SweepSpec) -> list[Knob]:
    if not spec.autobalance.params:
        raise SpecError(spec.source, "autobalance", None, "no parameters to change",
                        hint="list swept parameters under [params] (and optionally [autobalance] params = [...])")
    out = []
    for key in spec.autobalance.params:
        p = spec.param(key)
        node = spec.base_ruleset.get(key)
        lo, hi = p.bounds()
        lo, hi = min(lo, node), max(hi, node)   # the search space always contains "no change"
        out.append(Knob(key, node, lo, hi, p.integer))
    return out


def _step(k: Knob) -> float:
    # About 50-500 values across the range, on a round step a designer would type.
    return 10.0 ** math.floor(math.log10(k.span / 50)) if k.span > 0 else 1.0


def cell_rates(rows: list[MatchRow]) -> list[dict]:
    """Per (matchup, segment = tier or bot) win rates of one configuration, non-mirror only."""
    segs = sorted({r.tier for r in rows})
    bots = sorted({r.bot for r in rows})
    rates = win_rates(rows, segs if len(bots) == 1 else segs + [f"bot:{b}" for b in bots])
    return [w.to_dict() for w in rates if not w.mirror]


def miss_points(cells: list[dict], target: float) -> float:
    gaps = [max(0.0, abs((c["win_rate"] if c["win_rate"] is not None else 0.5) - 0.5) - target) * 100 for c in cells]
    return float(np.mean(gaps)) if gaps else 0.0


def damage_gap(rows: list[MatchRow]) -> float:
    """Mean over matchup cells of |A's share of the damage dealt - 50%|, in points.

    Win rates saturate at 0% or 100% far from balance, which leaves the search a flat
    landscape; the damage share still moves smoothly there, so it guides the search
    towards the balanced region (it only counts while the target is missed).
    """
    cells: dict[tuple, list[float]] = {}
    for r in rows:
        if r.mirror:
            continue
        tot = (r.a_damage or 0) + (r.b_damage or 0)
        cells.setdefault((r.matchup, r.tier, r.bot), []).append(0.5 if tot <= 0 else r.a_damage / tot)
    gaps = [abs(float(np.mean(v)) - 0.5) * 100 for v in cells.values()]
    return float(np.mean(gaps)) if gaps else 0.0


def within(cells: list[dict], target: float) -> bool:
    return all(c["win_rate"] is not None and abs(c["win_rate"] - 0.5) <= target + 1e-12 for c in cells)


def penalty(changes: dict[str, float], knobs: list[Knob], weight: float) -> float:
    by = {k.key: k for k in knobs}
    rel = sum(abs(v - by[key].base) / by[key].span for key, v in changes.items() if by[key].span > 0)
    return weight * 100 * (len(changes) + rel)


def _config(spec: SweepSpec, changes: dict[str, float], knobs: list[Knob]) -> Config:
    return configure(spec.base_ruleset, tuple((k.key, changes[k.key]) for k in knobs if k.key in changes))


def _by_config(rows: Iterable[MatchRow]) -> dict[str, list[MatchRow]]:
    out: dict[str, list[MatchRow]] = {}
    for r in rows:
        out.setdefault(r.config_id, []).append(r)
    return out


def autobalance(spec: SweepSpec, out_dir: str | Path, *, backend: str = "local", workers: int | None = None,
                address: str | None = None, progress: bool = True, trials: int | None = None,
                target: float | None = None) -> dict:
    """Search, prune, re-validate; writes proposal.toml, balanced_ruleset.toml, balance.json."""
    target = spec.target if target is None else target
    n_trials = trials or spec.autobalance.trials
    knobs = knobs_of(spec)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with ResultStore(out / STORE_NAME) as store, make_runner(backend, workers, address) as runner:
        store.set_meta("spec", spec.source)
        return _balance(spec, out, store, runner, knobs, n_trials, target, progress)


def _balance(spec, out, store, runner, knobs, n_trials, target, progress) -> dict:
    import optuna

    ab = spec.autobalance
    by_key = {k.key: k for k in knobs}
    workers = runner.ready()     # a Ray runner's worker count is known once it has joined its cluster

    def evaluate(change_sets: list[dict[str, float]], phase: str, matches: int, what: str) -> list[dict]:
        cfgs = [_config(spec, c, knobs) for c in change_sets]
        uniq = list({c.id: c for c in cfgs}.values())
        res = play(spec, uniq, store, runner, phase=phase, matches=matches, progress=progress, description=what)
        rows = _by_config(res.rows)
        out_ = []
        for c, ch in zip(cfgs, change_sets):
            cells = cell_rates(rows[c.id])
            miss = miss_points(cells, target)
            guide = GUIDE_WEIGHT * damage_gap(rows[c.id]) if miss > 0 else 0.0
            dev = miss_points(cells, 0.0)
            score = miss + guide + CENTRE_WEIGHT * dev + penalty(ch, knobs, ab.change_penalty)
            out_.append({"changes": ch, "cells": cells, "miss": miss, "deviation": dev,
                         "within": within(cells, target), "score": score, "config": c.id})
        return out_

    # (1) search
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=spec.master_seed, n_startup_trials=min(8, max(2, n_trials // 3)),
                                             multivariate=True, group=True)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    study.enqueue_trial({f"change:{k.key}": False for k in knobs})     # trial 0: the ruleset as it is
    # Then a one-at-a-time screen: each parameter alone at both ends of its range, so the
    # sampler learns early which numbers move the win rates and in which direction.
    queued = 1
    for k in knobs:
        for end in (k.low, k.high):
            if end != k.base and queued < n_trials:
                queued += 1
                study.enqueue_trial({**{f"change:{o.key}": o.key == k.key for o in knobs}, k.key: end})
    history: list[dict] = []
    batch = max(2, workers or 2)
    confirm_n = ab.matches * 4
    confirmed: list[dict] = []
    measured: set[str] = set()
    rounds = 0
    # Search, then re-measure the best trials with 4x the matches on new seeds; the search's
    # few matches per trial flatter the luckiest trials, so when no finalist holds the
    # target on re-measurement, search further (up to `rounds` times).
    while rounds < ab.rounds:
        rounds += 1
        total = rounds * n_trials
        while len(history) < total:
            group = [study.ask() for _ in range(min(batch, total - len(history)))]
            change_sets = []
            for t in group:
                ch = {}
                for k in knobs:
                    if t.suggest_categorical(f"change:{k.key}", [False, True]):
                        if k.integer:
                            v = t.suggest_int(k.key, int(math.ceil(k.low)), int(math.floor(k.high)))
                        else:
                            v = t.suggest_float(k.key, k.low, k.high, step=_step(k))
                        v = clean_value(v, k.integer)
                        if v != k.base:
                            ch[k.key] = v
                change_sets.append(ch)
            results = evaluate(change_sets, "search", ab.matches,
                               f"search trials {len(history) + 1}-{len(history) + len(group)}/{total}")
            for t, r in zip(group, results):
                study.tell(t, r["score"])
                history.append({"trial": t.number, **{k: r[k] for k in ("changes", "miss", "within", "score")}})
        finalists = []
        for h in sorted(history, key=lambda h: h["score"]):
            sig = json.dumps(h["changes"], sort_keys=True)
            if sig not in measured and h["changes"]:
                measured.add(sig)
                finalists.append(h["changes"])
            if len(finalists) >= ab.finalists:
                break
        if finalists:
            confirmed += evaluate(finalists, "confirm", confirm_n, "re-measuring the best trials")
        if any(r["within"] for r in confirmed):
            break
    base_search = history[0]
    if not confirmed:
        confirmed = evaluate([{}], "confirm", confirm_n, "re-measuring the ruleset as it is")
    best = min(confirmed, key=lambda r: (not r["within"], r["score"]))

    # (3) drop changes that are not needed (smallest relative change first)
    pruned = []
    if best["within"]:
        order = sorted(best["changes"], key=lambda key: abs(best["changes"][key] - by_key[key].base) / by_key[key].span)
        for key in order:
            trial_changes = {k: v for k, v in best["changes"].items() if k != key}
            if not trial_changes:
                continue
            r = evaluate([trial_changes], "confirm", confirm_n, f"trying without {key}")[0]
            if r["within"]:
                best = r
                pruned.append(key)

    # (4) fresh seeds: base vs proposal
    before, after = evaluate([{}, best["changes"]], "validate", ab.validation_matches, "re-validating on fresh seeds")
    proposal = {k: {"before": by_key[k].base, "after": v} for k, v in best["changes"].items()}
    result = {
        "spec": spec.source, "ruleset": spec.ruleset_ref, "target": target, "trials": len(history),
        "rounds": rounds,
        "search_matches_per_cell": ab.matches, "confirm_matches_per_cell": confirm_n,
        "validation_matches_per_cell": ab.validation_matches,
        "proposal": proposal, "reverted_as_unneeded": pruned,
        "before": _figures(before, target), "after": _figures(after, target),
        "confirmed": bool(after["within"]),
        "search": {"base_miss": base_search["miss"], "best_trial_miss": min(h["miss"] for h in history), "history": history},
    }
    paths = write_proposal(out, spec, result)
    result["files"] = {k: str(v) for k, v in paths.items()}
    (out / "balance.json").write_text(json.dumps(result, indent=2, default=float), encoding="utf-8")
    return result


def _figures(r: dict, target: float) -> dict:
    wr = [c["win_rate"] for c in r["cells"] if c["win_rate"] is not None]
    devs = [abs(w - 0.5) * 100 for w in wr]
    return {"deviation": float(np.mean(devs)) if devs else None, "max_deviation": float(np.max(devs)) if devs else None,
            "within_target": bool(r["within"]), "miss": r["miss"],
            "cells": [{k: c[k] for k in ("matchup", "segment", "win_rate", "ci_low", "ci_high", "wins_a", "wins_b",
                                         "draws", "n")} for c in r["cells"]]}


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return repr(float(v))


def write_proposal(out: Path, spec: SweepSpec, result: dict) -> dict[str, Path]:
    """proposal.toml (the diff, with before/after figures as comments) and the full balanced ruleset."""
    b, a = result["before"], result["after"]
    lines = [f"# gameai balance: proposed changes to {spec.ruleset_ref}",
             f"# spec: {spec.source}; target: every matchup within 50% ± {100 * result['target']:g}",
             f"# re-validated on fresh seeds, {result['validation_matches_per_cell']} matches per matchup and tier:",
             f"#   deviation     {_p(b['deviation'])} -> {_p(a['deviation'])} points",
             f"#   worst matchup {_p(b['max_deviation'])} -> {_p(a['max_deviation'])} points",
             f"#   confirmed: {'yes' if result['confirmed'] else 'NO (see balance.json)'}", ""]
    tables: dict[str, list[str]] = {}
    for key, ch in result["proposal"].items():
        table, leaf = key.rsplit(".", 1)
        tables.setdefault(table, []).append(f"{leaf} = {_toml_value(ch['after'])}    # was {_toml_value(ch['before'])}")
    if not tables:
        lines.append("# no change needed")
    for table, entries in tables.items():
        lines += [f"[{table}]", *entries, ""]
    text = "\n".join(lines)
    tomllib.loads(text)  # the diff must itself be valid TOML
    paths = {"proposal": out / "proposal.toml", "ruleset": out / "balanced_ruleset.toml"}
    paths["proposal"].write_text(text, encoding="utf-8")
    balanced = spec.base_ruleset.with_values({k: c["after"] for k, c in result["proposal"].items()})
    paths["ruleset"].write_text(balanced.to_toml(), encoding="utf-8")
    return paths


def _p(v) -> str:
    return "–" if v is None else f"{v:.1f}"
