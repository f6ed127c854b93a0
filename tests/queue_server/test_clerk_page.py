"""The clerk page in Chromium against a real uvicorn server: call → intake → print, then issuance.

The receipt printer of the window is hardware_sim's virtual printer (sim://); the
scanner is a keyboard wedge typing into the page's search field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hardware_sim import SimulatedPrinter
from queue_server.clock import FakeClock
from queue_server.db import Database
from tests.queue_server.case_world import install_passport
from tests.queue_server.test_clerk_workplace import call_next
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import free_port, live_server
from tests.support.world import PASSWORD, World, build_world


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page the size of the clerk's monitor, 1366×768 (script errors fail the test)."""
    with open_page(browser, viewport={"width": 1366, "height": 768}) as tab:
        yield tab


@pytest.fixture
def live(db: Database, clock: FakeClock) -> Iterator[tuple[str, World]]:
    """The queue server under uvicorn in a thread, on the test's SQLite file and fake clock."""
    world = build_world(db, clock)
    install_passport(world)
    port = free_port()
    with live_server(world, port, public_url=f"http://127.0.0.1:{port}") as server:
        yield server.url, world


def _kiosk_ticket(url: str, world: World, service: str) -> str:
    response = httpx.post(
        f"{url}/api/v1/offices/central/tickets",
        json={"service": service},
        headers=world.auth("kiosk"),
        timeout=REQUEST_SECONDS,
    )
    assert response.status_code == 201, response.text
    number: str = response.json()["number"]
    return number


