"""The clone file: a MaskablePPO ``.zip`` plus a small JSON entry saying how to build its input.

Version 1 clones (before issue 14's follow-up) are plain MaskablePPO files that read the current
observation only; they still load and play as before. Version 2 adds ``gameai_clone.json`` inside
the zip: the input layout (``agents.clone_input.CloneInput``: frames stacked, previous actions).
SB3 ignores the extra entry, so a version-2 clone is still an ordinary model file to SB3 tools.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from agents.clone_input import CloneInput
from agents.rl_policy import ModelFileError

ENTRY = "gameai_clone.json"
FORMAT = "gameai-clone"
VERSION = 2
FIELDS = ("frames", "prev_actions", "obs_size", "n_actions")  # whole numbers; "masks" is true/false


def write_clone_layout(path: str | os.PathLike, layout: CloneInput) -> None:
    """Add the layout entry to a model ``.zip`` just written by SB3's ``save``."""
    meta = {"format": FORMAT, "version": VERSION, "masks": layout.masks, **{k: getattr(layout, k) for k in FIELDS}}
    with zipfile.ZipFile(path, "a") as zf:
        # a fixed timestamp: the same clone gives the same entry bytes
        zf.writestr(zipfile.ZipInfo(ENTRY, date_time=(1980, 1, 1, 0, 0, 0)), json.dumps(meta, sort_keys=True))


def read_clone_layout(path: str | os.PathLike) -> CloneInput | None:
    """The layout of a version-2 clone; None for a plain model (a version-1 clone or a trained bot)."""
    p = Path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            if ENTRY not in zf.namelist():
                return None
            raw = zf.read(ENTRY)
    except FileNotFoundError:
        raise ModelFileError(f"model file {p} does not exist") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(f"{p} is not a readable model file ({exc}); make it again with `gameai imitate`") from None
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{p}: its clone entry {ENTRY} is damaged ({exc}); make it again with "
                             "`gameai imitate`") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{p}: {ENTRY} is not a gameai clone entry; make the clone again with `gameai imitate`")
    if meta.get("version") != VERSION:
        raise ModelFileError(f"{p}: clone format version {meta.get('version')!r} is not supported (this gameai reads "
                             f"versions 1 and {VERSION}); make the clone again with this version's `gameai imitate`")
    bad = [k for k in FIELDS if not isinstance(meta.get(k), int) or isinstance(meta.get(k), bool)]
    if bad:
        raise ModelFileError(f"{p}: clone entry lacks whole-number {', '.join(bad)}; make the clone again "
                             "with `gameai imitate`")
    if not isinstance(meta.get("masks"), bool):
        raise ModelFileError(f"{p}: clone entry lacks masks (true or false); make the clone again with "
                             "`gameai imitate`")
    try:
        return CloneInput(**{k: meta[k] for k in FIELDS}, masks=meta["masks"])
    except ValueError as exc:
        raise ModelFileError(f"{p}: {exc}") from None
