"""The one error type of a data file, and the signal a single value check raises."""
from __future__ import annotations

from typing import Any


class DataError(ValueError):
    """A data file that cannot be used. ``str(err)`` is a complete message for a person:
    ``file[:line]: key.path = value: what is expected``.

    Attributes: ``source`` (file or "<dict>"), ``path`` (dotted key path, "" for the whole file),
    ``value`` (the offending value, or None), ``expected`` (what would be valid), ``show_value``
    (whether the message quotes the value) and ``line`` (1-based line in the file, when known).
    Subclasses (one per format, e.g. ``RulesetError``) keep this constructor.
    """

    def __init__(self, source: str, path: str, value: Any, expected: str, *, show_value: bool = True,
                 line: int | None = None):
        self.source, self.path, self.value, self.expected, self.line = source, path, value, expected, line
        self.show_value = show_value
        src = f"{source}:{line}" if line else source
        where = f"{src}: {path}" if path else src
        got = f" = {value!r}" if show_value else ""
        super().__init__(f"{where}{got}: {expected}")

    def at_line(self, line: int | None) -> DataError:
        """The same error pointing at ``line`` of its file."""
        return type(self)(self.source, self.path, self.value, self.expected, show_value=self.show_value, line=line)

    def __reduce__(self):
        # The default pickling passes only the message back to __init__; sweeps send errors
        # between processes, so rebuild from the fields instead.
        return _rebuild, (type(self), self.source, self.path, self.value, self.expected, self.show_value, self.line)


def _rebuild(cls: type[DataError], source: str, path: str, value: Any, expected: str, show_value: bool,
             line: int | None) -> DataError:
    return cls(source, path, value, expected, show_value=show_value, line=line)


class Invalid(Exception):
    """Raised by a value check with what was expected; the :class:`~gameai_schema.Checker` running the
    check adds the file, the key path and the value."""

    def __init__(self, expected: str):
        super().__init__(expected)
        self.expected = expected
