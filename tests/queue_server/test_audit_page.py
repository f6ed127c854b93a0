"""The audit page in Chromium (R16): a manager filters the trail and exports it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import live_server
from tests.support.world import PASSWORD, World


def test_r16_the_audit_page_lists_filters_and_exports_the_trail(
    sqlite_world: World, page: Any
) -> None:
    """R16: the manager sees who logged in and who failed, filters by action, exports CSV."""
    from playwright.sync_api import expect

    world = sqlite_world
    with live_server(world) as server:
        for who, password in (("clerk1", PASSWORD), ("clerk2", "не-тот-пароль")):
            httpx.post(
                f"{server.url}/api/v1/auth/token",
                data={"username": who, "password": password},
                timeout=REQUEST_SECONDS,
            )
        page.goto(f"{server.url}/admin/audit")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{server.url}/admin/audit")
        rows = page.locator("#entries tbody tr")
        expect(rows).to_have_count(3)  # the manager's own login too, newest first
        expect(rows.nth(0).locator("td").nth(1)).to_have_text("Manager")
        expect(rows.nth(1).locator("td").nth(2)).to_have_text("Неудачная попытка входа")
        page.select_option("select[name=action]", "login_failed")
        page.click("#filters button[type=submit]")
        expect(rows).to_have_count(1)
        expect(rows.nth(0).locator("td").nth(4)).to_have_text("clerk2")
        with page.expect_download() as download:
            page.click("#export")
        assert download.value.suggested_filename == "audit.csv"
        expect(page.locator("#error")).to_be_empty()
        page.fill("input[name=from]", "2026-11-30")
        page.fill("input[name=to]", "2026-11-01")
        page.click("#filters button[type=submit]")
        expect(page.locator("#error")).to_have_text("Конец периода раньше его начала.")
