"""The public booking page in Chromium against a real uvicorn server, then check-in.

Check-in goes through the server's kiosk API with the kiosk device's token (the kiosk
app is tested in tests/kiosk).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from queue_server.clock import FakeClock
from queue_server.db import Database
from tests.queue_server.bookings_helpers import at
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import free_port, live_server
from tests.support.world import World, build_world


@pytest.fixture
def live(db: Database, clock: FakeClock) -> Iterator[tuple[str, World]]:
    """The queue server under uvicorn in a thread, on the test's SQLite file and fake clock."""
    world = build_world(db, clock)
    port = free_port()
    with live_server(world, port, public_url=f"http://127.0.0.1:{port}") as server:
        yield server.url, world


def test_book_on_the_public_page_move_it_and_check_in(live: tuple[str, World], page: Any) -> None:
    url, world = live
    page.goto(f"{url}/book/central")
    page.select_option("#service", "passport")
    page.fill("#day", "2026-11-24")
    page.get_by_role("radio", name="10:15").click()
    page.fill("#name", "Петров Пётр")
    page.fill("#phone", "+7 916 765-43-21")
    page.fill("#email", "petrov@example.ru")
    page.click("#submit")
    page.wait_for_selector("#done:not([hidden])")
    code = page.inner_text("#code").replace("-", "")
    assert len(code) == 10
    assert page.inner_text("#summary") == "Паспорт, 24.11.2026 10:15"
    page.wait_for_function("document.getElementById('qr').naturalWidth > 0")

    # The same slot is gone for the next applicant; a slot taken meanwhile is refused clearly.
    page.goto(f"{url}/book/central")
    page.select_option("#service", "passport")
    page.fill("#day", "2026-11-24")
    page.get_by_role("radio", name="10:30").wait_for()
    assert page.get_by_role("radio", name="10:15").count() == 0
    page.get_by_role("radio", name="10:30").click()
    page.fill("#name", "Сидоров")
    page.fill("#phone", "+7 903 000-11-22")
    other = httpx.post(
        f"{url}/api/v1/public/offices/central/bookings",
        json={
            "service": "passport",
            "slot_start": at("2026-11-24", "10:30").isoformat(),
            "applicant_name": "Быстрее",
            "phone": "+7 903 999-88-77",
        },
        timeout=REQUEST_SECONDS,
    )
    assert other.status_code == 201
    page.click("#submit")
    page.wait_for_selector("#error:not([hidden])")
    assert "10:30" in page.inner_text("#error")

    # The booking's own page: move it to 11:00 of the same day.
    page.goto(f"{url}/b/{code}")
    page.wait_for_selector("text=Записан")
    assert "Петров Пётр" in page.inner_text("#details")
    assert "***-43-21" in page.inner_text("#details")
    page.get_by_role("radio", name="11:00").click()
    page.click("#move")
    page.wait_for_selector("text=24.11.2026 11:00")

    # Tuesday 10:40: check-in opens 30 minutes before the 11:00 slot.
    world.clock.set(at("2026-11-24", "10:40"))
    r = httpx.post(
        f"{url}/api/v1/offices/central/bookings/{code}/check-in",
        headers=world.auth("kiosk"),
        timeout=REQUEST_SECONDS,
    )
    assert r.status_code == 200, r.text
    assert r.json()["booked"] is True and r.json()["number"] == "А001"
    page.reload()
    page.wait_for_selector("text=Отмечен в терминале")
    assert page.locator("#actions").is_hidden()


def test_a_late_answer_for_the_default_day_never_replaces_the_chosen_days_slots(
    live: tuple[str, World], page: Any
) -> None:
    url, _world = live
    held: list[Any] = []

    def hold_today(route: Any) -> None:
        if "day=2026-11-23" in route.request.url:
            held.append(route)  # answered only when the test says so
        else:
            route.continue_()

    page.route("**/api/v1/public/offices/central/slots?*", hold_today)
    page.goto(f"{url}/book/central")
    page.wait_for_function("document.getElementById('service').options.length > 1")
    page.select_option("#service", "passport")
    page.fill("#day", "2026-11-24")
    page.get_by_role("radio", name="10:15").wait_for()
    assert held, "the default day's request was not made"
    with page.expect_response(lambda r: "day=2026-11-23" in r.url):
        for route in held:
            route.continue_()
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 100))")
    starts = page.eval_on_selector_all("#slots .slot", "els => els.map(e => e.dataset.start)")
    assert starts and all(s.startswith("2026-11-24") for s in starts), starts
