"""The clerk page on a 1366×768 monitor in Chromium, against a real uvicorn server on the
world's fake clock: what the current ticket shows, the calls beyond "next" (a chosen call
with its reason, postpone and the automatic return, transfer to a window), actions
disabled until a window is taken, the "Не явился" confirmation; and the board following
the new moves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from queue_server.catalogue.models import PriorityCategory
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.scheduler import Scheduler
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import free_port, live_server
from tests.support.world import PASSWORD, World, build_world

WIDTH, HEIGHT = 1366, 768


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page the size of the clerk's monitor (script errors fail the test)."""
    with open_page(browser, viewport={"width": WIDTH, "height": HEIGHT}) as tab:
        yield tab


@pytest.fixture
def live(db: Database, clock: FakeClock) -> Iterator[tuple[str, World]]:
    """The queue server under uvicorn in a thread, on the test's SQLite file and fake clock."""
    world = build_world(db, clock)
    port = free_port()
    with live_server(world, port) as server:
        yield server.url, world


def kiosk_ticket(url: str, world: World, service: str = "passport", **extra: Any) -> dict[str, Any]:
    r = httpx.post(
        f"{url}/api/v1/offices/central/tickets",
        json={"service": service, **extra},
        headers=world.auth("kiosk"),
        timeout=REQUEST_SECONDS,
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def log_in(page: Any, url: str, user: str = "clerk1") -> None:
    page.goto(f"{url}/clerk")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#windows:not([hidden]), #work:not([hidden])")


def take_window(page: Any, number: int) -> None:
    """Take the window and wait until the page has read it (call next is enabled)."""
    page.click(f"#window-list button[data-window='{number}']")
    page.wait_for_selector("#work:not([hidden])")
    page.wait_for_function("!document.querySelector(\"[data-action='call']\").disabled")


def call_next(page: Any) -> None:
    """Alt+N once the page has enabled call-next: after an action it reads the window
    again first, and a shortcut whose button is disabled does nothing (a loaded machine
    made that read late enough for an Alt+N to be dropped)."""
    page.wait_for_function("!document.querySelector(\"[data-action='call']\").disabled")
    page.keyboard.press("Alt+N")


def current_is(page: Any, text: str) -> None:
    page.wait_for_function(f"document.getElementById('current').textContent.startsWith({text!r})")


def enabled(page: Any, action: str) -> bool:
    return bool(page.is_enabled(f"#current-panel [data-action='{action}']"))


def test_actions_wait_for_a_window_and_the_chooser_names_services(
    live: tuple[str, World], page: Any
) -> None:
    url, world = live
    log_in(page, url)
    # Before a window is taken the work area (and every action in it) is not shown at all.
    assert page.is_hidden("#work")
    assert page.is_hidden("#current-panel [data-action='call']")
    chooser = page.inner_text("#window-list button[data-window='1']")
    assert "Паспорт" in chooser and "Консультация" in chooser and "passport" not in chooser
    take_window(page, 1)
    # With no ticket at the window, only what can apply is enabled.
    assert enabled(page, "call") and enabled(page, "release")
    for action in ("recall", "start", "finish", "noshow", "postpone", "transfer", "redirect"):
        assert not enabled(page, action), action
    # Alt+S with nothing to start does nothing and says nothing.
    page.keyboard.press("Alt+S")
    assert page.inner_text("#action-error") == ""
    kiosk_ticket(url, world)
    call_next(page)
    page.wait_for_function("!document.querySelector(\"[data-action='start']\").disabled")
    assert not enabled(page, "call") and not enabled(page, "finish")
    page.keyboard.press("Alt+S")
    page.wait_for_selector("#intake:not([hidden])")
    assert enabled(page, "finish") and not enabled(page, "start")
    # The representative's fields show only while "Через представителя" is ticked.
    assert page.is_hidden("label.rep")
    page.check("#has-representative")
    assert page.is_visible("#rep-name")
    page.uncheck("#has-representative")
    assert page.is_hidden("#rep-name")


def test_a_priority_ticket_shows_its_category_and_the_document_to_check(
    live: tuple[str, World], page: Any
) -> None:
    url, world = live
    with world.db.transaction() as s:
        category = s.scalar(select(PriorityCategory).where(PriorityCategory.code == "disabled"))
        assert category is not None
        category.proof_ru = "Справка МСЭ об инвалидности"
    late = kiosk_ticket(url, world)
    world.clock.advance(minutes=16)  # the first one waits past the limit already
    ticket = kiosk_ticket(url, world, priority_category="disabled")
    log_in(page, url)
    take_window(page, 1)
    call_next(page)  # the priority category goes first
    current_is(page, ticket["number"])
    page.wait_for_selector("#ticket-info .priority")
    assert page.inner_text("#ticket-info .priority") == "Льготная категория: Инвалиды"
    proof = page.inner_text("#ticket-info .proof")
    assert proof == "Проверьте документ: Справка МСЭ об инвалидности"
    assert "0:00 при лимите 15 мин" in page.inner_text("#ticket-info .wait")
    # The current ticket and its timer are the largest things on the screen, and in view.
    number = page.locator("#current").bounding_box()
    timer = page.locator("#timer").bounding_box()
    assert number["y"] + number["height"] < HEIGHT and timer["y"] + timer["height"] < HEIGHT
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.getElementById('current')).fontSize)"
    )
    assert size >= 36
    assert page.locator("#current-panel [data-action='noshow']").bounding_box()["y"] < HEIGHT
    # The late one: its wait shown against the limit, in red.
    page.click("#current-panel [data-action='start']")
    page.click("#current-panel [data-action='finish']")
    current_is(page, "—")
    call_next(page)
    current_is(page, late["number"])
    page.wait_for_selector("#ticket-info .wait.over")
    assert "16:00 при лимите 15 мин — лимит превышен" in page.inner_text("#ticket-info .wait")


