"""Per-client rate limits (429) and the bounded model queue (503), each with its JSON error code."""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from gameai.service.app import create_app
from gameai.service.config import load_config
from gameai.service.server import BackgroundServer

KEY = "limit-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


def start(tmp_path, **overrides) -> BackgroundServer:
    config = load_config(overrides={"backend": "authored", "memory_path": tmp_path / "memory.sqlite", **overrides},
                         environ={"GAMEAI_API_KEY": KEY})
    return BackgroundServer(create_app(config), config).start()


def client_from(server: BackgroundServer, address: str) -> httpx.Client:
    """A client whose connections come from `address` (another loopback address = another client)."""
    return httpx.Client(base_url=server.url, transport=httpx.HTTPTransport(local_address=address))


def test_rate_limit_is_per_client_with_retry_after(tmp_path):
    server = start(tmp_path, rate_limit="4/minute")
    try:
        with client_from(server, "127.0.0.1") as first, client_from(server, "127.0.0.2") as second:
            assert [first.get("/v1/npcs", headers=AUTH).status_code for _ in range(4)] == [200] * 4
            refused = first.get("/v1/npcs", headers=AUTH)
            assert refused.status_code == 429
            error = refused.json()["error"]
            assert error["code"] == "rate_limited" and error["detail"]["limit"] == "4/minute"
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            # wrong keys count too: guessing keys is rate limited like everything else
            assert first.get("/v1/npcs", headers={"X-API-Key": "guess-0123456789abcdef"}).status_code == 429
            assert first.get("/v1/health").status_code == 200  # health stays open to monitoring
            assert second.get("/v1/npcs", headers=AUTH).status_code == 200  # another client is unaffected
    finally:
        server.stop()


def test_full_model_queue_answers_503_and_the_queued_turn_still_completes(tmp_path):
    server = start(tmp_path, queue_limit=1, rate_limit="1000/minute")
    queue = server.app.state.queue
    gate = threading.Event()
    held = queue.submit(gate.wait)  # a slow generation: the model is busy until the gate opens
    waiting: list[httpx.Response] = []
    body = {"player_id": "p1", "text": "Hello there."}
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as http:
        talker = threading.Thread(target=lambda: waiting.append(http.post("/v1/npcs/mara/reply", json=body)))
        talker.start()
        try:
            deadline = time.monotonic() + 60  # until the reply waits behind the held job
            while queue.stats()["waiting"] != 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert queue.stats()["waiting"] == 1
            refused = http.post("/v1/npcs/mara/reply", json=body)
            assert refused.status_code == 503 and refused.json()["error"]["code"] == "model_busy"
            assert refused.headers["retry-after"]
            streamed = http.post("/v1/npcs/mara/stream", json=body)  # refused before any stream opens
            assert streamed.status_code == 503 and streamed.json()["error"]["code"] == "model_busy"
        finally:
            gate.set()
            talker.join(timeout=60)
        held.result(timeout=5)
        assert waiting[0].status_code == 200
        memory = http.get("/v1/npcs/mara/memory/p1").json()["memories"]
        assert [m["text"] for m in memory] == ["Hello there.", waiting[0].json()["text"]]
    server.stop()


@pytest.mark.parametrize("size", [16_385, 10_000_000])
def test_oversized_bodies_are_refused_with_413_even_unannounced(tmp_path, size):
    server = start(tmp_path, rate_limit="1000/minute")
    try:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as http:
            declared = http.post("/v1/npcs/mara/reply", content=b"x" * size)
            chunked = http.post("/v1/npcs/mara/reply", content=iter([b"x" * 4096] * (size // 4096 + 1)))
            for response in (declared, chunked):
                assert response.status_code == 413
                assert response.json()["error"]["code"] == "request_too_large"
                assert response.json()["error"]["detail"] == {"limit_bytes": 16_384}
    finally:
        server.stop()
