"""pcg's noise against the `noise` package itself (the reference), on random points and grids."""
import noise
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcg import MapParameterError
from pcg.noise import domain_warp, fractal_grid, pnoise2, pnoise2_grid, snoise2, snoise2_grid

RNG = np.random.default_rng(20261122)
PTS_X = RNG.uniform(-400, 400, 600)
PTS_Y = RNG.uniform(-400, 400, 600)


def _ref(fn, xs, ys, **kw):
    return np.array([fn(float(x), float(y), **kw) for x, y in zip(xs, ys)])


@pytest.mark.parametrize("kw", [
    {},
    {"octaves": 6},
    {"octaves": 4, "persistence": 0.7, "lacunarity": 2.3},
    {"octaves": 3, "persistence": 0.35, "lacunarity": 1.7, "repeatx": 8, "repeaty": 16},
    {"octaves": 2, "repeatx": 3.5, "repeaty": 1},
    {"octaves": 5, "base": 1},
])
def test_pnoise2_matches_noise_on_random_points(kw):
    got = pnoise2(PTS_X, PTS_Y, **kw)
    ref = _ref(noise.pnoise2, PTS_X, PTS_Y, **kw)
    assert np.abs(got - ref).max() <= 1e-6
    assert np.std(ref) > 0.05  # the reference is not trivially flat


@pytest.mark.parametrize("kw", [
    {},
    {"octaves": 6},
    {"octaves": 4, "persistence": 0.7, "lacunarity": 2.3},
    {"octaves": 3, "base": 17.25},
    {"octaves": 2, "base": -3.0},
    {"repeatx": 16},
    {"repeaty": 10.5, "octaves": 3},
    {"repeatx": 8, "repeaty": 12, "octaves": 4, "base": 2.5},
    {"repeatx": 3, "repeaty": 3, "octaves": 6, "persistence": 0.6, "lacunarity": 2.2},
])
def test_snoise2_matches_noise_on_random_points(kw):
    got = snoise2(PTS_X, PTS_Y, **kw)
    ref = _ref(noise.snoise2, PTS_X, PTS_Y, **kw)
    assert np.abs(got - ref).max() <= 1e-6


def test_small_and_negative_coordinates_near_lattice_points():
    xs = np.array([-1.0, -0.5, -1e-3, 0.0, 1e-3, 0.999, 1.0, -255.999, 255.5, -1024.25])
    ys = xs[::-1].copy()
    for kw in ({}, {"octaves": 6}, {"octaves": 3, "repeatx": 4, "repeaty": 4}):
        assert np.abs(pnoise2(xs, ys, **kw) - _ref(noise.pnoise2, xs, ys, **kw)).max() <= 1e-6
    assert np.abs(snoise2(xs, ys, octaves=3) - _ref(noise.snoise2, xs, ys, octaves=3)).max() <= 1e-6


@pytest.mark.parametrize("kw", [{"octaves": 6}, {"octaves": 3, "repeatx": 5, "repeaty": 7, "base": 1}])
def test_pnoise2_grid_matches_noise_per_pixel(kw):
    xs = np.linspace(-13.7, 21.2, 57)
    ys = np.linspace(-40.1, -2.3, 41)
    got = pnoise2_grid(xs, ys, **kw)
    ref = np.array([[noise.pnoise2(float(x), float(y), **kw) for x in xs] for y in ys])
    assert got.shape == (41, 57)
    assert np.abs(got - ref).max() <= 1e-6


def test_snoise2_grid_matches_noise_per_pixel():
    xs = np.linspace(-9.3, 12.0, 33)
    ys = np.linspace(3.1, 18.4, 21)
    got = snoise2_grid(xs, ys, octaves=4, persistence=0.6)
    ref = np.array([[noise.snoise2(float(x), float(y), octaves=4, persistence=0.6) for x in xs] for y in ys])
    assert np.abs(got - ref).max() <= 1e-6


