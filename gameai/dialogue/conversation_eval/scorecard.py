"""The conversation benchmark's scorecard: each metric with the lines that failed it."""
from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from gameai.dialogue.conversation_eval.judges import missing_values, near_repeat, route_ok, same_line

# Issue 12's targets on the test split (None: reported, no target).
TARGETS = {"value_stated_well_formed": 0.95, "broken_on_fact_questions": 0, "route_accuracy": 0.90,
           "fallback_rate": 0.10, "verbatim_repeats": 0, "memory_recall": 0.80, "foreign_address": 0,
           "meta_talk": 0}


@dataclass
class TurnResult:
    conversation: str
    persona: str
    turn: int
    say: str
    mode: str
    route: str
    target: str | None
    values: list[str]
    recall: list[str]
    text: str
    got_route: str
    got_target: str | None
    intent: str
    facts: list[str]
    fallback: bool
    flags: list[str]
    total_ms: float
    fluent: bool | None = None          # None: no fluency judge in this run
    fluency: tuple[float, float] | None = None
    own_address: bool = False
    foreign_address: list[str] = field(default_factory=list)
    meta: str | None = None
    repeat_of: int | None = None        # turn number of an earlier reply it repeats verbatim
    near_repeat_of: int | None = None   # ... or nearly (difflib ratio >= 0.9)

    @property
    def route_ok(self) -> bool:
        return route_ok(self.route, self.target, (self.got_route, self.got_target))

    @property
    def missing(self) -> list[str]:
        return missing_values(self.text, tuple(self.values))

    @property
    def missing_recall(self) -> list[str]:
        return missing_values(self.text, tuple(self.recall))


def mark_repeats(turns: list[TurnResult]) -> None:
    """Within one conversation: does a reply repeat an earlier reply (verbatim or nearly)?"""
    for i, t in enumerate(turns):
        for e in turns[:i]:
            if t.repeat_of is None and same_line(t.text, e.text):
                t.repeat_of = e.turn
            elif t.near_repeat_of is None and t.repeat_of is None and near_repeat(t.text, e.text):
                t.near_repeat_of = e.turn


def _rate(k: int, n: int) -> float:
    return k / n if n else float("nan")


@dataclass
class ConversationCard:
    split: str
    backend: str
    turns: list[TurnResult] = field(default_factory=list)
    fluency_checked: bool = False
    rated_lines: int | None = None  # replies whose fluency came from --ratings (None: no ratings given)

    def metrics(self) -> dict[str, tuple[list[TurnResult], list[TurnResult]]]:
        """metric -> (lines it is measured on, lines that failed it)."""
        T = self.turns
        facts = [t for t in T if t.values]
        recall = [t for t in T if t.recall]
        multi = [t for t in T if t.turn > 1]
        out = {
            "value_stated": (facts, [t for t in facts if t.missing]),
            "route_accuracy": (T, [t for t in T if not t.route_ok]),
            "fallback_rate": (T, [t for t in T if t.fallback]),
            "memory_recall": (recall, [t for t in recall if t.missing_recall]),
            "verbatim_repeats": (multi, [t for t in multi if t.repeat_of is not None]),
            "near_repeats": (multi, [t for t in multi if t.near_repeat_of is not None]),
            "own_address": (T, [t for t in T if not t.own_address]),
            "foreign_address": (T, [t for t in T if t.foreign_address]),
            "meta_talk": (T, [t for t in T if t.meta]),
        }
        if self.fluency_checked:
            # Lines with no verdict (unrated, no judge: see ratings.py) are left out of these.
            judged = [t for t in T if t.fluent is not None]
            jfacts = [t for t in facts if t.fluent is not None]
            out["value_stated_well_formed"] = (jfacts, [t for t in jfacts if t.missing or not t.fluent])
            out["broken_lines"] = (judged, [t for t in judged if not t.fluent])
            out["broken_on_fact_questions"] = (jfacts, [t for t in jfacts if not t.fluent])
            # Authored/templated lines were written by people: the judge flagging one is (mostly) its own
            # false alarm, so this is the judge's sanity check on every run.
            authored = [t for t in judged if t.fallback]
            out["broken_among_authored"] = (authored, [t for t in authored if not t.fluent])
        return out

    def summary(self) -> dict[str, Any]:
        s: dict[str, Any] = {"split": self.split, "backend": self.backend, "lines": len(self.turns),
                             "conversations": len({t.conversation for t in self.turns}),
                             "personas": len({t.persona for t in self.turns})}
        for name, (pool, bad) in self.metrics().items():
            if name in ("value_stated", "value_stated_well_formed", "route_accuracy", "memory_recall", "own_address"):
                s[name] = _rate(len(pool) - len(bad), len(pool))
            elif name in ("fallback_rate", "near_repeats", "broken_lines", "broken_among_authored"):
                s[name] = _rate(len(bad), len(pool))
            else:
                s[name] = len(bad)
            s[name + "_n"] = len(pool)
        routes: dict[str, list[int]] = {}
        for t in self.turns:
            r = routes.setdefault(t.route, [0, 0])
            r[0] += t.route_ok
            r[1] += 1
        s["route_accuracy_by_route"] = {k: _rate(a, n) for k, (a, n) in sorted(routes.items())}
        s["route_n_by_route"] = {k: n for k, (_, n) in sorted(routes.items())}
        if self.rated_lines is not None:
            s["rated_lines"] = self.rated_lines
        ms = [t.total_ms for t in self.turns]
        s["reply_ms_p50"] = statistics.median(ms) if ms else float("nan")
        return s

    def failures(self, metric: str, k: int = 5) -> list[TurnResult]:
        return self.metrics()[metric][1][:k]

    def targets_met(self) -> dict[str, bool]:
        s = self.summary()
        out = {}
        for name, target in TARGETS.items():
            if name not in s or s[name] != s[name]:
                continue
            lower_is_better = name in ("fallback_rate",) or isinstance(target, int)
            out[name] = s[name] <= target if lower_is_better else s[name] >= target
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "targets_met": self.targets_met(),
                "turns": [asdict(t) | {"route_ok": t.route_ok, "missing": t.missing,
                                        "missing_recall": t.missing_recall} for t in self.turns]}
