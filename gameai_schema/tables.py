"""Reading one document's tables against declared ``{key: check}`` fields."""
from __future__ import annotations

from typing import Any, Mapping, NoReturn

from gameai_schema.checks import Check
from gameai_schema.errors import DataError, Invalid


class Checker:
    """Checks the values of one document; every failure raises ``error`` (a :class:`DataError`
    subclass) naming ``source``, so a format's callers catch only their own error type."""

    def __init__(self, source: str, error: type[DataError] = DataError):
        self.source, self.error = source, error

    def fail(self, path: str, value: Any, expected: str, *, show_value: bool = True) -> NoReturn:
        raise self.error(self.source, path, value, expected, show_value=show_value)

    def table(self, data: Any, path: str, what: str) -> dict:
        """``data`` itself, if it is a table; ``what`` says what the table holds ("unit counts")."""
        if not isinstance(data, dict):
            self.fail(path, data, f"expected a table of {what}")
        return data

    def value(self, path: str, value: Any, check: Check) -> Any:
        try:
            return check(value)
        except Invalid as bad:
            raise self.error(self.source, path, value, bad.expected) from None

    def fields(self, data: Any, path: str, fields: Mapping[str, Check], required: tuple[str, ...] = ()) -> dict:
        """The checked values of the table at ``path``, in file order. Problems are reported in file
        order (unknown key or bad value, whichever comes first), then the first missing required key."""
        data = self.table(data, path, "settings")
        out: dict[str, Any] = {}
        for key, value in data.items():
            check = fields.get(key)
            if check is None:
                self.fail(f"{path}.{key}", value, f"unknown key; valid keys are {', '.join(fields)}")
            try:
                out[key] = check(value)
            except Invalid as bad:
                raise self.error(self.source, f"{path}.{key}", value, bad.expected) from None
        for key in required:
            if key not in data:
                self.fail(f"{path}.{key}", None, f"missing required key (add `{key} = ...` to [{path}])",
                          show_value=False)
        return out
