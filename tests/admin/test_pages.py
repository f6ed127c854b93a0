"""The reports page in Chromium: tables, charts and export buttons from the shared client."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import live_server
from tests.support.world import PASSWORD, World

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def test_reports_page_shows_tables_charts_and_exports(
    sqlite_world: World, browser: Browser
) -> None:
    from playwright.sync_api import expect

    world = sqlite_world
    today = world.clock.now().date().isoformat()
    with live_server(world) as server:
        issued = httpx.post(
            f"{server.url}/api/v1/offices/central/tickets",
            json={"service": "passport"},
            headers=world.auth("kiosk"),
            timeout=REQUEST_SECONDS,
        )
        assert issued.status_code == 201, issued.text
        with open_page(browser) as page:
            page.goto(f"{server.url}/admin/reports")
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{server.url}/admin/reports")
            page.fill("input[name=from]", today)
            page.fill("input[name=to]", today)
            page.click("#period button[type=submit]")
            expect(page.locator("#tables section[data-table=counts]")).to_have_count(1)
            expect(page.locator("#charts img")).to_have_count(3)
            expect(page.locator("#links button")).to_have_text(["CSV", "XLSX", "PDF"])
            with page.expect_download() as download:
                page.click("#links button >> text=CSV")
            assert download.value.suggested_filename == "report.csv"
            expect(page.locator("#error")).to_be_empty()
            # A bad period comes back as the server's message, not as a failure of the page.
            page.fill("input[name=to]", "2000-01-01")
            page.click("#period button[type=submit]")
            expect(page.locator("#error")).not_to_be_empty()
