"""The plan: every match a sweep must play, with its identity, its seed, and its batch.

A match's identity is (phase, simulator and bots code, base ruleset, configuration, matchup,
bot, tier, repetition, map settings; for a bot named by its model file, the file's contents). Its
key (the store's primary key) is a hash of that identity and the master seed; its simulation seed is the same hash without the code fingerprint (so a refactor does
not re-roll the matches). Neither depends on worker order or batch, so any backend with any
number of workers plays exactly the same matches and gets exactly the same results.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from gameai.balance.design import Config
from gameai.balance.spec import Matchup, SweepSpec

#: Phases keep the seeds of a sweep, an auto-balance search and its re-validation disjoint.
PHASES = ("sweep", "search", "confirm", "validate")


@functools.lru_cache(maxsize=2)
def engine_fingerprint(with_weights: bool = False) -> str:
    """A hash of the simulator and the bots: the code and data files of `envs` and `agents`,
    and the learned bots' weight files (`agents/pretrained`) when a sweep plays a learned bot.

    It is part of every match's identity: results stored by an older simulator or older bots
    are never mixed with new ones; after an upgrade the same command plays the sweep afresh.
    """
    import agents
    import envs

    h = hashlib.blake2b(digest_size=8)
    for pkg in (envs, agents):
        root = Path(pkg.__file__).parent
        for f in sorted(root.rglob("*")):
            if not f.is_file() or "__pycache__" in f.parts:
                continue
            if "pretrained" in f.relative_to(root).parts and not with_weights:
                continue
            h.update(str(f.relative_to(root.parent)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=64)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()


def bot_identity(bot: str) -> tuple[str, str | None]:
    """(what a match's seed knows of the bot, the model file's content digest or None).

    A bot named by its model file (`bots = ["run1.zip"]`) is identified by the file's contents, not
    its path: moving the spec does not change a match, and retraining the file never reuses the old
    file's results (the digest is in the key). Its seed knows only that it is a model file, as a
    shipped bot's seed leaves its weights out: every model file plays the same maps and sides, so
    two training runs are compared match for match."""
    from agents.pretrained import is_model_file

    if not is_model_file(bot):
        return bot, None
    st = Path(bot).stat()
    return "model file", _file_digest(str(Path(bot).resolve()), st.st_mtime_ns, st.st_size)


def uses_learned_bots(spec: SweepSpec) -> bool:
    from agents import scripted

    return any(b not in scripted.BOTS for b in spec.bots)


@dataclass(frozen=True, slots=True)   # a million of them plan a million-match sweep: no per-task __dict__
class MatchTask:
    key: str
    phase: str
    config: Config
    matchup: Matchup
    bot: str
    tier: str
    rep: int
    a_side: str          # "blue" or "red": sides alternate so spawn side cannot bias a matchup
    seed: int
    map_seed: int | None


@dataclass(frozen=True)
class WorkUnit:
    """Matches that share everything but their seed: one batched call of the simulator.

    `ruleset` is the configuration's validated ruleset, ready to play (pickled with the unit,
    so a worker never rebuilds it from overrides)."""

    ruleset: object
    engine_fp: str
    with_weights: bool
    budget: float | None
    max_steps: int | None
    map_kind: str
    map_size: int
    tasks: tuple[MatchTask, ...]
    map_files: tuple = ()  # kind "file": the spec's MapFiles (grids and spawns), indexed by MatchTask.map_seed


def _digest(obj) -> bytes:
    return hashlib.blake2b(json.dumps(obj, sort_keys=True).encode(), digest_size=16).digest()


def plan_matches(spec: SweepSpec, configs: list[Config], *, phase: str = "sweep",
                 matches: int | None = None) -> list[MatchTask]:
    """Every match of `configs` × matchups × bots × tiers × repetitions, in a stable order."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}")
    n = spec.matches if matches is None else matches
    ruleset_fp = spec.ruleset_fingerprint()
    engine = engine_fingerprint(uses_learned_bots(spec))
    tasks = []
    for cfg in configs:
        for mu in spec.matchups:
            for bot in spec.bots:
                bot_id, model = bot_identity(bot)
                for tier in spec.tiers:
                    for rep in range(n):
                        a_side = "red" if spec.swap_sides and rep % 2 else "blue"
                        map_seed = None
                        map_id = None
                        pair = rep // 2 if spec.swap_sides else rep  # both sides of a pair play one map
                        if spec.maps.kind == "skirmish":
                            map_id = map_seed = spec.maps.seeds[pair % len(spec.maps.seeds)]
                        elif spec.maps.kind == "file":  # map_seed indexes spec.maps.files; the digest is the identity
                            map_seed = pair % len(spec.maps.files)
                            map_id = spec.maps.files[map_seed].digest
                        identity = {
                            "phase": phase, "engine": engine, "ruleset": ruleset_fp,
                            "overrides": list(cfg.overrides),
                            "a": mu.a.identity(), "b": mu.b.identity(), "budget": spec.budget,
                            "bot": bot_id, "tier": tier, "rep": rep, "a_side": a_side,
                            "map": [spec.maps.kind, spec.maps.size, map_id], "max_steps": spec.max_steps,
                        }
                        if model is not None:
                            identity["model"] = model
                        key = _digest({"master_seed": spec.master_seed, **identity}).hex()
                        # The seed leaves out the engine fingerprint: code changes must not re-roll
                        # the matches (a refactor would then move every figure); the key keeps it,
                        # so results of old code are never mixed with new in one store.
                        seed_identity = {k: v for k, v in identity.items() if k not in ("engine", "model")}
                        seed = int.from_bytes(_digest({"seed_of": seed_identity, "master_seed": spec.master_seed})[:4],
                                              "little")
                        tasks.append(MatchTask(key, phase, cfg, mu, bot, tier, rep, a_side, seed, map_seed))
    return tasks


def work_units(spec: SweepSpec, tasks: list[MatchTask], batch: int | None = None) -> list[WorkUnit]:
    """Group tasks that can share one batched simulator call, at most `batch` matches each."""
    from gameai.balance.design import configure

    size = batch or spec.batch
    weights = uses_learned_bots(spec)
    engine = engine_fingerprint(weights)
    groups: dict[tuple, list[MatchTask]] = {}
    for t in tasks:
        groups.setdefault((t.config.id, t.matchup.name, t.bot, t.tier, t.a_side), []).append(t)
    rulesets: dict[str, object] = {}
    units = []
    for group in groups.values():
        cfg = group[0].config
        if cfg.id not in rulesets:   # a Config made without its ruleset (tests, old callers) gets it here, once
            rulesets[cfg.id] = cfg.ruleset if cfg.ruleset is not None else \
                configure(spec.base_ruleset, cfg.overrides).ruleset
        for i in range(0, len(group), size):
            units.append(WorkUnit(rulesets[cfg.id], engine, weights, spec.budget, spec.max_steps, spec.maps.kind,
                                  spec.maps.size, tuple(group[i:i + size]), spec.maps.files))
    return units
