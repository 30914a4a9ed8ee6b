"""Vectorized fractal Perlin and simplex noise that gives the `noise` package's values.

`pnoise2` / `snoise2` take the same arguments as `noise.pnoise2` / `noise.snoise2` but work on
whole numpy arrays. They are ports of the package's C code (noise 1.2.2, `_perlin.c` and
`_simplex.c`, MIT, Casey Duncan) that keep its single-precision arithmetic step by step, so
the results are the same float32 numbers the C code returns (tests compare against `noise`
itself). `pnoise2_grid` is the fast path for heightmaps: on a grid every column shares its
x lattice terms and every row its y terms, so those are computed once per octave, not per pixel.

Why numba and not numpy: a numpy version needs about 30 temporary arrays per octave (each
a full pass over memory), while the compiled loop keeps a pixel's octaves in registers and
reads four bytes of permutation table per corner; it is 10-20x faster than the best numpy
version we wrote, and `cache=True` keeps the compile cost to the first run on a machine.
"""
from __future__ import annotations

import os
import types

import numba
import numpy as np

from pcg.errors import MapParameterError

# Ken Perlin's reference permutation, as in noise's `_noise.h` (which stores it twice).
_PERM256 = [
    151, 160, 137, 91, 90, 15, 131, 13, 201, 95, 96, 53, 194, 233, 7, 225, 140, 36, 103, 30, 69,
    142, 8, 99, 37, 240, 21, 10, 23, 190, 6, 148, 247, 120, 234, 75, 0, 26, 197, 62, 94, 252, 219,
    203, 117, 35, 11, 32, 57, 177, 33, 88, 237, 149, 56, 87, 174, 20, 125, 136, 171, 168, 68, 175,
    74, 165, 71, 134, 139, 48, 27, 166, 77, 146, 158, 231, 83, 111, 229, 122, 60, 211, 133, 230,
    220, 105, 92, 41, 55, 46, 245, 40, 244, 102, 143, 54, 65, 25, 63, 161, 1, 216, 80, 73, 209, 76,
    132, 187, 208, 89, 18, 169, 200, 196, 135, 130, 116, 188, 159, 86, 164, 100, 109, 198, 173,
    186, 3, 64, 52, 217, 226, 250, 124, 123, 5, 202, 38, 147, 118, 126, 255, 82, 85, 212, 207, 206,
    59, 227, 47, 16, 58, 17, 182, 189, 28, 42, 223, 183, 170, 213, 119, 248, 152, 2, 44, 154, 163,
    70, 221, 153, 101, 155, 167, 43, 172, 9, 129, 22, 39, 253, 19, 98, 108, 110, 79, 113, 224, 232,
    178, 185, 112, 104, 218, 246, 97, 228, 251, 34, 242, 193, 238, 210, 144, 12, 191, 179, 162,
    241, 81, 51, 145, 235, 249, 14, 239, 107, 49, 192, 214, 31, 181, 199, 106, 157, 184, 84, 204,
    176, 115, 121, 50, 45, 127, 4, 150, 254, 138, 236, 205, 93, 222, 114, 67, 29, 24, 72, 243, 141,
    128, 195, 78, 66, 215, 61, 156, 180,
]
PERM = np.array(_PERM256 * 2, dtype=np.int64)
# noise's GRAD3 table (x and y columns); Perlin uses hash & 15, simplex uses hash % 12.
_GRAD3 = np.array([[1, 1, 0], [-1, 1, 0], [1, -1, 0], [-1, -1, 0], [1, 0, 1], [-1, 0, 1], [1, 0, -1],
                   [-1, 0, -1], [0, 1, 1], [0, -1, 1], [0, 1, -1], [0, -1, -1], [1, 0, -1],
                   [-1, 0, -1], [0, -1, 1], [0, 1, 1]], dtype=np.float32)
