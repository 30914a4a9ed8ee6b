"""What the sweep benchmarks share: their sweep spec and their resource figures.

The sweep: `configs` values of archer damage (9 to 13) × the 6 non-mirror equal-cost matchups of
warrior, archer, knight and healer (budget 60) × `matches`, at the expert tier, 200 steps at most.
"""
from __future__ import annotations

import resource
import textwrap

MATCHUPS = 6   # non-mirror pairs of the 4 equal-cost units


def sweep_spec(configs: int, matches: int, *, name: str = "bench", master_seed: int = 99, batch: int = 32,
               bots: tuple[str, ...] = ("focus_fire",), target: float | None = None) -> str:
    """The benchmark sweep as spec text (`configs` * MATCHUPS * `matches` matches)."""
    param = '"units.archer.damage" = [11.0]' if configs == 1 else \
        f'"units.archer.damage" = {{ range = [9, 13], steps = {configs} }}'
    target_line = f"target = {target}" if target is not None else ""
    bot_list = ", ".join(f'"{b}"' for b in bots)
    return textwrap.dedent(f"""
        name = "{name}"
        master_seed = {master_seed}
        {target_line}
        [params]
        {param}
        [design]
        include_base = false
        [matchups]
        equal_cost = ["warrior", "archer", "knight", "healer"]
        budget = 60
        [play]
        bots = [{bot_list}]
        tiers = ["expert"]
        matches = {matches}
        max_steps = 200
        batch = {batch}
    """)


def usage() -> dict:
    """Peak RSS (bytes) and CPU seconds of this process and of its reaped children (pool workers;
    not Ray's, which are not children). ru_maxrss cannot sum a process tree: `child_rss` is the
    largest child's."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"rss": me.ru_maxrss * 1024, "child_rss": kids.ru_maxrss * 1024,
            "cpu": me.ru_utime + me.ru_stime, "child_cpu": kids.ru_utime + kids.ru_stime}


def cpu_seconds() -> float:
    """CPU seconds of this process and its reaped children."""
    u = usage()
    return u["cpu"] + u["child_cpu"]
