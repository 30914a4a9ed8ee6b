"""The dialogue service end to end: a real uvicorn server on 127.0.0.1, the real engine with the
real SmolLM2-135M model (llama.cpp backend, short lines), driven over HTTP with httpx."""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from gameai.dialogue import INTENTS
from gameai.service.app import create_app
from gameai.service.client import GameAIClient, ServiceCallError
from gameai.service.config import load_config
from gameai.service.server import BackgroundServer

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
SHIPPED = {"elsbeth", "mara", "tobin", "wren"}


@pytest.fixture(scope="module")
def server():
    config = load_config(
        overrides={"backend": "llama_cpp", "max_new_tokens": 12, "rate_limit": "100000/minute"},
        environ={"GAMEAI_API_KEY": KEY},
    )
    with BackgroundServer(create_app(config), config) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def npcs(server):
    with GameAIClient(server.url, api_key=KEY) as client:
        yield client


def error_code(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/json", response.text
    body = response.json()
    assert set(body["error"]) == {"code", "message", "detail"} and body["error"]["message"]
    return body["error"]["code"]


# --- auth --------------------------------------------------------------------------------------
def test_health_needs_no_key_and_reports_the_queue(http):
    body = http.get("/v1/health").json()
    assert body["status"] == "ok" and body["warning"] is None
    assert body["queue"]["accepting"] is True and body["queue"]["limit"] >= 1


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong-key-0123456789"}, {"Authorization": "Bearer nope"}])
@pytest.mark.parametrize(
    "method, path", [("GET", "/v1/npcs"), ("POST", "/v1/npcs/mara/reply"), ("GET", "/v1/npcs/mara/memory/p1"),
                     ("DELETE", "/v1/npcs/mara/memory/p1"), ("DELETE", "/v1/players/p1/memory"),
                     ("POST", "/v1/npcs/mara/stream")],
)
def test_every_npc_endpoint_refuses_a_missing_or_wrong_key(http, headers, method, path):
    response = http.request(method, path, headers=headers, json={"player_id": "p1", "text": "hi"})
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_bearer_token_is_accepted(http):
    response = http.get("/v1/npcs", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 200


# --- listing and loading -----------------------------------------------------------------------
def test_list_and_load_npcs(npcs):
    listed = {n["id"]: n for n in npcs.npcs()}
    assert set(listed) == SHIPPED
    assert listed["wren"]["name"] and listed["wren"]["role"]
    loaded = npcs.load("wren")
    assert loaded["id"] == "wren" and loaded["loaded"] is True
    assert {n["id"]: n["loaded"] for n in npcs.npcs()}["wren"] is True


def test_unknown_npc_is_a_404_naming_the_cast(http):
    for method, path in [("POST", "/v1/npcs/nobody/load"), ("POST", "/v1/npcs/nobody/reply"),
                         ("GET", "/v1/npcs/nobody/memory/p1"), ("DELETE", "/v1/npcs/nobody/memory/p1")]:
        response = http.request(method, path, headers=AUTH, json={"player_id": "p1", "text": "hi"})
        assert response.status_code == 404
        assert error_code(response) == "npc_not_found"
        assert "mara" in response.json()["error"]["message"]


# --- talking to an NPC with the real model -------------------------------------------------------
def test_reply_is_generated_and_remembered(npcs):
    npcs.forget("mara", "hero", missing_ok=True)
    reply = npcs.say("mara", "hero", "Good morning! Busy at the forge today?",
                     world={"location": "Oakvale smithy", "time": "morning"})
    assert reply["backend"] == "llama_cpp"  # the real model answered, not the fallback
    assert reply["npc_id"] == "mara" and reply["player_id"] == "hero"
    assert reply["text"].strip()
    assert reply["intent"] in INTENTS
    assert reply["timing"]["queued_ms"] >= 0 and reply["timing"]["generate_ms"] > 0
    memory = npcs.memory("mara", "hero")
    assert [(m["turn"], m["speaker"], m["text"]) for m in memory] == [
        (0, "player", "Good morning! Busy at the forge today?"), (0, "npc", reply["text"])]


def test_stream_sends_start_tokens_then_the_full_reply(npcs):
    npcs.forget("tobin", "hero", missing_ok=True)
    events = list(npcs.stream("tobin", "hero", "Evening! Is there a warm bed for a tired traveller?"))
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "reply" and set(kinds[1:-1]) == {"token"}
    final = events[-1].data
    assert final["backend"] == "llama_cpp" and final["text"].strip()
    assert "".join(e.data["text"] for e in events if e.kind == "token").strip() == final["text"].strip()
    said = [m["text"] for m in npcs.memory("tobin", "hero")]
    assert said == ["Evening! Is there a warm bed for a tired traveller?", final["text"]]


def test_memory_reset_forgets_only_that_player(npcs):
    npcs.say("elsbeth", "alice", "Hello captain.")
    npcs.say("elsbeth", "bob", "Hello captain.")
    assert npcs.forget("elsbeth", "alice") == 2
    assert npcs.memory("elsbeth", "alice") == []
    assert len(npcs.memory("elsbeth", "bob")) == 2
    with pytest.raises(ServiceCallError) as err:  # erasing twice: the second finds nothing
        npcs.forget("elsbeth", "alice")
    assert (err.value.status, err.value.code) == (404, "player_not_found")
    assert npcs.forget("elsbeth", "alice", missing_ok=True) == 0


def test_bookkeeping_is_answered_while_the_model_is_busy(server, http, npcs):
    """A slow generation (here: every model worker held) must not block health, listing or memory."""
    queue = server.app.state.queue
    gate = threading.Event()
    held = [queue.submit(gate.wait) for _ in range(queue.workers)]  # the model is busy until the gate opens
    replies: list[dict] = []
    talker = threading.Thread(target=lambda: replies.append(npcs.say("wren", "busy", "Hello, herbalist!")))
    talker.start()
    try:
        deadline = time.monotonic() + 60  # wait until the reply is queued behind the held job
        while http.get("/v1/health").json()["queue"]["waiting"] != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        health = http.get("/v1/health").json()
        assert health["queue"]["running"] == queue.workers and health["queue"]["waiting"] == 1
        assert http.get("/v1/npcs", headers=AUTH).status_code == 200
        assert http.get("/v1/npcs/wren/memory/busy", headers=AUTH).json()["memories"] == []
        assert replies == []  # all of the above was answered while the reply still waited
    finally:
        gate.set()
        talker.join(timeout=120)
    for job in held:
        job.result(timeout=5)
    assert replies and replies[0]["text"].strip()
    assert replies[0]["timing"]["queued_ms"] > 0


# --- bad input: a JSON error with a stable code, never a traceback --------------------------------
@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"player_id": "p1", "text": "x" * 10_000_000}, 413, "request_too_large"),
        ({"player_id": "p1", "text": "x" * 601}, 413, "field_too_large"),
        ({"player_id": "p" * 65, "text": "hi"}, 413, "field_too_large"),
        ({"player_id": "p 1", "text": "hi"}, 422, "invalid_request"),
        ({"player_id": "p1", "text": ""}, 422, "invalid_request"),
        ({"player_id": "p1"}, 422, "invalid_request"),
        ({"player_id": "p1", "text": "hi", "mood": "angry"}, 422, "invalid_request"),
        ({"player_id": "p1", "text": "hi", "world": {"weather": "rain"}}, 422, "invalid_request"),
        ({"player_id": "p1", "text": "hi", "world": {"reputation": "high"}}, 422, "invalid_request"),
        ({"player_id": "p1", "text": "   "}, 422, "invalid_request"),
    ],
)
def test_bad_turns_get_json_errors(http, body, status, code):
    response = http.post("/v1/npcs/mara/reply", headers=AUTH, json=body)
    assert response.status_code == status, response.text
    assert error_code(response) == code