# Gradient of the corner whose second-level hash is k, folded into one lookup per axis.
_PGX = _GRAD3[PERM & 15, 0].copy()
_PGY = _GRAD3[PERM & 15, 1].copy()
_SGX = _GRAD3[PERM % 12, 0].copy()
_SGY = _GRAD3[PERM % 12, 1].copy()
_SGZ = _GRAD3[PERM % 12, 2].copy()
# 4-D gradients and the simplex traversal table of noise's _noise.h (tiled simplex noise).
_GRAD4 = np.array([[0, 1, 1, 1], [0, 1, 1, -1], [0, 1, -1, 1], [0, 1, -1, -1], [0, -1, 1, 1], [0, -1, 1, -1],
                   [0, -1, -1, 1], [0, -1, -1, -1], [1, 0, 1, 1], [1, 0, 1, -1], [1, 0, -1, 1], [1, 0, -1, -1],
                   [-1, 0, 1, 1], [-1, 0, 1, -1], [-1, 0, -1, 1], [-1, 0, -1, -1], [1, 1, 0, 1], [1, 1, 0, -1],
                   [1, -1, 0, 1], [1, -1, 0, -1], [-1, 1, 0, 1], [-1, 1, 0, -1], [-1, -1, 0, 1], [-1, -1, 0, -1],
                   [1, 1, 1, 0], [1, 1, -1, 0], [1, -1, 1, 0], [1, -1, -1, 0], [-1, 1, 1, 0], [-1, 1, -1, 0],
                   [-1, -1, 1, 0], [-1, -1, -1, 0]], dtype=np.float32)
_G4X, _G4Y, _G4Z, _G4W = (_GRAD4[PERM & 31, k].copy() for k in range(4))
_SIMPLEX = np.array([
    [0, 1, 2, 3], [0, 1, 3, 2], [0, 0, 0, 0], [0, 2, 3, 1], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [1, 2, 3, 0],
    [0, 2, 1, 3], [0, 0, 0, 0], [0, 3, 1, 2], [0, 3, 2, 1], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [1, 3, 2, 0],
    [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0],
    [1, 2, 0, 3], [0, 0, 0, 0], [1, 3, 0, 2], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [2, 3, 0, 1], [2, 3, 1, 0],
    [1, 0, 2, 3], [1, 0, 3, 2], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [2, 0, 3, 1], [0, 0, 0, 0], [2, 1, 3, 0],
    [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0],
    [2, 0, 1, 3], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [3, 0, 1, 2], [3, 0, 2, 1], [0, 0, 0, 0], [3, 1, 2, 0],
    [2, 1, 0, 3], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [3, 1, 0, 2], [0, 0, 0, 0], [3, 2, 0, 1], [3, 2, 1, 0]],
    dtype=np.int64)

#: Largest `base` for Perlin noise. noise's C code indexes PERM[A + j] with j up to 255 + base,
#: which leaves its 512-entry table (undefined behaviour) for base > 1; we accept 0 and 1 only,
#: where both agree, and use coordinate offsets for more variety (see terrain.py).
PERLIN_MAX_BASE = 1

_F32 = np.float32
_F2 = _F32(0.3660254037844386)
_G2 = _F32(0.21132486540518713)
_F3 = _F32(1.0) / _F32(3.0)
_G3 = _F32(1.0) / _F32(6.0)
_F4 = _F32(0.30901699437494745)
_G4 = _F32(0.1381966011250105)
_M_1_PI = 0.31830988618379067154


@numba.njit(cache=True, inline="always")
def _fade(t):
    return t * t * t * (t * (t * _F32(6) - _F32(15)) + _F32(10))


@numba.njit(cache=True, inline="always")
def _lerp(t, a, b):
    return a + t * (b - a)


@numba.njit(cache=True)
def _perlin_point(x, y, rx, ry, base):
    """noise2() of _perlin.c, one point, float32 throughout."""
    i = int(np.floor(np.fmod(x, rx)))
    j = int(np.floor(np.fmod(y, ry)))
    ii = int(np.fmod(_F32(i + 1), rx))
    jj = int(np.fmod(_F32(j + 1), ry))
    i = (i & 255) + base
    j = (j & 255) + base
    ii = (ii & 255) + base
    jj = (jj & 255) + base
    x = x - np.floor(x)
    y = y - np.floor(y)
    fx = _fade(x)
    fy = _fade(y)
    a = PERM[i]
    aa = PERM[a + j]
    ab = PERM[a + jj]
    b = PERM[ii]
    ba = PERM[b + j]
    bb = PERM[b + jj]
    one = _F32(1)
    g00 = x * _PGX[aa] + y * _PGY[aa]
    g10 = (x - one) * _PGX[ba] + y * _PGY[ba]
    g01 = x * _PGX[ab] + (y - one) * _PGY[ab]
    g11 = (x - one) * _PGX[bb] + (y - one) * _PGY[bb]
    return _lerp(fy, _lerp(fx, g00, g10), _lerp(fx, g01, g11))