def test_call_a_chosen_ticket_with_a_reason(live: tuple[str, World], page: Any) -> None:
    url, world = live
    kiosk_ticket(url, world)
    chosen = kiosk_ticket(url, world)
    log_in(page, url)
    take_window(page, 1)
    page.click(f"#queues li[data-number='{chosen['number']}']")
    page.wait_for_selector("#choose-dialog[open]")
    assert page.inner_text("#choose-number") == chosen["number"]
    page.select_option("#choose-reason", "other")
    page.click("#choose-call")
    page.wait_for_function("document.getElementById('choose-error').textContent.includes('Другое')")
    page.fill("#choose-note", "Заявитель с младенцем")
    page.click("#choose-call")
    current_is(page, chosen["number"])
    assert page.is_hidden("#choose-dialog")
    report = httpx.get(
        f"{url}/api/v1/offices/central/reports/chosen-calls",
        params={"start": "2026-11-23", "end": "2026-11-23"},
        headers=world.auth("manager"),
        timeout=REQUEST_SECONDS,
    ).json()
    assert [(r["clerk"], r["reason"], r["count"]) for r in report] == [("Clerk1", "other", 1)]


def test_postpone_then_the_ticket_returns_by_itself(live: tuple[str, World], page: Any) -> None:
    url, world = live
    ticket = kiosk_ticket(url, world)
    log_in(page, url)
    take_window(page, 1)
    call_next(page)
    current_is(page, ticket["number"])
    page.fill("#postpone-minutes", "3")
    page.click("#current-panel [data-action='postpone']")
    current_is(page, "—")
    held = page.wait_for_selector(f"#holds li[data-number='{ticket['number']}']")
    assert "вернётся через 3:00" in held.inner_text() or "вернётся через 2:5" in held.inner_text()
    assert page.query_selector(f"#queues li[data-number='{ticket['number']}']") is None
    world.clock.advance(minutes=3)
    Scheduler(world.db, world.clock).run_pending()
    page.wait_for_selector(f"#queues li[data-number='{ticket['number']}']")
    page.wait_for_selector(f"#holds li[data-number='{ticket['number']}']", state="detached")
    assert page.is_visible("#holds-empty")
    call_next(page)
    current_is(page, ticket["number"])
    page.wait_for_selector("#ticket-info .held")


