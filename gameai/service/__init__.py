"""The NPC dialogue engine over HTTP (`gameai serve`): FastAPI + uvicorn, one model behind a queue.

    from gameai.service import GameAIClient          # talk to a running server
    from gameai.service import ServiceConfig, load_config, create_app, BackgroundServer

One concept per module: config (settings), auth (API key), limits (size and rate), errors
(JSON errors with stable codes), model_queue (the one model thread), npcs (the cast over the
dialogue engine), schemas and routes (the HTTP API), app (wiring), server (uvicorn), client.
Importing this package is light; FastAPI, uvicorn and the engine load on first use.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "GameAIClient": "gameai.service.client",
    "ServiceCallError": "gameai.service.client",
    "StreamEvent": "gameai.service.client",
    "ServiceConfig": "gameai.service.config",
    "ServiceConfigError": "gameai.service.config",
    "load_config": "gameai.service.config",
    "create_app": "gameai.service.app",
    "BackgroundServer": "gameai.service.server",
    "ErrorCode": "gameai.service.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gameai.service' has no attribute {name!r}")