def _pnoise2_points_impl(xs, ys, octaves, persistence, lacunarity, rx, ry, base, out):
    for k in numba.prange(xs.size):
        freq = _F32(1)
        amp = _F32(1)
        mx = _F32(0)
        total = _F32(0)
        for _ in range(octaves):
            total += _perlin_point(xs[k] * freq, ys[k] * freq, rx * freq, ry * freq, base) * amp
            mx += amp
            freq *= lacunarity
            amp *= persistence
        out[k] = total / mx


@numba.njit(cache=True)
def _perlin_axis(coords, octaves, lacunarity, rep, base, cell, cell1, frac, fade):
    """Lattice terms of one axis for every octave (the part of noise2() that depends on x only)."""
    freq = _F32(1)
    for o in range(octaves):
        r = rep * freq
        for k in range(coords.size):
            v = coords[k] * freq
            i = int(np.floor(np.fmod(v, r)))
            ii = int(np.fmod(_F32(i + 1), r))
            cell[o, k] = (i & 255) + base
            cell1[o, k] = (ii & 255) + base
            f = v - np.floor(v)
            frac[o, k] = f
            fade[o, k] = _fade(f)
        freq *= lacunarity


def _pnoise2_grid_impl(xs, ys, octaves, persistence, lacunarity, rx, ry, base, out):
    nx, ny = xs.size, ys.size
    ci = np.empty((octaves, nx), np.int64)
    cii = np.empty((octaves, nx), np.int64)
    cf = np.empty((octaves, nx), np.float32)
    cu = np.empty((octaves, nx), np.float32)
    rj = np.empty((octaves, ny), np.int64)
    rjj = np.empty((octaves, ny), np.int64)
    rf = np.empty((octaves, ny), np.float32)
    rv = np.empty((octaves, ny), np.float32)
    _perlin_axis(xs, octaves, lacunarity, rx, base, ci, cii, cf, cu)
    _perlin_axis(ys, octaves, lacunarity, ry, base, rj, rjj, rf, rv)
    # A = PERM[i] and B = PERM[ii] depend on the column only; int32 keeps the tables in L1.
    perm = PERM.astype(np.int32)
    ca = np.empty((octaves, nx), np.int32)
    cb = np.empty((octaves, nx), np.int32)
    for o in range(octaves):
        for k in range(nx):
            ca[o, k] = perm[ci[o, k]]
            cb[o, k] = perm[cii[o, k]]
    one = _F32(1)
    out[:] = _F32(0)
    amp = _F32(1)
    mx = _F32(0)
    # Octave by octave over the whole grid (C adds the octaves in the same order, so the
    # float32 sums are identical); a row's y terms stay in registers along the row.
    for o in range(octaves):
        for r in numba.prange(ny):
            j = rj[o, r]
            jj = rjj[o, r]
            y = rf[o, r]
            y1 = y - one
            fy = rv[o, r]
            row = out[r]
            for c in range(nx):
                a = ca[o, c]
                b = cb[o, c]
                x = cf[o, c]
                fx = cu[o, c]
                aa = perm[a + j]
                ab = perm[a + jj]
                ba = perm[b + j]
                bb = perm[b + jj]
                g00 = x * _PGX[aa] + y * _PGY[aa]
                g10 = (x - one) * _PGX[ba] + y * _PGY[ba]
                g01 = x * _PGX[ab] + y1 * _PGY[ab]
                g11 = (x - one) * _PGX[bb] + y1 * _PGY[bb]
                row[c] += _lerp(fy, _lerp(fx, g00, g10), _lerp(fx, g01, g11)) * amp
        mx += amp
        amp *= persistence
    for r in numba.prange(ny):
        for c in range(nx):
            out[r, c] = out[r, c] / mx


