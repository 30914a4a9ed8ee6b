"""Checking data files a person writes (rulesets, sweep specs, personas, worlds) with errors a person can act on.

Every error is a :class:`DataError` naming the file (with the line, when read from TOML), the key
path (``units.archer.damage``), the bad value and what is expected. A format declares its tables
as ``{key: check}`` dicts of the checks in :mod:`gameai_schema.checks` and reads them with a
:class:`Checker`; cross-field rules (a unit blocked by a terrain the file defines, a team within
budget) stay in the format's own code and fail through the same ``Checker``.

This package sits below every layer (it imports nothing of gameai's), so ``envs`` and
``gameai.dialogue`` can both use it without importing each other.

Why by hand and not pydantic: the errors are the product. pydantic reports one failed constraint
in its own words ("Input should be greater than 0") and knows nothing of TOML lines, so keeping
today's messages would need a translation layer about the size of this package; it would also
make pydantic (about 0.17 s to import here, against 0.01 s) a base dependency of the simulation core and of every sweep
worker, and each ruleset would be validated twice (model, then the frozen dataclasses the core
reads).
"""
from gameai_schema.checks import (Boolean, Check, Choice, Integer, Number, StringList, boolean, choice, integer, number,
                                  string_list)
from gameai_schema.errors import DataError, Invalid
from gameai_schema.tables import Checker
from gameai_schema.toml_file import line_of, load_toml

__all__ = ["Boolean", "Check", "Checker", "Choice", "DataError", "Integer", "Invalid", "Number", "StringList",
           "boolean", "choice", "integer", "line_of", "load_toml", "number", "string_list"]
