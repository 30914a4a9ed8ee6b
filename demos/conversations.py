"""The villagers' side of the demo: the NPC brain process, one chat box per villager, offers.

Replies stream from `LLMWorker` (another process) while the player does anything else, so this
lives beside the modes rather than in the chat mode: the chat mode only types into it and shows
it. The game's own rules (`game_rules`) judge every trade or quest the model proposes.
"""
from __future__ import annotations

import os

from demos import ui_theme as ui
from demos.chat_box import ChatBox, ChatLine
from demos.game_rules import Offer, accept, judge_intent
from demos.llm_worker import DONE, ERROR, FAILED, MEMORIES, READY, SQUAD, TEXT, LLMWorker

#: Characters of a remembered line shown above a new conversation.
MEMORY_PREVIEW_CHARS = 120


class Conversations:
    def __init__(self, app):
        self.app = app
        self.worker: LLMWorker | None = None
        self.chats: dict[str, ChatBox] = {}
        self.talking_to: str | None = None
        self.pending: dict[int, str] = {}  # request id -> npc id
        self.offers: dict[str, Offer] = {}
        self.recalled: set[str] = set()
        self.memories: dict[str, list[str]] = {}
        self.squad_pending: dict[int, object] = {}  # request id -> callback(text or None)

    def reset(self) -> None:
        """A new world: new villagers, no conversations, a fresh NPC process."""
        self.chats.clear()
        self.recalled = set()
        self.memories = {}
        self.offers.clear()
        self.pending.clear()
        self.squad_pending.clear()
        self.talking_to = None
        self.restart_worker()

    def restart_worker(self) -> None:
        app = self.app
        self.close()
        self.worker = None
        if not app.opt.llm:
            return
        from demos.llm_worker import WorkerSpec

        spec = WorkerSpec(personas=app.world.personas, memory_path=str(app.paths.memory),
                          backend=app.settings.backend, threads=int(os.environ.get("GAMEAI_THREADS", "1")))
        self.worker = LLMWorker(spec).start()

    def close(self) -> None:
        """Stop the NPC process (the worker object stays, with what it reported: backend, failures)."""
        if self.worker is not None:
            self.worker.close()

    @property
    def busy(self) -> bool:
        """An NPC is still answering: the model is generating, or its words are still appearing."""
        return bool(self.pending) or any(c.busy for c in self.chats.values())

    def open(self, npc) -> ChatBox:
        self.talking_to = npc.npc_id
        if npc.npc_id not in self.chats:
            self.chats[npc.npc_id] = ChatBox(npc.name, f"{npc.role} of {npc.settlement}")
        chat = self.chats[npc.npc_id]
        if self.worker is None:
            chat.notice = "(NPC voices are off in this run: started with --no-llm)"
        elif self.worker.failed:
            chat.notice = f"(NPC voices are unavailable: {self.worker.failed})"
        elif npc.npc_id not in self.recalled:
            self.recalled.add(npc.npc_id)
            self.worker.ask_memories(npc.npc_id)
        return chat

    def send_line(self) -> None:
        app = self.app
        chat = self.chats[self.talking_to]
        if self.worker is None or self.worker.failed:
            return
        line = chat.take_input()
        if line is None:
            return
        self.offers.pop(self.talking_to, None)
        npc = app.world.villager(self.talking_to)
        rid = self.worker.ask(npc.npc_id, line, app.world.world_facts(npc, app.player_state, app.clock_text()))
        self.pending[rid] = npc.npc_id

    def accept_offer(self, npc_id: str) -> None:
        app = self.app
        offer = self.offers.pop(npc_id)
        message = accept(offer, app.player_state, app.world.shops.get(npc_id, {}))
        ok = message.startswith(("Bought", "Quest accepted"))
        app.sounds.play("coin" if ok else "deny")
        chat = self.chats[npc_id]
        chat.offer, chat.notice = None, message
        app.hud.toast(message, app.now, color=ui.GOOD if ok else ui.BAD)
        app.save_game()  # a purchase is never lost to a crash

    def squad_line(self, facts: dict, on_line) -> bool:
        """Ask the NPC engine for the squad's line about a judged order; ``on_line(text)`` gets it, or
        ``on_line(None)`` if the engine fails. False (and no call) when the engine is not up and ready."""
        if self.worker is None or self.worker.failed or not self.worker.ready:
            return False
        self.squad_pending[self.worker.ask_squad(facts)] = on_line
        return True

    def drop_squad_lines(self) -> None:
        for on_line in self.squad_pending.values():
            on_line(None)
        self.squad_pending.clear()

    def poll(self) -> None:
        if self.worker is None:
            return
        app = self.app
        for kind, rid, payload in self.worker.poll():
            if kind == READY:
                app.log(f"NPC brain ready: {payload}")
            elif kind == MEMORIES:
                npc_id, mems = payload["npc_id"], payload["memories"]
                self.memories[npc_id] = mems
                if mems and npc_id in self.chats:
                    npc = app.world.villager(npc_id)
                    app.log(f"{npc.name} remembers {len(mems)} thing(s) about you")
                    # Shown above this visit's lines: what they recall from before.
                    self.chats[npc_id].lines.insert(0, ChatLine(
                        "", f"({npc.name} remembers you: {mems[-1][:MEMORY_PREVIEW_CHARS]})", ui.MUTED))
            elif rid in self.squad_pending:
                if kind == ERROR:
                    app.log(f"squad line failed: {payload}")
                self.squad_pending.pop(rid)(payload if kind == SQUAD else None)
            elif kind == FAILED:
                app.log(f"NPC brain unavailable: {payload}")
                self.drop_squad_lines()
                for rid_, npc_id in list(self.pending.items()):
                    self.chats[npc_id].fail_reply(f"({payload})")
                    del self.pending[rid_]
            elif rid in self.pending:
                npc_id = self.pending[rid]
                chat = self.chats[npc_id]
                if kind == TEXT:
                    chat.add_stream_text(payload)
                elif kind == DONE:
                    del self.pending[rid]
                    chat.finish_reply(payload.get("text"))
                    how = payload.get("backend", "?") + (", authored fallback" if payload.get("fallback") else "")
                    app.log(f"{chat.npc_name} ({how}): {payload.get('text')}")
                    self._judge(npc_id, payload)
                elif kind == ERROR:
                    del self.pending[rid]
                    chat.fail_reply(f"({payload})")
                    app.log(f"NPC reply failed: {payload}")

    def _judge(self, npc_id: str, reply: dict) -> None:
        app = self.app
        ruling = judge_intent(reply.get("intent", "small_talk"), reply.get("intent_args", {}), npc_id,
                              app.world.shops.get(npc_id, {}), app.world.quests.get(npc_id, {}), app.player_state)
        chat = self.chats[npc_id]
        chat.offer, chat.notice = (ruling.offer.label if ruling.offer else None), ruling.notice
        if ruling.offer:
            self.offers[npc_id] = ruling.offer

    def draw(self, screen, now: float, in_chat: bool) -> None:
        """The open conversation; a reply still arriving stays on screen after the player walks off."""
        if self.talking_to and (in_chat or self.chats[self.talking_to].busy):
            self.chats[self.talking_to].draw(screen, now)
