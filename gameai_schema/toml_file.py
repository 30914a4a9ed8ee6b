"""Reading a TOML data file so that every error also names the line to fix."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Callable, TypeVar

from gameai_schema.errors import DataError

T = TypeVar("T")


def load_toml(path: str | Path, parse: Callable[[dict[str, Any], str], T], error: type[DataError],
              what: str) -> T:
    """Read ``path``, parse it as TOML and hand the data to ``parse(data, source)``.

    A missing, unreadable or malformed file raises ``error`` ("pass the path of ``what``"); a
    :class:`DataError` from ``parse`` comes back pointing at the line of its key path.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(str(p), "", None, f"file not found; pass the path of {what}", show_value=False) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(str(p), "", None, f"cannot read the file ({exc})", show_value=False) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(str(p), "", None, f"not valid TOML: {exc}", show_value=False) from None
    try:
        return parse(data, str(p))
    except DataError as exc:
        line = line_of(text, exc.path)
        if line is None or exc.line is not None:
            raise
        raise exc.at_line(line) from None


_HEADER = re.compile(r"^\[\s*([^\[\]]+?)\s*\]$")
_KEY = re.compile(r"^(\"[^\"]+\"|[A-Za-z0-9_\-.]+)\s*=")   # bare, dotted or quoted key


def line_of(text: str, path: str) -> int | None:
    """The line that sets ``path`` (or the header of the nearest enclosing table) in TOML text.

    A plain scan of ``[table]`` headers and ``key =`` lines, which is how these files are
    written; tomllib does not report positions.
    """
    if not path:
        return None
    table, headers = "", {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        m = _HEADER.match(line)
        if m:
            table = m.group(1).replace(" ", "")
            headers.setdefault(table, n)
            continue
        m = _KEY.match(line)
        key = m.group(1).strip('"') if m else ""
        if m and (f"{table}.{key}" if table else key) == path:
            return n
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in headers:
            return headers[".".join(parts[:i])]
    return None