@numba.njit(cache=True)
def _simplex_point(x, y):
    """noise2() of _simplex.c, one point, float32 throughout."""
    s = (x + y) * _F2
    i = np.floor(x + s)
    j = np.floor(y + s)
    t = (i + j) * _G2
    x0 = x - (i - t)
    y0 = y - (j - t)
    i1 = 1 if x0 > y0 else 0
    j1 = 1 - i1
    one = _F32(1)
    x2 = x0 + _G2 * _F32(2) - one
    y2 = y0 + _G2 * _F32(2) - one
    x1 = x0 - _F32(i1) + _G2
    y1 = y0 - _F32(j1) + _G2
    ii = int(i) & 255
    jj = int(j) & 255
    # Indices k with gradient GRAD3[PERM[k] % 12], as in the C code.
    g0 = ii + PERM[jj]
    g1 = ii + i1 + PERM[jj + j1]
    g2 = ii + 1 + PERM[jj + 1]
    half = _F32(0.5)
    n0 = _F32(0)
    n1 = _F32(0)
    n2 = _F32(0)
    f = half - x0 * x0 - y0 * y0
    if f > 0:
        n0 = f * f * f * f * (_SGX[g0] * x0 + _SGY[g0] * y0)
    f = half - x1 * x1 - y1 * y1
    if f > 0:
        n1 = f * f * f * f * (_SGX[g1] * x1 + _SGY[g1] * y1)
    f = half - x2 * x2 - y2 * y2
    if f > 0:
        n2 = f * f * f * f * (_SGX[g2] * x2 + _SGY[g2] * y2)
    return (n0 + n1 + n2) * _F32(70)


def _snoise2_points_impl(xs, ys, octaves, persistence, lacunarity, z, out):
    for k in numba.prange(xs.size):
        x = xs[k]
        y = ys[k]
        freq = _F32(1)
        amp = _F32(1)
        mx = _F32(1)
        total = _simplex_point(x + z, y + z)
        for _ in range(1, octaves):
            freq *= lacunarity
            amp *= persistence
            mx += amp
            total += _simplex_point(x * freq + z, y * freq + z) * amp
        out[k] = total / mx


@numba.njit(cache=True)
def _simplex3_point(x, y, z):
    """noise3() of _simplex.c, float32 throughout."""
    one = _F32(1)
    s = (x + y + z) * _F3
    i = np.floor(x + s)
    j = np.floor(y + s)
    k = np.floor(z + s)
    t = (i + j + k) * _G3
    x0 = x - (i - t)
    y0 = y - (j - t)
    z0 = z - (k - t)
    if x0 >= y0:
        if y0 >= z0:
            a0, a1, a2, b0, b1, b2 = 1, 0, 0, 1, 1, 0
        elif x0 >= z0:
            a0, a1, a2, b0, b1, b2 = 1, 0, 0, 1, 0, 1
        else:
            a0, a1, a2, b0, b1, b2 = 0, 0, 1, 1, 0, 1
    else:
        if y0 < z0:
            a0, a1, a2, b0, b1, b2 = 0, 0, 1, 0, 1, 1
        elif x0 < z0:
            a0, a1, a2, b0, b1, b2 = 0, 1, 0, 0, 1, 1
        else:
            a0, a1, a2, b0, b1, b2 = 0, 1, 0, 1, 1, 0
    x3 = x0 - one + _F32(3) * _G3
    y3 = y0 - one + _F32(3) * _G3
    z3 = z0 - one + _F32(3) * _G3
    x2 = x0 - _F32(b0) + _F32(2) * _G3
    y2 = y0 - _F32(b1) + _F32(2) * _G3
    z2 = z0 - _F32(b2) + _F32(2) * _G3
    x1 = x0 - _F32(a0) + _G3
    y1 = y0 - _F32(a1) + _G3
    z1 = z0 - _F32(a2) + _G3
    ii = int(i) & 255
    jj = int(j) & 255
    kk = int(k) & 255
    # Indices whose gradient is GRAD3[PERM[idx] % 12].
    g0 = ii + PERM[jj + PERM[kk]]
    g1 = ii + a0 + PERM[jj + a1 + PERM[a2 + kk]]
    g2 = ii + b0 + PERM[jj + b1 + PERM[b2 + kk]]
    g3 = ii + 1 + PERM[jj + 1 + PERM[kk + 1]]
    six = _F32(0.6)
    n0 = _F32(0)
    n1 = _F32(0)
    n2 = _F32(0)
    n3 = _F32(0)
    f = six - x0 * x0 - y0 * y0 - z0 * z0
    if f > 0:
        n0 = f * f * f * f * (x0 * _SGX[g0] + y0 * _SGY[g0] + z0 * _SGZ[g0])
    f = six - x1 * x1 - y1 * y1 - z1 * z1
    if f > 0:
        n1 = f * f * f * f * (x1 * _SGX[g1] + y1 * _SGY[g1] + z1 * _SGZ[g1])
    f = six - x2 * x2 - y2 * y2 - z2 * z2
    if f > 0:
        n2 = f * f * f * f * (x2 * _SGX[g2] + y2 * _SGY[g2] + z2 * _SGZ[g2])
    f = six - x3 * x3 - y3 * y3 - z3 * z3
    if f > 0:
        n3 = f * f * f * f * (x3 * _SGX[g3] + y3 * _SGY[g3] + z3 * _SGZ[g3])
    return (n0 + n1 + n2 + n3) * _F32(32)


