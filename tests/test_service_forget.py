"""DELETE of a player's memory over HTTP is an erasure: the words leave the server's SQLite file
(and its -wal/-shm files), other players keep theirs; `?mode=archive` keeps the history; an
unknown player, NPC or mode is a JSON error with a stable code."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gameai.service.app import create_app
from gameai.service.client import GameAIClient, ServiceCallError
from gameai.service.config import load_config
from gameai.service.server import BackgroundServer

KEY = "forget-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
SECRET = "I hid the Vellichor ledger behind the Thistlegrove chapel."
WORDS = [b"Vellichor", b"Thistlegrove"]


@pytest.fixture
def served(tmp_path):
    db = tmp_path / "memory.sqlite"
    config = load_config(overrides={"backend": "authored", "memory_path": db, "rate_limit": "100000/minute"},
                         environ={"GAMEAI_API_KEY": KEY})
    with BackgroundServer(create_app(config), config) as srv, GameAIClient(srv.url, api_key=KEY) as npcs, \
            httpx.Client(base_url=srv.url, headers=AUTH, timeout=60) as http:
        yield db, npcs, http


def on_disk(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())


def error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "detail"} and body["error"]["message"]
    return response.status_code, body["error"]["code"]


def test_delete_erases_the_players_words_from_the_file(served):
    db, npcs, http = served
    npcs.say("mara", "hero", SECRET)
    npcs.say("mara", "hero", "And the key is under the anvil.")
    npcs.say("mara", "other", "Just browsing, thanks.")
    assert SECRET in [m["text"] for m in npcs.memory("mara", "hero")]
    assert all(w in on_disk(db) for w in WORDS)

    response = http.delete("/v1/npcs/mara/memory/hero")
    assert response.status_code == 200
    assert response.json() == {"npc_id": "mara", "player_id": "hero", "mode": "delete", "forgotten": 4}
    assert not any(w in on_disk(db) for w in WORDS)
    assert npcs.memory("mara", "hero") == []
    assert [m["text"] for m in npcs.memory("mara", "other")][0] == "Just browsing, thanks."
    assert error(http.delete("/v1/npcs/mara/memory/hero")) == (404, "player_not_found")


def test_archive_mode_keeps_the_history_in_the_file(served):
    db, npcs, http = served
    npcs.say("tobin", "hero", SECRET)
    assert npcs.forget("tobin", "hero", archive=True) == 2
    assert npcs.memory("tobin", "hero") == []
    assert all(w in on_disk(db) for w in WORDS)
    assert http.delete("/v1/npcs/tobin/memory/hero", params={"mode": "archive"}).json()["forgotten"] == 0
    assert npcs.forget("tobin", "hero") == 2  # the erasure takes the archived rows too
    assert not any(w in on_disk(db) for w in WORDS)


def test_erasing_a_player_from_every_npc(served):
    db, npcs, http = served
    npcs.say("mara", "hero", SECRET)
    npcs.say("wren", "hero", SECRET)
    npcs.say("wren", "other", "Do you sell feverfew?")
    response = http.delete("/v1/players/hero/memory")
    assert response.status_code == 200
    assert response.json() == {"player_id": "hero", "mode": "delete", "forgotten": 4}
    assert npcs.memory("mara", "hero") == [] and npcs.memory("wren", "hero") == []
    assert len(npcs.memory("wren", "other")) == 2
    assert not any(w in on_disk(db) for w in WORDS)
    with pytest.raises(ServiceCallError) as err:
        npcs.forget_player("hero")
    assert (err.value.status, err.value.code) == (404, "player_not_found")
    assert "no NPC has any memory of player 'hero'" in err.value.message
    assert npcs.forget_player("hero", missing_ok=True) == 0


def test_bad_deletes_are_json_errors(served):
    _, npcs, http = served
    missing = http.delete("/v1/npcs/mara/memory/never-met")
    assert error(missing) == (404, "player_not_found")
    assert missing.json()["error"]["detail"] == {"npc_id": "mara", "player_id": "never-met"}
    assert "NPC 'mara' has no memory of player 'never-met'" in missing.json()["error"]["message"]
    assert error(http.delete("/v1/npcs/nobody/memory/p1")) == (404, "npc_not_found")
    npcs.say("mara", "p1", "Hello.")
    assert error(http.delete("/v1/npcs/mara/memory/p1", params={"mode": "shred"})) == (422, "invalid_request")
    assert error(http.delete("/v1/npcs/mara/memory/bad%20id")) == (422, "invalid_request")
    assert len(npcs.memory("mara", "p1")) == 2  # refused requests changed nothing
