"""The one error type the CLI shows to a person as a clean message (no traceback).

Lower layers (pcg, envs, agents) raise their own ValueError subclasses; each CLI command
translates those into GameAIError with a message that says what is wrong and what to do.
"""


class GameAIError(Exception):
    """A problem with the user's input or environment, explained in plain words."""
