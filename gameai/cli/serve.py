"""`gameai serve`: the NPC dialogue engine over HTTP, for game clients in any engine.

    GAMEAI_API_KEY=... gameai serve --cast my_npcs/ --port 8765 --memory saves/npc_memory.sqlite

The API is documented at /docs (and /openapi.json) on the running server, and in docs/service.md.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from gameai.errors import GameAIError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the NPC dialogue engine over HTTP (FastAPI; API key required)",
        description="Serve NPC dialogue over HTTP: list/load NPCs, reply (JSON or streamed SSE), read/reset "
        "memory, health, OpenAPI at /openapi.json. The API key comes from GAMEAI_API_KEY or `api_key` in "
        "the [serve] table of --config. Binds to 127.0.0.1 unless --allow-remote.",
    )
    p.add_argument("--cast", type=Path, default=None, metavar="DIR",
                   help="folder of persona .toml files (default: the cast shipped with gameai)")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8765; 0 = any free port)")
    p.add_argument("--memory", type=Path, default=None, metavar="DB",
                   help="SQLite file where NPCs remember players across restarts (default: not kept)")
    p.add_argument("--config", type=Path, default=None, metavar="FILE",
                   help="TOML file with a [serve] table (api_key, rate_limit, max_body_bytes, ...)")
    p.add_argument("--backend", default=None,
                   help="dialogue backend: smollm2 (default, embedded), llama_cpp (faster), openai, hf, authored; "
                   "see docs/developer.md")
    p.add_argument("--model", default=None,
                   help="the backend's model: a .gguf path (llama_cpp), a folder (hf) or a server model name (openai)")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="openai backend: the OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    p.add_argument("--max-new-tokens", type=int, default=None, metavar="N",
                   help="cap on tokens per generated line (default 40)")
    p.add_argument("--parallel", type=int, default=None, metavar="N",
                   help="conversations the model decodes together, 1-64 (default 8; llama.cpp backends batch them, "
                   "openai keeps N requests in flight; transformers runs one at a time)")
    p.add_argument("--generation-timeout", type=float, default=None, metavar="S",
                   help="time limit of one generated line in seconds (default 20; then an authored line answers)")
    p.add_argument("--rate-limit", default=None, metavar="RATE",
                   help="per-client request rate, e.g. '120/minute' (default) or '5/second'")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow binding a non-loopback address (put TLS in front of it)")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gameai.dialogue.errors import DialogueError
    from gameai.service.config import ServiceConfigError, load_config

    overrides = {
        "cast_dir": args.cast,
        "host": args.host,
        "port": args.port,
        "memory_path": args.memory,
        "backend": args.backend,
        "model": args.model,
        "base_url": args.base_url,
        "rate_limit": args.rate_limit,
        "max_new_tokens": args.max_new_tokens,
        "parallel": args.parallel,
        "generation_timeout_s": args.generation_timeout,
        "allow_remote": args.allow_remote or None,
    }
    try:
        config = load_config(args.config, overrides)
    except ServiceConfigError as exc:
        raise GameAIError(str(exc)) from None

    from gameai.service.app import create_app
    from gameai.service.npcs import CastRegistry
    from gameai.service.server import bind_socket, serve_forever

    try:
        sock = bind_socket(config.host, config.port)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise GameAIError(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}. "
                          "Pick another --port (0 = any free port).") from None
    try:
        cast = CastRegistry.from_config(config)  # a broken persona file stops here, naming file and field
        cast.warm_up()  # load the model now: a missing model is reported here, not on a player's line
    except DialogueError as exc:
        sock.close()
        raise GameAIError(str(exc)) from None
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host  # an IPv6 address in a URL
    ids = cast.ids()
    print(
        f"gameai serve: {len(ids)} NPCs ({', '.join(ids[:8])}{', ...' if len(ids) > 8 else ''}) "
        f"on http://{host}:{port} - API docs at /docs; Ctrl+C stops (memory is flushed)",
        flush=True,
    )
    if not serve_forever(create_app(config, cast), config, sock, log_level=args.log_level):
        raise GameAIError("the server failed to start; the log above says why")
    kept = f"memory saved in {config.memory_path}" if config.memory_path else "memory was not kept (no --memory)"
    print(f"gameai serve: stopped; {kept}", flush=True)
    return 0
