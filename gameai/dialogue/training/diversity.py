"""How varied is a training set? Distinct n-grams, near duplicates, stock openings and phrases,
and the share of NPC lines that are one template with different slot words.

`python -m gameai.dialogue.training.diversity [FILE] [--top K]` prints, for the NPC lines and the
player lines: distinct-1/2/3 (distinct n-grams over all n-grams), the share of lines that are exact
duplicates of another, and the share with a near duplicate (word-bigram Jaccard >= 0.8, the same
measure the benchmark-overlap test uses), computed for all pairs at once with a sparse product.
For the NPC lines also:
- openings: the most frequent first two words and the share of lines that start with each;
- stock phrases: the word 4-grams found in the most lines (a phrase counted once per line);
- template share: each line with the words it took from its own prompt (persona card, world,
  facts, the player's line; names, values, wares) replaced by `_` and numbers by `#`; a line whose
  skeleton is shared by at least `TEMPLATE_MIN` lines is a filled template. A model trained on a set
  with a high template share learns the frames and splices values into them.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter

import numpy as np
from scipy import sparse

from gameai.dialogue.training.compose import _bigrams, norm
from gameai.dialogue.training.dataset import DEFAULT_TRAIN, DatasetError, load_exchanges


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


# Function words never count as slot words, even when the prompt has them too.
_STOP = frozenset("""a an the of to in on at for from by with and or but is are was were be been it its it's
this that these those i i'm i'd i'll i've you you're your me my we our they them their he his she her
there here what how who where when which not no yes so if as do does did have has had will would can
could shall should may might must just only all some any more most very too up down out over off""".split())
_NUM = frozenset("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                 "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
                 "hundred".split())
TEMPLATE_MIN = 3


def _words(text: str) -> list[str]:
    return norm(text).split()


def openings(lines: list[str], k: int = 10, n_words: int = 2) -> list[tuple[str, float]]:
    """The k most frequent openings (first n_words words) and the share of lines with each."""
    c = Counter(" ".join(_words(x)[:n_words]) for x in lines)
    return [(o, n / len(lines)) for o, n in c.most_common(k)]


def stock_phrases(lines: list[str], k: int = 10, n: int = 4) -> list[tuple[str, float]]:
    """The k word n-grams found in the most lines, with the share of lines that hold each."""
    c: Counter = Counter()
    for x in lines:
        w = _words(x)
        c.update({" ".join(g) for g in zip(*[w[i:] for i in range(n)])})
    return [(p, m / len(lines)) for p, m in c.most_common(k)]


def skeleton(npc: str, context: str) -> str:
    """The NPC line with the words it took from its prompt replaced by `_` (runs merged) and numbers by `#`."""
    ctx = set(_words(context)) - _STOP
    out: list[str] = []
    for w in _words(npc):
        t = "#" if (w.isdigit() or w in _NUM) else "_" if w in ctx else w
        if not (t in ("_", "#") and out and out[-1] == t):
            out.append(t)
    return " ".join(out)


def exchange_context(e) -> str:
    p = e.persona
    rels = " ".join(f"{w} {r}" for w, r in p.get("relationships", ()))
    return " ".join([p["name"], p["role"], p.get("description", ""), rels, e.world["location"], e.world["time"],
                     *e.facts, e.player])


def template_share(exchanges) -> tuple[float, list[tuple[str, int]]]:
    """(share of NPC lines whose skeleton at least TEMPLATE_MIN lines share, the most shared skeletons)."""
    sk = [skeleton(e.npc, exchange_context(e)) for e in exchanges]
    c = Counter(sk)
    share = sum(1 for s in sk if c[s] >= TEMPLATE_MIN) / max(1, len(sk))
    return share, c.most_common(10)


STOCK_MIN = 5


def stock_sentences(exchanges) -> tuple[float, list[tuple[str, int]]]:
    """(share of NPC sentences whose skeleton at least STOCK_MIN sentences of the set share, the most
    repeated sentence skeletons). This is what a whole-line template share misses: a line glued from
    an opener, a frame and a remark is rare as a whole while each of its sentences is stock."""
    sk = [skeleton(sent, exchange_context(e)) for e in exchanges
          for sent in re.split(r"(?<=[.!?])\s+", e.npc.strip()) if sent]
    # a sentence of fewer than 3 words of its own ("Nine marks.", "No.") is content or a bare
    # word, not a frame: it counts in the total, never as stock
    sk = [s if len([w for w in s.split() if w not in ("_", "#")]) >= 3 else None for s in sk]
    c = Counter(s for s in sk if s)
    return sum(1 for s in sk if s and c[s] >= STOCK_MIN) / max(1, len(sk)), c.most_common(10)


def report(path=DEFAULT_TRAIN, top: int = 10) -> dict:
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
    npc = [e.npc for e in ex]
    share, common = template_share(ex)
    sshare, scommon = stock_sentences(ex)
    out["npc"] |= {"template_share": round(share, 3), "stock_sentence_share": round(sshare, 3),
                   "top_stock_sentences": [[s, n] for s, n in scommon[:top]],
                   "top_openings": [[o, round(f, 3)] for o, f in openings(npc, top)],
                   "top_phrases": [[p, round(f, 3)] for p, f in stock_phrases(npc, top)],
                   "top_skeletons": [[s, n] for s, n in common[:top]],
                   "mean_words": round(float(np.mean([len(_words(x)) for x in npc])), 1),
                   "words_p10_p90": [int(np.percentile([len(_words(x)) for x in npc], q)) for q in (10, 90)]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=str(DEFAULT_TRAIN))
    ap.add_argument("--top", type=int, default=10, help="how many openings, phrases and skeletons to list")
    a = ap.parse_args(argv)
    if a.top < 1:
        ap.error(f"--top {a.top}: expected 1 or more")
    try:
        print(json.dumps(report(a.file, a.top), indent=1))
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