def test_not_json_and_unknown_routes(http):
    response = http.post("/v1/npcs/mara/reply", headers={**AUTH, "content-type": "application/json"}, content=b"{oops")
    assert (response.status_code, error_code(response)) == (422, "invalid_json")
    response = http.post("/v1/npcs/mara/reply", headers={**AUTH, "content-type": "application/json"}, content=b"\xff\xfe")
    assert response.status_code in (400, 422) and error_code(response) == "invalid_json"
    assert error_code(http.get("/v2/everything")) == "not_found"
    response = http.put("/v1/npcs", headers=AUTH)
    assert (response.status_code, error_code(response)) == (405, "method_not_allowed")


def test_client_raises_the_stable_code(npcs):
    with pytest.raises(ServiceCallError) as err:
        npcs.say("nobody", "p1", "hi")
    assert (err.value.status, err.value.code) == (404, "npc_not_found")
    with pytest.raises(ServiceCallError) as err:
        list(npcs.stream("mara", "p1", "x" * 601))
    assert (err.value.status, err.value.code) == (413, "field_too_large")
    with pytest.raises(ServiceCallError) as err:  # refused before the stream opens, not mid-stream
        list(npcs.stream("mara", "p1", "   "))
    assert (err.value.status, err.value.code) == (422, "invalid_request")
    assert "empty" in err.value.message


