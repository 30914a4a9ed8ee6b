"""People's verdicts on replies (`gameai dialogue-eval --suite conversation --ratings FILE`): they
replace the fluency judge on the replies they cover, a run says how many were rated, and a bad
ratings file is a clear error that names the file and the line."""
import json

import pytest

from gameai.cli.main import main
from gameai.dialogue.conversation_eval.ratings import RatedFluency, RatingsError, load_ratings


def write(path, *rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_ratings_match_replies_by_their_words_not_case_or_spacing(tmp_path):
    ratings = load_ratings(write(tmp_path / "r.jsonl", {"line": "Six copper, friend.", "well_formed": True},
                                 "", {"line": "but I 65 gold.", "well_formed": False}))
    judge = RatedFluency(ratings)
    assert judge.score("  six copper,   FRIEND. ").fluent is True
    assert judge.score("but I 65 gold.").fluent is False
    assert judge.rated == 2 and judge.judged == 0
    assert judge.score("Unheard of.").fluent is None and judge.unrated == ["Unheard of."]  # no judge: no verdict


@pytest.mark.parametrize("rows, msg", [
    (['{"line": "Aye."', ], r"r.jsonl:1: not JSON"),
    ([{"line": "Aye.", "well_formed": True}, {"well_formed": True}], r"r.jsonl:2: each line needs a non-empty \"line\""),
    ([{"line": "Aye.", "well_formed": "yes"}], r"r.jsonl:1: \"well_formed\" must be true or false"),
    ([{"line": "Aye.", "well_formed": True}, {"line": "aye.", "well_formed": False}], r"r.jsonl:2: .* both"),
    (["[1, 2]"], r"r.jsonl:1: each line needs"),
    ([{"line": "Aye.", "well_formed": None}], r"r.jsonl:1: not rated yet"),
    ([""], r"r.jsonl: no rated lines"),
])
def test_bad_ratings_files_are_clear_errors(tmp_path, rows, msg):
    with pytest.raises(RatingsError, match=msg):
        load_ratings(write(tmp_path / "r.jsonl", *rows))


def test_missing_or_binary_ratings_file(tmp_path):
    with pytest.raises(RatingsError, match="cannot read the ratings file"):
        load_ratings(tmp_path / "nope.jsonl")
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(RatingsError, match="cannot read the ratings file"):
        load_ratings(tmp_path / "bin.jsonl")


def test_cli_uses_the_ratings_for_the_broken_line_figures(capsys, tmp_path):
    """Rate the replies of one run, then the same command with --ratings scores fluency from them."""
    first = tmp_path / "first.json"
    argv = ["dialogue-eval", "--suite", "conversation", "--backend", "authored", "--lines", "10", "--no-fluency"]
    assert main([*argv, "--json", str(first)]) == 0
    turns = json.loads(first.read_text(encoding="utf-8"))["turns"]
    texts = sorted({t["text"] for t in turns})
    broken = set(texts[::3])  # a third of the distinct replies rated broken
    ratings = write(tmp_path / "r.jsonl", *({"line": t, "well_formed": t not in broken} for t in texts))
    capsys.readouterr()
    second = tmp_path / "second.json"
    assert main([*argv, "--ratings", str(ratings), "--json", str(second)]) == 0
    out = capsys.readouterr().out
    card = json.loads(second.read_text(encoding="utf-8"))
    s = card["summary"]
    assert s["rated_lines"] == s["lines"] == len(turns)  # the same replies again: every one rated
    assert s["broken_lines"] == pytest.approx(sum(t["text"] in broken for t in turns) / len(turns))
    assert all(t["fluent"] == (t["text"] not in broken) for t in card["turns"])
    assert "replies rated by people" in out


def test_cli_bad_ratings_file_is_a_clear_error(capsys, tmp_path):
    bad = write(tmp_path / "r.jsonl", '{"line": "Aye.", "well_formed": 1}')
    rc = main(["dialogue-eval", "--suite", "conversation", "--backend", "authored", "--lines", "4", "--no-fluency",
               "--ratings", str(bad)])
    err = capsys.readouterr().err
    assert rc == 2 and "r.jsonl:1" in err and "Traceback" not in err


def test_rate_out_writes_the_replies_to_rate_and_partial_ratings_leave_the_rest_out(capsys, tmp_path):
    """--rate-out gives the rater a file to fill in; with half of it rated and no judge, the fluency
    figures are over the rated replies only."""
    argv = ["dialogue-eval", "--suite", "conversation", "--backend", "authored", "--lines", "10", "--no-fluency"]
    todo = tmp_path / "todo.jsonl"
    assert main([*argv, "--rate-out", str(todo)]) == 0
    assert "replies to rate" in capsys.readouterr().err
    rows = [json.loads(x) for x in todo.read_text(encoding="utf-8").splitlines()]
    assert rows and all(r["well_formed"] is None and r["line"] and "player" in r for r in rows)
    assert len({r["line"] for r in rows}) == len(rows)  # each distinct reply once
    with pytest.raises(RatingsError, match="todo.jsonl:1: not rated yet"):
        load_ratings(todo)
    half = write(tmp_path / "half.jsonl", *({"line": r["line"], "well_formed": i % 2 == 0}
                                          for i, r in enumerate(rows[: len(rows) // 2 or 1])))
    rest = tmp_path / "rest.jsonl"
    out = tmp_path / "card.json"
    assert main([*argv, "--ratings", str(half), "--rate-out", str(rest), "--json", str(out)]) == 0
    s = json.loads(out.read_text(encoding="utf-8"))["summary"]
    unrated = [json.loads(x) for x in rest.read_text(encoding="utf-8").splitlines()]
    assert len(unrated) == len(rows) - len(rows[: len(rows) // 2 or 1])  # only what is still unrated
    assert s["rated_lines"] == s["broken_lines_n"] < s["lines"]  # unrated replies: no verdict, left out
