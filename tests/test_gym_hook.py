"""``gymnasium.make("gameai/Skirmish-v0")`` with nothing imported but Gymnasium, through the installed ``.pth`` hook.

Each check runs in a fresh interpreter started with ``-S`` (no site processing, so no ``.pth`` of the
test's own environment runs): the dependencies' folders go on ``sys.path`` by hand, and only the
hook's ``.pth`` is processed, by ``site.addsitedir``, as site does at start-up. The slow test builds
the real wheel with the project's build backend, installs it into a folder and runs it from there.
"""
from __future__ import annotations

import importlib.util
import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "build_backend" / "gameai_backend.py"


def backend():
    spec = importlib.util.spec_from_file_location("gameai_backend_under_test", BACKEND)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_fresh(code: str, paths: list[Path | str], sitedir: Path | None, cwd: Path, **env: str) -> dict:
    """Run ``code`` under ``python -S`` with ``paths`` then the dependencies on sys.path and ``sitedir``'s .pth files
    processed first; ``code`` sets ``out``, which comes back as JSON."""
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    prelude = (f"import sys, json, site\nsys.path[:0] = {[str(p) for p in paths]!r}\nsys.path += {deps!r}\n"
               + (f"site.addsitedir({str(sitedir)!r})\n" if sitedir else ""))
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GAMEAI_NO_GYM_HOOK")}
    proc = subprocess.run([sys.executable, "-S", "-c", prelude + code + "\nprint(json.dumps(out))"], cwd=cwd,
                          capture_output=True, text=True, env={**environ, **env}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return {"out": json.loads(proc.stdout.strip().splitlines()[-1]), "stderr": proc.stderr}


def pth_dir(tmp_path: Path) -> Path:
    sitedir = tmp_path / "site"
    sitedir.mkdir()
    b = backend()
    (sitedir / b.PTH_NAME).write_text(b.PTH_LINE, encoding="utf-8")
    return sitedir


REGISTERED = ("import gymnasium\n"
              "out = {'registered': 'gameai/Skirmish-v0' in gymnasium.registry,\n"
              "       'ours_loaded': sorted(m for m in sys.modules if m.split('.')[0] in ('agents', 'envs', 'gameai', 'pcg', 'numba')),\n"
              "       'finder_left': any(type(f).__name__ == '_Finder' or getattr(f, '__name__', '') == '_Finder' for f in sys.meta_path),\n"
              "       'loader': type(gymnasium.__spec__.loader).__name__}\n")


def test_pth_registers_the_id_when_gymnasium_is_imported(tmp_path):
    with_hook = run_fresh(REGISTERED + (
        "import warnings; warnings.simplefilter('error')\n"  # a re-register or checker warning fails
        "env = gymnasium.make('gameai/Skirmish-v0', max_steps=20, opponent='kite'); obs, info = env.reset(seed=0)\n"
        "import agents.gym_env; agents.gym_env.register_envs()\n"
        "out.update(shape=list(obs.shape), id=env.spec.id, ids=sorted(k for k in gymnasium.registry if k.startswith('gameai/')))"),
        [ROOT], pth_dir(tmp_path), tmp_path)["out"]
    assert with_hook["registered"] and with_hook["id"] == "gameai/Skirmish-v0"
    assert with_hook["ours_loaded"] == []  # registered by a string entry point: nothing of gameai loads at import
    assert not with_hook["finder_left"]  # the finder leaves sys.meta_path once it has done its work
    assert with_hook["loader"] == "SourceFileLoader"  # Gymnasium keeps its own loader
    assert with_hook["ids"] == ["gameai/Skirmish-v0"] and len(with_hook["shape"]) == 1
    # the control: the same interpreter without the .pth does not know the id
    without = run_fresh(REGISTERED, [ROOT], None, tmp_path)["out"]
    assert not without["registered"]


def test_hook_stays_out_of_the_way(tmp_path):
    sitedir = pth_dir(tmp_path)
    # switched off by the environment variable
    off = run_fresh(REGISTERED, [ROOT], sitedir, tmp_path, GAMEAI_NO_GYM_HOOK="1")["out"]
    assert not off["registered"] and not off["finder_left"]
    # a failure while registering is a warning, and `import gymnasium` still works
    broken = run_fresh("import _gameai_gym_hook\n"
                       "def fail(): raise RuntimeError('planted')\n"
                       "_gameai_gym_hook.register = fail\n" + REGISTERED, [ROOT], sitedir, tmp_path)
    assert not broken["out"]["registered"] and "RuntimeWarning" in broken["stderr"] and "planted" in broken["stderr"]
    # ... and under -W error, where that warning would itself raise, `import gymnasium` still works
    strict = run_fresh("import warnings; warnings.simplefilter('error')\nimport _gameai_gym_hook\n"
                       "def fail(): raise RuntimeError('planted')\n"
                       "_gameai_gym_hook.register = fail\n" + REGISTERED, [ROOT], sitedir, tmp_path)
    assert not strict["out"]["registered"] and not strict["out"]["finder_left"]
    # a .pth left behind without its module prints nothing at start-up
    orphan = run_fresh("out = {'ok': True}", [], sitedir, tmp_path)
    assert orphan["out"] == {"ok": True} and orphan["stderr"] == ""
    # agents.gym_env imported first (it imports Gymnasium itself, then registers): one registration, no warning
    first = run_fresh("import warnings; warnings.simplefilter('error'); import agents.gym_env\n" + REGISTERED,
                      [ROOT], sitedir, tmp_path)["out"]
    assert first["registered"] and not first["finder_left"]
    # an import of a submodule first (gymnasium.spaces) registers too
    sub = run_fresh("import gymnasium.spaces\n" + REGISTERED, [ROOT], sitedir, tmp_path)["out"]
    assert sub["registered"]


def test_one_source_of_truth_for_the_id():
    import _gameai_gym_hook
    import agents.gym_env

    module, _, name = _gameai_gym_hook.ENTRY_POINT.partition(":")
    assert getattr(importlib.import_module(module), name) is agents.gym_env.make_skirmish_env
    assert agents.gym_env.ENV_ID == _gameai_gym_hook.ENV_ID == "gameai/Skirmish-v0"


def test_add_to_wheel_lists_the_file_in_record(tmp_path):
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("demo.py", "x = 1\n")
        z.writestr("demo-1.0.dist-info/METADATA", "Name: demo\n")
        z.writestr("demo-1.0.dist-info/RECORD", "demo.py,sha256=abc,6\ndemo-1.0.dist-info/RECORD,,\n")
    b = backend()
    b.add_to_wheel(wheel, "hook.pth", b"import sys\n")
    b.add_to_wheel(wheel, "hook.pth", b"import os\n")  # again: replaced, not listed twice
    with zipfile.ZipFile(wheel) as z:
        assert z.read("hook.pth") == b"import os\n" and z.read("demo.py") == b"x = 1\n"
        record = z.read("demo-1.0.dist-info/RECORD").decode().splitlines()
        assert z.namelist().count("hook.pth") == 1
    # the hash is sha256 of b"import os\n" in RECORD's form (urlsafe base64, no padding), worked out apart
    assert record == ["demo.py,sha256=abc,6", "hook.pth,sha256=Nyet_1JOBhYCLq3Y9K8hoHeLKfxMd73-_Rr84sv15Lc,10",
                      "demo-1.0.dist-info/RECORD,,"]


@pytest.mark.slow
def test_built_wheel_installs_the_hook(tmp_path):
    """The real wheel of this checkout (the project's backend, as `pip install .` builds it), installed into a folder."""
    import setuptools

    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"building needs setuptools >= 77 (pyproject's build requirement); this venv has {setuptools.__version__}")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("gameai-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        record = next(z.read(n).decode() for n in names if n.endswith(".dist-info/RECORD"))
    assert {"_gameai_gym_hook.pth", "_gameai_gym_hook.py"} <= names
    assert "\n_gameai_gym_hook.pth,sha256=" in record and not any(n.startswith("build_backend/") for n in names)
    target = tmp_path / "site-packages"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    assert (target / "_gameai_gym_hook.pth").is_file()
    out = run_fresh(REGISTERED + "spec = gymnasium.spec('gameai/Skirmish-v0'); out['entry'] = spec.entry_point\n"
                    "import agents; out['agents'] = agents.__file__", [], target, tmp_path)["out"]
    assert out["registered"] and out["ours_loaded"] == [] and out["entry"] == "agents.gym_env:make_skirmish_env"
    assert out["agents"].startswith(str(target))  # the installed copy, not this checkout
