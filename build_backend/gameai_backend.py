"""gameai's build backend: setuptools' own (``setuptools.build_meta``), plus one file in every wheel.

The wheel of ``pip install .`` and the editable wheel of ``pip install -e .`` both get
``_gameai_gym_hook.pth`` at their root, which the installer puts in site-packages. Its one line
registers ``gameai/Skirmish-v0`` with Gymnasium when Gymnasium is imported (``_gameai_gym_hook.py``
says how and what it costs), so ``gymnasium.make("gameai/Skirmish-v0")`` works right after install.

Why a wrapping backend (setuptools documents this "in-tree backend" form, ``backend-path`` in
pyproject.toml, PEP 517) rather than a ``build_py`` command that copies the file into the build
folder: setuptools' editable wheel (PEP 660) does not carry build_py's outputs in its default mode;
it writes only its own ``__editable__`` finder and ``.pth``. Adding the file to the finished wheel,
with its line in RECORD (so ``pip uninstall`` removes it), works the same for both wheels and uses
only the wheel format and the PEP 517/660 hooks.
"""
from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403  (every other hook is setuptools' own)

PTH_NAME = "_gameai_gym_hook.pth"
# A missing hook module (a broken install) must not print a traceback at every interpreter start.
PTH_LINE = ('import sys; exec("try:\\n from _gameai_gym_hook import install\\nexcept ImportError:\\n pass\\n'
            'else:\\n install()")\n')


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def add_to_wheel(wheel: Path, name: str, data: bytes) -> None:
    """Rewrite ``wheel`` with ``name`` added at its root and listed in its RECORD (replaced if present)."""
    tmp = wheel.with_name(wheel.name + ".tmp")
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        infos = [i for i in src.infolist() if i.filename != name]
        records = [i for i in infos if i.filename.endswith(".dist-info/RECORD") and i.filename.count("/") == 1]
        if len(records) != 1:
            raise RuntimeError(f"{wheel.name}: expected one .dist-info/RECORD, found {len(records)}")
        for info in infos:
            if info is not records[0]:
                dst.writestr(info, src.read(info))
        when = records[0].date_time
        entry = zipfile.ZipInfo(name, date_time=when)
        entry.external_attr = 0o644 << 16
        dst.writestr(entry, data, zipfile.ZIP_DEFLATED)
        own = f"{records[0].filename},,"  # RECORD lists itself without a hash; kept last
        lines = [ln for ln in src.read(records[0]).decode("utf-8").splitlines()
                 if ln and ln != own and not ln.startswith(f"{name},")]
        lines += [_record_line(name, data), own]
        dst.writestr(records[0], ("\n".join(lines) + "\n").encode("utf-8"))
    os.replace(tmp, wheel)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    add_to_wheel(Path(wheel_directory, name), PTH_NAME, PTH_LINE.encode("utf-8"))
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    name = _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
    add_to_wheel(Path(wheel_directory, name), PTH_NAME, PTH_LINE.encode("utf-8"))
    return name
