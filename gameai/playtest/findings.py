"""`Finding`: one thing the playtest turned up, and the findings.json file that lists them.

A finding is what a designer acts on: which check raised it, how bad it is, where on the map
(cells, x = column, y = row), one line saying what is wrong, and the numbers behind it. The
report adds a picture and a replay. ``--baseline`` compares findings by ``key`` (check, map,
subject and cells), so a re-run that only changes figures does not count as new.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "gameai-playtest-findings"
VERSION = 1

#: Severities, worst first. "error": the map is broken for play (a spawn cut off, a resource no one
#: reaches, a side that wins beyond chance); "warning": one archetype or one side is hurt;
#: "info": worth a look.
SEVERITIES = ("error", "warning", "info")
#: the checks, in the order they run (``gameai.playtest.runner.CHECKS`` maps each to its code)
CHECK_NAMES = ("reachability", "distances", "fairness", "exploits", "explorer", "stuck", "fuzz")


class FindingsError(ValueError):
    """A findings file (e.g. a --baseline) that cannot be read."""


@dataclass
class Finding:
    check: str                      # the check that raised it: "reachability.resource", "fairness.side", ...
    severity: str                   # one of SEVERITIES
    map: str                        # map path as given on the command line (a baseline run uses the same)
    message: str                    # one line for a person
    cells: list[tuple[int, int]] = field(default_factory=list)  # (x, y) cells it is about
    subject: str = ""               # what it is about besides cells: an archetype, a spawn, a resource name
    evidence: dict[str, Any] = field(default_factory=dict)      # the numbers behind it
    replay: str | None = None       # replay file (relative to the output folder), `gameai replay` plays it
    picture: str | None = None      # PNG of the region (relative to the output folder)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        self.cells = [(int(x), int(y)) for x, y in self.cells]

    @property
    def key(self) -> tuple:
        """Identity for baselines: same check, map, subject and cells is the same finding."""
        return (self.check, Path(self.map).as_posix(), self.subject, tuple(sorted(self.cells)))

    @property
    def id(self) -> str:
        """A short stable name for files (pictures, replays)."""
        import hashlib

        return hashlib.sha1(repr(self.key).encode()).hexdigest()[:10]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["cells"] = [list(c) for c in self.cells]
        d["id"] = self.id
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Finding":
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in names})


def save_findings(path: str | os.PathLike, findings: list[Finding], meta: dict) -> None:
    data = {"format": FORMAT, "version": VERSION, **meta, "findings": [f.to_dict() for f in findings]}
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(p)


def load_findings(path: str | os.PathLike) -> list[Finding]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FindingsError(f"{p}: file not found; a baseline is the findings.json of an earlier "
                            "`gameai playtest` run") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FindingsError(f"{p}: not a readable findings file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FindingsError(f"{p}: not a playtest findings file (no \"format\": \"{FORMAT}\"); "
                            "use the findings.json that `gameai playtest --out DIR` wrote")
    if data.get("version") != VERSION:
        raise FindingsError(f"{p}: findings version {data.get('version')!r} is not supported (this gameai reads "
                            f"version {VERSION})")
    try:
        return [Finding.from_dict(d) for d in data.get("findings", [])]
    except (TypeError, ValueError) as exc:
        raise FindingsError(f"{p}: a finding is malformed ({exc})") from None


def new_findings(current: list[Finding], baseline: list[Finding]) -> list[Finding]:
    """Findings of ``current`` that the baseline does not have (matched by ``Finding.key``)."""
    known = {f.key for f in baseline}
    return [f for f in current if f.key not in known]
