"""A bounded load test: 50 concurrent player sessions, 500 requests, against a real server.

Zero 5xx, and afterwards every exchange is in the NPC's memory, in order, with no cross-talk
between players. The engine runs with its authored-lines backend so that 250 exchanges fit the
test budget (each still goes through the queue, the guards, the embedder and SQLite);
test_service_api.py::test_concurrent_players_with_the_real_model does the same with the model.
"""
from __future__ import annotations

import asyncio

import httpx
import pytest
from httpx_sse import aconnect_sse

from gameai.service.app import create_app
from gameai.service.config import load_config
from gameai.service.server import BackgroundServer

KEY = "load-key-0123456789abcdef"
SESSIONS = 50
NPCS = ["elsbeth", "mara", "tobin", "wren"]
LINES = ["Good day to you.", "What is new around here?", "How is business lately?",
         "Can you tell me about this town?", "Thank you, farewell."]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    config = load_config(
        overrides={"backend": "authored", "rate_limit": "100000/minute",
                   "memory_path": tmp_path_factory.mktemp("load") / "memory.sqlite"},
        environ={"GAMEAI_API_KEY": KEY},
    )
    with BackgroundServer(create_app(config), config) as srv:
        yield srv


async def session(client: httpx.AsyncClient, n: int, statuses: list[int]) -> tuple[str, str, list[tuple[str, str]]]:
    """One player: 5 exchanges (4 replies, 1 stream) and 5 bookkeeping requests = 10 requests."""
    npc, player = NPCS[n % len(NPCS)], f"player-{n:02d}"
    said: list[tuple[str, str]] = []

    async def ask(line: str) -> None:
        r = await client.post(f"/v1/npcs/{npc}/reply", json={"player_id": player, "text": f"{line} ({player})"})
        statuses.append(r.status_code)
        if r.status_code == 200:
            said.append((f"{line} ({player})", r.json()["text"]))

    async def stream(line: str) -> None:
        text, final = f"{line} ({player})", None
        body = {"player_id": player, "text": text}
        async with aconnect_sse(client, "POST", f"/v1/npcs/{npc}/stream", json=body) as source:
            statuses.append(source.response.status_code)
            async for event in source.aiter_sse():
                if event.event == "reply":
                    final = event.json()["text"]
        assert final is not None, f"{player}: the stream ended without its reply event"
        said.append((text, final))

    async def get(path: str) -> None:
        statuses.append((await client.get(path)).status_code)

    await ask(LINES[0])
    await get(f"/v1/npcs/{npc}/memory/{player}")
    await ask(LINES[1])
    await stream(LINES[2])
    await get("/v1/npcs")
    await ask(LINES[3])
    await get("/v1/health")
    await get(f"/v1/npcs/{npc}/memory/{player}")
    await ask(LINES[4])
    await get(f"/v1/npcs/{npc}/memory/{player}")
    return npc, player, said


async def run_sessions(url: str) -> tuple[list[int], list[tuple[str, str, list[tuple[str, str]]]]]:
    statuses: list[int] = []
    limits = httpx.Limits(max_connections=SESSIONS, max_keepalive_connections=SESSIONS)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": KEY}, timeout=300, limits=limits) as client:
        results = await asyncio.gather(*(session(client, n, statuses) for n in range(SESSIONS)))
    return statuses, results


def test_fifty_concurrent_sessions_lose_nothing(server):
    statuses, results = asyncio.run(run_sessions(server.url))
    assert len(statuses) == SESSIONS * 10 == 500
    assert [s for s in statuses if s >= 500] == []
    assert set(statuses) == {200}
    with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}) as client:
        for npc, player, said in results:
            assert len(said) == 5
            memories = client.get(f"/v1/npcs/{npc}/memory/{player}").json()["memories"]
            remembered = [(m["turn"], m["speaker"], m["text"]) for m in memories]
            expected = [(turn, speaker, text) for turn, pair in enumerate(said)
                        for speaker, text in zip(("player", "npc"), pair)]
            assert remembered == expected, player
        health = client.get("/v1/health").json()
    assert health["queue"]["waiting"] == 0 and health["queue"]["running"] == 0
