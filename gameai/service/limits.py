"""Request limits: body size (413) and per-client request rate (429).

Field sizes (the player's line, ids) are declared on the request models in `schemas.py`, so
the OpenAPI spec shows them; `errors.py` answers a too-long field with 413 `field_too_large`.
"""
from __future__ import annotations

import math
import time

import limits
from fastapi import Request
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from gameai.service.errors import ErrorCode, ServiceError, error_response


class DeclaredBodySizeLimit:
    """Refuse a body whose Content-Length is over the limit before reading a byte of it.

    Bodies sent without a length (chunked) are counted as they arrive by FastAPI's own
    `max_body_size`, whose 413 the error handler turns into the same JSON error.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                response = error_response(
                    413,
                    ErrorCode.REQUEST_TOO_LARGE,
                    f"The request body is {int(declared)} bytes; the limit is {self.max_bytes}. Send less.",
                    {"limit_bytes": self.max_bytes},
                    # the body is not read, so the connection cannot be reused
                    headers={"Connection": "close"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RateLimiter:
    """Moving-window limit per client (the `limits` library, in-process memory storage)."""

    def __init__(self, rate: str) -> None:
        self.item = limits.parse(rate)
        self.rate = rate
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, client: str) -> None:
        if self._limiter.hit(self.item, client):
            return
        reset_at = self._limiter.get_window_stats(self.item, client).reset_time
        retry = max(1, math.ceil(reset_at - time.time()))
        raise ServiceError(
            429,
            ErrorCode.RATE_LIMITED,
            f"Too many requests from this client (limit {self.rate}); retry in {retry} s.",
            detail={"limit": self.rate, "retry_after_s": retry},
            headers={"Retry-After": str(retry)},
        )


def client_id(request: Request) -> str:
    """Who a request counts against: the peer address (behind a proxy, run uvicorn with
    --proxy-headers so that this is the player's address, not the proxy's)."""
    return request.client.host if request.client else "unknown"


async def enforce_rate_limit(request: Request) -> None:
    # Runs before the API-key check, so that guessing keys is rate limited too.
    request.app.state.rate_limiter.hit(client_id(request))