def test_transfer_to_another_window(live: tuple[str, World], page: Any) -> None:
    url, world = live
    ticket = kiosk_ticket(url, world)
    httpx.post(
        f"{url}/api/v1/offices/central/windows/3/take",
        headers=world.auth("clerk2"),
        timeout=REQUEST_SECONDS,
    ).raise_for_status()
    log_in(page, url)
    take_window(page, 1)
    call_next(page)
    current_is(page, ticket["number"])
    page.select_option("#transfer-target", "w:3")
    assert "Окно 3 (Clerk2) — Выдача результатов" in page.inner_text(
        "#transfer-target option[value='w:3']"
    )
    page.keyboard.press("Alt+T")
    current_is(page, "—")
    # Window 3 serves results only, but calls the transferred ticket.
    r = httpx.post(
        f"{url}/api/v1/offices/central/windows/3/call-next",
        headers=world.auth("clerk2"),
        timeout=REQUEST_SECONDS,
    )
    assert r.status_code == 200 and r.json()["number"] == ticket["number"]
    card = httpx.get(
        f"{url}/api/v1/tickets/{ticket['id']}/card",
        headers=world.auth("clerk2"),
        timeout=REQUEST_SECONDS,
    )
    assert card.json()["came_from"]["window"] == 1


def test_no_show_asks_for_confirmation(live: tuple[str, World], page: Any) -> None:
    url, world = live
    ticket = kiosk_ticket(url, world)
    log_in(page, url)
    take_window(page, 1)
    call_next(page)
    current_is(page, ticket["number"])
    page.keyboard.press("Alt+X")
    page.wait_for_selector("#noshow-dialog[open]")
    assert ticket["number"] in page.inner_text("#noshow-text")
    page.click("#noshow-cancel")
    assert page.is_hidden("#noshow-dialog")
    current_is(page, ticket["number"])  # nothing happened
    page.click("#current-panel [data-action='noshow']")
    page.wait_for_selector("#noshow-dialog[open]")
    page.keyboard.press("Enter")  # the confirm button has the focus
    current_is(page, "—")
    status = httpx.get(
        f"{url}/api/v1/tickets/{ticket['id']}",
        headers=world.auth("clerk1"),
        timeout=REQUEST_SECONDS,
    )
    assert status.json()["status"] == "no_show"


def test_the_board_follows_a_postpone_and_the_return(live: tuple[str, World], page: Any) -> None:
    url, world = live
    ticket = kiosk_ticket(url, world)
    auth = world.auth("clerk1")
    httpx.post(
        f"{url}/api/v1/offices/central/windows/1/take", headers=auth, timeout=REQUEST_SECONDS
    ).raise_for_status()
    page.goto(f"{url}/board/central?token={world.tokens['board']}")
    page.wait_for_function("window.board && window.board.connected === true")
    httpx.post(
        f"{url}/api/v1/offices/central/windows/1/call-next", headers=auth, timeout=REQUEST_SECONDS
    )
    row = f"#calls li[data-number='{ticket['number']}']"
    page.wait_for_selector(f"{row}.called")
    httpx.post(
        f"{url}/api/v1/tickets/{ticket['id']}/postpone",
        json={"minutes": 5},
        headers=auth,
        timeout=REQUEST_SECONDS,
    ).raise_for_status()
    page.wait_for_selector(f"{row}[data-status='postponed']:not(.called)")
    assert page.inner_text(f"{row} .window") == ""
    httpx.post(
        f"{url}/api/v1/tickets/{ticket['id']}/return", headers=auth, timeout=REQUEST_SECONDS
    ).raise_for_status()
    page.wait_for_selector(f"{row}[data-status='waiting']")
