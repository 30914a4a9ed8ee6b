"""The chat box: type a line to an NPC, watch the reply arrive word by word.

The box only shows and collects text; it never talks to the model itself. The app hands it
streamed text as the LLM worker produces it, and the box reveals whole words only, so a
half-generated word never flickers on screen.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from demos import ui_theme as ui

MAX_INPUT_CHARS = 280
WORDS_PER_SECOND = 14.0  # reveal pace: brisk reading speed, so bursts of tokens still read as speech


@dataclass
class ChatLine:
    speaker: str
    text: str
    color: tuple[int, int, int] = ui.TEXT


@dataclass
class ChatBox:
    npc_name: str
    npc_title: str
    lines: list[ChatLine] = field(default_factory=list)
    input_text: str = ""
    streaming: bool = False
    _partial: str = ""
    _final: str | None = None
    _shown_words: float = 0.0
    offer: str | None = None  # e.g. "[Tab] buy iron sword for 40 gold", set by the game's rules
    notice: str | None = None

    # -- input -----------------------------------------------------------------------------
    def type_text(self, text: str) -> None:
        room = MAX_INPUT_CHARS - len(self.input_text)
        if room > 0:
            self.input_text += "".join(ch for ch in text if ch.isprintable())[:room]

    def backspace(self) -> None:
        self.input_text = self.input_text[:-1]

    def take_input(self) -> str | None:
        """The line to send, or None when there is nothing to send or the NPC is still talking."""
        line = self.input_text.strip()
        if not line or self.busy:
            return None
        self.input_text = ""
        self.lines.append(ChatLine("You", line, ui.PLAYER_TEXT))
        self.streaming, self._partial = True, ""
        self._final, self._shown_words = None, 0.0
        self.offer = self.notice = None
        return line

    # -- reply stream ----------------------------------------------------------------------
    def add_stream_text(self, piece: str) -> None:
        self._partial += piece

    def finish_reply(self, full_text: str | None = None) -> None:
        """The model is done; the rest of the line keeps appearing word by word, then joins the history."""
        self._final = (full_text if full_text is not None else self._partial).strip() or "..."
        self._partial = self._final
        self.streaming = False

    def fail_reply(self, message: str) -> None:
        self.streaming, self._partial, self._final = False, "", None
        self._shown_words = 0.0
        self.lines.append(ChatLine("", message, ui.BAD))

    @property
    def busy(self) -> bool:
        """True from sending a line until the whole reply is on screen."""
        return self.streaming or self._final is not None

    def update(self, dt: float) -> None:
        """Reveal words at reading pace, never ahead of what the model has produced."""
        if not self.busy:
            return
        available = len(self._complete_words())
        self._shown_words = min(float(available), self._shown_words + WORDS_PER_SECOND * dt)
        if self._final is not None and self._shown_words >= available:
            self.lines.append(ChatLine(self.npc_name, self._final, ui.ACCENT))
            self._final, self._partial, self._shown_words = None, "", 0.0

    def _complete_words(self) -> list[str]:
        text = self._partial
        if self._final is None:  # still streaming: the last word may be cut mid-way
            cut = max(text.rfind(" "), text.rfind("\n"))
            text = text[:cut] if cut >= 0 else ""
        return text.split()

    @property
    def visible_partial(self) -> str:
        """The reply as shown right now: whole words only, at most as many as revealed so far."""
        return " ".join(self._complete_words()[:int(self._shown_words)])

    @property
    def last_reply(self) -> str | None:
        for line in reversed(self.lines):
            if line.speaker == self.npc_name:
                return line.text
        return None

    # -- drawing ---------------------------------------------------------------------------
    def draw(self, screen, now: float) -> None:
        import pygame

        w, h = screen.get_size()
        box = pygame.Rect(40, h - 300, w - 80, 280)
        ui.panel(screen, box)
        ui.text(screen, f"{self.npc_name}, {self.npc_title}", (box.x + 16, box.y + 10), size=28, color=ui.ACCENT, bold=True)
        ui.text(screen, "Enter: send   Esc: leave   Tab: accept offer", (box.right - 400, box.y + 14), size=20, color=ui.MUTED)

        size, line_h, text_w = 22, 22, box.width - 40
        rendered: list[tuple[str, tuple[int, int, int]]] = []
        entries = [(l.speaker, l.text, l.color) for l in self.lines[-12:]]
        if self.busy:
            partial = self.visible_partial
            if partial:
                entries.append((self.npc_name, partial, ui.ACCENT))
            else:
                dots = "." * (1 + int(now * 3) % 3)
                entries.append((self.npc_name, f"({self.npc_name} is thinking{dots})", ui.MUTED))
        for speaker, body, color in entries:
            prefix = f"{speaker}: " if speaker else ""
            for i, part in enumerate(ui.wrap(prefix + body, text_w, size)):
                rendered.append((part, color))
        if self.offer:
            rendered.append((self.offer, ui.GOOD))
        if self.notice:
            rendered.append((self.notice, ui.MUTED))
        room = (box.height - 100) // line_h
        y = box.y + 46
        for part, color in rendered[-room:]:
            ui.text(screen, part, (box.x + 20, y), size=size, color=color)
            y += line_h

        field_rect = pygame.Rect(box.x + 14, box.bottom - 42, box.width - 28, 30)
        pygame.draw.rect(screen, (8, 10, 14), field_rect, border_radius=4)
        pygame.draw.rect(screen, ui.PANEL_EDGE, field_rect, width=1, border_radius=4)
        caret = "|" if int(now * 2) % 2 == 0 else " "
        shown = self.input_text
        f = ui.font(size)
        while shown and f.size("> " + shown)[0] > field_rect.width - 24:
            shown = shown[1:]  # keep the end of a long line visible
        hint = "" if shown or self.busy else "  type to talk..."
        ui.text(screen, f"> {shown}{caret}{hint}", (field_rect.x + 8, field_rect.y + 6), size=size,
                color=ui.MUTED if hint else ui.TEXT, shadow=False)