@numba.njit(cache=True, inline="always")
def _corner4(t, gi, x, y, z, w):
    if t >= _F32(0):
        t *= t
        return t * t * (_G4X[gi] * x + _G4Y[gi] * y + _G4Z[gi] * z + _G4W[gi] * w)
    return _F32(0)


@numba.njit(cache=True)
def _simplex4_point(x, y, z, w):
    """noise4() of _simplex.c, float32 throughout."""
    one = _F32(1)
    s = (x + y + z + w) * _F4
    i = np.floor(x + s)
    j = np.floor(y + s)
    k = np.floor(z + s)
    m = np.floor(w + s)
    t = (i + j + k + m) * _G4
    x0 = x - (i - t)
    y0 = y - (j - t)
    z0 = z - (k - t)
    w0 = w - (m - t)
    c = (32 * (x0 > y0) + 16 * (x0 > z0) + 8 * (y0 > z0) + 4 * (x0 > w0) + 2 * (y0 > w0) + (z0 > w0))
    sc = _SIMPLEX[c]
    i1, j1, k1, l1 = int(sc[0] >= 3), int(sc[1] >= 3), int(sc[2] >= 3), int(sc[3] >= 3)
    i2, j2, k2, l2 = int(sc[0] >= 2), int(sc[1] >= 2), int(sc[2] >= 2), int(sc[3] >= 2)
    i3, j3, k3, l3 = int(sc[0] >= 1), int(sc[1] >= 1), int(sc[2] >= 1), int(sc[3] >= 1)
    x1 = x0 - _F32(i1) + _G4
    y1 = y0 - _F32(j1) + _G4
    z1 = z0 - _F32(k1) + _G4
    w1 = w0 - _F32(l1) + _G4
    x2 = x0 - _F32(i2) + _F32(2) * _G4
    y2 = y0 - _F32(j2) + _F32(2) * _G4
    z2 = z0 - _F32(k2) + _F32(2) * _G4
    w2 = w0 - _F32(l2) + _F32(2) * _G4
    x3 = x0 - _F32(i3) + _F32(3) * _G4
    y3 = y0 - _F32(j3) + _F32(3) * _G4
    z3 = z0 - _F32(k3) + _F32(3) * _G4
    w3 = w0 - _F32(l3) + _F32(3) * _G4
    x4 = x0 - one + _F32(4) * _G4
    y4 = y0 - one + _F32(4) * _G4
    z4 = z0 - one + _F32(4) * _G4
    w4 = w0 - one + _F32(4) * _G4
    ii = int(i) & 255
    jj = int(j) & 255
    kk = int(k) & 255
    ll = int(m) & 255
    # Indices whose gradient is GRAD4[PERM[idx] & 31].
    g0 = ii + PERM[jj + PERM[kk + PERM[ll]]]
    g1 = ii + i1 + PERM[jj + j1 + PERM[kk + k1 + PERM[ll + l1]]]
    g2 = ii + i2 + PERM[jj + j2 + PERM[kk + k2 + PERM[ll + l2]]]
    g3 = ii + i3 + PERM[jj + j3 + PERM[kk + k3 + PERM[ll + l3]]]
    g4 = ii + 1 + PERM[jj + 1 + PERM[kk + 1 + PERM[ll + 1]]]
    six = _F32(0.6)
    n0 = _corner4(six - x0 * x0 - y0 * y0 - z0 * z0 - w0 * w0, g0, x0, y0, z0, w0)
    n1 = _corner4(six - x1 * x1 - y1 * y1 - z1 * z1 - w1 * w1, g1, x1, y1, z1, w1)
    n2 = _corner4(six - x2 * x2 - y2 * y2 - z2 * z2 - w2 * w2, g2, x2, y2, z2, w2)
    n3 = _corner4(six - x3 * x3 - y3 * y3 - z3 * z3 - w3 * w3, g3, x3, y3, z3, w3)
    n4 = _corner4(six - x4 * x4 - y4 * y4 - z4 * z4 - w4 * w4, g4, x4, y4, z4, w4)
    return _F32(27) * (n0 + n1 + n2 + n3 + n4)


