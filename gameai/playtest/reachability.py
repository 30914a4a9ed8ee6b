"""Reachability per archetype: spawns cut off, archetype-only blockades, places no one reaches, dead zones.

Each unit type walks on its own terrain (``compile_params(ruleset).passable[type, tile]``: a
knight that cannot enter swamp), so each type gets its own 8-connected regions
(scipy.ndimage.label). A unit starts on the cell nearest its team's spawn that it may stand on,
as ``core.reset`` places it.

One-way traps are not checked: in this core passability belongs to cells, not to moves, and
every move can be walked back (see ``gameai.playtest.mapview``), so a place one can enter one
can always leave. ``ONE_WAY_NOTE`` says so in findings.json.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from envs.maps import MapError
from envs.ruleset import TEAMS
from gameai.playtest import replays
from gameai.playtest.findings import Finding
from gameai.playtest.mapview import EIGHT, MapView
from pcg.tiles import TILE_NAMES

ONE_WAY_NOTE = ("one-way traps: not possible in this core (moves are between 8-neighbour cells and passability "
                "belongs to cells, so every move can be reversed); check skipped")
#: regions smaller than this that no spawn reaches are not worth a designer's time
MIN_DEAD_ZONE = 4
#: most route cells tried as chokepoints per type (each try labels the map once)
MAX_CUT_TRIES = 400


def check(view: MapView, cfg) -> list[Finding]:
    findings: list[Finding] = []
    rs = view.params.ruleset
    names = view.unit_names
    n_types = len(names)
    reach = {(u, t): view.reach(u, t) for u in range(n_types) for t in (0, 1)}
    for u in range(n_types):
        if view.start_cell(u, 0) is None:
            findings.append(Finding("reachability.no_ground", "error", view.name, subject=names[u],
                                    message=f"the {names[u]} cannot stand on any cell of this map "
                                            "(every tile is impassable or blocked for it)",
                                    evidence={"blocked_terrain": list(rs.units[names[u]].blocked_terrain)}))

    # spawns: can each type walk from one spawn to the other?
    meets = [u for u in range(n_types) if view.start_cell(u, 0) is not None and _connected(view, reach, u)]
    can_stand = [u for u in range(n_types) if view.start_cell(u, 0) is not None]
    if can_stand and not meets:
        findings.append(_spawns_cut_off(view, reach, can_stand, cfg))
    elif meets:
        ref = meets[0]
        for u in can_stand:
            if u not in meets:
                findings.append(_archetype_blocked(view, reach, u, ref, cfg))
        findings += _chokepoints(view, meets, cfg)

    findings += _places(view, reach, can_stand, cfg)
    findings += _dead_zones(view, reach, can_stand, cfg)
    return findings


def _connected(view: MapView, reach, u: int) -> bool:
    rx, ry = view.start_cell(u, 1)
    return bool(reach[(u, 0)][ry, rx])


def _spawns_cut_off(view: MapView, reach, types: list[int], cfg) -> Finding:
    sizes = {t: int(reach[(types[0], t)].sum()) for t in (0, 1)}
    island = min((0, 1), key=lambda t: (sizes[t], t))
    u = types[0]
    cells = [view.spawn(island)]
    f = Finding("reachability.spawn_cut_off", "error", view.name, cells=cells, subject=f"{TEAMS[island]} spawn",
                message=f"no unit can walk between the spawns: the {TEAMS[island]} spawn at {cells[0]} is on a "
                        f"{sizes[island]}-cell island (the other side's region has {sizes[1 - island]} cells)",
                evidence={"region_cells": {TEAMS[t]: sizes[t] for t in (0, 1)}})
    f.evidence["region"] = _bbox(reach[(u, island)])
    f.replay = _walk_replay(view, u, island, view.start_cell(u, 1 - island), cfg, f)
    return f


def _archetype_blocked(view: MapView, reach, u: int, ref: int, cfg) -> Finding:
    names = view.unit_names
    # the cells on the reference type's shortest spawn-to-spawn routes that this type cannot enter
    block = view.shortest_routes(ref) & ~view.passable[u]
    ys, xs = np.nonzero(block)
    tiles = sorted({TILE_NAMES[int(view.grid[y, x])] for x, y in zip(xs, ys)})
    f = Finding("reachability.archetype_blocked", "warning", view.name, subject=names[u],
                cells=list(zip(xs.tolist(), ys.tolist())),
                message=f"the {names[u]} cannot walk between the spawns (the {names[ref]} can): blocked by "
                        f"{', '.join(tiles) or 'terrain'} it cannot enter",
                evidence={"blocking_tiles": tiles, "reachable_cells": int(reach[(u, 0)].sum())})
    f.replay = _walk_replay(view, u, 0, view.start_cell(u, 1), cfg, f)
    return f


def _cut_cells(view: MapView, u: int, width: int = 1) -> list[tuple[int, int]]:
    """Cells whose loss would cut the spawns apart for type u: every walk between them passes there.

    ``width`` 1 removes one cell at a time; 2 removes a cell with each forward neighbour (right,
    down, the two diagonals), which closes a gap two cells wide whatever its direction. A cut lies
    on every quickest route, so only those cells are tried (each try is one labelling).
    """
    a, b = view.start_cell(u, 0), view.start_cell(u, 1)
    h, w = view.shape
    route = view.shortest_routes(u)
    ok = view.passable[u].copy()
    near_start = np.zeros(view.shape, dtype=bool)
    for sx, sy in (a, b):  # closing the cells around a spawn always cuts it off: not a chokepoint
        near_start[max(0, sy - width):sy + width + 1, max(0, sx - width):sx + width + 1] = True
    route &= ~near_start
    ys, xs = np.nonzero(route)
    order = np.argsort([ok[max(0, y - 1):y + 2, max(0, x - 1):x + 2].sum() for x, y in zip(xs, ys)],
                       kind="stable")[:MAX_CUT_TRIES]  # narrow cells first: cut cells have few neighbours
    partners = [(0, 0)] if width == 1 else [(1, 0), (0, 1), (1, 1), (-1, 1)]
    cuts: set = set()
    for i in order:
        x, y = int(xs[i]), int(ys[i])
        for dx, dy in partners:
            px, py = x + dx, y + dy
            if not (0 <= px < w and 0 <= py < h) or near_start[py, px]:
                continue
            ok[y, x] = ok[py, px] = False
            lab = ndimage.label(ok, structure=EIGHT)[0]
            if lab[a[1], a[0]] != lab[b[1], b[0]]:
                cuts.update(c for c in {(x, y), (px, py)} if view.passable[u][c[1], c[0]])
            ok[y, x], ok[py, px] = view.passable[u][y, x], view.passable[u][py, px]
    return sorted(cuts)


def _chokepoints(view: MapView, types: list[int], cfg) -> list[Finding]:
    """One finding per set of cells that every route between the spawns must cross: gaps 1 or 2 cells wide."""
    by_cells: dict[tuple, tuple[int, list[str]]] = {}
    for u in types:
        for width in (1, 2):
            cuts = _cut_cells(view, u, width)
            if cuts:  # the narrowest gaps only: a 1-cell gap is also inside many 2-cell pairs
                _, who = by_cells.setdefault(tuple(cuts), (width, []))
                who.append(view.unit_names[u])
                break
    from gameai.playtest.explorer import traffic

    out = []
    for cells, (width, who) in by_cells.items():
        # measured by playing: each spawn's army of one archetype marches through; the figures go in the
        # evidence (on small maps the column an army walks in anyway costs about as much as the gap)
        try:
            tr = traffic(view, view.unit_names.index(who[0]), seed=cfg.seed)
        except MapError:  # no room for an army at a spawn: the gap is reported on geometry alone
            tr = None
        near = np.zeros(view.shape, dtype=bool)
        for x, y in cells:
            near[max(0, y - 2):y + 3, max(0, x - 2):x + 3] = True
        gap = "single cell(s)" if width == 1 else "a gap two cells wide"
        f = Finding("reachability.chokepoint", "warning", view.name, cells=list(cells), subject=", ".join(who),
                    message=f"every route between the spawns squeezes through {gap} (at {cells[0]}"
                            f"{f' and {len(cells) - 1} more' if len(cells) > 1 else ''}) for the {', '.join(who)}: "
                            f"armies must file through {'one' if width == 1 else 'two'} at a time (the replay "
                            "marches both spawns' armies through)",
                    evidence={"gap_width": width, "cut_cells": len(cells), "types": who})
        if tr is not None:
            f.evidence.update(march_first_step=tr.first, march_last_step=tr.last,
                              march_waits_at_gap=int(tr.waits[near].sum()), march_waits_total=int(tr.waits.sum()),
                              march_arrived=round(tr.arrived, 3))
        teams = view.params.ruleset.teams  # both armies march for the other spawn: the jam shows
        f.replay = replays.march(view, cfg, teams["blue"], teams["red"], {0: view.spawn(1), 1: view.spawn(0)},
                                 f"{f.id}.json", label="playtest march (both armies to the other spawn)")
        out.append(f)
    return out


def _places(view: MapView, reach, types: list[int], cfg) -> list[Finding]:
    names = view.unit_names
    out: list[Finding] = []
    per_type_missing: dict[int, list] = {}
    for place in view.places:
        cell = (place.x, place.y)
        by_team = {t: [u for u in types if view.near(reach[(u, t)], cell)] for t in (0, 1)}
        what = f"{place.kind} '{place.name}'"
        if not by_team[0] and not by_team[1]:
            f = Finding("reachability.place_unreachable", "error", view.name, cells=[cell], subject=place.name,
                        message=f"no unit of either team can reach the {what} at {cell}",
                        evidence={"tile": TILE_NAMES[int(view.grid[place.y, place.x])]})
            f.replay = _walk_replay(view, types[0], 0, cell, cfg, f)
            out.append(f)
        elif not by_team[0] or not by_team[1]:
            lost = 0 if not by_team[0] else 1
            f = Finding("reachability.place_one_side", "error", view.name, cells=[cell], subject=place.name,
                        message=f"only {TEAMS[1 - lost]} can reach the {what} at {cell}; {TEAMS[lost]}'s units "
                                "cannot walk there from their spawn",
                        evidence={"reached_by": {TEAMS[t]: [names[u] for u in by_team[t]] for t in (0, 1)}})
            f.replay = _walk_replay(view, types[0], lost, cell, cfg, f)
            out.append(f)
        else:
            for u in types:
                if u not in by_team[0] and u not in by_team[1]:
                    per_type_missing.setdefault(u, []).append(place)
    for u, places in per_type_missing.items():
        cells = [(p.x, p.y) for p in places]
        f = Finding("reachability.place_archetype", "info", view.name, cells=cells, subject=names[u],
                    message=f"the {names[u]} cannot reach {len(places)} place(s) other units reach: "
                            + ", ".join(f"{p.name} {(p.x, p.y)}" for p in places[:4])
                            + (" …" if len(places) > 4 else ""),
                    evidence={"places": [p.name for p in places]})
        f.replay = _walk_replay(view, u, 0, cells[0], cfg, f)
        out.append(f)
    return out


def _dead_zones(view: MapView, reach, types: list[int], cfg) -> list[Finding]:
    """Walkable cells that no unit reaches from either spawn, as regions."""
    walkable = np.zeros(view.shape, dtype=bool)
    reached = np.zeros(view.shape, dtype=bool)
    for u in types:  # a cell only the knight cannot reach is not dead: place_archetype covers that
        walkable |= view.passable[u]
        reached |= reach[(u, 0)] | reach[(u, 1)]
    lost = walkable & ~reached
    labels, n = ndimage.label(lost, structure=EIGHT)
    out = []
    for i in range(1, n + 1):
        region = labels == i
        size = int(region.sum())
        if size < MIN_DEAD_ZONE:
            continue
        ys, xs = np.nonzero(region)
        who = [view.unit_names[u] for u in types if (view.passable[u] & region).any()]
        f = Finding("reachability.dead_zone", "info", view.name, cells=list(zip(xs.tolist(), ys.tolist())),
                    subject=f"region at {(int(xs.min()), int(ys.min()))}",
                    message=f"{size} walkable cells near {(int(xs.mean()), int(ys.mean()))} that no unit "
                            "reaches from either spawn (wasted map space, or a missing path)",
                    evidence={"cells": size, "walkable_for": who})
        mid = (int(np.median(xs)), int(np.median(ys)))
        f.replay = _walk_replay(view, types[0], 0, mid, cfg, f)
        out.append(f)
    return out


def _bbox(mask: np.ndarray) -> list[int]:
    ys, xs = np.nonzero(mask)
    return [int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())] if len(xs) else []


def _walk_replay(view: MapView, u: int, team: int, target: tuple[int, int], cfg, f: Finding) -> str | None:
    """A replay of one unit of type u walking from its spawn as close to ``target`` as it can, then stuck."""
    name = view.unit_names[u]
    return replays.march(view, cfg, {name: 1}, {name: 1}, {team: target}, f"{f.id}.json",
                         label=f"playtest walker ({name} towards {target})")
