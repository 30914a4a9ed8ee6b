"""gameai playtest: every planted defect of the hand-made maps is found, generated maps raise no hard alarms,
findings are deterministic, replays play, --baseline gates CI, and bad input is refused by name."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pcg
from envs.ruleset import default_ruleset
from gameai.playtest import PlaytestConfig, run_playtest
from gameai.playtest.findings import Finding, load_findings, new_findings, save_findings
from gameai.playtest.mapview import MapView, PlaytestInputError

ROOT = Path(__file__).resolve().parents[1]
MAPS = ROOT / "tests" / "data" / "playtest_maps"
EXPECTED = json.loads((MAPS / "expected.json").read_text())
STATIC = ("reachability", "distances", "exploits", "stuck")  # no side-swapped match series: fast


def _matches(finding: Finding, defect: dict) -> bool:
    return finding.check == defect["check"] and defect.get("subject", finding.subject) == finding.subject


@pytest.fixture(scope="module")
def static_findings():
    from envs.ruleset import load_ruleset

    out = {}
    for name, spec in EXPECTED.items():
        rules = load_ruleset(MAPS / spec["ruleset"]) if spec["ruleset"] else default_ruleset()
        out[name], _ = run_playtest([MAPS / name], rules, PlaytestConfig(checks=STATIC, matches=0))
    return out


@pytest.mark.parametrize("name", [n for n in EXPECTED if EXPECTED[n]["defects"]])
def test_every_planted_defect_is_found(static_findings, name):
    found = static_findings[name]
    for defect in EXPECTED[name]["defects"]:
        assert any(_matches(f, defect) for f in found), (name, defect, [(f.check, f.subject) for f in found])


def test_maps_without_that_defect_do_not_raise_it(static_findings):
    """No check fires on a map that does not plant it (beyond defects a map plants by construction)."""
    assert not [f for f in static_findings["clean_mirror/map.tmj"] if f.severity != "info"]
    for name, found in static_findings.items():
        planted = {d["check"] for d in EXPECTED[name]["defects"]}
        for f in found:
            if f.check in ("reachability.spawn_cut_off", "reachability.place_unreachable", "exploit.unkillable"):
                assert f.check in planted, (name, f.message)


def test_the_findings_name_the_place_and_the_blocker(static_findings):
    island = next(f for f in static_findings["island_spawn/map.tmj"] if f.check == "reachability.spawn_cut_off")
    assert island.cells == [(20, 3)] and island.severity == "error" and "12-cell island" in island.message
    (ring,) = [f for f in static_findings["unreachable_resource/map.tmj"] if f.severity == "error"]
    assert ring.cells == [(4, 2)]
    (blocked,) = [f for f in static_findings["knight_swamp_blockade/map.tmj"] if f.severity == "warning"]
    assert blocked.subject == "knight" and blocked.evidence["blocking_tiles"] == ["swamp"]
    assert {x for x, _ in blocked.cells} <= {11, 12}  # the swamp band's columns
    (choke,) = [f for f in static_findings["chokepoint/map.tmj"] if f.check == "reachability.chokepoint"]
    assert choke.cells == [(11, 3)] and choke.evidence["gap_width"] == 1
    (wide,) = [f for f in static_findings["narrow_pass/map.tmj"] if f.check == "reachability.chokepoint"]
    assert wide.cells == [(13, 3), (13, 4)] and wide.evidence["gap_width"] == 2
    (dead,) = [f for f in static_findings["dead_zone/map.tmj"] if f.check == "reachability.dead_zone"]
    assert dead.evidence["cells"] == 15
    (closer,) = [f for f in static_findings["spawn_closer_to_centre/map.tmj"]]
    assert "blue spawn is" in closer.message and "further from the centre" in closer.message


def test_exploits_are_found_by_geometry_and_confirmed_by_a_match():
    ledge = MAPS / "sniping_ledge" / "map.tmj"
    found, _ = run_playtest([ledge], default_ruleset(), PlaytestConfig(checks=("exploits",), matches=0))
    (snipe,) = [f for f in found if f.severity == "warning"]
    assert snipe.subject == "archer vs knight" and sorted(snipe.cells) == [(x, y) for x in (10, 11, 12)
                                                                            for y in (2, 3, 4)]
    assert snipe.evidence["damage_taken"] == 0 and snipe.evidence["damage_dealt"] > 0
    assert snipe.evidence["tiles"] == ["hills"]
    # hills that absorb 95% of damage: a knight there outlasts the enemy team's whole match
    from envs.ruleset import load_ruleset

    fortress = load_ruleset(MAPS / "fortress.toml")
    found, _ = run_playtest([MAPS / "fortress_hills" / "map.tmj"], fortress,
                            PlaytestConfig(checks=("exploits",), matches=0))
    (tank,) = found
    assert tank.check == "exploit.unkillable" and tank.subject == "blue knight on hills"
    assert tank.evidence["max_damage"] < tank.evidence["hp"] and tank.evidence["damage_taken"] > 0
    # the same map under the default rules (hills absorb 20%) has no unkillable unit
    found, _ = run_playtest([MAPS / "fortress_hills" / "map.tmj"], default_ruleset(),
                            PlaytestConfig(checks=("exploits",), matches=0))
    assert found == []


def test_chokepoints_are_confirmed_by_a_march_and_explorers_cover_the_map(static_findings):
    (choke,) = [f for f in static_findings["chokepoint/map.tmj"] if f.check == "reachability.chokepoint"]
    assert choke.evidence["march_first_step"] <= choke.evidence["march_last_step"]
    from envs.core import compile_params
    from gameai.playtest.explorer import explore

    view = MapView("cup", pcg.load_map(MAPS / "cup_trap" / "map.tmj"), compile_params(default_ruleset()))
    for u in range(len(view.unit_names)):
        run = explore(view, u, units=4, seed=1)
        assert run.coverage >= 0.95 and run.visited[~run.reachable].sum() == 0
        assert run.steps < 400


def test_the_bots_stuck_spot_is_inside_the_cup(static_findings):
    (stuck,) = [f for f in static_findings["cup_trap/map.tmj"] if f.check == "explorer.stuck"]
    assert all(2 <= x <= 8 and 2 <= y <= 6 for x, y in stuck.cells)  # inside the mountain cup


def test_generated_skirmish_maps_raise_no_reachability_alarms():
    maps = [pcg.skirmish_map(s) for s in range(12)]
    findings, _ = run_playtest(maps, default_ruleset(), PlaytestConfig(checks=("reachability",), matches=0))
    assert not [f.message for f in findings if f.severity == "error"]


def test_side_advantage_is_found_on_a_lopsided_map_and_not_on_generated_ones():
    """A knight trapped by swamp at blue's spawn loses that side matches; generated maps stay inside the CI."""
    lopsided = MAPS / "knight_swamp_spawn" / "map.tmj"
    cfg = PlaytestConfig(checks=("fairness",), matches=6)
    found, _ = run_playtest([lopsided], default_ruleset(), cfg)
    (side,) = found
    assert side.check == "fairness.side" and side.cells == [(22, 3)]
    assert side.evidence["side_b_wins"] > side.evidence["side_a_wins"] and side.evidence["ci"][1] < 0.5
    generated = [pcg.skirmish_map(s) for s in (1, 3, 4)]
    cfg = PlaytestConfig(checks=("fairness",), matches=6)
    found, _ = run_playtest(generated, default_ruleset(), cfg)
    assert found == [], [f.message for f in found]
    assert all(v["side_advantage"]["matches"] == 12 for v in cfg.stats.values())


