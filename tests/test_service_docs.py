"""The service's own API pages work offline: a real headless Chromium, cut off from every host but
127.0.0.1, loads /docs (Swagger UI) and /redoc, and the rendered page lists every route of the
app, while the page makes no request beyond loopback (read from Chromium's own network log).

Chromium is a Debian package, installed by `make test` (the Makefile's `chromium` target) like
Xvfb; without it these tests are skipped and say why.
"""
from __future__ import annotations

import html
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from gameai.service.app import create_app
from gameai.service.config import load_config
from gameai.service.server import BackgroundServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; `make test` does it as root)")

KEY = "docs-key-0123456789abcdef"


def render(url: str, workdir: Path, budget_ms: int = 15000) -> tuple[str, list[tuple[str, str]]]:
    """The DOM of `url` after its scripts ran, and (url, initiator) of every request Chromium began.

    Every host name but 127.0.0.1 resolves to nothing, so a page that needs the internet fails
    here as it would on a studio network; the net log still records each attempt."""
    netlog = workdir / "netlog.json"
    args = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={workdir / 'profile'}", f"--log-net-log={netlog}",
        f"--virtual-time-budget={budget_ms}", "--dump-dom", url,
    ]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        dom, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the browser's own group: its renderer and helpers
        proc.communicate()
        raise AssertionError(f"chromium did not finish rendering {url} within 120 s") from None
    assert proc.returncode == 0, f"chromium failed on {url} (exit {proc.returncode}): {err[-2000:]}"
    return dom, requests_in(netlog)


def requests_in(netlog: Path) -> list[tuple[str, str]]:
    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    starts = [e.get("params") or {} for e in log["events"] if e["type"] == start_job]
    return [(p["url"], p.get("initiator", "")) for p in starts if "url" in p]


def page_requests(requests: list[tuple[str, str]], origin: str) -> list[str]:
    """The page's own requests. Chromium itself also calls home (updates, accounts, spelling
    dictionaries; its flags do not stop them all): those carry no page as initiator."""
    return [url for url, initiator in requests if initiator == origin]


def offsite(urls: list[str]) -> list[str]:
    return [u for u in urls if urlsplit(u).hostname != "127.0.0.1"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    config = load_config(overrides={"backend": "authored", "memory_path": tmp / "memory.sqlite"},
                         environ={"GAMEAI_API_KEY": KEY})
    with BackgroundServer(create_app(config), config) as srv:
        yield srv


def route_paths(app: FastAPI) -> list[str]:
    """Every API route of the app, as its OpenAPI spec lists them (the pages and their files are
    not API routes)."""
    paths = list(app.openapi()["paths"])
    assert {"/v1/health", "/v1/npcs", "/v1/npcs/{npc_id}/reply", "/v1/npcs/{npc_id}/memory/{player_id}",
            "/v1/players/{player_id}/memory"} <= set(paths)
    return paths


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_pages_render_every_route_without_internet(server, tmp_path, page):
    dom, requests = render(server.url + page, tmp_path)
    # Swagger UI breaks long paths with zero-width spaces or <wbr>: read the text without them.
    text = html.unescape(dom).replace("\u200b", "").replace("<wbr>", "")
    missing = [p for p in route_paths(server.app) if p not in text]
    assert missing == [], f"{page} rendered without these routes: {missing}"
    mine = page_requests(requests, server.url)
    assert offsite(mine) == [], f"{page} asked the internet for {offsite(mine)}"
    assert any("openapi.json" in u for u in mine)  # the page really fetched the spec from us
    script = "swagger-ui-bundle.js" if page == "/docs" else "redoc.standalone.js"
    assert any(u.startswith(server.url) and u.endswith(script) for u in mine)


def test_the_check_catches_a_page_that_needs_a_cdn(tmp_path):
    """FastAPI's default /docs (Swagger UI from a public CDN) fails the same check: blank, and
    the network log shows the page reaching for the CDN. This is what the service used to do."""
    plain = FastAPI(title="default docs")

    @plain.get("/v1/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    config = load_config(environ={"GAMEAI_API_KEY": KEY})
    with BackgroundServer(plain, config) as srv:
        dom, requests = render(srv.url + "/docs", tmp_path)
    assert "/v1/ping" not in dom
    assert any(urlsplit(u).hostname == "cdn.jsdelivr.net" for u in offsite(page_requests(requests, srv.url)))
