"""The dashboard: its JSON on both backends; the page in Chromium live over the WebSocket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from queue_server.scheduler import Scheduler
from tests.support.app import make_client
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import live_server
from tests.support.world import PASSWORD, World

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def _issue(api: Any, world: World, service: str = "passport") -> dict[str, Any]:
    got = api.post(
        "/api/v1/offices/central/tickets", json={"service": service}, headers=world.auth("kiosk")
    )
    assert got.status_code == 201, got.text
    return dict(got.json())


def test_dashboard_json_lights_and_scope(world: World) -> None:
    with make_client(world) as api:
        _issue(api, world)
        url = "/api/v1/offices/central/dashboard"
        first = api.get(url, headers=world.auth("manager")).json()
        assert [(q["service"], q["waiting"], q["light"]) for q in first["queues"]] == [
            ("passport", 1, "green")
        ]
        assert first["today"]["issued"] == 1
        world.clock.advance(minutes=12.5)  # past 0.8 × 15 min
        amber = api.get(url, headers=world.auth("manager")).json()
        assert amber["queues"][0]["light"] == "amber"
        assert [a["kind"] for a in amber["alerts"]] == ["near_limit"]
        world.clock.advance(minutes=3)
        red = api.get(url, headers=world.auth("manager")).json()
        assert red["queues"][0]["light"] == "red"
        assert red["alerts"][0]["kind"] == "breach"
        assert api.get(url, headers=world.auth("north_manager")).status_code == 403
        assert api.get(url, headers=world.auth("clerk1")).status_code == 403
        windows = {w["number"]: w["state"] for w in red["windows"]}
        assert windows == {1: "closed", 2: "closed", 3: "closed", 4: "closed"}


def test_dashboard_page_turns_amber_then_red_and_shows_a_call_live(
    sqlite_world: World, browser: Browser
) -> None:
    from playwright.sync_api import expect

    world = sqlite_world
    scheduler = Scheduler(world.db, world.clock)
    with live_server(world) as server:
        base = server.url
        issued = httpx.post(
            f"{base}/api/v1/offices/central/tickets",
            json={"service": "passport"},
            headers=world.auth("kiosk"),
            timeout=REQUEST_SECONDS,
        )
        assert issued.status_code == 201
        with open_page(browser) as page:
            # The fallback poll is set to a minute: what changes below within seconds came
            # over the WebSocket.
            page.goto(f"{base}/admin/dashboard/central?poll=60")
            expect(page).to_have_url(
                f"{base}/admin/login?next=%2Fadmin%2Fdashboard%2Fcentral%3Fpoll%3D60"
            )
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", "wrong-password")
            page.click("button[type=submit]")
            expect(page.locator("#error")).not_to_be_empty()
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("#link")).to_have_attribute("data-live", "true")
            row = page.locator("#queues tr[data-service=passport]")
            expect(row).to_have_attribute("data-light", "green")
            expect(page.locator("[data-figure=issued]")).to_have_text("Выдано: 1")
            # The scheduler raises ticket.wait_warning at 80% of the limit, then
            # ticket.wait_breach; each event makes the page reload its figures.
            world.clock.advance(minutes=12.5)
            assert scheduler.run_pending() >= 1
            expect(row).to_have_attribute("data-light", "amber")
            expect(page.locator("#alerts li[data-kind=near_limit]")).to_have_count(1)
            world.clock.advance(minutes=3)
            assert scheduler.run_pending() >= 1
            expect(row).to_have_attribute("data-light", "red")
            expect(page.locator("#alerts li[data-kind=breach]")).to_have_count(1)
            # A clerk takes window 1 and calls: the window shows the call at once.
            window = page.locator("#windows tr[data-window='1']")
            expect(window).to_have_attribute("data-state", "closed")
            took = httpx.post(
                f"{base}/api/v1/offices/central/windows/1/take",
                headers=world.auth("clerk1"),
                timeout=REQUEST_SECONDS,
            )
            assert took.status_code == 200, took.text
            expect(window).to_have_attribute("data-state", "free")
            called = httpx.post(
                f"{base}/api/v1/offices/central/windows/1/call-next",
                headers=world.auth("clerk1"),
                timeout=REQUEST_SECONDS,
            )
            assert called.status_code == 200, called.text
            expect(window).to_have_attribute("data-state", "calling")
            expect(window).to_contain_text(called.json()["number"])
