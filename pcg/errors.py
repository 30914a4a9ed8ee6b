"""Errors raised by pcg. Both are ValueErrors, so callers that only know ValueError still catch them."""
from __future__ import annotations


class MapParameterError(ValueError):
    """A generator parameter is out of range or the constraints cannot all be met.

    `param` names the parameter, `value` is what was given and `reason` says why it is
    rejected and what to do, so a CLI can show the message as is.
    """

    def __init__(self, param: str, value: object, reason: str) -> None:
        self.param = param
        self.value = value
        self.reason = reason
        super().__init__(f"{param}={value!r}: {reason}")


class MapFileError(ValueError):
    """A saved map directory is missing files or holds data that does not describe a map."""
