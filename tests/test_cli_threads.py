"""`gameai` sizes the native thread pools (OpenBLAS, OpenMP, MKL) before any command loads numpy or
torch: GAMEAI_THREADS (default 1), never over a value the user set. Checked on numpy's real OpenBLAS."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gameai.cli.main import limit_native_threads

PROBE = r"""
import ctypes, glob, os, sys
from gameai.cli.main import limit_native_threads
limit_native_threads()
import numpy
libs = glob.glob(os.path.join(os.path.dirname(numpy.__file__) + ".libs", "*openblas*.so*"))
if not libs:
    print("no-openblas"); sys.exit(0)
lib = ctypes.CDLL(libs[0])
for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads"):
    if hasattr(lib, name):
        print(getattr(lib, name)()); break
else:
    print("no-query")
"""


def blas_threads(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "GAMEAI_THREADS")}
    out = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def queryable_blas_threads(env: dict[str, str]) -> str:
    got = blas_threads(env)
    if got in ("no-openblas", "no-query"):
        pytest.skip(f"numpy's BLAS cannot be queried here ({got})")
    return got


def test_numpy_gets_one_blas_thread_by_default():
    assert queryable_blas_threads({}) == "1"


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS caps its threads at the core count")
def test_gameai_threads_and_the_users_own_setting_win():
    assert queryable_blas_threads({"GAMEAI_THREADS": "2"}) == "2"
    assert queryable_blas_threads({"GAMEAI_THREADS": "2", "OPENBLAS_NUM_THREADS": "1"}) == "1"


def test_a_bad_gameai_threads_falls_back_to_one(monkeypatch):
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GAMEAI_THREADS", "lots")
    limit_native_threads()
    assert os.environ["OPENBLAS_NUM_THREADS"] == os.environ["OMP_NUM_THREADS"] == "1"
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    limit_native_threads()
    assert os.environ["OMP_NUM_THREADS"] == "3"
