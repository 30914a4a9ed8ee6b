"""Run many skirmishes at once: ``run_matches`` plays every seed as one batch through the core.

A match's result depends only on its own seed and inputs (ruleset, compositions, bots, tiers,
terrain), never on the other matches in the batch or their number, so sweeps may split seeds
across processes or Ray workers and get identical results.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from agents.learned_batch import SharedForward
from agents.policy import Policy
from envs import core
from envs.ruleset import TEAMS, Ruleset

BotArg = str | Policy


@dataclass
class MatchResult:
    """The outcome of one match, per team ("blue", "red")."""

    seed: int
    winner: str                       # "blue", "red" or "draw"
    steps: int                        # duration in steps (core.STEP_SECONDS each)
    survivors: dict[str, int]
    hp_left: dict[str, float]
    damage: dict[str, float]          # damage dealt by the team (no overkill)
    kills: dict[str, int]
    unit_stats: dict[str, dict[str, dict[str, float]]]  # team -> unit type -> count, damage_dealt,
    #                                                     damage_taken, healing, kills, deaths
    events: dict[str, Any] = field(default_factory=dict)  # duration, winner, kills, damage_by_step
    config: dict[str, Any] = field(default_factory=dict)  # bots, tiers and compositions played

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data."""
        return _plain(asdict(self))


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def _policy(bot: BotArg, tier: str, seed: int) -> Policy:
    if isinstance(bot, str):
        from agents import make_policy

        return make_policy(bot, tier, seed=seed)
    if not (hasattr(bot, "reset") and hasattr(bot, "act")):
        raise TypeError(f"a bot must be a bot name or a Policy (with reset and act), got {type(bot).__name__}")
    return bot


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    out = []
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"match seeds must be whole numbers >= 0, got {s!r}")
        out.append(int(s))
    if not out:
        raise ValueError("run_matches needs at least one seed")
    return out


