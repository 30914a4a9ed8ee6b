"""Errors of the dialogue engine: plain ValueError subclasses with messages that say what to do.

The CLI translates them into GameAIError; a game catches DialogueError to show its own message.
"""
from __future__ import annotations


class DialogueError(ValueError):
    """Base class: bad input or environment for the dialogue engine."""


class PersonaError(DialogueError):
    """A persona file is missing, not TOML, or has a bad field (the message names file and field)."""


class WorldError(DialogueError):
    """The game's world data has a bad field."""


class MessageError(DialogueError):
    """The player's message cannot be processed (empty, too long, not text)."""


class PlayerNotFoundError(DialogueError, LookupError):
    """Asked to forget a player of whom the memory store holds nothing (a wrong or already erased id)."""


class BackendError(DialogueError):
    """A model backend failed (missing model, unreachable server, timeout). The engine falls back."""


class ModelMissingError(BackendError):
    """The model files are not installed; the message says how to install them."""


class DialogueWarning(UserWarning):
    """Warned (never raised) when an NPC falls back to an authored line because a backend failed."""