def test_same_seed_same_findings(tmp_path):
    paths = [MAPS / "knight_swamp_spawn" / "map.tmj", MAPS / "chokepoint" / "map.tmj"]
    runs = []
    for i, workers in enumerate((1, 1, 2)):  # the third run tests the maps in two worker processes
        cfg = PlaytestConfig(seed=3, matches=3, out_dir=tmp_path / f"run{i}")
        found, meta = run_playtest(paths, default_ruleset(), cfg, workers=workers)
        runs.append([f.to_dict() for f in found])
        assert list(meta["stats"]) == [str(p) for p in paths]
    assert runs[0] == runs[1] == runs[2] and runs[0]
    for f in runs[0]:  # the replays are byte-identical too
        assert (tmp_path / "run0" / f["replay"]).read_bytes() == (tmp_path / "run1" / f["replay"]).read_bytes() \
            == (tmp_path / "run2" / f["replay"]).read_bytes()


def test_the_cli_lists_every_check_the_runner_runs():
    from gameai.playtest.findings import CHECK_NAMES
    from gameai.playtest.runner import CHECKS

    assert tuple(CHECKS) == CHECK_NAMES


def test_baseline_matching_uses_check_map_subject_and_cells(tmp_path):
    a = Finding("reachability.dead_zone", "info", "m.tmj", "x", cells=[(1, 2)], evidence={"cells": 5})
    same_place_new_numbers = Finding("reachability.dead_zone", "info", "m.tmj", "y", cells=[(1, 2)],
                                     evidence={"cells": 6})
    moved = Finding("reachability.dead_zone", "info", "m.tmj", "x", cells=[(1, 3)])
    assert new_findings([same_place_new_numbers, moved], [a]) == [moved]
    save_findings(tmp_path / "f.json", [a], {"seed": 0})
    assert [f.key for f in load_findings(tmp_path / "f.json")] == [a.key]
    with pytest.raises(ValueError, match="severity"):
        Finding("x", "fatal", "m", "msg")


