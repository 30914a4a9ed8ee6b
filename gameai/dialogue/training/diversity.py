"""How varied is a training set? Distinct n-grams and near-duplicate rate of its NPC lines.

`python -m gameai.dialogue.training.diversity [FILE]` prints, for the NPC lines and the player
lines: distinct-1/2/3 (distinct n-grams over all n-grams), the share of lines that are exact
duplicates of another, and the share with a near duplicate (word-bigram Jaccard >= 0.8, the same
measure the benchmark-overlap test uses), computed for all pairs at once with a sparse product.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
from scipy import sparse

from gameai.dialogue.training.compose import _bigrams, norm
from gameai.dialogue.training.dataset import DEFAULT_TRAIN, load_exchanges


def distinct_n(lines: list[str], n: int) -> float:
    grams, total = set(), 0
    for line in lines:
        w = norm(line).split()
        g = list(zip(*[w[i:] for i in range(n)]))
        grams.update(g)
        total += len(g)
    return len(grams) / max(1, total)


def near_duplicate_rate(lines: list[str], threshold: float = 0.8) -> tuple[float, float]:
    """(exact duplicate share, near duplicate share) over the lines."""
    normed = [norm(x) for x in lines]
    counts: dict[str, int] = {}
    for x in normed:
        counts[x] = counts.get(x, 0) + 1
    exact = sum(1 for x in normed if counts[x] > 1) / len(lines)
    vocab: dict = {}
    rows, cols = [], []
    for i, x in enumerate(normed):
        for g in _bigrams(x):
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(lines), len(vocab)))
    m.data[:] = 1.0  # duplicates of a bigram in one line count once
    size = np.asarray(m.sum(axis=1)).ravel()
    inter = (m @ m.T).tocoo()
    keep = inter.row != inter.col
    r, c, v = inter.row[keep], inter.col[keep], inter.data[keep]
    jac = v / (size[r] + size[c] - v)
    near = np.zeros(len(lines), dtype=bool)
    near[r[jac >= threshold]] = True
    return exact, float(near.mean())


def report(path=DEFAULT_TRAIN) -> dict:
    ex = load_exchanges(path)
    out = {"exchanges": len(ex), "personas": len({(e.persona["name"], e.persona["role"]) for e in ex}),
           "speech_styles": len({e.persona["speech_style"] for e in ex}),
           "modes": {m: sum(e.mode == m for e in ex) for m in sorted({e.mode for e in ex})},
           "settings": {s: sum(e.setting == s for e in ex) for s in sorted({e.setting for e in ex})},
           "with_fact": sum(bool(e.facts) for e in ex), "with_recent_turns": sum(bool(e.recent) for e in ex)}
    for side in ("npc", "player"):
        lines = [getattr(e, side) for e in ex]
        exact, near = near_duplicate_rate(lines)
        out[side] = {"distinct_lines": len({norm(x) for x in lines}),
                     "distinct_1": round(distinct_n(lines, 1), 3), "distinct_2": round(distinct_n(lines, 2), 3),
                     "distinct_3": round(distinct_n(lines, 3), 3), "exact_duplicate_rate": round(exact, 3),
                     "near_duplicate_rate": round(near, 3)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=str(DEFAULT_TRAIN))
    print(json.dumps(report(ap.parse_args(argv).file), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
