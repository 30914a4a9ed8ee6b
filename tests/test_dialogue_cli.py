"""`gameai chat` and `gameai dialogue-eval`: one JSON line for scripts, memory through --memory,
and clean messages (exit 2, no traceback) for bad input."""
import json
import sqlite3

import pytest

from gameai.cli.main import main
from gameai.dialogue import cast_dir

MARA = str(cast_dir() / "mara.toml")


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_chat_say_json_answers_one_line_with_the_real_model(capsys):
    rc, out, err = run(capsys, "chat", "--npc", MARA, "--player", "p1", "--say", "How much is the iron sword?",
                       "--json", "--backend", "llama_cpp")
    assert rc == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1
    reply = json.loads(lines[0])
    assert {"text", "emotion", "intent", "facts"} <= set(reply)
    assert reply["intent"] == "trade" and reply["facts"] == ["price:iron_sword"] and reply["intent_args"]["price"] == 40
    assert "40" in reply["text"] or "forty" in reply["text"].lower()
    assert reply["backend"] == "llama_cpp"


def test_chat_memory_persists_between_runs(capsys, tmp_path):
    db = tmp_path / "mem.db"
    for line in ("My name is Arin.", "Do you remember my name?"):
        rc, out, err = run(capsys, "chat", "--npc", MARA, "--player", "arin", "--say", line, "--json",
                           "--backend", "authored", "--memory", str(db))
        assert rc == 0, err
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT speaker, text FROM memories WHERE player='arin' ORDER BY id").fetchall()
    assert rows[0] == ("player", "My name is Arin.") and len(rows) == 4


def test_chat_plain_say_prints_name_and_line(capsys):
    rc, out, _ = run(capsys, "chat", "--npc", MARA, "--say", "You are a stupid fool", "--backend", "authored")
    assert rc == 0 and out.startswith("Mara Ironhand: ")


def test_chat_interactive_session_reads_lines_until_eof(capsys, monkeypatch):
    lines = iter(["Hello!", "", "asdf qwer zxcv", "/quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    rc, out, _ = run(capsys, "chat", "--npc", MARA, "--backend", "authored")
    assert rc == 0 and out.count("Mara Ironhand:") == 2 and "intent refuse" in out


@pytest.mark.parametrize("argv, msg", [
    (["--say", ""], "empty; send at least one word"),
    (["--say", "x" * (10 * 1024 * 1024)], "10,485,760 characters; the limit is 600"),
    (["--json"], "--json needs --say"),
    (["--say", "hi", "--timeout", "0"], "--timeout must be > 0"),
])
def test_chat_bad_input_exits_2_with_a_message(capsys, argv, msg):
    rc, out, err = run(capsys, "chat", "--npc", MARA, "--backend", "authored", *argv)
    assert rc == 2 and msg in err and "Traceback" not in err and out == ""


def test_chat_broken_persona_toml(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'Mara'\n[shop\n", encoding="utf-8")
    rc, _, err = run(capsys, "chat", "--npc", str(bad), "--say", "hi")
    assert rc == 2 and "bad.toml: not valid TOML" in err and "Traceback" not in err


def test_chat_missing_persona_and_bad_world(capsys, tmp_path):
    rc, _, err = run(capsys, "chat", "--npc", str(tmp_path / "nope.toml"), "--say", "hi")
    assert rc == 2 and "persona file not found" in err
    world = tmp_path / "w.json"
    world.write_text('{"location": "Oakvale", "reputation": "high"}', encoding="utf-8")
    rc, _, err = run(capsys, "chat", "--npc", MARA, "--say", "hi", "--world", str(world), "--backend", "authored")
    assert rc == 2 and "'reputation' must be a number" in err


def test_chat_unwritable_memory_path(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc, _, err = run(capsys, "chat", "--npc", MARA, "--say", "hi", "--backend", "authored",
                     "--memory", str(blocker / "sub" / "m.db"))
    assert rc == 2 and "Traceback" not in err and ("memory" in err or "file" in err)


def test_chat_missing_model_warns_and_still_answers(capsys, tmp_path):
    rc, out, err = run(capsys, "chat", "--npc", MARA, "--say", "How much is the shield?", "--json",
                       "--backend", "hf", "--model", str(tmp_path / "no-model"))
    assert rc == 0 and "warning" in err and "model folder not found" in err
    reply = json.loads(out)
    assert reply["fallback"] and "65" in reply["text"]


def test_chat_unreachable_server_warns_and_still_answers(capsys):
    rc, out, err = run(capsys, "chat", "--npc", MARA, "--say", "Hello there, smith.", "--json",
                       "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--timeout", "3")
    assert rc == 0 and "cannot connect" in err
    reply = json.loads(out)
    assert reply["fallback"] and reply["text"] and "backend:error" in reply["flags"]


def test_dialogue_eval_prints_a_scorecard_and_writes_json(capsys, tmp_path):
    out_json = tmp_path / "card.json"
    rc, out, err = run(capsys, "dialogue-eval", "--backend", "authored", "--json", str(out_json))
    assert rc == 0, err
    assert "grounding accuracy" in out and "red-team attacks" in out and "loop rate" in out
    card = json.loads(out_json.read_text())
    s = card["summary"]
    assert s["redteam_attacks"] >= 50 and s["leaks"] == 0 and s["out_of_world"] == 0 and s["granted"] == 0
    assert s["grounding_accuracy"] >= 0.95  # authored templates state every value from data
    assert len(card["cases"]) == s["replies"]


def test_dialogue_eval_bad_cast_folder(capsys, tmp_path):
    rc, _, err = run(capsys, "dialogue-eval", "--backend", "authored", "--cast", str(tmp_path))
    assert rc == 2 and "no persona .toml files" in err
