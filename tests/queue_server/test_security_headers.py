"""Item 8 of issue 13: security headers on every page, and no token in the server's logs.

Every page route the app serves (found from the app itself, so a new page is covered the
day it is added) answers with CSP, no framing, nosniff and no referrer; the page
templates hold no inline script, handler or style that CSP would block; Chromium runs
the pages under that policy without a single violation. uvicorn's own access and
WebSocket log lines of a live server carry `token=***`, never the token.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from uvicorn.logging import AccessFormatter, DefaultFormatter
from websockets.sync.client import connect

from queue_server.app import create_app
from queue_server.security import mask_tokens
from tests.support.app import shared_app
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import free_port, live_server, make_settings
from tests.support.world import PASSWORD, World

ROOT = Path(__file__).resolve().parents[2]
PAGE_PREFIXES = ("/admin", "/clerk", "/board/", "/t/", "/c/", "/book/", "/b/")
# Values for the page routes' path parameters: the world's office and service, and codes
# that exist or not (a page for an unknown code is still a page, with the same headers).
PARAMETERS = {
    "code": "central",
    "office_code": "central",
    "service_code": "passport",
    "status_code": "NOSUCHCODE",
    "booking_code": "NOSUCHCODE",
}


def _page_paths(app: FastAPI) -> list[str]:
    """Every GET route of the app under a page prefix, as the app finally serves it."""
    paths: set[str] = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        found = contexts() if callable(contexts) else contexts
        for item in found if found is not None else [route]:
            inner = getattr(item, "route", item)
            path = getattr(item, "path", None) or getattr(inner, "path", "")
            if "GET" in (getattr(inner, "methods", None) or ()):
                paths.add(path)
    return sorted(p for p in paths if p.startswith(PAGE_PREFIXES))


def _filled(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMETERS[m.group(1)], path)


def _assert_page_headers(response: httpx.Response, where: str) -> None:
    headers = response.headers
    assert headers["content-type"].startswith("text/html"), where
    csp = headers.get("content-security-policy", "")
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
        assert directive in csp, f"{where}: {directive} missing from {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where


def test_every_page_route_sends_the_security_headers(api: TestClient, world: World) -> None:
    paths = _page_paths(shared_app())
    for prefix in PAGE_PREFIXES:  # the walk found each kind of page
        assert any(p.startswith(prefix) for p in paths), f"no page under {prefix}: {paths}"
    for path in paths:
        url = _filled(path)
        response = api.get(url, follow_redirects=False)
        if response.status_code in (301, 302, 303, 307, 308):
            response = api.get(url)
        assert response.status_code in (200, 404), f"{url}: {response.status_code}"
        _assert_page_headers(response, url)
    board = api.get(f"/board/central?token={world.tokens['board']}")
    _assert_page_headers(board, "/board with its token")


def test_json_and_assets_are_not_sniffed_and_the_docs_cannot_be_framed(api: TestClient) -> None:
    for url in ("/api/v1/offices", "/static/common/mfcq.js", "/healthz"):
        response = api.get(url)
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.headers["referrer-policy"] == "no-referrer", url
        assert "content-security-policy" not in response.headers, url
    docs = api.get("/docs")  # Swagger UI from its CDN: framing is all CSP forbids there
    assert docs.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert docs.headers["x-frame-options"] == "DENY"


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)


def _templates() -> list[Path]:
    packages = ("queue_server", "admin", "display_board", "kiosk")
    found = [p for pkg in packages for p in (ROOT / pkg).rglob("templates/*.html")]
    assert len(found) > 10
    return found


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_holds_what_the_policy_blocks(template: Path) -> None:
    html = template.read_text(encoding="utf-8")
    for attributes in SCRIPT_TAG.findall(html):
        # Either a file of our own, or data the page reads (never executed).
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert not HANDLER_ATTRIBUTE.search(html), "inline event handler"
    assert not STYLE_ATTRIBUTE.search(html), "inline style attribute"
    assert "<style" not in html.lower(), "inline <style> block"


# -- Chromium under the policy ----------------------------------------------------------

# Chromium reports every blocked script, style, image or connection on the console.
CSP_CONSOLE = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_the_pages_work_under_the_policy_in_chromium(sqlite_world: World, browser: Any) -> None:
    world = sqlite_world  # the pages are the same on both databases
    # Only selectors and events below: Playwright's wait_for_function would eval a string.
    with live_server(world) as server, open_page(browser, bypass_csp=False) as page:
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.add_init_script(WATCH_VIOLATIONS)
        ticket = httpx.post(
            f"{server.url}/api/v1/offices/central/tickets",
            json={"service": "passport"},
            headers=world.auth("kiosk"),
            timeout=REQUEST_SECONDS,
        ).json()
        violations: list[str] = []

        def visit(url: str, ready: str) -> None:
            page.goto(url)
            page.wait_for_selector(ready, state="attached")
            violations.extend(page.evaluate("window.__csp"))

        # The board: its script, its styles and the event WebSocket (connect-src 'self').
        visit(f"{server.url}/board/central?token={world.tokens['board']}", "#link.online")
        # The clerk page: log in and take a window (fetch, then the socket).
        visit(f"{server.url}/clerk", "#login-form")
        page.fill("#username", "clerk1")
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.click("#window-list button[data-window='1']")
        visit_done = f"#queues li[data-number='{ticket['number']}']"
        page.wait_for_selector(visit_done, state="attached")
        violations.extend(page.evaluate("window.__csp"))
        # The admin login, the ticket's status page (filled by its script), the booking page.
        visit(f"{server.url}/admin/login", "form")
        visit(ticket["status_url"], f"text={ticket['number']}")
        visit(f"{server.url}/book/central", "body")
        blocked = [line for line in console if CSP_CONSOLE.search(line)]
        assert not blocked and not violations, (blocked, violations)
        # The control: an inline script is refused, and the console says so.
        with page.expect_console_message(lambda m: bool(CSP_CONSOLE.search(m.text))):
            page.evaluate(
                "() => { const s = document.createElement('script');"
                " s.textContent = 'window.__ran = true'; document.body.append(s); }"
            )
        assert page.evaluate("window.__ran") is None


# -- no tokens in the logs ----------------------------------------------------------------


class CapturedLog:
    """uvicorn's access and WebSocket log lines, formatted as uvicorn's handlers would."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handlers: list[tuple[logging.Logger, logging.Handler]] = []

    def attach(self) -> None:
        """Listen on uvicorn's loggers (after uvicorn configured them: that drops handlers)."""
        access = '%(client_addr)s - "%(request_line)s" %(status_code)s'
        for name, formatter in (
            ("uvicorn.access", AccessFormatter(access)),
            ("uvicorn.error", DefaultFormatter("%(message)s")),
        ):
            handler = logging.StreamHandler(self.stream)
            handler.setFormatter(formatter)
            logging.getLogger(name).addHandler(handler)
            self.handlers.append((logging.getLogger(name), handler))

    def text(self) -> str:
        """Everything logged so far."""
        return self.stream.getvalue()

    def close(self) -> None:
        """Take the handlers off the loggers."""
        for logger, handler in self.handlers:
            logger.removeHandler(handler)


