"""A ticket taken as «Беременные женщины» names the certificate the clerk checks, on the
kiosk's screen and on its paper (Chromium against a live server and a simulated printer)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from hardware_sim import SimulatedPrinter
from tests.kiosk.conftest import KioskWorld, LiveServer
from tests.support.patience import DEVICE_SECONDS

pytestmark = pytest.mark.timeout(120)

PROOF = "Справка из женской консультации"  # the demo catalogue's document for the category


def _take_priority_ticket(page: Any, kiosk: LiveServer) -> None:
    page.goto(kiosk.url)
    page.click("#priority")
    page.click("[data-category=pregnant]")
    page.click("#results")
    page.click("[data-service=results]")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")


def test_the_screen_and_the_paper_name_the_document_to_check(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    _take_priority_ticket(page, kiosk)
    assert page.text_content("#priority-name").strip() == ("Льготная категория: Беременные женщины")
    assert page.text_content("#priority-proof").strip() == (
        f"Документ, подтверждающий льготу, проверит сотрудник в окне: {PROOF}"
    )
    paper = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)[0].text
    flat = re.sub(r"\s+", " ", paper)
    assert "Льгота: Беременные женщины" in flat
    assert f"Предъявите в окне: {PROOF}" in flat
    found = Axe().run(page).response["violations"]
    assert [v["id"] for v in found if v["impact"] in ("critical", "serious")] == []
    number = page.text_content("#number").strip()
    [mine] = [t for t in kiosk_world.tickets() if t["number"] == number]
    assert mine["priority_category"] == "pregnant"


def test_in_english_the_category_is_named_in_english(
    page: Any, kiosk: LiveServer, printer_sim: SimulatedPrinter
) -> None:
    page.goto(kiosk.url)
    page.click("#lang")
    _take_priority_ticket(page, kiosk)
    assert page.text_content("#priority-name").strip().startswith("Priority category: ")
    assert "Беременные" not in page.text_content("#priority-name")
    assert PROOF in page.text_content("#priority-proof")
    printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)


def test_a_ticket_without_a_category_shows_no_priority_block(
    page: Any, kiosk: LiveServer, printer_sim: SimulatedPrinter
) -> None:
    page.goto(kiosk.url)
    page.click("#results")
    page.click("[data-service=results]")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    assert page.locator("#priority-ticket").count() == 0
    paper = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)[0].text
    assert "Льгота" not in paper and "Предъявите" not in paper
