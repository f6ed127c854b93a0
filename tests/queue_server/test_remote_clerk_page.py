"""The clerk page in Chromium: a place taken from the phone is listed «не прибыл» with the
phone masked, is not called, and joins the queue when the clerk presses «Прибыл»."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from queue_server.clock import FakeClock
from queue_server.db import Database
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import free_port, live_server
from tests.support.world import PASSWORD, World, build_world


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page the size of the clerk's monitor (script errors fail the test)."""
    with open_page(browser, viewport={"width": 1366, "height": 768}) as tab:
        yield tab


@pytest.fixture
def live(db: Database, clock: FakeClock) -> Iterator[tuple[str, World]]:
    """The queue server under uvicorn in a thread, on the test's SQLite file and fake clock."""
    world = build_world(db, clock)
    port = free_port()
    with live_server(world, port, public_url=f"http://127.0.0.1:{port}") as server:
        yield server.url, world


def test_the_clerk_sees_not_arrived_and_confirms_the_arrival(
    live: tuple[str, World], page: Any
) -> None:
    url, world = live
    policy = {"enabled": True, "services": ["passport"]}
    r = httpx.put(
        f"{url}/api/v1/offices/central/remote-policy",
        json=policy,
        headers=world.auth("manager"),
        timeout=REQUEST_SECONDS,
    )
    assert r.status_code == 200, r.text
    page.goto(f"{url}/clerk")
    page.fill("#username", "clerk1")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.click("#window-list button[data-window='1']")
    page.wait_for_selector("#work:not([hidden])")
    page.wait_for_selector("#expected-empty:not([hidden])")

    r = httpx.post(
        f"{url}/api/v1/public/offices/central/remote-tickets",
        json={"service": "passport", "phone": "+7 916 765-43-21", "consent": True},
        timeout=REQUEST_SECONDS,
    )
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    row = page.wait_for_selector(f"#expected li[data-number='{number}']")
    text = row.text_content()
    assert "не прибыл" in text and "+7 *** ***-43-21" in text and "765" not in text
    assert page.locator(f"#queues li[data-number='{number}']").count() == 0
    with page.expect_response("**/call-next") as called:
        page.keyboard.press("Alt+N")  # nobody in the queue: the place is not called
    assert called.value.status == 204
    assert page.text_content("#current").strip() == "—"

    page.locator(f"#expected li[data-number='{number}'] button.arrived").click()
    page.wait_for_selector(f"#queues li[data-number='{number}']")
    page.wait_for_selector("#expected-empty:not([hidden])")
    page.keyboard.press("Alt+N")
    page.wait_for_function(f"document.getElementById('current').textContent.startsWith('{number}')")
