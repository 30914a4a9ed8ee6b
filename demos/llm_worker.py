"""The NPC brain runs in its own process, so a frame never waits for the model.

The main loop sends (npc id, player line) and polls for events once per frame without
blocking: streamed text pieces as the model produces them, then the final reply with the
engine's proposed intent. A separate process (not a thread) because generation holds
Python's GIL for much of each token with some backends, and on a 2-core machine the
render loop must keep its own core.

The worker owns the DialogueEngine and its SQLite memory; it is built from plain data
(personas and world facts made from the map), so nothing unpicklable crosses the boundary.
"""
from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import queue
import traceback
from dataclasses import dataclass
from typing import Any

# Event kinds sent back to the game.
READY, FAILED, TEXT, DONE, ERROR, MEMORIES = "ready", "failed", "text", "done", "error", "memories"
SQUAD = "squad"  # the squad's spoken line about a judged order (teaching mode)


@dataclass
class WorkerSpec:
    """Everything the worker needs to build the dialogue engine (picklable plain data)."""

    personas: list[dict[str, Any]]
    memory_path: str
    backend: str = "auto"
    threads: int = 1
    player_id: str = "player"


def _worker_main(spec: WorkerSpec, requests, events) -> None:
    os.environ.setdefault("GAMEAI_THREADS", str(spec.threads))
    try:  # when the CPU is contended, the frame loop goes first; the NPC can take a little longer
        os.nice(5)
    except (AttributeError, OSError):
        pass
    try:
        from demos.dialogue_bridge import DialogueBridge

        bridge = DialogueBridge(spec)
    except Exception as exc:  # report, never hang the game waiting for a brain that won't come
        events.put((FAILED, None, f"{type(exc).__name__}: {exc}"))
        return
    events.put((READY, None, bridge.describe()))
    while True:
        msg = requests.get()
        if msg[0] == "stop":
            break
        if msg[0] == "memories":
            _, rid, npc_id = msg
            try:
                events.put((MEMORIES, rid, {"npc_id": npc_id, "memories": bridge.memories(npc_id)}))
            except Exception as exc:
                events.put((ERROR, rid, f"{type(exc).__name__}: {exc}"))
            continue
        if msg[0] == "squad":
            _, rid, facts = msg
            try:
                events.put((SQUAD, rid, bridge.squad_line(facts)))
            except Exception as exc:
                events.put((ERROR, rid, f"{type(exc).__name__}: {exc}"))
            continue
        _, rid, npc_id, text, world = msg
        try:
            for piece in bridge.stream(npc_id, text, world):
                events.put((TEXT, rid, piece))
            events.put((DONE, rid, bridge.last_reply(npc_id)))
        except Exception as exc:
            events.put((ERROR, rid, f"{type(exc).__name__}: {exc}"))
            if os.environ.get("GAMEAI_DEBUG"):
                traceback.print_exc()
    bridge.close()
    events.put(("stopped", None, None))


class LLMWorker:
    """Game-side handle: `ask()` returns at once; `poll()` returns whatever arrived since."""

    def __init__(self, spec: WorkerSpec):
        ctx = mp.get_context("spawn")  # a clean interpreter: no pygame/SDL state is forked
        self._requests = ctx.Queue()
        self._events = ctx.Queue()
        self._proc = ctx.Process(target=_worker_main, args=(spec, self._requests, self._events),
                                 name="gameai-npc-brain", daemon=True)
        self._ids = itertools.count(1)
        self.ready = False
        self.failed: str | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> "LLMWorker":
        self._proc.start()
        return self

    def ask(self, npc_id: str, text: str, world: dict[str, Any] | None = None) -> int:
        rid = next(self._ids)
        self._requests.put(("talk", rid, npc_id, text, world))
        return rid

    def ask_memories(self, npc_id: str) -> int:
        """What this NPC remembers of the player (from earlier runs too); answered as a MEMORIES event."""
        rid = next(self._ids)
        self._requests.put(("memories", rid, npc_id))
        return rid

    def ask_squad(self, facts: dict[str, Any]) -> int:
        """The squad's line about a judged order (``Judgement.facts()``); answered as a SQUAD event."""
        rid = next(self._ids)
        self._requests.put(("squad", rid, facts))
        return rid

    def poll(self, limit: int = 256) -> list[tuple[str, int | None, Any]]:
        """Non-blocking: drain up to `limit` events (bounded so one frame never does unbounded work)."""
        out = []
        for _ in range(limit):
            try:
                kind, rid, payload = self._events.get_nowait()
            except queue.Empty:
                break
            if kind == READY:
                self.ready, self.info = True, payload
            elif kind == FAILED:
                self.failed = payload
            out.append((kind, rid, payload))
        if not out and self.failed is None and not self._proc.is_alive() and self._proc.exitcode not in (None, 0):
            self.failed = f"the NPC process stopped unexpectedly (exit code {self._proc.exitcode})"
            out.append((FAILED, None, self.failed))
        return out

    def close(self, timeout: float = 5.0) -> None:
        """Ask the worker to finish (it closes its memory cleanly); kill it only if it hangs."""
        if self._proc.is_alive():
            self._requests.put(("stop",))
            self._proc.join(timeout)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(1.0)
        for q in (self._requests, self._events):  # release the queues' pipes and feeder threads
            q.close()
            q.cancel_join_thread()