def test_a_map_needs_spawns_standing_on_ground_the_ruleset_allows():
    gm = pcg.load_map(MAPS / "clean_mirror" / "map.tmj")
    from dataclasses import replace

    from envs.core import compile_params

    params = compile_params(default_ruleset())
    with pytest.raises(PlaytestInputError, match="needs a spawn for team 0"):
        MapView("grid.csv", replace(gm, spawns=[]), params)
    tiles = gm.tiles.copy()
    tiles[3, 1] = 8  # a mountain under the blue spawn
    with pytest.raises(PlaytestInputError, match=r"blue spawn \(1, 3\) is on mountain"):
        MapView("m.tmj", replace(gm, tiles=tiles), params)


def _gameai(*args):
    return subprocess.run([sys.executable, "-m", "gameai", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_cli_writes_report_findings_and_replays_that_play_and_gates_on_a_baseline(tmp_path):
    maps = [MAPS / "island_spawn" / "map.tmj", MAPS / "knight_resource_in_swamp" / "map.tmj"]
    out = tmp_path / "pt"
    run = _gameai("playtest", *maps, "--out", out, "--matches", 2, "--no-progress")
    assert run.returncode == 0, run.stderr
    assert "island" in run.stdout
    findings = load_findings(out / "findings.json")
    assert {f.check for f in findings} >= {"reachability.spawn_cut_off", "reachability.place_archetype"}
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(findings) + len(maps)  # offline: pictures embedded
    assert "http" not in html.replace("http-equiv", "")
    for f in findings:
        assert (out / f.picture).is_file() and f.replay
        played = _gameai("replay", out / f.replay, "--json")
        assert played.returncode == 0, played.stderr
        assert json.loads(played.stdout)["identical_to_recording"] is True
    # the same maps against their own findings: nothing new; with one finding forgotten: exit 1
    same = _gameai("playtest", *maps, "--out", tmp_path / "again", "--matches", 2, "--no-progress",
                   "--baseline", out / "findings.json")
    assert same.returncode == 0, same.stderr
    data = json.loads((out / "findings.json").read_text())
    data["findings"] = [f for f in data["findings"] if f["check"] != "reachability.spawn_cut_off"]
    (tmp_path / "old.json").write_text(json.dumps(data))
    gate = _gameai("playtest", *maps, "--out", tmp_path / "gate", "--matches", 2, "--no-progress",
                   "--baseline", tmp_path / "old.json")
    assert gate.returncode == 1 and "1 new finding" in gate.stderr and "spawn_cut_off" in gate.stderr


def test_cli_refuses_bad_input_by_name(tmp_path):
    bad_tile = tmp_path / "lava.csv"
    bad_tile.write_text("grassland,grassland,grassland,grassland\n" * 3 + "grassland,lava,grassland,grassland\n")
    no_spawns = tmp_path / "plain.csv"
    no_spawns.write_text("grassland,grassland,grassland,grassland\n" * 4)
    notes = tmp_path / "notes.json"
    notes.write_text("{}")
    cases = [
        (("playtest", tmp_path / "missing.tmj", "--out", tmp_path / "o"), "missing.tmj: no such file"),
        (("playtest", bad_tile, "--out", tmp_path / "o"), "unknown tile type 'lava'"),
        (("playtest", no_spawns, "--out", tmp_path / "o"), "plain.csv: the map needs a spawn"),
        (("playtest", MAPS / "chokepoint" / "map.tmj", "--out", tmp_path / "o", "--baseline", notes),
         "not a playtest findings file"),
        (("playtest", MAPS / "chokepoint" / "map.tmj", "--out", tmp_path / "o", "--checks", "vibes"),
         "unknown check(s) vibes"),
    ]
    for args, needle in cases:
        res = _gameai(*args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert needle in res.stderr and "Traceback" not in res.stderr, res.stderr


def test_walking_times_follow_the_cores_moves():
    """Diagonal steps count as one move and slow tiles cost move_cost / speed steps, as in envs/core.py."""
    gm = pcg.load_map(MAPS / "slow_side" / "map.tmj")
    from envs.core import compile_params

    params = compile_params(default_ruleset())
    view = MapView("slow_side", gm, params)
    warrior = view.unit_names.index("warrior")
    t = view.walk_time(warrior, [(1, 3)])
    assert t[3, 1] == 0 and np.isclose(t[4, 2], 1 / 0.8)  # a diagonal step onto grassland
    assert np.isclose(t[3, 12] - t[3, 11], 2.0 / 0.8)  # into shallow water (move_cost 2)


def _dead_healer_bug(real):
    """A planted rule bug: a dead unit next to a healing ally of its team gets the heal anyway."""
    from envs import core

    def step_inplace(params, state, actions):
        ev = real(params, state, actions)
        for b, i in zip(*np.nonzero(~state.alive)):
            mates = state.alive[b] & (state.team[b] == state.team[b, i]) & (params.heal[state.utype[b]] > 0)
            for j in np.flatnonzero(mates):
                near = max(abs(state.x[b, j] - state.x[b, i]), abs(state.y[b, j] - state.y[b, i])) <= 2
                if near and actions[b, j] >= core.ATTACK0 + params.k:
                    state.hp[b, i] += params.heal[state.utype[b, j]]
        return ev

    return step_inplace


def test_fuzzing_finds_a_planted_rule_bug_and_shrinks_it_to_a_short_replay(tmp_path, monkeypatch):
    from envs import core

    clean = MAPS / "clean_mirror" / "map.tmj"
    found, meta = run_playtest([clean], default_ruleset(), PlaytestConfig(checks=("fuzz",), matches=0))
    assert found == [] and "all held" in meta["stats"][str(clean)]["fuzz"]
    monkeypatch.setattr(core, "step_inplace", _dead_healer_bug(core.step_inplace))
    cfg = PlaytestConfig(checks=("fuzz",), matches=0, out_dir=tmp_path)
    (bug,) = run_playtest([clean], default_ruleset(), cfg)[0]
    assert bug.check == "fuzz.invariant" and bug.subject == "hp_bounds" and "dead unit" in bug.message
    assert bug.evidence["shrunk_steps"] <= min(20, bug.evidence["found_at_step"])
    # the shrunk replay reproduces the violation step for step (what `gameai replay FILE --invariants` runs)
    from agents.replay import load_replay
    from gameai.playtest.fuzz import check_replay

    data = load_replay(tmp_path / bug.replay)
    hits = check_replay(data)
    assert [h[0] for h in hits] == ["hp_bounds"] and hits[0][2] == len(data["actions"]) == bug.evidence["shrunk_steps"]
    monkeypatch.undo()
    assert check_replay(data) == []  # with the real rules the same actions are fine
    fixed = _gameai("replay", tmp_path / bug.replay, "--invariants")
    assert "rule invariants: all held" in fixed.stdout, fixed.stderr


def test_a_map_the_armies_hardly_fit_on_is_reported_not_crashed():
    """All swamp but the two spawn cells: the knight has one cell per side; matches cannot be played."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_maps", MAPS / "make_maps.py")
    make_maps = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_maps)
    gm = make_maps.build("ssssssss\nsBssssRs\nssssssss\nssssssss", "bog")
    found, meta = run_playtest([gm], default_ruleset(), PlaytestConfig(matches=2))
    assert [(f.check, f.subject) for f in found if f.severity != "info"] == \
        [("reachability.archetype_blocked", "knight")]
    stats = meta["stats"]["map 0 (seed 0)"]
    assert stats["side_advantage"].startswith("not played: ") and stats["fuzz"].startswith("not run: ")
