"""Chunked worlds: neighbouring chunks agree along their borders, and chunks equal one big window."""
import numpy as np
import pytest

from pcg import ChunkedWorld, MapParameterError
from pcg.terrain import classify


@pytest.fixture(scope="module")
def world():
    return ChunkedWorld(42, chunk_size=32, scale=24.0, water=0.3, mountain=0.1)


def test_chunks_stitch_into_one_seamless_window(world):
    # 3x3 chunks around the origin, negative chunk coordinates included.
    rows = [np.hstack([world.chunk(cx, cy).height for cx in (-1, 0, 1)]) for cy in (-1, 0, 1)]
    stitched = np.vstack(rows)
    whole = world.fields((-32, -32), (96, 96))
    assert np.array_equal(stitched, whole.height)
    tiles = np.vstack([np.hstack([world.chunk(cx, cy).tiles for cx in (-1, 0, 1)]) for cy in (-1, 0, 1)])
    assert np.array_equal(tiles, classify(whole, world.thresholds))


def test_seams_are_continuous(world):
    a, b = world.chunk(4, -2), world.chunk(5, -2)
    # Across the seam the height changes no more than between neighbouring columns inside a chunk.
    seam = np.abs(a.height[:, -1] - b.height[:, 0]).max()
    inside = np.abs(np.diff(a.height, axis=1)).max()
    assert seam <= inside * 1.5 + 1e-6
    c = world.chunk(4, -1)
    assert np.abs(a.height[-1, :] - c.height[0, :]).max() <= np.abs(np.diff(a.height, axis=0)).max() * 1.5 + 1e-6


def test_chunks_are_deterministic_and_differ_by_seed(world):
    again = ChunkedWorld(42, chunk_size=32, scale=24.0, water=0.3, mountain=0.1)
    assert np.array_equal(world.chunk(7, 3).tiles, again.chunk(7, 3).tiles)
    assert world.chunk(7, 3).settlements == again.chunk(7, 3).settlements
    other = ChunkedWorld(43, chunk_size=32, scale=24.0, water=0.3, mountain=0.1)
    assert not np.array_equal(world.chunk(7, 3).height, other.chunk(7, 3).height)


def test_settlements_belong_to_exactly_one_chunk(world):
    seen = []
    for cy in range(-3, 3):
        for cx in range(-3, 3):
            ch = world.chunk(cx, cy)
            for p in ch.settlements:
                assert ch.origin[0] <= p.x < ch.origin[0] + 32 and ch.origin[1] <= p.y < ch.origin[1] + 32
                assert ch.tiles[p.y - ch.origin[1], p.x - ch.origin[0]] in (2, 3, 4, 6, 7)
                seen.append((p.x, p.y))
    assert seen and len(seen) == len(set(seen))


def test_biome_mix_follows_the_request():
    w = ChunkedWorld(5, chunk_size=64, scale=32.0, water=0.4, mountain=0.05)
    tiles = np.vstack([np.hstack([w.chunk(cx, cy).tiles for cx in range(-2, 2)]) for cy in range(-2, 2)])
    water = np.isin(tiles, [0, 1]).mean()
    assert 0.2 < water < 0.6


@pytest.mark.parametrize("kwargs, param", [
    ({"chunk_size": 4}, "chunk_size"),
    ({"chunk_size": 64.5}, "chunk_size"),
    ({"water": 2.0}, "water"),
    ({"shape": "island"}, "shape"),
    ({"settlement_spacing": 2}, "settlement_spacing"),
])
def test_bad_world_parameters(kwargs, param):
    with pytest.raises(MapParameterError) as info:
        ChunkedWorld(1, **kwargs)
    assert info.value.param == param


def test_bad_chunk_coordinates(world):
    with pytest.raises(MapParameterError, match="cx"):
        world.chunk(1.5, 0)
    with pytest.raises(MapParameterError, match="cy"):
        world.chunk(0, 2**30)
