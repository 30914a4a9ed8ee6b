"""The FastAPI application: wires config, limits, auth, errors, the model queue and the routes.

Lifecycle: on start the model is loaded on the model thread (a missing model fails here,
with the engine's message, not on a player's first line); on shutdown uvicorn first lets
in-flight requests finish, then the queue drains (up to `shutdown_grace_s`) and the NPCs'
memory is flushed to disk, so every reply a client received is remembered after a restart.
"""
from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from gameai import __version__
from gameai.service.config import ServiceConfig
from gameai.service.docs_pages import offline_docs_app
from gameai.service.errors import install_error_handlers
from gameai.service.limits import BodySizeLimit, RateLimiter
from gameai.service.model_queue import ModelQueue
from gameai.service.npcs import CastRegistry
from gameai.service.routes import build_router

log = logging.getLogger("gameai.service")

DESCRIPTION = """
NPC dialogue for games in any engine: one process holds the model, many game clients talk to
many NPCs. Send the API key as `X-API-Key: <key>` or `Authorization: Bearer <key>`.
Every error is JSON `{"error": {"code", "message", "detail"}}`; switch on `code`.
"""


def create_app(config: ServiceConfig, cast: CastRegistry | None = None) -> FastAPI:
    """Build the app. `cast` defaults to the NPCs of `config.cast_dir` (or the shipped cast)."""
    registry = cast if cast is not None else CastRegistry.from_config(config)
    queue = ModelQueue(limit=config.queue_limit)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await queue.run(registry.warm_up)
        # One worker per conversation the backend decodes at once: a backend that generates one
        # line at a time keeps one worker, so its queue time is measured as queue time.
        slots = min(config.parallel, registry.engine_parallel())
        if slots < config.parallel:
            log.warning("parallel=%d asked, but backend %s decodes one conversation at a time",
                        config.parallel, registry.engine.backend.name)
        queue.set_workers(slots)
        log.info("gameai serve: ready with %d NPCs", len(registry.ids()))
        try:
            yield
        finally:
            cancelled = await run_in_threadpool(queue.close, config.shutdown_grace_s)
            if cancelled:
                log.warning("shutdown: %d queued generations were refused (never started)", cancelled)
            await run_in_threadpool(registry.close)  # flushes every NPC's memory
            log.info("gameai serve: memory flushed, stopped")

    # /docs and /redoc work without internet (docs_pages.py says how).
    app = offline_docs_app(
        title="gameai dialogue service",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.cast = registry
    app.state.queue = queue
    app.state.rate_limiter = RateLimiter(config.rate_limit)
    app.state.started = time.monotonic()
    app.state.log = log
    app.add_middleware(BodySizeLimit, max_bytes=config.max_body_bytes)
    install_error_handlers(app)
    app.include_router(build_router(config))
    return app