@pytest.mark.parametrize("fn, ref, kw", [
    (pnoise2_grid, noise.pnoise2, {"octaves": 6}),
    (snoise2_grid, noise.snoise2, {"octaves": 3}),
    (snoise2_grid, noise.snoise2, {"octaves": 2, "repeatx": 9, "repeaty": 5}),
])
def test_large_grids_use_the_threaded_kernels_and_still_match(fn, ref, kw):
    xs = np.linspace(-50.3, 70.9, 300)
    ys = np.linspace(-20.7, 30.1, 260)  # 78,000 points: above the threading threshold
    got = fn(xs, ys, **kw)
    rows = RNG.integers(0, ys.size, 300)
    cols = RNG.integers(0, xs.size, 300)
    want = np.array([ref(float(xs[c]), float(ys[r]), **kw) for r, c in zip(rows, cols)])
    assert np.abs(got[rows, cols] - want).max() <= 1e-6


def test_broadcasting_keeps_shapes():
    out = pnoise2(np.arange(5.0)[None, :] * 0.3, np.arange(4.0)[:, None] * 0.3, octaves=2)
    assert out.shape == (4, 5)
    assert out[2, 3] == pytest.approx(noise.pnoise2(0.9, 0.6, octaves=2), abs=1e-6)


def test_repeat_tiles_the_pattern():
    xs = np.linspace(0, 8, 17)
    a = pnoise2_grid(xs, xs, octaves=1, repeatx=8, repeaty=8)
    b = pnoise2_grid(xs + 8, xs + 8, octaves=1, repeatx=8, repeaty=8)
    assert np.abs(a - b).max() <= 1e-6


def test_domain_warp_is_deterministic_and_moves_points():
    x, y = np.meshgrid(np.linspace(0, 4, 20), np.linspace(0, 4, 20))
    wx, wy = domain_warp(x, y, 0.8)
    wx2, wy2 = domain_warp(x, y, 0.8)
    assert np.array_equal(wx, wx2) and np.array_equal(wy, wy2)
    assert 0.01 < np.abs(wx - x).mean() < 0.8
    base = fractal_grid(32, 32, scale=8.0)
    warped = fractal_grid(32, 32, scale=8.0, warp=0.8)
    assert not np.allclose(base, warped)


@pytest.mark.parametrize("call, param", [
    (lambda: pnoise2(0.5, 0.5, octaves=0), "octaves"),
    (lambda: pnoise2(0.5, 0.5, octaves=2.5), "octaves"),
    (lambda: pnoise2(0.5, 0.5, base=7), "base"),
    (lambda: pnoise2(0.5, 0.5, persistence=float("nan")), "persistence"),
    (lambda: pnoise2(0.5, 0.5, repeatx=0), "repeatx"),
    (lambda: snoise2(0.5, 0.5, octaves=-1), "octaves"),
    (lambda: snoise2(0.5, 0.5, repeatx=0.5), "repeatx"),
    (lambda: fractal_grid(8, 8, scale=0.0), "scale"),
    (lambda: fractal_grid(8, 8, scale=4.0, kind="value"), "noise"),
])
def test_bad_noise_arguments_name_the_parameter(call, param):
    with pytest.raises(MapParameterError) as info:
        call()
    assert info.value.param == param
    assert param in str(info.value)


_coord = st.floats(-5000, 5000, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(x=_coord, y=_coord, octaves=st.integers(1, 8), persistence=st.floats(0.1, 0.9),
       lacunarity=st.floats(1.5, 3.0), repeat=st.sampled_from([1024, 7, 33.5]), base=st.integers(0, 1))
def test_pnoise2_property_any_point(x, y, octaves, persistence, lacunarity, repeat, base):
    kw = dict(octaves=octaves, persistence=persistence, lacunarity=lacunarity, repeatx=repeat, repeaty=repeat,
              base=base)
    assert abs(float(pnoise2(x, y, **kw)) - noise.pnoise2(x, y, **kw)) <= 1e-6


@settings(max_examples=150, deadline=None)
@given(x=_coord, y=_coord, octaves=st.integers(1, 8), persistence=st.floats(0.1, 0.9),
       lacunarity=st.floats(1.5, 3.0), base=st.floats(-100, 100))
def test_snoise2_property_any_point(x, y, octaves, persistence, lacunarity, base):
    kw = dict(octaves=octaves, persistence=persistence, lacunarity=lacunarity, base=base)
    assert abs(float(snoise2(x, y, **kw)) - noise.snoise2(x, y, **kw)) <= 1e-6
