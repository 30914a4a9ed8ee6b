"""The API's own pages (/docs: Swagger UI, /redoc: ReDoc) work on a network without internet.

FastAPI's default pages load their scripts and styles from a public CDN, so they are blank
offline. `fastapi-offline` (MIT) ships those files and serves them from this server; and a
Content-Security-Policy on the two pages keeps the browser from reaching anywhere else (ReDoc's
bundle, for one, fetches a logo from its vendor's CDN; the policy stops it before it leaves).
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_PAGES = ("/docs", "/redoc")
# Both pages start their viewer with an inline script and inline styles; ReDoc searches in a
# worker it builds from a blob. Everything else must come from this server.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


def offline_docs_app(**fastapi_kwargs: Any) -> FastAPI:
    """A FastAPI app whose /docs and /redoc serve their assets from the package, under that policy."""
    app = FastAPIOffline(**fastapi_kwargs)
    app.add_middleware(DocsPolicy)
    return app


class DocsPolicy:
    """Adds DOCS_CSP to the responses of the docs pages (pure ASGI: streamed replies pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in DOCS_PAGES:
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"content-security-policy", DOCS_CSP.encode())]
            await send(message)

        await self.app(scope, receive, send_with_policy)
