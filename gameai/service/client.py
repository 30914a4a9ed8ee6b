"""A small Python client for `gameai serve` (httpx; SSE through httpx-sse).

    from gameai.service.client import GameAIClient
    with GameAIClient("http://127.0.0.1:8765", api_key="...") as npcs:
        reply = npcs.say("mira", "player-1", "What does a sword cost?")
        print(reply["text"], reply["intent"])
        for event in npcs.stream("mira", "player-1", "Any rumours?"):
            if event.kind == "token":
                print(event.data["text"], end="", flush=True)

Every error the server sends arrives as `ServiceCallError` with its stable `code`
(e.g. "rate_limited"), the HTTP status and, for 429/503, `retry_after` in seconds.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import connect_sse

from gameai.service.config import API_KEY_ENV


class ServiceCallError(Exception):
    """The server answered with an error (or could not be reached: code 'unreachable')."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None, retry_after: float | None = None):
        super().__init__(f"{code} ({status}): {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.retry_after = retry_after


@dataclass(frozen=True)
class StreamEvent:
    kind: str  # "start" {queued_ms}, "token" {text}, "reply" (the full reply)
    data: dict[str, Any]


def _raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    response.read()
    try:
        error = response.json()["error"]
        code, message, detail = error["code"], error["message"], error.get("detail")
    except (ValueError, KeyError, TypeError):  # not our JSON: a proxy in between, or not a gameai server
        code, message, detail = "unexpected_response", response.text[:200], None
    retry = response.headers.get("Retry-After")
    raise ServiceCallError(
        response.status_code, code, message, detail, float(retry) if retry and retry.isdigit() else None
    )


class GameAIClient:
    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8765",
        api_key: str | None = None,
        timeout_s: float = 120.0,
        client_name: str = "gameai-python-client",
    ) -> None:
        key = api_key or os.environ.get(API_KEY_ENV)
        if not key:
            raise ValueError(f"no API key: pass api_key= or set {API_KEY_ENV}")
        # Generation can queue behind other players' lines: a generous read timeout, short connect.
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"X-API-Key": key, "User-Agent": client_name},
            timeout=httpx.Timeout(timeout_s, connect=5.0),
        )

    # --- plumbing -----------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ServiceCallError(0, "unreachable", f"{self._http.base_url}: {exc}") from exc
        _raise_for_error(response)
        return response.json()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "GameAIClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the API ------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._call("GET", "/v1/health")

    def npcs(self) -> list[dict[str, Any]]:
        return self._call("GET", "/v1/npcs")["npcs"]

    def load(self, npc_id: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/npcs/{npc_id}/load")

    @staticmethod
    def _turn(player_id: str, text: str, world: dict[str, Any] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"player_id": player_id, "text": text}
        if world is not None:
            body["world"] = world
        return body

    def say(self, npc_id: str, player_id: str, text: str, world: dict[str, Any] | None = None) -> dict[str, Any]:
        """The NPC's reply: text, emotion, intent, intent_args, facts, ..., timing."""
        return self._call("POST", f"/v1/npcs/{npc_id}/reply", json=self._turn(player_id, text, world))

    def stream(
        self, npc_id: str, player_id: str, text: str, world: dict[str, Any] | None = None
    ) -> Iterator[StreamEvent]:
        """Yields `start`, then `token` events as the NPC speaks, then the final `reply` event."""
        body = self._turn(player_id, text, world)
        try:
            with connect_sse(self._http, "POST", f"/v1/npcs/{npc_id}/stream", json=body) as source:
                _raise_for_error(source.response)
                for sse in source.iter_sse():
                    data = json.loads(sse.data) if sse.data else {}
                    if sse.event == "error":
                        err = data.get("error", {})
                        raise ServiceCallError(200, err.get("code", "stream_error"), err.get("message", ""))
                    yield StreamEvent(sse.event, data)
        except httpx.TransportError as exc:
            raise ServiceCallError(0, "unreachable", f"{self._http.base_url}: {exc}") from exc

    def memory(self, npc_id: str, player_id: str) -> list[dict[str, Any]]:
        """What the NPC remembers of this player, oldest first: {turn, speaker, text, importance}."""
        return self._call("GET", f"/v1/npcs/{npc_id}/memory/{player_id}")["memories"]

    def forget(self, npc_id: str, player_id: str, archive: bool = False, missing_ok: bool = False) -> int:
        """Make the NPC forget this player; returns how many memories it forgot.

        Erases them from the server's memory file (archive=True: keeps them there, unrecalled).
        A player the NPC knows nothing of is ServiceCallError 'player_not_found', or 0 with missing_ok.
        """
        return self._forget(f"/v1/npcs/{npc_id}/memory/{player_id}", archive, missing_ok)

    def forget_player(self, player_id: str, archive: bool = False, missing_ok: bool = False) -> int:
        """Make every NPC forget this player (a player's erasure request); as `forget` otherwise."""
        return self._forget(f"/v1/players/{player_id}/memory", archive, missing_ok)

    def _forget(self, path: str, archive: bool, missing_ok: bool) -> int:
        try:
            body = self._call("DELETE", path, params={"mode": "archive" if archive else "delete"})
        except ServiceCallError as err:
            if missing_ok and err.code == "player_not_found":
                return 0
            raise
        return body["forgotten"]
