"""The report form: the current month in the office's zone from the injected clock, offices
picked by name, and the regional view across every office a manager may see."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.support.app import make_client
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import live_server
from tests.support.world import PASSWORD, World


def test_the_form_opens_on_the_current_month_of_the_office(world: World) -> None:
    # 22:30 UTC on 30 November is already 1 December in Moscow: the office's month counts.
    world.clock.set(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))
    with make_client(world) as api:
        form = api.get("/api/v1/reports/form", headers=world.auth("manager")).json()
        assert (form["from"], form["to"]) == ("2026-12-01", "2026-12-01")
        assert form["offices"] == [{"code": "central", "name": "МФЦ Центральный"}]
        regional = api.get("/api/v1/reports/form", headers=world.auth("admin")).json()
        assert [o["name"] for o in regional["offices"]] == ["МФЦ Северный", "МФЦ Центральный"]
        clerk = api.get("/api/v1/reports/form", headers=world.auth("clerk1"))
        assert clerk.status_code == 403


def test_offices_are_picked_by_name_and_none_picked_is_the_regional_view(
    sqlite_world: World, browser: Any
) -> None:
    world = sqlite_world
    today = world.clock.now().date()
    with live_server(world) as server:
        for office, kiosk in (("central", "kiosk"), ("north", "north_kiosk")):
            issued = httpx.post(
                f"{server.url}/api/v1/offices/{office}/tickets",
                json={"service": "passport"},
                headers=world.auth(kiosk),
                timeout=REQUEST_SECONDS,
            )
            assert issued.status_code == 201, issued.text
        with open_page(browser) as page:
            page.goto(f"{server.url}/admin/reports")  # → the login, then back here
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server.url}/admin/reports")
            page.wait_for_selector("#offices input[value=north]")
            assert page.input_value("input[name=from]") == today.replace(day=1).isoformat()
            assert page.input_value("input[name=to]") == today.isoformat()
            labels = page.locator("#offices label").all_text_contents()
            assert [label.strip() for label in labels] == ["МФЦ Северный", "МФЦ Центральный"]
            # Nothing ticked: every office, side by side in the regional table.
            page.click("#period button[type=submit]")
            regional = page.locator("section[data-table=counts] tbody tr td:first-child")
            regional.first.wait_for()
            assert sorted(regional.all_text_contents()) == ["МФЦ Северный", "МФЦ Центральный"]
            page.check("#offices input[value=north]")
            page.click("#period button[type=submit]")
            page.wait_for_function(
                "document.querySelectorAll('section[data-table=counts] tbody tr').length === 1"
            )
            assert regional.all_text_contents() == ["МФЦ Северный"]
            heads = page.locator("section[data-table=wait_by_kind] th").all_text_contents()
            assert "Медиана, мин:с" in heads and "Доля в пределах, %" in heads
            target = os.environ.get("MFCQ_SCREENSHOTS")
            if target:
                page.uncheck("#offices input[value=north]")
                page.click("#period button[type=submit]")
                page.wait_for_function(
                    "document.querySelectorAll('section[data-table=counts] tbody tr').length === 2"
                )
                page.wait_for_selector("#charts img")
                top = page.evaluate("document.getElementById('tables').offsetTop")
                page.screenshot(
                    path=str(Path(target) / "reports.png"),
                    full_page=True,
                    clip={"x": 0, "y": top, "width": 1280, "height": 900},
                )
