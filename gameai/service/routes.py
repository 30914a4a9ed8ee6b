"""The HTTP API: health, NPC list/load, reply, streamed reply (SSE) and memory read/reset.

Generation goes through the one model queue; everything else (health, listing, memory) is
answered off the model thread, so it stays fast while the model is busy.
"""
# No `from __future__ import annotations` here: FastAPI reads the annotations of the route
# functions at runtime, and the request model is a local built from the server's limits.
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse

from gameai import __version__
from gameai.service.auth import require_api_key
from gameai.service.config import ServiceConfig
from gameai.service.errors import ErrorCode, ErrorResponse, ServiceError, error_payload
from gameai.service.limits import enforce_rate_limit
from gameai.service.model_queue import JobTiming
from gameai.service.npcs import CastRegistry
from gameai.service.schemas import (
    ID_MAX,
    ID_PATTERN,
    Health,
    MemoryOut,
    MemoryReset,
    NpcList,
    NpcOut,
    PlayerMemoryReset,
    ReplyOut,
    request_models,
)

NpcId = Annotated[str, Path(min_length=1, max_length=ID_MAX, pattern=ID_PATTERN, description="NPC id from /v1/npcs.")]
PlayerId = Annotated[str, Path(min_length=1, max_length=ID_MAX, pattern=ID_PATTERN, description="The player's id.")]
ForgetMode = Annotated[
    Literal["delete", "archive"],
    Query(description="`delete` (default): erase every trace of the player from the memory file. "
          "`archive`: the NPC stops recalling them; the history stays on disk."),
]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorResponse, "description": f"Error (JSON with a stable `code`)"} for s in statuses}


# Every authenticated endpoint can answer these (unreadable body, auth, body size, bad input, rate
# limit, bug, stopping).
COMMON_ERRORS = _errors(400, 401, 413, 422, 429, 500, 503)
NPC_ERRORS = _errors(404)


def _reply_out(npc_id: str, player_id: str, reply: Any, timing: JobTiming) -> dict[str, Any]:
    d = reply.to_dict()
    return {
        "npc_id": npc_id,
        "player_id": player_id,
        **{k: d[k] for k in ReplyOut.model_fields if k in d},
        "timing": {"queued_ms": timing.queued_s * 1e3, "generate_ms": timing.generate_s * 1e3,
                   "first_token_ms": getattr(reply, "ttft_ms", None)},
    }


def _world(body: Any) -> dict[str, Any] | None:
    return body.world.model_dump() if body.world is not None else None


