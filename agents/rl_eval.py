"""Evaluation: win rates among bots on held-out map seeds, with 95% confidence intervals.

Every pair of bots plays each map seed twice, once from each side, so a side advantage of the
map or of blue/red cannot favour either bot. A win rate is wins / matches (draws count as not
won and are reported on their own); its interval is the Wilson score interval
(``scipy.stats.binomtest``'s, computed directly), which stays inside [0, 1] and is honest near 0% and 100%. The map
seeds come from ``agents.map_seeds.held_out_seeds`` (never drawn in training). All results
depend only on the seeds, so the same command prints the same matrix in any process.

A bot is named ``name`` or ``name@tier``: a scripted bot (``agents.scripted.BOTS``), a learned
bot (``agents.pretrained.LEARNED_BOTS``, e.g. ``ppo``) or a path to a model ``.zip`` from
``gameai train``.
"""
from __future__ import annotations

from math import sqrt
from typing import Any, Callable, Sequence

from agents.policy import Policy
from envs.ruleset import Ruleset


def wilson(wins: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for wins out of n (Newcombe 1998), (0, 1) when n is 0.

    The arithmetic of scipy's ``binomtest(wins, n).proportion_ci(method="wilson")``, operation
    for operation, so the bounds are bit-identical to it; but without the exact binomial p-value
    that ``binomtest`` computes first by a root search, which no caller uses (it made this
    function most of the statistics' cost in a million-match report)."""
    from scipy.special import ndtri

    k, n = int(wins), int(n)
    if n == 0:
        return (0.0, 1.0)
    if not 0 <= k <= n:
        raise ValueError(f"wilson: need 0 <= wins <= n, got {wins} of {n}")
    p = k / n
    z = ndtri(0.5 + 0.5 * confidence)
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    q = 1 - p
    delta = z / denom * sqrt(4 * n * p * q + z**2)
    return (0.0 if k == 0 else float(center - delta)), (1.0 if k == n else float(center + delta))


def parse_bot(spec: str) -> tuple[str, str]:
    """``name[@tier]`` -> (name, tier); the tier defaults to expert."""
    spec = spec.strip()
    name, _, tier = spec.rpartition("@") if "@" in spec else (spec, "", "expert")
    if not name:
        raise ValueError(f"bad bot {spec!r}: write name or name@tier, e.g. ppo@novice")
    return name, tier or "expert"


def bot_factory(spec: str, seed: int = 0) -> Callable[[], Policy]:
    """A function making fresh ``Policy`` objects for a bot spec (checked now, built per use)."""
    from agents import make_policy
    from agents.rl_tiers import learned_policy

    name, tier = parse_bot(spec)
    if name.endswith(".zip"):
        learned_policy(name, tier, seed)  # validate (file, tier) now, not mid-evaluation
        return lambda: learned_policy(name, tier, seed, name=spec)
    make_policy(name, tier, seed)
    return lambda: make_policy(name, tier, seed)


def _score(results, side: str) -> tuple[int, int, int]:
    wins = sum(r.winner == side for r in results)
    draws = sum(r.winner == "draw" for r in results)
    return wins, draws, len(results) - wins - draws


def head_to_head(ruleset: Ruleset, make_a: Callable[[], Policy], make_b: Callable[[], Policy],
                 seeds: Sequence[int], map_size: int | None = 32,
                 blue: dict | None = None, red: dict | None = None) -> dict[str, Any]:
    """A vs B on every seed from both sides: A's wins, draws, losses, win rate and its 95% CI."""
    from agents.arena import run_matches
    from agents.map_seeds import terrain_for

    terrain = terrain_for(map_size)
    blue = dict(blue or ruleset.teams["blue"])
    red = dict(red or ruleset.teams["red"])
    as_blue = run_matches(ruleset, blue, red, seeds, blue_bot=make_a(), red_bot=make_b(), terrain=terrain)
    # same seeds with the sides swapped (compositions stay with their side)
    as_red = run_matches(ruleset, blue, red, seeds, blue_bot=make_b(), red_bot=make_a(), terrain=terrain)
    w1, d1, l1 = _score(as_blue, "blue")
    w2, d2, l2 = _score(as_red, "red")
    wins, draws, losses = w1 + w2, d1 + d2, l1 + l2
    n = wins + draws + losses
    lo, hi = wilson(wins, n)
    # A's score per match, seed by seed (as blue, then as red): the order ratings are fitted in
    sequence = [score for rb, rr in zip(as_blue, as_red)
                for score in (_points(rb.winner, "blue"), _points(rr.winner, "red"))]
    return {"wins": wins, "draws": draws, "losses": losses, "matches": n, "win_rate": wins / n,
            "ci95": [lo, hi], "as_blue": {"wins": w1, "draws": d1, "losses": l1},
            "as_red": {"wins": w2, "draws": d2, "losses": l2}, "sequence": sequence}


def _points(winner: str, side: str) -> float:
    return 1.0 if winner == side else (0.5 if winner == "draw" else 0.0)


def evaluate_against(ruleset: Ruleset, make_learner: Callable[[], Policy], opponents: Sequence[str],
                     n_seeds: int, map_size: int | None = 32) -> dict[str, Any]:
    """A trained policy against named bots on ``n_seeds`` held-out map seeds (2 matches per seed)."""
    from agents.map_seeds import held_out_seeds

    seeds = held_out_seeds(n_seeds)
    out = {}
    for opp in opponents:
        out[opp] = head_to_head(ruleset, make_learner, bot_factory(opp), seeds, map_size)
        out[opp].pop("sequence")
    return out


def win_rate_matrix(ruleset: Ruleset, bots: Sequence[str], n_seeds: int, map_size: int | None = 32,
                    progress: Callable[[str, str], None] | None = None) -> dict[str, Any]:
    """Every pair of bots on ``n_seeds`` held-out maps, both sides: the row bot's win rate vs the column bot.

    Also rates every bot with OpenSkill (Plackett-Luce) over all the matches played.
    """
    from openskill.models import PlackettLuce

    from agents.map_seeds import held_out_seeds

    bots = list(bots)
    if len(bots) < 2:
        raise ValueError("name at least two bots to compare, e.g. --bots ppo,focus_fire,kite")
    if len(set(bots)) != len(bots):
        raise ValueError(f"a bot is named twice in {list(bots)}; name each once")
    if n_seeds < 1:
        raise ValueError(f"the number of seeds must be at least 1, got {n_seeds}")
    factories = {b: bot_factory(b) for b in bots}
    seeds = held_out_seeds(n_seeds)
    cells: dict[str, dict[str, Any]] = {a: {} for a in bots}
    sequences: dict[tuple[str, str], list[float]] = {}
    for i, a in enumerate(bots):
        for b in bots[i + 1:]:
            if progress:
                progress(a, b)
            r = head_to_head(ruleset, factories[a], factories[b], seeds, map_size)
            sequences[(a, b)] = r.pop("sequence")
            cells[a][b] = r
            lo, hi = wilson(r["losses"], r["matches"])
            cells[b][a] = {"wins": r["losses"], "draws": r["draws"], "losses": r["wins"], "matches": r["matches"],
                           "win_rate": r["losses"] / r["matches"], "ci95": [lo, hi]}
    # OpenSkill is an online method, so the order of updates matters: interleave all pairs match by
    # match (seed order) rather than pair after pair, so no bot's games all come last
    model = PlackettLuce()
    ratings = {b: model.rating(name=b) for b in bots}
    for k in range(2 * n_seeds):
        for (a, b), seq in sequences.items():
            score = seq[k]
            ranks = [0, 0] if score == 0.5 else ([0, 1] if score == 1.0 else [1, 0])
            (ra,), (rb,) = model.rate([[ratings[a]], [ratings[b]]], ranks=ranks)
            ratings[a], ratings[b] = ra, rb
    return {"bots": list(bots), "seeds": {"count": n_seeds, "first": seeds[0], "last": seeds[-1]},
            "map_size": map_size, "matrix": cells,
            "ratings": {b: {"mu": r.mu, "sigma": r.sigma, "ordinal": r.ordinal()} for b, r in ratings.items()}}


def matrix_rows(result: dict[str, Any]) -> list[list[str]]:
    """The matrix as text rows (header first): 'win% [lo-hi]' per cell, row bot vs column bot."""
    bots = result["bots"]
    rows = [["bot \\ vs", *bots, "rating"]]
    for a in bots:
        row = [a]
        for b in bots:
            if a == b:
                row.append("-")
                continue
            c = result["matrix"][a][b]
            row.append(f"{c['win_rate']:.0%} [{c['ci95'][0]:.0%}-{c['ci95'][1]:.0%}]")
        row.append(f"{result['ratings'][a]['ordinal']:.1f}")
        rows.append(row)
    return rows