@numba.njit(cache=True, inline="always")
def _fast_sin(x):
    """noise's fast_sin: input in half-turns (x = 2 is a full circle)."""
    big = _F32(25165824.0)
    zz = x + big
    x = x - (zz - big)
    y = x - x * abs(x)
    return y * (_F32(3.1) + _F32(3.6) * abs(y))


def _snoise2_tiled_impl(xs, ys, octaves, persistence, lacunarity, rx, ry, tile_x, tile_y, base, out):
    for k in numba.prange(xs.size):
        x = xs[k]
        y = ys[k]
        z = base
        w = base
        if tile_y:
            yf = _F32(np.float64(y) * 2.0 / np.float64(ry))
            yr = _F32(np.float64(ry) * _M_1_PI * 0.5)
            vy = _fast_sin(yf)
            vyz = _fast_sin(yf + _F32(0.5))
            y = vy * yr
            w += vyz * yr
        if tile_x:
            xf = _F32(np.float64(x) * 2.0 / np.float64(rx))
            xr = _F32(np.float64(rx) * _M_1_PI * 0.5)
            vx = _fast_sin(xf)
            vxz = _fast_sin(xf + _F32(0.5))
            x = vx * xr
            z += vxz * xr
        freq = _F32(1)
        amp = _F32(1)
        mx = _F32(1)
        if tile_x and tile_y:
            total = _simplex4_point(x, y, z, w)
        elif tile_y:
            total = _simplex3_point(x, y, w)
        else:
            total = _simplex3_point(x, y, z)
        for _ in range(1, octaves):
            freq *= lacunarity
            amp *= persistence
            mx += amp
            if tile_x and tile_y:
                v = _simplex4_point(x * freq, y * freq, z * freq, w * freq)
            elif tile_y:
                v = _simplex3_point(x * freq, y * freq, w * freq)
            else:
                v = _simplex3_point(x * freq, y * freq, z * freq)
            total += v * amp
        out[k] = total / mx


# Each kernel in two builds: threads pay off on big arrays, but starting the thread pool costs
# milliseconds, which would dominate small maps (a 32x32 skirmish map is 1024 pixels).
_PARALLEL_MIN = 1 << 16


def _build(fn, parallel: bool):
    """Compile `fn` under its own name per variant: numba's on-disk cache is keyed by the
    function's name, not its flags, so two builds of one function would share a cache entry."""
    suffix = "_par" if parallel else "_ser"
    clone = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + suffix, fn.__defaults__, fn.__closure__)
    clone.__qualname__ = fn.__qualname__ + suffix
    return numba.njit(cache=True, parallel=parallel)(clone)


_pnoise2_points_par = _build(_pnoise2_points_impl, True)
_pnoise2_points_ser = _build(_pnoise2_points_impl, False)
_pnoise2_grid_par = _build(_pnoise2_grid_impl, True)
_pnoise2_grid_ser = _build(_pnoise2_grid_impl, False)
_snoise2_points_par = _build(_snoise2_points_impl, True)
_snoise2_points_ser = _build(_snoise2_points_impl, False)
_snoise2_tiled_par = _build(_snoise2_tiled_impl, True)
_snoise2_tiled_ser = _build(_snoise2_tiled_impl, False)


