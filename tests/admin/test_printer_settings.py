"""The office page's receipt printers per window, in Chromium: set, refused, used."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from hardware_sim import SimulatedPrinter
from tests.admin.test_settings_pages import _api, _login
from tests.support.browser import open_page
from tests.support.servers import live_server
from tests.support.world import World

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def test_receipt_printers_per_window_are_set_on_the_office_page(
    sqlite_world: World, browser: Browser
) -> None:
    from playwright.sync_api import expect

    world = sqlite_world
    with (
        SimulatedPrinter(width=80, sim_name="office-page-window-2") as sim,
        live_server(world) as server,
        open_page(browser) as page,
    ):
        httpx.put(
            f"{server.url}/api/v1/offices/central/case-settings",
            json={"storage_days": 45, "courier_weekdays": ["mon", "thu"]},
            headers=world.auth("manager"),
            timeout=30,  # a first request on a loaded machine may be slow
        ).raise_for_status()
        _login(page, server.url, "/admin/settings/offices/central")
        rows = page.locator("#printers tbody tr")
        expect(rows).to_have_count(5)  # windows 1-4 and "every window"
        # A scheme the operator does not allow: refused with the reason, nothing stored.
        page.get_by_label("Окно 2: принтер").fill("ftp://10.0.0.9/printer")
        page.click("#save-printers")
        expect(page.locator("#printers-error")).not_to_be_empty()
        settings = _api(server, world, "manager", "/offices/central/case-settings")
        assert settings["printers"] == {}
        page.get_by_label("Окно 2: принтер").fill(sim.sim_url)
        page.click("#save-printers")
        expect(page.locator("#printers-saved")).to_have_text("Сохранено")
        settings = _api(server, world, "manager", "/offices/central/case-settings")
        assert settings["printers"] == {"2": sim.sim_url}
        # After a reload the page shows what is stored.
        page.reload()
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        expect(page.get_by_label("Окно 2: принтер")).to_have_value(sim.sim_url)
        expect(page.get_by_label("Все окна: принтер")).to_have_value("")
    # The page changed nothing else of the case settings.
    assert settings["storage_days"] == 45 and settings["courier_weekdays"] == ["mon", "thu"]
