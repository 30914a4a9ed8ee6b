"""A small phrase grammar for the training lines: one written frame, many natural sentences.

    <a|b|c>   one of the alternatives (each may hold further groups)
    [x]       x or nothing; how often x is kept is the speaker's (a terse voice drops more)
    {slot}    filled afterwards with str.format (names, values, wares)

Why: the first training sets filled a few fixed frames and glued stock openers and remarks onto
them; a model tuned on them learned the stock phrases and spliced them where they made no sense.
A frame here is one sentence a person might say, written with its own variations (word choice,
clause order, where the value sits, how long it runs), so the same content comes in many words
and no phrase is glued on from outside. Written by hand: a parser this small is shorter than the
configuration of a grammar library, and it must be deterministic under numpy's Generator.
"""
from __future__ import annotations

import re
from functools import lru_cache

Node = "str | tuple"


class GrammarError(ValueError):
    """A frame with an unbalanced < > or [ ] (the message quotes the frame)."""


@lru_cache(maxsize=None)
def parse(frame: str) -> tuple:
    """frame -> a tuple of nodes: str, ("alt", (seq, ...)) or ("opt", seq)."""
    pos = 0

    def seq(stop: str) -> tuple:
        nonlocal pos
        out: list = []
        buf = ""
        while pos < len(frame):
            c = frame[pos]
            if c in stop:
                break
            pos += 1
            if c == "<":
                if buf:
                    out.append(buf)
                    buf = ""
                alts = [seq("|>")]
                while pos < len(frame) and frame[pos] == "|":
                    pos += 1
                    alts.append(seq("|>"))
                if pos >= len(frame) or frame[pos] != ">":
                    raise GrammarError(f"unclosed '<' in frame {frame!r}")
                pos += 1
                out.append(("alt", tuple(alts)))
            elif c == "[":
                if buf:
                    out.append(buf)
                    buf = ""
                inner = seq("]")
                if pos >= len(frame) or frame[pos] != "]":
                    raise GrammarError(f"unclosed '[' in frame {frame!r}")
                pos += 1
                out.append(("opt", inner))
            elif c in ">]|":
                raise GrammarError(f"stray {c!r} in frame {frame!r}")
            else:
                buf += c
        if buf:
            out.append(buf)
        return tuple(out)

    nodes = seq("")
    if pos != len(frame):
        raise GrammarError(f"stray {frame[pos]!r} in frame {frame!r}")
    return nodes


def _render(rng, nodes: tuple, keep: float, parts: list[str]) -> None:
    for n in nodes:
        if isinstance(n, str):
            parts.append(n)
        elif n[0] == "alt":
            _render(rng, n[1][int(rng.integers(len(n[1])))], keep, parts)
        elif rng.random() < keep:
            _render(rng, n[1], keep, parts)


_SPACES = re.compile(r"\s+")
_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_DOUBLE_COMMA = re.compile(r",\s*([,.;:!?])")
_SENT_START = re.compile(r"(^|[.!?]\s+)([a-z])")


def tidy(text: str) -> str:
    """Spaces and commas left by dropped parts; every sentence starts with a capital."""
    text = _SPACES.sub(" ", text).strip()
    text = _BEFORE_PUNCT.sub(r"\1", text)
    text = _DOUBLE_COMMA.sub(r"\1", text)
    text = text.lstrip(",;: ")
    return _SENT_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def expand(rng, frame: str, keep: float = 0.5) -> str:
    """One sentence of the frame (slots still in braces); `keep` is the chance of each [optional] part."""
    parts: list[str] = []
    _render(rng, parse(frame), keep, parts)
    return "".join(parts)


def realise(rng, frames: list[str] | str, slots: dict, keep: float = 0.5) -> str:
    """Pick a frame, expand it, fill its slots, tidy it."""
    frame = frames if isinstance(frames, str) else frames[int(rng.integers(len(frames)))]
    return tidy(expand(rng, frame, keep).format(**slots))


def variants(frame: str) -> int:
    """How many different strings the frame can give (before its slots are filled)."""
    def count(nodes: tuple) -> int:
        total = 1
        for n in nodes:
            if isinstance(n, str):
                continue
            if n[0] == "alt":
                total *= sum(count(s) for s in n[1])
            else:
                total *= count(n[1]) + 1
        return total
    return count(parse(frame))
