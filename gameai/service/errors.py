"""Every error the service sends is JSON with a stable, machine-readable `code`.

Game clients switch on `error.code` (never on the message, which is for people and may be
reworded). The codes below are part of the public API: add new ones, never rename.

    {"error": {"code": "rate_limited", "message": "...", "detail": {...}}}
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

class ErrorCode(StrEnum):
    UNAUTHORIZED = "unauthorized"  # 401: no API key, or a wrong one
    NOT_FOUND = "not_found"  # 404: no such route
    NPC_NOT_FOUND = "npc_not_found"  # 404: no NPC with that id in the cast
    PLAYER_NOT_FOUND = "player_not_found"  # 404: the NPC holds no memory of that player (nothing to forget)
    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405
    INVALID_JSON = "invalid_json"  # 422 (or 400 if not even UTF-8): the body is not valid JSON
    INVALID_REQUEST = "invalid_request"  # 422: a field is missing, of the wrong type or malformed
    REQUEST_TOO_LARGE = "request_too_large"  # 413: the whole body is over the byte limit
    FIELD_TOO_LARGE = "field_too_large"  # 413: one field (e.g. the player's line) is over its limit
    RATE_LIMITED = "rate_limited"  # 429: this client sent too many requests; see Retry-After
    MODEL_BUSY = "model_busy"  # 503: the model queue is full; see Retry-After
    SHUTTING_DOWN = "shutting_down"  # 503: the server is stopping and takes no new work
    MEMORY_BUSY = "memory_busy"  # 503: an erasure deleted the rows but could not yet rewrite the memory file
    GENERATION_FAILED = "generation_failed"  # in a stream's `error` event: the turn failed mid-line
    INTERNAL_ERROR = "internal_error"  # 500: a bug in gameai


class ErrorBody(BaseModel):
    code: ErrorCode = Field(description="Stable machine-readable error code; switch on this.")
    message: str = Field(description="What is wrong and what to do, for a person.")
    detail: Any = Field(default=None, description="Optional structured detail (e.g. which field).")


class ErrorResponse(BaseModel):
    error: ErrorBody


class ServiceError(Exception):
    """Raised anywhere in the service; turned into a JSON error response by the handler."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.headers = headers or {}


def error_payload(code: ErrorCode, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": str(code), "message": message, "detail": detail}}


def error_response(
    status: int, code: ErrorCode, message: str, detail: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_payload(code, message, detail), status_code=status, headers=headers)


# Pydantic error types meaning "this field is longer than its limit": answered 413, not 422,
# so that a client can tell "shorten the line" apart from "fix your request".
_TOO_LONG_TYPES = {"string_too_long", "too_long", "bytes_too_long"}

_HTTP_CODES = {400: ErrorCode.INVALID_JSON, 404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 413: ErrorCode.REQUEST_TOO_LARGE}


def _json_safe(value: Any) -> Any:
    """Validation errors can carry arbitrary input back; keep detail small and serialisable."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value if not isinstance(value, str) or len(value) <= 80 else value[:77] + "..."
    return repr(value)[:80]


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err.get("loc", ())), "type": err.get("type"), "problem": err.get("msg")}
        for err in exc.errors()
    ]


async def _on_service_error(_: Request, exc: ServiceError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.detail, exc.headers)


async def _on_validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = _field_errors(exc)
    too_long = [e for e in errors if e["type"] in _TOO_LONG_TYPES]
    if too_long:
        fields = ", ".join(e["field"] for e in too_long)
        return error_response(
            413,
            ErrorCode.FIELD_TOO_LARGE,
            f"{fields}: over the size limit ({too_long[0]['problem']}). Send a shorter value.",
            {"errors": too_long},
        )
    if any(e["type"] == "json_invalid" for e in errors):
        return error_response(
            422, ErrorCode.INVALID_JSON, "The request body is not valid JSON. Send a JSON object.", {"errors": errors}
        )
    summary = "; ".join(f"{e['field']}: {e['problem']}" for e in errors[:5])
    for e in errors:
        e["problem"] = _json_safe(e["problem"])
    return error_response(
        422, ErrorCode.INVALID_REQUEST, f"Invalid request: {summary}. See the OpenAPI spec at /openapi.json.",
        {"errors": errors},
    )


async def _on_http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST if exc.status_code < 500 else ErrorCode.INTERNAL_ERROR)
    message = {
        # FastAPI's only 400: a body it cannot decode (e.g. not UTF-8).
        ErrorCode.INVALID_JSON: "The request body could not be read; send UTF-8 JSON.",
        ErrorCode.NOT_FOUND: "No such endpoint. The API is listed at /openapi.json.",
        ErrorCode.METHOD_NOT_ALLOWED: "This endpoint does not take that HTTP method; see /openapi.json.",
    }.get(code, str(exc.detail))
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _on_unexpected(_: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after this response is sent, so uvicorn logs the traceback once.
    return error_response(
        500,
        ErrorCode.INTERNAL_ERROR,
        f"Internal error ({type(exc).__name__}). This is a bug in gameai; the server log has the traceback.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _on_service_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
