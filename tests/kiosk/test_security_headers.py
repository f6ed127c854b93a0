"""The kiosk's pages carry the server's security headers (issue 13, item 8)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kiosk import security as kiosk_security
from kiosk.app import create_kiosk_app
from kiosk.config import KioskConfig
from queue_server import security as server_security
from tests.support.servers import free_port


def test_the_kiosk_headers_are_the_servers() -> None:
    assert kiosk_security.PAGE_HEADERS == server_security.PAGE_HEADERS
    assert kiosk_security.ALL_HEADERS == server_security.ALL_HEADERS


def test_the_kiosk_pages_send_the_security_headers() -> None:
    # No server behind it: the kiosk shows its "no connection" page, a page all the same.
    config = KioskConfig(
        server_url=f"http://127.0.0.1:{free_port()}",
        token="dev_none",
        printer_url="sim://nobody",
        request_timeout=1.0,
        printer_timeout=0.5,
    )
    with TestClient(create_kiosk_app(config)) as kiosk:
        page = kiosk.get("/")
        assert page.headers["content-type"].startswith("text/html")
        for name, value in {**server_security.PAGE_HEADERS, **server_security.ALL_HEADERS}.items():
            assert page.headers.get(name) == value, name
        script = kiosk.get("/static/kiosk.js")
        assert script.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in script.headers
