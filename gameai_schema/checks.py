"""Value checks: each takes a value read from a file and returns it clean or raises :class:`Invalid`.

TOML has no NaN-free float or bool-free int, so every check rejects NaN/inf and refuses
``true`` where a number is expected (``bool`` is an ``int`` in Python).

Each check is a small frozen object, not a closure, so a format can also *ask* a field what it
accepts: ``type`` (the Python type of a clean value), ``low``/``high`` (bounds, None when open-ended),
``low_open``/``high_open`` (whether a bound itself is excluded) and ``options`` (for a choice).
The ruleset's key-path API (``Ruleset.field``) answers "what type, what bounds" from these.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from gameai_schema.errors import Invalid

Check = Callable[[Any], Any]


@dataclass(frozen=True)
class Number:
    """A finite float within ``[low, high]`` (``low_open``/``high_open`` exclude the bound)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    options = None
    type = float

    @property
    def expected(self) -> str:
        lo, hi = self.low, self.high
        if lo is None:
            rng = "" if hi is None else f" {'<' if self.high_open else '<='} {hi:g}"
        else:
            rng = f" {'>' if self.low_open else '>='} {lo:g}"
            if hi is not None:
                rng += f" and {'<' if self.high_open else '<='} {hi:g}"
        return f"expected a finite number{rng}"

    def __call__(self, v: Any) -> float:
        want = self.expected
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise Invalid(f"{want}, got {type(v).__name__}")
        if math.isnan(v) or math.isinf(v):
            raise Invalid(f"{want}, got a non-finite value")
        lo, hi = self.low, self.high
        if lo is not None and (v < lo or (self.low_open and v == lo)):
            raise Invalid(want + (", got a negative number" if v < 0 else ""))
        if hi is not None and (v > hi or (self.high_open and v == hi)):
            raise Invalid(want)
        return float(v)


@dataclass(frozen=True)
class Integer:
    """A whole number >= ``low`` (``2.0`` is refused: a count written as a float is a typo)."""

    low: int
    high = None
    low_open = False
    high_open = False
    options = None
    type = int

    @property
    def expected(self) -> str:
        return f"expected a whole number >= {self.low}"

    def __call__(self, v: Any) -> int:
        want = self.expected
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            raise Invalid(f"{want}, got a non-finite value")
        if isinstance(v, bool) or not isinstance(v, int):
            raise Invalid(f"{want}, got {type(v).__name__}")
        if v < self.low:
            raise Invalid(want + (", got a negative number" if v < 0 else ""))
        return int(v)


@dataclass(frozen=True)
class Boolean:
    low = high = options = None
    low_open = high_open = False
    type = bool
    expected = "expected true or false"

    def __call__(self, v: Any) -> bool:
        if not isinstance(v, bool):
            raise Invalid(f"{self.expected}, got {type(v).__name__}")
        return v


@dataclass(frozen=True)
class Choice:
    """One of ``options``, spelled exactly."""

    options: tuple[str, ...]
    low = high = None
    low_open = high_open = False
    type = str

    @property
    def expected(self) -> str:
        return "expected one of " + ", ".join(repr(o) for o in self.options)

    def __call__(self, v: Any) -> str:
        if not isinstance(v, str) or v not in self.options:
            raise Invalid(self.expected)
        return v


@dataclass(frozen=True)
class StringList:
    """A list of strings, returned as a tuple; ``what``/``example`` word the error."""

    what: str
    example: str
    low = high = options = None
    low_open = high_open = False
    type = tuple

    @property
    def expected(self) -> str:
        return f"expected a list of {self.what}, like {self.example}"

    def __call__(self, v: Any) -> tuple[str, ...]:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise Invalid(self.expected)
        return tuple(v)


def number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
           hi_open: bool = False) -> Number:
    """A finite float within ``[lo, hi]`` (``lo_open``/``hi_open`` exclude the bound)."""
    return Number(lo, hi, lo_open, hi_open)


def integer(lo: int) -> Integer:
    """A whole number >= ``lo``."""
    return Integer(lo)


boolean = Boolean()


def choice(options: tuple[str, ...]) -> Choice:
    """One of ``options``, spelled exactly."""
    return Choice(tuple(options))


def string_list(what: str, example: str) -> StringList:
    """A list of strings, returned as a tuple (``string_list("terrain names", '["swamp", "forest"]')``)."""
    return StringList(what, example)
