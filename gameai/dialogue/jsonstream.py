"""Pull the spoken line out of a streamed {"line": "...", "emotion": "..."} object as it arrives."""
from __future__ import annotations

import json
import re

from gameai.dialogue.reply import EMOTIONS


class LineExtractor:
    """feed() raw JSON pieces, get back new characters of the line; finish() gives (line, emotion)."""

    def __init__(self) -> None:
        self.raw = ""
        self.line = ""
        self._emitted = 0

    def feed(self, piece: str) -> str:
        self.raw += piece
        m = re.search(r'"line"\s*:\s*"', self.raw)
        if not m:
            return ""
        body = self.raw[m.end():]
        end = re.search(r'(?<!\\)"', body)
        chunk = body[:end.start()] if end else body.rstrip("\\")
        try:
            self.line = json.loads('"' + chunk + '"')
        except ValueError:  # an escape cut in half: wait for the next piece
            return ""
        new = self.line[self._emitted:]
        self._emitted = len(self.line)
        return new

    def emotion(self) -> str | None:
        m = re.search(r'"emotion"\s*:\s*"(\w+)"', self.raw)
        return m.group(1) if m and m.group(1) in EMOTIONS else None
