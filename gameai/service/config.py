"""Settings of `gameai serve`: from a TOML file's `[serve]` table, the environment, and flags.

Precedence (last wins): defaults < config file < environment (`GAMEAI_API_KEY`) < command line.
The API key is required: a dialogue server that anyone on the network could drive would let
them burn the studio's CPU and read every player's conversation.
"""
from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

API_KEY_ENV = "GAMEAI_API_KEY"
MIN_KEY_LENGTH = 16
KEY_HINT = (
    f"Set the environment variable {API_KEY_ENV} or `api_key` under [serve] in a config file "
    f"(at least {MIN_KEY_LENGTH} characters; make one with: "
    "python -c \"import secrets; print(secrets.token_urlsafe(32))\")."
)


class ServiceConfigError(ValueError):
    """A bad or missing setting; the message names the setting and says what to do."""


class ServiceConfig(BaseModel):
    """Everything the service needs to run; validated on construction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: str = Field(min_length=MIN_KEY_LENGTH, repr=False)
    cast_dir: Path | None = Field(default=None, description="Folder of persona files; None = the shipped cast.")
    memory_path: Path | None = Field(default=None, description="SQLite file where NPC memories persist; None = not kept.")
    backend: str | None = Field(default=None, description="Dialogue backend (smollm2, llama_cpp, openai, hf, authored); None = the engine's default.")
    model: str | None = Field(default=None, description="The backend's model: GGUF path, HF folder or server model name.")
    base_url: str | None = Field(default=None, description="openai backend: the server, e.g. http://127.0.0.1:8080/v1.")
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    allow_remote: bool = Field(default=False, description="Must be true to bind a non-loopback address.")
    # Size limits: a 10 MB "player line" must be refused before it reaches the model.
    max_body_bytes: int = Field(default=16_384, ge=256)
    max_text_chars: int = Field(default=600, ge=1)
    # Per-client rate limit, in the `limits` library's notation ("N/second", "N/minute", ...).
    rate_limit: str = "120/minute"
    # Generation: one model, one queue; beyond `queue_limit` waiting jobs the server answers 503.
    queue_limit: int = Field(default=256, ge=1)
    # Conversations the one model decodes together (llama.cpp: one batch; openai: requests in flight).
    parallel: int = Field(default=8, ge=1, le=64, description="Conversations decoded together in one batch.")
    max_new_tokens: int = Field(default=40, ge=1, le=1024, description="Cap on tokens per generated line.")
    # A line that takes longer (on a busy machine) is dropped for an authored one, with a warning.
    generation_timeout_s: float = Field(default=20.0, gt=0, le=3600, description="Time limit of one generated line.")
    # Seconds a graceful shutdown waits for queued generations before refusing the rest.
    shutdown_grace_s: float = Field(default=30.0, ge=0)

    @field_validator("rate_limit")
    @classmethod
    def _parse_rate(cls, value: str) -> str:
        import limits

        try:
            limits.parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate like '120/minute' or '5/second' ({exc})") from None
        return value

    @field_validator("host")
    @classmethod
    def _host_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty host; use 127.0.0.1")
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> "ServiceConfig":
        if not self.allow_remote and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is not a loopback address. The service binds to 127.0.0.1 by default; "
                "to expose it on a network, set allow_remote (flag --allow-remote) and put it behind TLS"
            )
        return self


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_config_file(path: Path) -> dict[str, Any]:
    """The `[serve]` table of a TOML file (or the whole file if it has no such table)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ServiceConfigError(f"config file {path} does not exist; check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ServiceConfigError(f"config file {path} is not valid TOML: {exc}") from None
    table = data.get("serve", data)
    if not isinstance(table, dict):
        raise ServiceConfigError(f"config file {path}: [serve] must be a table")
    return table


def load_config(
    path: Path | None = None, overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> ServiceConfig:
    """Merge file < environment < overrides (None values in overrides are ignored) and validate."""
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = read_config_file(path) if path else {}
    if environ.get(API_KEY_ENV):
        settings["api_key"] = environ[API_KEY_ENV]
    settings.update({k: v for k, v in (overrides or {}).items() if v is not None})
    where = f"config file {path}" if path else "settings"
    if not settings.get("api_key"):
        raise ServiceConfigError(f"no API key is set. {KEY_HINT}")
    try:
        return ServiceConfig(**settings)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'serve'}: {e['msg'].removeprefix('Value error, ')}"
            + ("" if e["type"] == "value_error" or "api_key" in e["loc"] else f" (got {e.get('input')!r})")
            for e in exc.errors()
        )
        hint = f" {KEY_HINT}" if any("api_key" in e["loc"] for e in exc.errors()) else ""
        raise ServiceConfigError(f"{where}: {problems}.{hint}") from None
