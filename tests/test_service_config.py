"""`gameai serve` settings: the API key is required, loopback by default, bad values named."""
from __future__ import annotations

import pytest

from gameai.cli.main import main
from gameai.service.config import API_KEY_ENV, ServiceConfigError, load_config

KEY = "k" * 24


def test_key_from_environment_and_defaults_are_safe():
    config = load_config(environ={API_KEY_ENV: KEY})
    assert config.api_key == KEY
    assert config.host == "127.0.0.1"
    assert KEY not in repr(config)  # the key never lands in a log line


def test_missing_key_is_refused_with_how_to_make_one():
    with pytest.raises(ServiceConfigError, match=r"no API key.*GAMEAI_API_KEY.*secrets.token_urlsafe"):
        load_config(environ={})


def test_short_key_is_refused():
    with pytest.raises(ServiceConfigError, match=r"api_key: String should have at least 16 characters"):
        load_config(environ={API_KEY_ENV: "hunter2"})


def test_precedence_file_then_environment_then_flags(tmp_path):
    path = tmp_path / "serve.toml"
    path.write_text(f'[serve]\napi_key = "{"f" * 20}"\nport = 9001\nrate_limit = "5/second"\n', encoding="utf-8")
    assert load_config(path, environ={}).api_key == "f" * 20
    config = load_config(path, {"port": 9002, "host": None}, environ={API_KEY_ENV: KEY})
    assert (config.api_key, config.port, config.rate_limit, config.host) == (KEY, 9002, "5/second", "127.0.0.1")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"host": "0.0.0.0"}, r"host '0.0.0.0' is not a loopback address.*--allow-remote"),
        ({"rate_limit": "lots"}, r"rate_limit: 'lots' is not a rate like '120/minute'"),
        ({"port": 70000}, r"port: Input should be less than or equal to 65535 \(got 70000\)"),
        ({"max_body_bytes": 10}, r"max_body_bytes: .*greater than or equal to 256"),
        ({"max_new_tokens": 0}, r"max_new_tokens: Input should be greater than or equal to 1 \(got 0\)"),
        ({"colour": "red"}, r"colour: Extra inputs are not permitted"),
    ],
)
def test_bad_settings_name_the_setting(overrides, message):
    with pytest.raises(ServiceConfigError, match=message):
        load_config(overrides=overrides, environ={API_KEY_ENV: KEY})


def test_remote_bind_needs_explicit_opt_in():
    config = load_config(overrides={"host": "0.0.0.0", "allow_remote": True}, environ={API_KEY_ENV: KEY})
    assert config.host == "0.0.0.0"


@pytest.mark.parametrize(
    "content, message",
    [("[serve\napi_key=1", r"is not valid TOML"), ("serve = 3\n", r"\[serve\] must be a table")],
)
def test_broken_config_file_is_named(tmp_path, content, message):
    path = tmp_path / "broken.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ServiceConfigError, match=message):
        load_config(path, environ={API_KEY_ENV: KEY})
    with pytest.raises(ServiceConfigError, match=r"does not exist"):
        load_config(tmp_path / "missing.toml", environ={API_KEY_ENV: KEY})


def test_cli_without_key_exits_cleanly(monkeypatch, capsys):
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "gameai serve: error: no API key is set" in err and "Traceback" not in err


def test_cli_refuses_public_bind_without_opt_in(monkeypatch, capsys):
    monkeypatch.setenv(API_KEY_ENV, KEY)
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "not a loopback address" in capsys.readouterr().err


def test_every_error_code_is_documented():
    from pathlib import Path

    from gameai.service.errors import ErrorCode

    page = (Path(__file__).resolve().parent.parent / "docs" / "service.md").read_text(encoding="utf-8")
    assert [c.value for c in ErrorCode if f"`{c.value}`" not in page] == []
