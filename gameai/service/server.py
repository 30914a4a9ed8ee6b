"""Running the app under uvicorn: in the foreground (`gameai serve`) or on a background thread.

We bind the listening socket ourselves and hand it to uvicorn: a taken port is then a clean
error before anything starts, and with port 0 the real port is known at once. The background
form (`BackgroundServer`) is a real uvicorn server on a real socket, used by the tests, the
benchmark and by Python games that want the service inside their own process.
"""
from __future__ import annotations

import signal
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

from gameai.service.config import ServiceConfig


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); OSError if the port is taken or the address not ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto is
    # IPPROTO_TCP, and accepted sockets inherit it. With proto 0, every response waits ~40 ms
    # for a delayed ACK between its header and body writes.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # clients that connect while the app starts wait in the backlog
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: FastAPI, config: ServiceConfig, log_level: str = "info") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=log_level,
        # On SIGINT/SIGTERM uvicorn stops accepting, then waits this long for in-flight
        # requests before the app's shutdown drains the queue and flushes memory.
        timeout_graceful_shutdown=int(config.shutdown_grace_s) or None,
        # No `Server: uvicorn` banner: nothing for a scanner to fingerprint.
        server_header=False,
    )


def serve_forever(app: FastAPI, config: ServiceConfig, sock: socket.socket, log_level: str = "info") -> bool:
    """Serve on `sock` until SIGINT/SIGTERM; returns False if the app failed to start.

    uvicorn shuts down gracefully on the signal, then raises it again with the handler that
    was installed before it started. Installing a no-op one makes a requested stop return
    normally (exit 0) instead of dying by the signal after the shutdown already completed.
    """
    server = uvicorn.Server(uvicorn_config(app, config, log_level=log_level))
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return server.started


class BackgroundServer:
    """`with BackgroundServer(app, config) as server:` -> uvicorn serving on `server.url`.

    Port 0 (the default here) lets the OS pick a free port. Leaving the block runs the same
    graceful shutdown as Ctrl+C: in-flight requests finish, memory is flushed.
    """

    def __init__(self, app: FastAPI, config: ServiceConfig, port: int = 0, start_timeout_s: float = 300.0) -> None:
        self.app = app
        self.server = uvicorn.Server(uvicorn_config(app, config, log_level="warning"))
        self.start_timeout_s = start_timeout_s
        self._sock = bind_socket(config.host, port)
        self.host = config.host
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._sock]}, name="gameai-uvicorn", daemon=True
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> "BackgroundServer":
        self._thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while not self.server.started:
            if not self._thread.is_alive():
                self._sock.close()
                raise RuntimeError("the server stopped during start-up; the log above says why")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start within {self.start_timeout_s:.0f} s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join()
        self._sock.close()

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