@pytest.fixture
def uvicorn_log() -> Iterator[CapturedLog]:
    captured = CapturedLog()
    yield captured
    captured.close()


def test_tokens_in_urls_never_reach_uvicorns_logs(
    sqlite_world: World, uvicorn_log: CapturedLog
) -> None:
    world = sqlite_world  # logging does not depend on the database
    port = free_port()
    app = create_app(make_settings(world), clock=world.clock, database=world.db)
    # Logging at info, as `mfc-queue serve` does: the access log is on.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info")
    uvicorn_log.attach()
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.02)  # waiting for the bind, not for a timer
        token = world.tokens["board"]
        base = f"127.0.0.1:{port}"
        assert (
            httpx.get(
                f"http://{base}/board/central?token={token}", timeout=REQUEST_SECONDS
            ).status_code
            == 200
        )
        with connect(f"ws://{base}/ws/offices/central/events?token={token}") as socket:
            socket.recv(timeout=10)
        httpx.get(
            f"http://{base}/board/central?lang=ru&access_token={token}&x=1", timeout=REQUEST_SECONDS
        )
    finally:
        server.should_exit = True
        thread.join(timeout=15)
    logged = uvicorn_log.text()
    assert "/board/central?token=***" in logged, logged
    assert "WebSocket /ws/offices/central/events?token=***" in logged, logged
    assert "access_token=***&x=1" in logged, logged
    assert token not in logged


def test_mask_tokens_keeps_the_rest_of_the_line() -> None:
    line = 'GET /board/c?lang=ru&token=dev_abc-DEF_123&x=1 "TOKEN=zz" token='
    assert mask_tokens(line) == 'GET /board/c?lang=ru&token=***&x=1 "TOKEN=***" token='