def run_matches(ruleset: Ruleset, blue: Mapping[str, int], red: Mapping[str, int], seeds: Sequence[int], *,
                blue_bot: BotArg = "focus_fire", red_bot: BotArg = "focus_fire",
                blue_tier: str = "expert", red_tier: str = "expert",
                terrain: core.TerrainArg = None, max_steps: int | None = None,
                record_attacks: bool = False, k: int = core.DEFAULT_K,
                actions_out: list | None = None) -> list[MatchResult]:
    """Play one match per seed, all in one batch. Returns results in seed order.

    ``blue``/``red``: compositions ``{unit: count}`` (need not fit the ruleset's budget, so
    unit-vs-unit studies can scale armies). Bots are names from ``agents.scripted.BOTS`` (played
    at the given tier) or ``Policy`` objects (tier ignored). ``terrain``: None for the built-in
    arena, an H×W grid of ``pcg.tiles`` ids, a map object with ``.tiles`` and ``.spawns`` (a
    ``pcg.GameMap``: teams then gather around its spawn points instead of the left/right map
    edges), or a callable ``seed -> grid or map``. ``record_attacks`` adds every
    hit to ``events["attacks"]``. ``actions_out``, if a list, receives each step's (B, N) actions
    (the replay writer uses it).
    """
    seeds = _check_seeds(seeds)
    params = core.compile_params(ruleset, k=k, max_steps=max_steps)
    state = core.reset(params, blue, red, seeds, terrain)
    team = state.team[0]
    idx = {0: np.flatnonzero(team == core.BLUE), 1: np.flatnonzero(team == core.RED)}
    n_blue = len(idx[0])
    view = {0: slice(0, n_blue), 1: slice(n_blue, len(team))}  # blue slots come first: slices are views
    policies = {0: _policy(blue_bot, blue_tier, 0), 1: _policy(red_bot, red_tier, 0)}
    if policies[0] is policies[1]:
        raise ValueError("blue_bot and red_bot must be different Policy objects (each keeps per-team state)")
    # each bot reads the observation layout it was made for (learned bots say which: obs_layout); one
    # observation in the newest layout serves all, as every older layout is a prefix of it (envs.spec)
    specs = {ti: core.observation_spec(params, version=getattr(pol, "obs_layout", 1)) for ti, pol in policies.items()}
    spec = max(specs.values(), key=lambda s: s.version)
    for ti, pol in policies.items():
        if hasattr(pol, "bind"):  # policies that command by map position (agents.orders) see the live state
            pol.bind(params, state)
        pol.reset(specs[ti], ti, seeds)
    # the same learned network on both sides (a sweep's self-play): one forward pass for both teams
    shared = SharedForward.pair(policies[0], policies[1])

    b_n, n = state.n_envs, state.n_units
    obs = np.empty((b_n, n, spec.size), dtype=np.float32)
    mask = np.empty((b_n, n, spec.n_actions), dtype=np.int8)
    actions = np.zeros((b_n, n), dtype=np.int64)
    dmg_by_step: list[np.ndarray] = []
    kill_log: list[tuple[int, int, int, int]] = []
    attack_log: list[np.ndarray] = []
    while not state.done.all():
        core.observe(params, state, spec, out=(obs, mask))
        # each team sees the prefix of the observation in its own bot's layout
        team_obs = [obs[:, view[ti], :specs[ti].size] for ti in policies]
        team_mask = [mask[:, view[ti]] for ti in policies]
        if shared is not None:
            team_actions = shared.act(team_obs, team_mask)
        else:
            team_actions = [pol.act(team_obs[ti], team_mask[ti]) for ti, pol in policies.items()]
        for ti in policies:
            a = np.asarray(team_actions[ti])
            if a.shape != (b_n, len(idx[ti])):
                raise ValueError(f"{TEAMS[ti]} bot returned actions of shape {a.shape}, "
                                 f"expected {(b_n, len(idx[ti]))}")
            actions[:, view[ti]] = a
        t_now = state.t.copy()
        if actions_out is not None:
            actions_out.append(actions.copy())
        ev = core.step_inplace(params, state, actions)
        # per-row sums, not a matrix product: BLAS may round differently for other batch sizes
        dmg_by_step.append(np.stack([ev.damage[:, view[0]].sum(1), ev.damage[:, view[1]].sum(1)], axis=1))
        for b, v in zip(*np.nonzero(ev.killed)):
            kill_log.append((int(b), int(t_now[b]), int(ev.killer[b, v]), int(v)))
        if record_attacks:
            bb, ii = np.nonzero(ev.attack_target >= 0)
            attack_log.append(np.stack([bb, t_now[bb], ii, ev.attack_target[bb, ii], ev.damage[bb, ii]], 1))

    dmg_steps = np.stack(dmg_by_step, axis=1)  # (B, T, 2)
    attacks = np.concatenate(attack_log) if attack_log else np.zeros((0, 5))
    names = params.ruleset.unit_names
    config = {"blue": dict(blue), "red": dict(red),
              "blue_bot": getattr(policies[0], "name", type(policies[0]).__name__),
              "red_bot": getattr(policies[1], "name", type(policies[1]).__name__),
              "max_steps": params.max_steps}
    kills_by_env: dict[int, list] = {}
    for rec in kill_log:
        kills_by_env.setdefault(rec[0], []).append(rec)
    if record_attacks:
        attacks = attacks[np.argsort(attacks[:, 0], kind="stable")]
        bounds = np.searchsorted(attacks[:, 0], np.arange(b_n + 1))
    results = []
    for b, seed in enumerate(seeds):
        steps = int(state.t[b])
        per_team: dict[str, dict] = {}
        unit_stats: dict[str, dict] = {}
        for ti, tname in enumerate(TEAMS):
            sl = idx[ti]
            alive = state.alive[b, sl]
            per_team[tname] = dict(survivors=int(alive.sum()), hp_left=float(state.hp[b, sl].sum()),
                                   damage=float(state.damage_dealt[b, sl].sum()),
                                   kills=int(state.kills[b, sl].sum()))
            stats = {}
            for ut in np.unique(state.utype[b, sl]):
                u = sl[state.utype[b, sl] == ut]
                stats[names[ut]] = {
                    "count": int(len(u)), "damage_dealt": float(state.damage_dealt[b, u].sum()),
                    "damage_taken": float(state.damage_taken[b, u].sum()),
                    "healing": float(state.healing_done[b, u].sum()), "kills": int(state.kills[b, u].sum()),
                    "deaths": int((~state.alive[b, u]).sum())}
            unit_stats[tname] = stats
        kills = [{"step": s, "killer": kk, "killer_team": TEAMS[team[kk]] if kk >= 0 else None,
                  "killer_type": names[state.utype[b, kk]] if kk >= 0 else None,
                  "victim": v, "victim_team": TEAMS[team[v]], "victim_type": names[state.utype[b, v]]}
                 for _, s, kk, v in kills_by_env.get(b, [])]
        winner = core.WINNER_NAMES[int(state.winner[b])]
        events: dict[str, Any] = {
            "winner": winner, "duration": steps, "kills": kills,
            "damage_by_step": {tn: dmg_steps[b, :steps, ti].tolist() for ti, tn in enumerate(TEAMS)},
        }
        if record_attacks:
            rows = attacks[bounds[b]:bounds[b + 1]]
            events["attacks"] = [{"step": int(r[1]), "attacker": int(r[2]), "target": int(r[3]), "damage": float(r[4])}
                                 for r in rows]
        results.append(MatchResult(
            seed=seed, winner=winner, steps=steps,
            survivors={t: v["survivors"] for t, v in per_team.items()},
            hp_left={t: v["hp_left"] for t, v in per_team.items()},
            damage={t: v["damage"] for t, v in per_team.items()},
            kills={t: v["kills"] for t, v in per_team.items()},
            unit_stats=unit_stats, events=events, config=config))
    return results
