"""The clerk page reads times in the office's zone, whatever the zone of the clerk's
machine: Chromium runs in New York (UTC−5) against a Moscow office (UTC+3). The page also
has its level-one heading (axe-core finds no critical or serious violation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from queue_server.cases.models import Case
from queue_server.clock import FakeClock
from queue_server.db import Database
from tests.queue_server.case_world import install_passport
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import free_port, live_server
from tests.support.world import PASSWORD, World, build_world

VIEWER_ZONE = "America/New_York"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """The clerk's monitor in a browser whose own zone is far west of the office's."""
    with open_page(
        browser, viewport={"width": 1366, "height": 768}, timezone_id=VIEWER_ZONE
    ) as tab:
        yield tab


@pytest.fixture
def live(db: Database, clock: FakeClock) -> Iterator[tuple[str, World]]:
    """The queue server under uvicorn, on the test's SQLite file and fake clock."""
    world = build_world(db, clock)
    install_passport(world)
    with live_server(world, free_port()) as server:
        yield server.url, world


def _kiosk_ticket(url: str, world: World) -> dict[str, Any]:
    r = httpx.post(
        f"{url}/api/v1/offices/central/tickets",
        json={"service": "passport"},
        headers=world.auth("kiosk"),
        timeout=REQUEST_SECONDS,
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _serious(page: Any) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("critical", "serious")]


def test_the_clerk_reads_office_times_in_a_browser_of_another_zone(
    live: tuple[str, World], page: Any
) -> None:
    url, world = live
    # The world's clock: Monday 23.11.2026, 07:00 UTC = 10:00 in Moscow = 02:00 in New York.
    ticket = _kiosk_ticket(url, world)
    httpx.post(
        f"{url}/api/v1/offices/central/windows/1/take",
        headers=world.auth("clerk1"),
        timeout=REQUEST_SECONDS,
    ).raise_for_status()
    called = httpx.post(
        f"{url}/api/v1/offices/central/windows/1/call-next",
        headers=world.auth("clerk1"),
        timeout=REQUEST_SECONDS,
    )
    assert called.status_code == 200, called.text
    world.clock.advance(minutes=5)
    moved = httpx.post(
        f"{url}/api/v1/tickets/{ticket['id']}/transfer",
        json={"window": 2},
        headers=world.auth("clerk1"),
        timeout=REQUEST_SECONDS,
    )
    assert moved.status_code == 200, moved.text

    page.goto(f"{url}/clerk")
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == VIEWER_ZONE
    page.fill("#username", "clerk3")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#windows:not([hidden])")
    assert page.locator("h1").count() == 1
    assert page.inner_text("h1") == "МФЦ · рабочее место"
    page.click("#window-list button[data-window='2']")
    page.wait_for_selector("#work:not([hidden])")
    page.wait_for_function("!document.querySelector(\"[data-action='call']\").disabled")
    page.keyboard.press("Alt+N")
    page.wait_for_function(
        f"document.getElementById('current').textContent.startsWith({ticket['number']!r})"
    )
    page.wait_for_selector("#ticket-info .came")
    came = page.inner_text("#ticket-info .came")
    # Transferred at 10:05 Moscow time (02:05 in the viewer's New York, 07:05 UTC).
    assert came.endswith("в 10:05"), came
    assert _serious(page) == []

    # The intake's due date is a calendar date: New York must not show the day before.
    page.keyboard.press("Alt+S")
    page.wait_for_selector("#intake:not([hidden]) #checklist tbody tr")
    page.select_option("#variant", "replace")
    page.fill("#applicant-name", "Смирнова Ольга Петровна")
    page.fill("#applicant-doc-number", "45 11 222333")
    rows = page.locator("#checklist tbody tr")
    for i in range(rows.count()):
        if rows.nth(i).locator(".got").is_enabled():
            rows.nth(i).locator(".got").check()
    page.check("#consent")
    page.click("#register")
    page.wait_for_selector("#intake-result:not([hidden])")
    number = page.inner_text("#reg-number")
    with world.db.transaction(read_only=True) as s:
        due = s.scalar(select(Case.due_date).where(Case.registration_number == number))
    assert due is not None
    assert page.inner_text("#reg-due") == due.strftime("%d.%m.%Y")
