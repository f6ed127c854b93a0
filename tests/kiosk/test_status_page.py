"""The public ticket status page (the QR on the ticket): live position, notice when called."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kiosk.conftest import OFFICE, KioskWorld
from tests.kiosk.test_kiosk_browser import shot

pytestmark = pytest.mark.timeout(120)


def issue(world: KioskWorld, service: str = "snils") -> dict[str, Any]:
    with world.api() as api:
        r = api.post(
            f"/offices/{OFFICE}/tickets", json={"service": service}, headers=world.auth("kiosk-2")
        )
        assert r.status_code == 201
        return dict(r.json())


def test_status_page_follows_the_ticket_until_it_is_called(
    page: Any, kiosk_world: KioskWorld
) -> None:
    assert kiosk_world.server is not None
    first = issue(kiosk_world)
    mine = issue(kiosk_world)
    page.clock.install()
    page.goto(mine["status_url"])
    page.wait_for_selector("#status")
    assert page.text_content("#number").strip() == mine["number"]
    assert page.text_content("#position").strip() == "2"
    assert page.text_content("#ahead").strip() == "1"
    assert page.is_hidden("#notice")
    with kiosk_world.api() as api:
        auth = kiosk_world.auth("clerk1")
        assert api.post(f"/offices/{OFFICE}/windows/6/take", headers=auth).status_code == 200
        r = api.post(f"/offices/{OFFICE}/windows/6/call-next", headers=auth)
        assert r.json()["number"] == first["number"]
        page.clock.run_for(5000)
        page.wait_for_function("document.querySelector('#ahead')?.textContent === '0'")
        assert page.text_content("#position").strip() == "1"
        api.post(f"/tickets/{first['id']}/start", headers=auth)
        api.post(f"/tickets/{first['id']}/finish", headers=auth)
        r = api.post(f"/offices/{OFFICE}/windows/6/call-next", headers=auth)
        assert r.json()["number"] == mine["number"]
    page.clock.run_for(5000)
    page.wait_for_selector("#notice:not([hidden])")
    assert page.text_content("#notice").strip() == "Вас вызывают! Пройдите к окну 6"
    assert page.title() == f"{mine['number']} → окно 6"
    page.set_viewport_size({"width": 420, "height": 760})
    shot(page, "status-called")
    page.goto(mine["status_url"] + "?lang=en")
    page.wait_for_selector("#notice:not([hidden])")
    assert page.text_content("#notice").strip() == "You are called! Please go to window 6"


def test_unknown_code_is_a_404_page(page: Any, kiosk_world: KioskWorld) -> None:
    assert kiosk_world.server is not None
    response = page.goto(kiosk_world.server.url + "/t/no-such-code")
    assert response.status == 404
    assert page.text_content("h1").strip() == "Талон не найден"


def test_status_page_says_when_the_connection_is_lost(page: Any, kiosk_world: KioskWorld) -> None:
    assert kiosk_world.server is not None
    mine = issue(kiosk_world)
    page.clock.install()
    page.goto(mine["status_url"])
    page.wait_for_selector("#status")
    page.route("**/api/v1/tickets/status/**", lambda route: route.abort())
    page.clock.run_for(5000)
    page.wait_for_selector("#offline:not([hidden])")
    page.unroute("**/api/v1/tickets/status/**")
    page.clock.run_for(5000)
    page.wait_for_selector("#offline", state="hidden")


def test_the_estimate_on_the_status_page_follows_the_queue(
    page: Any, kiosk_world: KioskWorld
) -> None:
    """The page's wait is the server's live estimate: it says when no window is open, then
    counts down as the clerk serves the people ahead (SNILS: one window, 15-min norm)."""
    assert kiosk_world.server is not None
    first, second = issue(kiosk_world), issue(kiosk_world)
    mine = issue(kiosk_world)
    page.clock.install()
    page.goto(mine["status_url"])
    page.wait_for_selector("#wait")
    assert page.text_content("#wait").strip() == "Сейчас нет открытых окон для этой услуги"
    auth = kiosk_world.auth("clerk1")
    with kiosk_world.api() as api:
        assert api.post(f"/offices/{OFFICE}/windows/6/take", headers=auth).status_code == 200
        page.clock.run_for(5000)
        page.wait_for_function("document.querySelector('#wait')?.textContent === '≈ 30 мин'")
        for ticket, then in ((first, "≈ 15 мин"), (second, "≈ 0 мин")):
            assert api.post(f"/offices/{OFFICE}/windows/6/call-next", headers=auth).is_success
            api.post(f"/tickets/{ticket['id']}/start", headers=auth)
            kiosk_world.clock.advance(minutes=15)  # served in the norm: the mean stays 15
            api.post(f"/tickets/{ticket['id']}/finish", headers=auth)
            page.clock.run_for(5000)
            page.wait_for_function(f"document.querySelector('#wait')?.textContent === '{then}'")
    assert page.text_content("#ahead").strip() == "0"