def test_openapi_spec_documents_auth_limits_and_errors(http):
    spec = http.get("/openapi.json").json()
    reply = spec["paths"]["/v1/npcs/{npc_id}/reply"]["post"]
    assert {"401", "404", "413", "422", "429", "503"} <= set(reply["responses"])
    assert {"APIKeyHeader", "HTTPBearer"} <= set(spec["components"]["securitySchemes"])
    say = spec["components"]["schemas"]["SayRequest"]["properties"]
    assert say["text"]["maxLength"] == 600 and say["player_id"]["maxLength"] == 64


def test_concurrent_players_with_the_real_model(server, npcs):
    """Six players talk to two NPCs at once: every reply is generated and remembered, none mixed up."""
    players = [(("mara", "wren")[i % 2], f"crowd-{i}") for i in range(6)]
    results: dict[str, dict] = {}

    def talk(npc: str, player: str) -> None:
        with GameAIClient(server.url, api_key=KEY) as own:
            results[player] = own.say(npc, player, f"Hello, I am {player}. What do you do here?")

    threads = [threading.Thread(target=talk, args=p) for p in players]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert sorted(results) == sorted(p for _, p in players)
    for npc, player in players:
        reply = results[player]
        assert reply["backend"] == "llama_cpp" and reply["npc_id"] == npc
        remembered = [(m["speaker"], m["text"]) for m in npcs.memory(npc, player)]
        assert remembered == [("player", f"Hello, I am {player}. What do you do here?"), ("npc", reply["text"])]
    # one model, one queue: at least one of them had to wait for another's generation
    assert max(r["timing"]["queued_ms"] for r in results.values()) > 0


def test_a_client_leaving_mid_stream_frees_the_model(server, http, npcs):
    body = {"player_id": "leaver", "text": "Tell me everything about the Greywood, slowly."}
    with http.stream("POST", "/v1/npcs/wren/stream", headers=AUTH, json=body) as response:
        assert response.status_code == 200
        first = next(response.iter_lines())
        assert first == "event: start"
    # The connection is closed: the generation stops (or finishes) and the queue drains.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        queue = http.get("/v1/health").json()["queue"]
        if queue["running"] == 0 and queue["waiting"] == 0:
            break
        time.sleep(0.05)
    assert (queue["running"], queue["waiting"]) == (0, 0)
    assert npcs.say("wren", "stayer", "Hello!")["text"].strip()  # the model serves the next player