_threads: int | None = None


def kernel_threads() -> int:
    """Threads the big-array kernels use: GAMEAI_THREADS (the project-wide knob), default 1."""
    global _threads
    if _threads is None:
        want = os.environ.get("GAMEAI_THREADS", "1")
        _threads = max(1, min(int(want) if want.isdigit() else 1, numba.config.NUMBA_NUM_THREADS))
        if _threads > 1:
            numba.set_num_threads(_threads)
    return _threads


def _pick(par, ser, n):
    return par if n >= _PARALLEL_MIN and kernel_threads() > 1 else ser


def _check_octaves(octaves: int) -> int:
    if int(octaves) != octaves or octaves < 1 or octaves > 30:
        raise MapParameterError("octaves", octaves, "must be a whole number from 1 to 30")
    return int(octaves)


def _check_finite(name: str, value: float) -> np.float32:
    if not np.isfinite(value):
        raise MapParameterError(name, value, "must be a finite number")
    return np.float32(value)


def _check_repeat(name: str, value: float) -> np.float32:
    if not np.isfinite(value) or value < 1:
        raise MapParameterError(name, value, "must be a finite number >= 1 (the tiling period in noise units)")
    return np.float32(value)


def _check_base(base: int) -> int:
    if int(base) != base or not 0 <= base <= PERLIN_MAX_BASE:
        raise MapParameterError(
            "base", base,
            f"Perlin base must be 0..{PERLIN_MAX_BASE} (noise reads past its permutation table for larger "
            "values); shift the coordinates instead to get a different pattern",
        )
    return int(base)


def pnoise2(x, y, octaves: int = 1, persistence: float = 0.5, lacunarity: float = 2.0,
            repeatx: float = 1024, repeaty: float = 1024, base: int = 0) -> np.ndarray:
    """Fractal Perlin noise at the points (x, y); arrays broadcast like numpy.

    Same arguments and the same values as `noise.pnoise2` (float32 results; the C code
    computes in float32 too). Values lie roughly in [-1, 1].
    """
    octaves = _check_octaves(octaves)
    xb, yb = np.broadcast_arrays(np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32))
    out = np.empty(xb.shape, dtype=np.float32)
    _pick(_pnoise2_points_par, _pnoise2_points_ser, out.size)(np.ascontiguousarray(xb).ravel(), np.ascontiguousarray(yb).ravel(), octaves,
                    _check_finite("persistence", persistence), _check_finite("lacunarity", lacunarity),
                    _check_repeat("repeatx", repeatx), _check_repeat("repeaty", repeaty), _check_base(base),
                    out.reshape(-1))
    return out


def pnoise2_grid(xs, ys, octaves: int = 1, persistence: float = 0.5, lacunarity: float = 2.0,
                 repeatx: float = 1024, repeaty: float = 1024, base: int = 0) -> np.ndarray:
    """Fractal Perlin noise on the grid xs × ys: result[r, c] == noise.pnoise2(xs[c], ys[r], ...).

    The fast path for heightmaps (lattice terms shared by a row or column are computed once).
    """
    octaves = _check_octaves(octaves)
    xs = np.ascontiguousarray(np.asarray(xs, dtype=np.float32).ravel())
    ys = np.ascontiguousarray(np.asarray(ys, dtype=np.float32).ravel())
    out = np.empty((ys.size, xs.size), dtype=np.float32)
    _pick(_pnoise2_grid_par, _pnoise2_grid_ser, out.size)(xs, ys, octaves, _check_finite("persistence", persistence),
                  _check_finite("lacunarity", lacunarity), _check_repeat("repeatx", repeatx),
                  _check_repeat("repeaty", repeaty), _check_base(base), out)
    return out


