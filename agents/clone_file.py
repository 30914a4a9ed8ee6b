"""The clone file: a MaskablePPO ``.zip`` plus a small JSON entry saying how to build its input.

Version 1 clones (before issue 14's follow-up) are plain MaskablePPO files that read the current
observation only; they still load and play as before. Version 2 adds ``gameai_clone.json`` inside
the zip: the input layout (``agents.clone_input.CloneInput``: frames stacked, previous actions).
SB3 ignores the extra entry, so a version-2 clone is still an ordinary model file to SB3 tools.
Version 3 (issue 14, imitation follow-up) adds derived features to each frame (``features``: true,
``n_types``, the ruleset's unit types, which says where the enemy slots start, and ``pos_scale``,
cells per observed distance unit); a clone without
them is still written as version 2, so older gameai versions keep reading it.
Version 4 (issue 14, recurrent clone) is a GRU over each unit's whole match
(``agents.clone_recurrent``): ``recurrent``: true, the step input's parts (``features``,
``prev_action``, ``directions``, ``delayed``, ``progress``), ``n_types``, ``pos_scale``, ``hidden``
and ``width``; its model takes the step input followed by the hidden state
(``agents.clone_recurrent_sb3``). Two optional version-4 fields (written only when used, so other
clones' entries are as before): ``steering`` (true/false, the wall follower's memory of
``agents.clone_steering``) and ``slots`` (a whole number, the one-hot of a unit's place in its team).
A third optional version-4 field, ``apm`` (a number > 0), is the player's order budget
(``agents.order_budget``): the clone plays its choices at that pace. An older gameai ignores it.
"""
from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from agents.clone_input import CloneInput
from agents.clone_recurrent import RecurrentInput
from agents.rl_policy import ModelFileError

ENTRY = "gameai_clone.json"
FORMAT = "gameai-clone"
VERSION = 4
VERSIONS = (2, 3, 4)  # entries read; version 1 clones have no entry
FIELDS = ("frames", "prev_actions", "obs_size", "n_actions")  # whole numbers; "masks" is true/false
# version 3: "features" true/false (with features: whole-number "n_types" and the number "pos_scale"),
# optional "temperature" (a number >= 0, default 0: how the clone plays as a plain bot)


def write_clone_layout(path: str | os.PathLike, layout: CloneInput, temperature: float = 0.0) -> None:
    """Add the layout entry to a model ``.zip`` just written by SB3's ``save``.

    ``temperature`` is how the clone plays as a plain bot (``bot.zip``): 0 its best action, 1 a sample
    from its action distribution (its player's slips as often as they made them)."""
    meta = {"format": FORMAT, "version": 2, "masks": layout.masks, **{k: getattr(layout, k) for k in FIELDS}}
    if layout.features or temperature:
        meta.update(version=3, features=layout.features, temperature=float(temperature))
    if layout.features:
        meta.update(n_types=layout.n_types, pos_scale=layout.pos_scale)
    with zipfile.ZipFile(path, "a") as zf:
        # a fixed timestamp: the same clone gives the same entry bytes
        zf.writestr(zipfile.ZipInfo(ENTRY, date_time=(1980, 1, 1, 0, 0, 0)), json.dumps(meta, sort_keys=True))


def write_recurrent_layout(path: str | os.PathLike, layout: RecurrentInput, hidden: int, width: int,
                           temperature: float, apm: float | None = None) -> None:
    """Add the version-4 entry of a recurrent clone to a model ``.zip`` just written by SB3's ``save``."""
    meta = {"format": FORMAT, "version": 4, "recurrent": True, "hidden": hidden, "width": width,
            "temperature": float(temperature), **{k: getattr(layout, k) for k in RECURRENT_FIELDS}}
    if layout.steering or layout.slots:  # left out otherwise: such a file reads as before everywhere
        meta.update(steering=layout.steering, slots=layout.slots)
    if apm is not None:
        meta.update(apm=float(apm))
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(zipfile.ZipInfo(ENTRY, date_time=(1980, 1, 1, 0, 0, 0)), json.dumps(meta, sort_keys=True))


#: a version-4 entry's layout fields: whole numbers, the position scale, the input parts (true/false)
RECURRENT_FIELDS = ("obs_size", "n_actions", "n_types", "pos_scale", "features", "prev_action", "directions",
                    "delayed", "progress")


@dataclass(frozen=True)
class RecurrentEntry:
    """What a version-4 entry says: the step input's layout, the network's sizes, the order budget."""
    layout: RecurrentInput
    hidden: int
    width: int
    apm: float | None = None  # the player's order budget (agents.order_budget); None: none


def read_clone_layout(path: str | os.PathLike) -> CloneInput | RecurrentEntry | None:
    """The layout of a version-2 or -3 clone; None for a plain model (a version-1 clone or a trained bot)."""
    return read_clone_entry(path)[0]


