"""Value checks: each takes a value read from a file and returns it clean or raises :class:`Invalid`.

TOML has no NaN-free float or bool-free int, so every check rejects NaN/inf and refuses
``true`` where a number is expected (``bool`` is an ``int`` in Python).
"""
from __future__ import annotations

import math
from typing import Any, Callable

from gameai_schema.errors import Invalid

Check = Callable[[Any], Any]


def number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
           hi_open: bool = False) -> Callable[[Any], float]:
    """A finite float within ``[lo, hi]`` (``lo_open``/``hi_open`` exclude the bound)."""
    if lo is None:
        rng = "" if hi is None else f" {'<' if hi_open else '<='} {hi:g}"
    else:
        rng = f" {'>' if lo_open else '>='} {lo:g}"
        if hi is not None:
            rng += f" and {'<' if hi_open else '<='} {hi:g}"
    want = f"expected a finite number{rng}"

    def check(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise Invalid(f"{want}, got {type(v).__name__}")
        if math.isnan(v) or math.isinf(v):
            raise Invalid(f"{want}, got a non-finite value")
        if lo is not None and (v < lo or (lo_open and v == lo)):
            raise Invalid(want + (", got a negative number" if v < 0 else ""))
        if hi is not None and (v > hi or (hi_open and v == hi)):
            raise Invalid(want)
        return float(v)

    return check


def integer(lo: int) -> Callable[[Any], int]:
    """A whole number >= ``lo`` (``2.0`` is refused: a count written as a float is a typo)."""
    want = f"expected a whole number >= {lo}"

    def check(v: Any) -> int:
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            raise Invalid(f"{want}, got a non-finite value")
        if isinstance(v, bool) or not isinstance(v, int):
            raise Invalid(f"{want}, got {type(v).__name__}")
        if v < lo:
            raise Invalid(want + (", got a negative number" if v < 0 else ""))
        return int(v)

    return check


def boolean(v: Any) -> bool:
    if not isinstance(v, bool):
        raise Invalid(f"expected true or false, got {type(v).__name__}")
    return v


def choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    """One of ``options``, spelled exactly."""
    want = "expected one of " + ", ".join(repr(o) for o in options)

    def check(v: Any) -> str:
        if not isinstance(v, str) or v not in options:
            raise Invalid(want)
        return v

    return check


def string_list(what: str, example: str) -> Callable[[Any], tuple[str, ...]]:
    """A list of strings, returned as a tuple; ``what``/``example`` word the error
    (``string_list("terrain names", '["swamp", "forest"]')``)."""
    want = f"expected a list of {what}, like {example}"

    def check(v: Any) -> tuple[str, ...]:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise Invalid(want)
        return tuple(v)

    return check