def snoise2(x, y, octaves: int = 1, persistence: float = 0.5, lacunarity: float = 2.0,
            repeatx: float | None = None, repeaty: float | None = None, base: float = 0.0) -> np.ndarray:
    """Fractal simplex noise at the points (x, y); equal to `noise.snoise2` with the same arguments.

    `base` shifts the pattern, as in noise. With `repeatx` / `repeaty` the noise tiles with
    that period: like noise, it then samples 3-D or 4-D simplex noise on a circle / torus.
    """
    octaves = _check_octaves(octaves)
    xb, yb = np.broadcast_arrays(np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32))
    out = np.empty(xb.shape, dtype=np.float32)
    xf = np.ascontiguousarray(xb).ravel()
    yf = np.ascontiguousarray(yb).ravel()
    pers, lac = _check_finite("persistence", persistence), _check_finite("lacunarity", lacunarity)
    z = _check_finite("base", base)
    if repeatx is None and repeaty is None:
        _pick(_snoise2_points_par, _snoise2_points_ser, out.size)(xf, yf, octaves, pers, lac, z, out.reshape(-1))
    else:
        rx = _check_repeat("repeatx", repeatx) if repeatx is not None else _F32(1)
        ry = _check_repeat("repeaty", repeaty) if repeaty is not None else _F32(1)
        _pick(_snoise2_tiled_par, _snoise2_tiled_ser, out.size)(
            xf, yf, octaves, pers, lac, rx, ry, repeatx is not None, repeaty is not None, z, out.reshape(-1))
    return out


def snoise2_grid(xs, ys, octaves: int = 1, persistence: float = 0.5, lacunarity: float = 2.0,
                 repeatx: float | None = None, repeaty: float | None = None, base: float = 0.0) -> np.ndarray:
    """Fractal simplex noise on the grid xs × ys: result[r, c] == noise.snoise2(xs[c], ys[r], ...)."""
    xs = np.asarray(xs, dtype=np.float32).ravel()
    ys = np.asarray(ys, dtype=np.float32).ravel()
    return snoise2(xs[None, :], ys[:, None], octaves, persistence, lacunarity, repeatx, repeaty, base)


def domain_warp(x, y, strength: float, scale: float = 1.0, octaves: int = 3,
                persistence: float = 0.5, lacunarity: float = 2.0):
    """Displace the points (x, y) by `strength` units along two independent Perlin fields.

    Warping the coordinates before sampling bends coastlines and ridges (Quilez's domain
    warping); `scale` is the frequency of the displacement field relative to the coordinates.
    Returns the warped (x, y) arrays, float32.
    """
    strength = float(_check_finite("warp", strength))
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    if strength == 0.0:
        return np.broadcast_arrays(x, y)
    # Offsets far apart in noise space make the two displacement fields independent.
    dx = pnoise2(x * scale + 31.7, y * scale + 47.2, octaves, persistence, lacunarity)
    dy = pnoise2(x * scale + 113.5, y * scale + 7.9, octaves, persistence, lacunarity)
    return (x + strength * dx).astype(np.float32), (y + strength * dy).astype(np.float32)


def fractal_grid(width: int, height: int, *, scale: float, offset: tuple[float, float] = (0.0, 0.0),
                 octaves: int = 6, persistence: float = 0.5, lacunarity: float = 2.0,
                 kind: str = "perlin", warp: float = 0.0, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """A height × width field of fractal noise sampled at world tile coordinates.

    Tile (col, row) of a field whose top-left tile is world tile `origin` samples noise at
    ((origin_x + col) / scale + offset_x, (origin_y + row) / scale + offset_y), so fields of
    neighbouring chunks line up exactly. `warp` is the domain-warp strength in noise units.
    """
    if not np.isfinite(scale) or scale <= 0:
        raise MapParameterError("scale", scale, "must be a positive number of tiles per noise unit")
    xs = (np.arange(width, dtype=np.float64) + origin[0]) / scale + offset[0]
    ys = (np.arange(height, dtype=np.float64) + origin[1]) / scale + offset[1]
    if kind not in ("perlin", "simplex"):
        raise MapParameterError("noise", kind, "must be 'perlin' or 'simplex'")
    if warp:
        wx, wy = domain_warp(xs[None, :], ys[:, None], warp, scale=0.5)
        fn = pnoise2 if kind == "perlin" else snoise2
        return fn(wx, wy, octaves, persistence, lacunarity)
    if kind == "perlin":
        return pnoise2_grid(xs, ys, octaves, persistence, lacunarity)
    return snoise2_grid(xs, ys, octaves, persistence, lacunarity)
