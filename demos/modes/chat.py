"""Talking to a villager: type a line, Enter sends it, Tab accepts an offer, Esc leaves."""
from __future__ import annotations

from demos.controls import KEY_BAR_CHAT
from demos.modes.base import Mode, Steer
from demos.terrain_renderer import TILE_PX

#: The camera sits this far below the player while talking, so the chat box does not hide them.
CHAT_CAMERA_DROP_PX = 120


class ChatMode(Mode):
    name = "chat"
    key_bar = KEY_BAR_CHAT

    def __init__(self, app):
        super().__init__(app)
        self._swallow: tuple[str, int] | None = None  # (text, frame): a TEXTINPUT made by the key that opened it

    def enter(self) -> None:
        import pygame

        self._swallow = ("e", self.app.frame)
        pygame.key.start_text_input()
        self.app.sounds.play("talk")

    def exit(self) -> None:
        import pygame

        pygame.key.stop_text_input()
        self.app.talk.talking_to = None

    def handle_event(self, event) -> None:
        import pygame

        talk = self.app.talk
        chat = talk.chats[talk.talking_to]
        if event.type == pygame.TEXTINPUT:
            if self._swallow == (event.text.lower(), self.app.frame):
                self._swallow = None  # the "e" of the key that opened this chat is not part of the line
                return
            chat.type_text(event.text)
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.app.switch("world")
            elif event.key == pygame.K_BACKSPACE:
                chat.backspace()
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                talk.send_line()
            elif event.key == pygame.K_TAB and talk.talking_to in talk.offers:
                talk.accept_offer(talk.talking_to)  # Tab, not Y: Tab types nothing, so "yes" stays typeable

    def update(self, dt: float, steer: Steer) -> None:
        app = self.app
        app.player.moving = False
        app.camera.follow(app.player.x * TILE_PX, app.player.y * TILE_PX + CHAT_CAMERA_DROP_PX, dt)
