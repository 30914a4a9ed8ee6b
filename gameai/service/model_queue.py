"""One shared model behind a queue.

`workers` threads run turns, in arrival order (a `ThreadPoolExecutor` is that queue). With one
worker, turns run one at a time. A backend that decodes several conversations together (the
llama.cpp backends with `parallel` > 1, see gameai/dialogue/backends/llama_batch.py) gets one
worker per slot, so that up to `parallel` turns are in the model's batch at once and the rest
wait here. The event loop only awaits the result, so while a slow generation runs, health,
listing and memory reads are still answered at once.

Every job reports how long it waited in the queue apart from how long it generated: the two
numbers tell an operator whether to buy a faster model (generation) or more replicas (queue).
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from gameai.service.errors import ErrorCode, ServiceError

T = TypeVar("T")
_DONE = object()  # end-of-stream marker passed from the worker to the event loop


def _stopped() -> ServiceError:
    return ServiceError(
        503, ErrorCode.SHUTTING_DOWN, "The server is shutting down; retry against a running server.",
        headers={"Retry-After": "5"},
    )


@dataclass(frozen=True)
class JobTiming:
    queued_s: float  # from submission until the worker picked the job up
    generate_s: float  # time the worker spent on the job


class ModelQueue:
    def __init__(self, limit: int, workers: int = 1) -> None:
        self.limit = limit
        self.workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gameai-model")
        self._lock = threading.Lock()
        self._waiting = 0  # submitted, not yet started
        self._running = 0
        self._completed = 0
        self._accepting = True

    def set_workers(self, workers: int) -> None:
        """Resize before serving (once the backend says how many conversations it decodes at once).
        Jobs already submitted finish on the old pool."""
        if workers == self.workers:
            return
        old, self._executor = self._executor, ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gameai-model")
        self.workers = workers
        old.shutdown(wait=True)

    # --- bookkeeping, readable from any thread -------------------------------------------
    def stats(self) -> dict[str, int | bool]:
        with self._lock:
            return {
                "waiting": self._waiting,
                "running": self._running,
                "completed": self._completed,
                "limit": self.limit,
                "workers": self.workers,
                "accepting": self._accepting,
            }

    def _admit(self) -> float:
        with self._lock:
            if not self._accepting:
                raise _stopped()
            if self._waiting >= self.limit:
                raise ServiceError(
                    503, ErrorCode.MODEL_BUSY,
                    f"The model queue is full ({self.limit} requests waiting); retry in a moment.",
                    headers={"Retry-After": "2"},
                )
            self._waiting += 1
        return time.perf_counter()

    def _timed(self, submitted: float, fn: Callable[[], T]) -> tuple[T, JobTiming]:
        started = time.perf_counter()
        with self._lock:
            self._waiting -= 1
            self._running += 1
        try:
            result = fn()
        finally:
            with self._lock:
                self._running -= 1
                self._completed += 1
        return result, JobTiming(queued_s=started - submitted, generate_s=time.perf_counter() - started)

    # --- submitting work ------------------------------------------------------------------
    def submit(self, fn: Callable[[], T]) -> Future[tuple[T, JobTiming]]:
        """Queue `fn()` for the model thread from any thread; 503 ServiceError if full or stopping."""
        return self._executor.submit(self._timed, self._admit(), fn)

    async def run(self, fn: Callable[[], T]) -> tuple[T, JobTiming]:
        """Run `fn()` on the model thread; returns its result and timing."""
        future = self.submit(fn)
        # shield: a client hanging up must not cancel a generation whose exchange is being
        # written to memory; the job finishes and the player finds it in memory later.
        try:
            return await asyncio.shield(asyncio.wrap_future(future))
        except asyncio.CancelledError:
            if future.cancelled():  # dropped by close() before it started: say so, in JSON
                raise _stopped() from None
            raise

    def stream(
        self, make_chunks: Callable[[], Iterator[Any]], on_start: Callable[[float], None] | None = None
    ) -> AsyncIterator[Any]:
        """Queue the iterator `make_chunks()` for the model thread; iterate the result to get its items.

        Admission happens now (so a full queue is a 503 before any stream is opened); the
        items arrive as the worker produces them. `on_start(queued_s)` is called when the
        worker picks the job up. If the consumer stops early (the client disconnected), the
        worker stops generating at the next chunk, or skips the job if it had not started.
        """
        loop = asyncio.get_running_loop()
        items: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()
        submitted = self._admit()

        def job() -> None:
            if on_start is not None:
                loop.call_soon_threadsafe(on_start, time.perf_counter() - submitted)
            if stop.is_set():  # the client left while the job was queued: skip the generation
                return
            chunks = make_chunks()
            try:
                for chunk in chunks:
                    if stop.is_set():
                        break
                    loop.call_soon_threadsafe(items.put_nowait, chunk)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()

        future = self._executor.submit(self._timed, submitted, job)
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(items.put_nowait, _DONE))

        async def consume() -> AsyncIterator[Any]:
            try:
                while (item := await items.get()) is not _DONE:
                    yield item
                if future.cancelled():
                    raise _stopped()
                future.result()  # re-raise a failure of the generation in the consumer
            finally:
                stop.set()

        return consume()

    # --- shutdown -------------------------------------------------------------------------
    def close(self, grace_s: float) -> int:
        """Stop taking work, let queued jobs finish for up to `grace_s`, cancel the rest.

        Returns how many queued jobs were cancelled (their clients get an error, so no
        exchange is half-recorded: a job either ran completely or never started).
        """
        with self._lock:
            self._accepting = False
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            with self._lock:
                if self._waiting == 0 and self._running == 0:
                    break
            time.sleep(0.05)
        with self._lock:
            cancelled = self._waiting
        # cancel_futures drops jobs that have not started; the running one always completes.
        self._executor.shutdown(wait=True, cancel_futures=True)
        return cancelled
