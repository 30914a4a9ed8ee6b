"""People's verdicts on replies, in place of the fluency judge where they exist.

The fluency judge scores a reply by SmolLM2's own log-probabilities. On the engine's real replies
that tells well-formed from broken no better than a coin (benchmarks/fluency_judge_check.py --set
real: AUC 0.54 and 0.56 for its two figures on 695 dev replies labelled by a blind rater): the model
that made a line finds it likely, broken or not. So the only trustworthy "well-formed" figure is a
person's. `gameai dialogue-eval --suite conversation --ratings FILE` takes a JSONL file of rated
lines and uses the rating for every reply it covers, the judge for the rest, and says how many were
rated. A rated file is one JSON object per line:

    {"line": "Six copper, friend.", "well_formed": true}

A reply matches a rated line when they are equal after trimming white space and ignoring case.
`--rate-out FILE` writes a run's distinct replies that no rating covers in that form, with
`"well_formed": null` for the rater to fill in (and the player's line beside each, for context).
The engine is deterministic for a seed, so the same command with `--ratings` gives the same replies.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from gameai.dialogue.conversation_eval.fluency import FluencyScore
from gameai.dialogue.errors import DialogueError


class RatingsError(DialogueError):
    """A ratings file that cannot be read (the message names the file and the line)."""


def _key(line: str) -> str:
    return " ".join(line.split()).lower()


def load_ratings(path: str | Path) -> dict[str, bool]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RatingsError(f"{p}: cannot read the ratings file ({exc})") from None
    out: dict[str, bool] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RatingsError(f"{p}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("line"), str) or not row["line"].strip():
            raise RatingsError(f"{p}:{n}: each line needs a non-empty \"line\" string")
        if row.get("well_formed") is None and "well_formed" in row:
            raise RatingsError(f"{p}:{n}: not rated yet (\"well_formed\": null); set it to true or false")
        if not isinstance(row.get("well_formed"), bool):
            raise RatingsError(f"{p}:{n}: \"well_formed\" must be true or false")
        key = _key(row["line"])
        if out.get(key, row["well_formed"]) != row["well_formed"]:
            raise RatingsError(f"{p}:{n}: {row['line']!r} is rated both well-formed and broken")
        out[key] = row["well_formed"]
    if not out:
        raise RatingsError(f"{p}: no rated lines")
    return out


def write_unrated(turns, ratings: dict[str, bool] | None, path: str | Path) -> int:
    """Write the distinct replies of `turns` (TurnResults) that `ratings` does not cover, as a ratings
    file to fill in; returns how many. The file is written whole or not at all."""
    seen: set[str] = set(ratings or ())
    rows = []
    for t in turns:
        key = _key(t.text)
        if key and key not in seen:
            seen.add(key)
            rows.append({"line": t.text, "well_formed": None, "player": t.say})
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    try:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        tmp.replace(p)
    except OSError as exc:
        raise RatingsError(f"{p}: cannot write the replies to rate ({exc})") from None
    return len(rows)


@dataclass
class RatedFluency:
    """A fluency judge that answers from the ratings where it can, else from `judge`; with no judge
    an unrated reply gets no verdict (fluent None: left out of the fluency figures)."""
    ratings: dict[str, bool]
    judge: object | None = None
    rated: int = 0
    judged: int = 0
    unrated: list[str] = field(default_factory=list)

    def score(self, line: str) -> FluencyScore:
        verdict = self.ratings.get(_key(line))
        if verdict is not None:
            self.rated += 1
            return FluencyScore(float("nan"), float("nan"), verdict)
        self.unrated.append(line)
        if self.judge is None:
            return FluencyScore(float("nan"), float("nan"), None)
        self.judged += 1
        return self.judge.score(line)
