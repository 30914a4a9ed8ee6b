"""skirmish_map: the small battlefield the simulation, balance sweeps and RL training use."""
import numpy as np
import pytest
from scipy import ndimage

import pcg
from pcg import MapParameterError, Tile
from pcg.paths import walk_distance
from pcg.spawns import FAIRNESS_TOLERANCE

FOUR = ndimage.generate_binary_structure(2, 1)


@pytest.mark.parametrize("teams, size", [(2, 32), (3, 32), (4, 40)])
def test_skirmish_maps_are_playable_and_fair(teams, size):
    for seed in range(40):
        gm = pcg.skirmish_map(seed, size=size, teams=teams)
        assert gm.tiles.shape == (size, size) and len(gm.spawns) == teams
        walk = ~np.isin(gm.tiles, [Tile.DEEP_WATER, Tile.SHALLOW_WATER, Tile.RIVER, Tile.MOUNTAIN])
        labels, _ = ndimage.label(walk, structure=FOUR)
        assert len({labels[s.y, s.x] for s in gm.spawns} - {0}) == 1, seed
        d_centre = walk_distance(walk, [gm.centre])
        to_centre = np.array([d_centre[s.y, s.x] for s in gm.spawns])
        # Resource k is team k's start resource: same walking distance for every team.
        own = np.array([walk_distance(walk, [(s.x, s.y)])[gm.resources[s.team].y, gm.resources[s.team].x]
                        for s in gm.spawns])
        for v in (to_centre, own):
            assert v.min() > 0 and (v.max() - v.min()) <= FAIRNESS_TOLERANCE * v.mean(), (seed, v)


def test_skirmish_is_deterministic():
    a, b = pcg.skirmish_map(77), pcg.skirmish_map(77)
    assert np.array_equal(a.tiles, b.tiles) and a.spawns == b.spawns and a.resources == b.resources
    assert not np.array_equal(a.tiles, pcg.skirmish_map(78).tiles)


def test_skirmish_overrides_and_errors():
    gm = pcg.skirmish_map(1, size=48, teams=2, water=0.3)
    assert 0.2 < np.isin(gm.tiles, [0, 1]).mean() < 0.4
    with pytest.raises(MapParameterError, match="teams"):
        pcg.skirmish_map(1, size=32, teams=9)
    with pytest.raises(MapParameterError, match="size"):
        pcg.skirmish_map(1, size=8)