def read_clone_entry(path: str | os.PathLike) -> tuple[CloneInput | RecurrentEntry | None, float]:
    """(layout, play temperature) of a clone; (None, 0.0) for a plain model."""
    p = Path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            if ENTRY not in zf.namelist():
                return None, 0.0
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
    version = meta.get("version")
    if version not in VERSIONS or isinstance(version, bool):
        raise ModelFileError(f"{p}: clone format version {version!r} is not supported (this gameai reads "
                             f"versions 1 to {VERSION}); make the clone again with this version's `gameai imitate`")
    temp = meta.get("temperature", 0.0) if version >= 3 else 0.0
    if not isinstance(temp, (int, float)) or isinstance(temp, bool) or not 0 <= temp < float("inf"):
        raise ModelFileError(f"{p}: clone entry's temperature must be a number >= 0, got {temp!r}; make the clone "
                             "again with `gameai imitate`")
    if version == 4:
        return _recurrent_entry(p, meta), float(temp)
    features = meta.get("features", False)
    if version >= 3 and not isinstance(features, bool):
        raise ModelFileError(f"{p}: clone entry lacks features (true or false); make the clone again with "
                             "`gameai imitate`")
    fields = FIELDS + (("n_types",) if version >= 3 and features else ())
    bad = [k for k in fields if not isinstance(meta.get(k), int) or isinstance(meta.get(k), bool)]
    if bad:
        raise ModelFileError(f"{p}: clone entry lacks whole-number {', '.join(bad)}; make the clone again "
                             "with `gameai imitate`")
    if not isinstance(meta.get("masks"), bool):
        raise ModelFileError(f"{p}: clone entry lacks masks (true or false); make the clone again with "
                             "`gameai imitate`")
    extra = {}
    if version >= 3 and features:
        scale = meta.get("pos_scale")
        if not isinstance(scale, (int, float)) or isinstance(scale, bool):
            raise ModelFileError(f"{p}: clone entry lacks the number pos_scale; make the clone again with "
                                 "`gameai imitate`")
        extra = {"features": True, "n_types": meta["n_types"], "pos_scale": float(scale)}
    try:
        return CloneInput(**{k: meta[k] for k in FIELDS}, masks=meta["masks"], **extra), float(temp)
    except ValueError as exc:
        raise ModelFileError(f"{p}: {exc}") from None


def _recurrent_entry(p: Path, meta: dict) -> RecurrentEntry:
    again = "make the clone again with `gameai imitate --recurrent`"
    whole = ("obs_size", "n_actions", "n_types", "hidden", "width")
    bad = [k for k in whole if not isinstance(meta.get(k), int) or isinstance(meta.get(k), bool) or meta[k] < 1]
    if bad:
        raise ModelFileError(f"{p}: recurrent clone entry lacks whole-number {', '.join(bad)} (>= 1); {again}")
    flags = [k for k in ("recurrent", "features", "prev_action", "directions", "delayed", "progress")
             if not isinstance(meta.get(k), bool)]
    if flags or not meta["recurrent"]:
        raise ModelFileError(f"{p}: recurrent clone entry lacks {', '.join(flags) or 'recurrent'} (true or false); "
                             f"{again}")
    scale = meta.get("pos_scale")
    if not isinstance(scale, (int, float)) or isinstance(scale, bool):
        raise ModelFileError(f"{p}: recurrent clone entry lacks the number pos_scale; {again}")
    # optional (clones before them have neither): the wall follower's memory and the unit's place in its team
    steering, slots = meta.get("steering", False), meta.get("slots", 0)
    if not isinstance(steering, bool):
        raise ModelFileError(f"{p}: recurrent clone entry's steering must be true or false, got {steering!r}; {again}")
    if not isinstance(slots, int) or isinstance(slots, bool) or slots < 0:
        raise ModelFileError(f"{p}: recurrent clone entry's slots must be a whole number >= 0, got {slots!r}; {again}")
    apm = meta.get("apm")
    if apm is not None and (not isinstance(apm, (int, float)) or isinstance(apm, bool)
                            or not 0 < apm < float("inf")):
        raise ModelFileError(f"{p}: recurrent clone entry's apm (its order budget) must be a number > 0, "
                             f"got {apm!r}; {again}")
    try:
        layout = RecurrentInput(**{k: meta[k] for k in RECURRENT_FIELDS if k != "pos_scale"}, pos_scale=float(scale),
                                steering=steering, slots=slots)
    except ValueError as exc:
        raise ModelFileError(f"{p}: {exc}") from None
    return RecurrentEntry(layout, meta["hidden"], meta["width"], None if apm is None else float(apm))
