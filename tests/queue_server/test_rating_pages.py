"""The rating pages in Chromium (R8): the screen at a window, the ticket page's form, the
managers' ratings page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from queue_server.auth.service import add_device
from queue_server.offices.models import Office
from queue_server.ratings.models import Rating
from queue_server.tickets.models import Ticket
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer, live_server
from tests.support.world import PASSWORD, World

C = "/api/v1/offices/central"


@pytest.fixture
def server(sqlite_world: World) -> Iterator[LiveServer]:
    """The queue server under uvicorn on the world's SQLite file and fake clock."""
    with live_server(sqlite_world) as live:
        yield live


def serve(url: str, world: World, window: int = 1) -> Ticket:
    """Issue a passport ticket and serve it at the window to the end."""
    with httpx.Client(base_url=url, timeout=30) as http:
        issued = http.post(
            f"{C}/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
        )
        assert issued.status_code == 201, issued.text
        auth = world.auth("clerk1")
        http.post(f"{C}/windows/{window}/take", headers=auth)
        ticket_id = http.post(f"{C}/windows/{window}/call-next", headers=auth).json()["id"]
        assert http.post(f"/api/v1/tickets/{ticket_id}/start", headers=auth).is_success
        world.clock.advance(minutes=5)
        assert http.post(f"/api/v1/tickets/{ticket_id}/finish", headers=auth).is_success
    with world.db.transaction(read_only=True) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        session.expunge(ticket)
        return ticket


def ratings(world: World) -> list[Rating]:
    with world.db.transaction(read_only=True) as session:
        found = list(session.scalars(select(Rating)))
        session.expunge_all()
        return found


def choose(page: Any, marks: dict[str, int]) -> None:
    for criterion, mark in marks.items():
        page.check(f"fieldset[data-criterion={criterion}] input[value='{mark}']")


def test_r8_the_rating_screen_at_the_window_takes_the_marks_of_the_ticket_just_served(
    server: LiveServer, sqlite_world: World, page: Any
) -> None:
    """R8: the window's tablet shows the form when a service ends there, then thanks."""
    from playwright.sync_api import expect

    world = sqlite_world
    with world.db.transaction() as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        _device, token = add_device(
            session=session, clock=world.clock, office=office, kind="rating", name="tablet-1"
        )
    page.goto(f"{server.url}/rate/central/1#token={token}")
    expect(page.locator("#message")).to_have_text("Сейчас нет обслуживания, ожидающего оценки.")
    expect(page.locator("#marks")).to_be_hidden()
    ticket = serve(server.url, world)
    expect(page.locator("#marks")).to_be_visible(timeout=10_000)
    expect(page.locator("#message")).to_contain_text(f"Талон {ticket.number}.")
    expect(page.locator("fieldset legend").first).to_have_text("Время ожидания в очереди")
    choose(page, {"waiting": 5, "courtesy": 5, "service_time": 2})
    page.click("#send")
    expect(page.locator("#message")).to_have_text("Спасибо! Ваша оценка принята.")
    expect(page.locator("#marks")).to_be_hidden()
    (rating,) = ratings(world)
    assert rating.ticket_id == ticket.id and rating.source == "screen"
    assert (rating.waiting, rating.comfort, rating.service_time) == (5, None, 2)
    assert rating.low is True


def test_r8_the_ticket_page_offers_the_form_once_the_ticket_is_finished(
    server: LiveServer, sqlite_world: World, page: Any
) -> None:
    """R8: the QR page of a finished ticket takes one rating; the page then says it is rated."""
    from playwright.sync_api import expect

    world = sqlite_world
    ticket = serve(server.url, world)
    page.goto(f"{server.url}/t/{ticket.status_code}")
    expect(page.locator("#status")).to_have_text("Обслужен")
    expect(page.locator("#rating-form")).to_be_visible()
    expect(page.locator("#rating-message")).to_have_text(
        "Пожалуйста, оцените качество обслуживания."
    )
    page.click("#send")  # nothing chosen: the server's Russian message, nothing written
    expect(page.locator("#rating-error")).to_have_text("Поставьте хотя бы одну оценку от 1 до 5.")
    assert ratings(world) == []
    choose(page, {"courtesy": 4, "comfort": 5})
    page.click("#send")
    expect(page.locator("#rating-message")).to_have_text("Спасибо! Ваша оценка принята.")
    expect(page.locator("#rating-form")).to_be_hidden()
    (rating,) = ratings(world)
    assert (rating.courtesy, rating.comfort, rating.source) == (4, 5, "page")
    page.reload()
    expect(page.locator("#rating-message")).to_have_text(
        "Этот визит уже оценён. Спасибо за вашу оценку!"
    )
    expect(page.locator("#rating-form")).to_be_hidden()


def test_r8_a_waiting_ticket_page_shows_no_rating_form(
    server: LiveServer, sqlite_world: World, page: Any
) -> None:
    """R8: before the end of service there is nothing to rate."""
    from playwright.sync_api import expect

    world = sqlite_world
    issued = httpx.post(
        f"{server.url}{C}/tickets",
        json={"service": "passport"},
        headers=world.auth("kiosk"),
        timeout=REQUEST_SECONDS,
    ).json()
    page.goto(issued["status_url"].replace("http://testserver", server.url))
    expect(page.locator("#status")).to_have_text("Ожидает вызова")
    expect(page.locator("#rating")).to_be_hidden()


def test_r8_the_ratings_page_shows_averages_low_marks_and_exports(
    server: LiveServer, sqlite_world: World, page: Any
) -> None:
    """R8: a manager sees the averages per clerk, the low marks with their tickets, a CSV."""
    from playwright.sync_api import expect

    world = sqlite_world
    ticket = serve(server.url, world)
    r = httpx.post(
        f"{server.url}/api/v1/tickets/status/{ticket.status_code}/rating",
        json={"waiting": 1, "courtesy": 2},
        timeout=REQUEST_SECONDS,
    )
    assert r.status_code == 201, r.text
    today = world.clock.now().date().isoformat()
    page.goto(f"{server.url}/admin/ratings")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{server.url}/admin/ratings")
    page.fill("input[name=from]", today)
    page.fill("input[name=to]", today)
    page.select_option("select[name=by]", "clerk")
    page.click("#period button[type=submit]")
    expect(page.locator("#groups-table tbody tr")).to_have_count(1)
    expect(page.locator("#groups-table tbody td").first).to_have_text("Clerk1")
    expect(page.locator("#low-table tbody td").first).to_have_text(ticket.number)
    with page.expect_download() as download:
        page.click("#links a[data-format=csv]")
    assert download.value.suggested_filename == "ratings.csv"
    expect(page.locator("#error")).to_be_empty()
