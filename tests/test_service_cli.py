"""`gameai serve` as a person runs it: a real process, stopped with SIGTERM while it is busy.

Every reply a client received must be in the memory file after the shutdown and readable by
the next server; requests still queued finish first. Bad input stops the CLI with a message.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from gameai.cli.main import main
from gameai.dialogue import MemoryStore
from gameai.service.app import create_app
from gameai.service.config import load_config
from gameai.service.server import BackgroundServer

KEY = "cli-key-0123456789abcdefgh"
PLAYERS = 40


def start_cli(*args: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "GAMEAI_API_KEY": KEY, "GAMEAI_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "gameai", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    seen = ""
    for line in proc.stdout:  # the banner comes once the cast and engine are loaded
        seen += line
        if match := re.search(r"on (http://127\.0\.0\.1:\d+)", line):
            break
    else:
        pytest.fail(f"gameai serve did not start: {seen}")
    url = match.group(1)
    for _ in range(600):
        try:
            if httpx.get(f"{url}/v1/health").status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail("gameai serve never answered /v1/health")


def test_sigterm_while_busy_loses_no_exchange(tmp_path):
    db = tmp_path / "memory.sqlite"
    proc, url = start_cli("--backend", "authored", "--memory", str(db))
    answered: dict[str, tuple[str, float]] = {}
    refused: list[str] = []

    def talk(player: str) -> None:
        try:
            r = httpx.post(f"{url}/v1/npcs/mara/reply", headers={"X-API-Key": KEY}, timeout=60,
                           json={"player_id": player, "text": f"Hello from {player}."})
        except httpx.TransportError:  # connected after the server stopped accepting
            refused.append(player)
            return
        if r.status_code == 200:
            answered[player] = (r.json()["text"], time.monotonic())
        else:
            assert r.status_code == 503 and r.json()["error"]["code"] == "shutting_down", r.text
            refused.append(player)

    threads = [threading.Thread(target=talk, args=(f"p{i:02d}",)) for i in range(PLAYERS)]
    for t in threads:
        t.start()
    while not answered:  # the server is busy: some replies done, the rest queued behind them
        time.sleep(0.005)
    stopped_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(timeout=120)
    output = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    assert len(answered) + len(refused) == PLAYERS
    assert any(at > stopped_at for _, at in answered.values()), "no queued reply finished after SIGTERM"

    # Every reply a client got is on disk, and the WAL was checkpointed into the main file.
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    with MemoryStore(db) as store:
        for player, (text, _) in answered.items():
            assert [m.text for m in store.active("mara", player)] == [f"Hello from {player}.", text]
        for player in refused:
            assert store.active("mara", player) == []  # refused means never half-recorded

    # The next server reads the same memory.
    config = load_config(overrides={"backend": "authored", "memory_path": db}, environ={"GAMEAI_API_KEY": KEY})
    with BackgroundServer(create_app(config), config) as server:
        player, (text, _) = next(iter(answered.items()))
        memories = httpx.get(f"{server.url}/v1/npcs/mara/memory/{player}", headers={"X-API-Key": KEY}).json()
        assert [m["text"] for m in memories["memories"]] == [f"Hello from {player}.", text]


def test_broken_persona_in_the_cast_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GAMEAI_API_KEY", KEY)
    (tmp_path / "bad.toml").write_text('name = "Bad"\nrole = "x"\ntraits = "not", "a list"\n', encoding="utf-8")
    assert main(["serve", "--cast", str(tmp_path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "not valid TOML" in err and "Traceback" not in err


def test_duplicate_npc_ids_in_a_cast_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GAMEAI_API_KEY", KEY)
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text('id = "twin"\nname = "Twin"\nrole = "a twin"\n', encoding="utf-8")
    assert main(["serve", "--cast", str(tmp_path), "--port", "0"]) == 2
    assert "'twin' is also the id of" in capsys.readouterr().err


def test_missing_cast_folder_and_taken_port(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GAMEAI_API_KEY", KEY)
    assert main(["serve", "--cast", str(tmp_path / "nowhere"), "--port", "0"]) == 2
    assert "cast folder not found" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve", "--port", str(taken.getsockname()[1])]) == 2
    err = capsys.readouterr().err
    assert "cannot listen on 127.0.0.1:" in err and "Pick another --port" in err


def test_unreadable_memory_file_is_refused_and_left_untouched(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GAMEAI_API_KEY", KEY)
    db = tmp_path / "memory.sqlite"
    db.write_bytes(b"this is a save game, not a memory database" * 100)
    before = db.read_bytes()
    assert main(["serve", "--backend", "authored", "--memory", str(db), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "cannot open the memory database" in err and "Traceback" not in err
    assert db.read_bytes() == before
