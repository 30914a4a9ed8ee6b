"""Model backends, one file each, chosen by config (`make_backend`). All share one interface:
`stream(messages, sampling, seed, cache_key, json_schema) -> Iterator[str]` of text pieces."""
from gameai.dialogue.backends.base import Backend, Sampling
from gameai.dialogue.backends.factory import BACKENDS, make_backend

__all__ = ["Backend", "Sampling", "BACKENDS", "make_backend"]