def build_router(config: ServiceConfig) -> APIRouter:
    Say = request_models(config).Say
    router = APIRouter()

    def cast(request: Request) -> CastRegistry:
        return request.app.state.cast

    @router.get("/v1/health", response_model=Health, tags=["service"], summary="Liveness and queue depth (no key needed)")
    async def health(request: Request) -> dict[str, Any]:
        state = request.app.state
        queue = state.queue.stats()
        return {
            "status": "ok" if queue["accepting"] else "stopping",
            "version": __version__,
            "uptime_s": time.monotonic() - state.started,
            "npcs_loaded": state.cast.loaded_count(),
            "warning": state.cast.warning,
            "queue": queue,
        }

    api = APIRouter(
        prefix="/v1",
        tags=["npcs"],
        dependencies=[Depends(enforce_rate_limit), Depends(require_api_key)],
        responses=COMMON_ERRORS,
    )

    @api.get("/npcs", response_model=NpcList, summary="List the NPCs of the cast")
    async def list_npcs(request: Request) -> dict[str, Any]:
        return {"npcs": cast(request).describe_all()}

    @api.post("/npcs/{npc_id}/load", response_model=NpcOut, responses=NPC_ERRORS, summary="Load an NPC now")
    async def load_npc(request: Request, npc_id: NpcId) -> dict[str, Any]:
        registry = cast(request)
        # The model is shared and loaded at start, so an NPC is cheap: no need to wait for the model.
        await run_in_threadpool(registry.load, npc_id)
        return registry.describe(npc_id)

    @api.post("/npcs/{npc_id}/reply", response_model=ReplyOut, responses=NPC_ERRORS, summary="Say a line; get the NPC's reply")
    async def reply(request: Request, npc_id: NpcId, body: Say) -> dict[str, Any]:  # type: ignore[valid-type]
        registry = cast(request)
        turn = registry.turn(npc_id, body.player_id, body.text, _world(body))
        result, timing = await request.app.state.queue.run(lambda: registry.respond(turn))
        return _reply_out(npc_id, turn.player_id, result, timing)

    @api.post(
        "/npcs/{npc_id}/stream",
        response_class=EventSourceResponse,
        responses={
            **NPC_ERRORS,
            200: {
                "description": "Server-sent events: `start` {queued_ms}, then `token` {text} per chunk, "
                "then `reply` (the full reply, as from /reply), or `error` {error: {code, message}}.",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            },
        },
        summary="Say a line; stream the reply as server-sent events",
    )
    async def stream(request: Request, npc_id: NpcId, body: Say) -> EventSourceResponse:  # type: ignore[valid-type]
        registry = cast(request)
        turn = registry.turn(npc_id, body.player_id, body.text, _world(body))
        started: dict[str, float] = {}
        # Admitted now: a full queue is a 503 JSON error, not a stream that fails later.
        chunks = request.app.state.queue.stream(lambda: registry.stream(turn), on_start=lambda q: started.update(q=q))
        t_submit = time.perf_counter()

        async def events() -> AsyncIterator[dict[str, str]]:
            announced = False
            try:
                async for chunk in chunks:
                    if not announced:
                        announced = True
                        yield {"event": "start", "data": json.dumps({"queued_ms": started.get("q", 0.0) * 1e3})}
                    if isinstance(chunk, str):
                        yield {"event": "token", "data": json.dumps({"text": chunk})}
                    else:  # the engine's final Reply
                        queued = started.get("q", 0.0)
                        timing = JobTiming(queued, time.perf_counter() - t_submit - queued)
                        yield {"event": "reply", "data": json.dumps(_reply_out(npc_id, turn.player_id, chunk, timing))}
            except ServiceError as exc:
                yield {"event": "error", "data": json.dumps(error_payload(exc.code, exc.message, exc.detail))}
            except Exception as exc:  # the status line is already sent: report the failure in-band
                request.app.state.log.exception("stream failed")
                payload = error_payload(ErrorCode.GENERATION_FAILED, f"Generation failed: {type(exc).__name__}: {exc}")
                yield {"event": "error", "data": json.dumps(payload)}

        return EventSourceResponse(events(), ping=15, shutdown_grace_period=config.shutdown_grace_s)

    @api.get("/npcs/{npc_id}/memory/{player_id}", response_model=MemoryOut, responses=NPC_ERRORS, summary="What the NPC remembers of a player")
    async def read_memory(request: Request, npc_id: NpcId, player_id: PlayerId) -> dict[str, Any]:
        registry = cast(request)
        memories = await run_in_threadpool(registry.memory, npc_id, player_id)
        return {"npc_id": npc_id, "player_id": player_id, "memories": memories}

    @api.delete(
        "/npcs/{npc_id}/memory/{player_id}",
        response_model=MemoryReset,
        responses=NPC_ERRORS,
        summary="Make the NPC forget a player (erase, or archive)",
        description="Erases everything the NPC stored of the player (lines, summaries, archived history) "
        "and rewrites the memory file, so no trace of the player's words remains; a turn in flight is "
        "not remembered. `?mode=archive` keeps the history on disk instead. 404 `player_not_found` "
        "when the NPC holds nothing of that player.",
    )
    async def reset_memory(request: Request, npc_id: NpcId, player_id: PlayerId, mode: ForgetMode = "delete") -> dict[str, Any]:
        registry = cast(request)
        forgotten = await run_in_threadpool(registry.reset, npc_id, player_id, mode == "archive")
        return {"npc_id": npc_id, "player_id": player_id, "mode": mode, "forgotten": forgotten}

    @api.delete(
        "/players/{player_id}/memory",
        response_model=PlayerMemoryReset,
        responses=_errors(404),
        summary="Make every NPC forget a player (a player's erasure request)",
        description="As DELETE /v1/npcs/{npc_id}/memory/{player_id}, for every NPC at once (NPCs of an "
        "earlier cast in the same memory file included), with one rewrite of the file. 404 "
        "`player_not_found` when no NPC holds anything of that player.",
    )
    async def reset_player(request: Request, player_id: PlayerId, mode: ForgetMode = "delete") -> dict[str, Any]:
        registry = cast(request)
        forgotten = await run_in_threadpool(registry.reset_everywhere, player_id, mode == "archive")
        return {"player_id": player_id, "mode": mode, "forgotten": forgotten}

    router.include_router(api)
    return router
