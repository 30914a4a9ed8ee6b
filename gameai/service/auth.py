"""API-key authentication: every endpoint but /v1/health and the OpenAPI spec needs the key.

The key travels in `X-API-Key: <key>` or `Authorization: Bearer <key>` (whichever a game
engine's HTTP client makes easier). Declared through FastAPI's security classes so that the
OpenAPI spec documents it and generated clients send it.
"""
from __future__ import annotations

import secrets

from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gameai.service.errors import ErrorCode, ServiceError

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The server's API key.")
bearer = HTTPBearer(auto_error=False, description="The server's API key as a bearer token.")


def _matches(given: str | None, expected: str) -> bool:
    # compare_digest: the time taken does not tell an attacker how many leading characters matched.
    return given is not None and secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


async def require_api_key(
    request: Request,
    header_key: str | None = Security(api_key_header),
    bearer_key: HTTPAuthorizationCredentials | None = Security(bearer),
) -> None:
    expected: str = request.app.state.config.api_key
    if _matches(header_key, expected) or _matches(bearer_key.credentials if bearer_key else None, expected):
        return
    given = header_key is not None or bearer_key is not None
    raise ServiceError(
        401,
        ErrorCode.UNAUTHORIZED,
        "Wrong API key." if given else "An API key is required: send it as `X-API-Key: <key>` or "
        "`Authorization: Bearer <key>`.",
        headers={"WWW-Authenticate": "Bearer"},
    )
