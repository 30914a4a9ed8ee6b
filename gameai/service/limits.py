"""Request limits: body size (413) and per-client request rate (429).

Field sizes (the player's line, ids) are declared on the request models in `schemas.py`, so
the OpenAPI spec shows them; `errors.py` answers a too-long field with 413 `field_too_large`.
"""
from __future__ import annotations

import math
import time

import anyio
import limits
from fastapi import Request
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gameai.service.errors import ErrorCode, ServiceError, error_response


# A refused body is still read (and dropped) up to this many bytes before answering: a server
# that answers and closes with unread data makes the kernel reset the connection, and the
# client then loses the 413 it was sent. Beyond this, we answer at once and close.
DRAIN_CAP_BYTES = 16 * 1024 * 1024
DRAIN_TIMEOUT_S = 5.0


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413 `request_too_large` (pure ASGI middleware).

    Outermost, so that the answer is always our JSON error. A body sent without a length
    (chunked) is buffered up to the limit (bodies are small), then handed on unchanged.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: str, received: int, drain: bool) -> None:
        if drain:
            with anyio.move_on_after(DRAIN_TIMEOUT_S):
                while received <= DRAIN_CAP_BYTES:
                    message = await receive()
                    if message["type"] != "http.request" or not message.get("more_body", False):
                        break
                    received += len(message.get("body", b""))
        response = error_response(
            413,
            ErrorCode.REQUEST_TOO_LARGE,
            f"The request body is {size} bytes; the limit is {self.max_bytes}. Send less.",
            {"limit_bytes": self.max_bytes},
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send, declared.decode(), 0, int(declared) <= DRAIN_CAP_BYTES)
                return
            await self.app(scope, receive, send)  # the HTTP server enforces the declared length
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                more = message.get("more_body", False)
                await self._refuse(scope, receive, send, f"over {self.max_bytes}", size, more)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for http.disconnect as usual

        await self.app(scope, replay, send)


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