def test_call_intake_print_then_call_and_issue(live: tuple[str, World], page: Any) -> None:
    url, world = live
    with SimulatedPrinter(width=80, pty=False, sim_name="clerk-page-window-2") as sim:
        httpx.put(
            f"{url}/api/v1/offices/central/case-settings",
            json={"printers": {"2": sim.sim_url}},
            headers=world.auth("manager"),
            timeout=REQUEST_SECONDS,
        ).raise_for_status()
        first = _kiosk_ticket(url, world, "passport")
        second = _kiosk_ticket(url, world, "passport")

        page.goto(f"{url}/clerk")
        page.fill("#username", "clerk1")
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.click("#window-list button[data-window='2']")
        page.wait_for_selector("#work:not([hidden])")
        # The window's queue: both passport tickets, coloured against the 15-minute limit.
        page.wait_for_selector(f"#queues li[data-number='{first}'].state-ok")
        world.clock.advance(minutes=13)  # 80% of the limit: a warning colour
        page.wait_for_selector(f"#queues li[data-number='{first}'].state-warning", timeout=6000)

        call_next(page)
        page.wait_for_function(
            f"document.getElementById('current').textContent.startsWith('{first}')"
        )
        page.keyboard.press("Alt+S")  # start: the intake form opens
        page.wait_for_selector("#intake:not([hidden]) #checklist tbody tr")
        # The timer runs against the service norm (R1: intake at most 30 minutes).
        page.wait_for_function(
            "document.getElementById('timer').textContent.includes('из 30:00 по норме')"
        )
        page.select_option("#variant", "replace")
        page.fill("#applicant-name", "Смирнова Ольга Петровна")
        page.fill("#applicant-doc-number", "45 11 222333")
        rows = page.locator("#checklist tbody tr")
        assert rows.count() == 3  # Заявление, Прежний паспорт, Квитанция (optional)
        rows.nth(0).locator(".got").check()
        # Without consent nothing is registered and the page says why.
        rows.nth(1).locator(".got").check()
        rows.nth(1).locator(".kind").select_option("copy")
        rows.nth(1).locator(".sheets").fill("20")
        page.click("#register")
        page.wait_for_function(
            "document.getElementById('intake-error').textContent.includes('согласие')"
        )
        page.check("#consent")
        page.keyboard.press("Alt+Enter")
        page.wait_for_selector("#intake-result:not([hidden])")
        number = page.inner_text("#reg-number")
        assert number.endswith("-2026/000001")
        # The preview is fetched after the result shows; wait for it rather than race it.
        page.wait_for_function("document.getElementById('receipt-preview').textContent.length > 0")
        assert "Смирнова Ольга Петровна" in page.inner_text("#receipt-preview")
        page.keyboard.press("Alt+O")  # print both copies on the window's printer
        receipts = sim.printer.wait_for_receipts(2, timeout=15)
        assert all(number in r.text for r in receipts)
        assert "Прежний паспорт - копия, 20 л." in receipts[0].text, receipts[0].text
        page.keyboard.press("Alt+F")  # finish the intake ticket
        page.wait_for_function("document.getElementById('current').textContent === '—'")

        # The agency's result arrives; the applicant comes back for it.
        case_id = httpx.get(
            f"{url}/api/v1/offices/central/cases/lookup",
            params={"number": number},
            headers=world.auth("clerk2"),
            timeout=REQUEST_SECONDS,
        ).json()["cases"][0]["id"]
        for step, body in (("send", {}), ("result", {"ready": True})):
            httpx.post(
                f"{url}/api/v1/cases/{case_id}/{step}",
                json=body,
                headers=world.auth("clerk2"),
                timeout=REQUEST_SECONDS,
            ).raise_for_status()
        results = _kiosk_ticket(url, world, "results")
        # The second passport applicant waited longest (deadline order) but has gone away.
        call_next(page)
        page.wait_for_function(
            f"document.getElementById('current').textContent.startsWith('{second}')"
        )
        page.keyboard.press("Alt+X")  # no-show, once confirmed
        page.click("#noshow-confirm")
        page.wait_for_function("document.getElementById('current').textContent === '—'")
        call_next(page)
        page.wait_for_function(
            f"document.getElementById('current').textContent.startsWith('{results}')"
        )
        page.keyboard.press("Alt+S")
        page.wait_for_selector("#issuance:not([hidden])")
        # A keyboard-wedge scanner types the receipt's number and Enter into the focused field.
        page.keyboard.type(number)
        page.keyboard.press("Enter")
        card = page.locator(f"#found .case[data-case='{case_id}']")
        card.wait_for()
        card.locator("button.issue").click()
        page.wait_for_function(
            "document.getElementById('issuance-error').textContent.includes('личность получателя')"
        )
        card.locator(".identity").check()
        card.locator("button.issue").click()
        page.wait_for_selector("#found .issued")
        # The card says what is true now: issued, no longer "ready to issue".
        summary = card.locator(".summary").inner_text()
        assert summary.endswith("выдано") and "готово к выдаче" not in summary
        assert card.get_attribute("data-status") == "issued"
        page.keyboard.press("Alt+O")  # the issuance receipt to sign
        (signed,) = sim.printer.wait_for_receipts(3, timeout=15)[2:]
        assert "РАСПИСКА В ПОЛУЧЕНИИ РЕЗУЛЬТАТА" in signed.text and number in signed.text
        page.keyboard.press("Alt+F")

    case = httpx.get(
        f"{url}/api/v1/cases/{case_id}", headers=world.auth("clerk1"), timeout=REQUEST_SECONDS
    ).json()
    assert case["status"] == "issued"
    assert [v["purpose"] for v in case["visits"]] == ["intake", "issuance"]
    assert [v["number"] for v in case["visits"]] == [first, results]


def test_a_ticket_issued_elsewhere_reaches_the_clerk_page_over_the_socket(
    live: tuple[str, World], page: Any
) -> None:
    url, world = live
    page.goto(f"{url}/clerk?poll=60")
    page.fill("#username", "clerk1")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.click("#window-list button[data-window='2']")
    page.wait_for_selector("#work:not([hidden])")
    page.wait_for_selector("#live:not(.stale)")  # the socket is up
    page.wait_for_timeout(2500)  # past the first fallback poll; the next is 60 s away
    number = _kiosk_ticket(url, world, "passport")
    # Well inside the fallback poll: only the WebSocket can have brought it.
    page.wait_for_selector(f"#queues li[data-number='{number}']", timeout=4000)
