"""R4 end to end in Chromium: book on the public page, then check in at the kiosk screen."""

from __future__ import annotations

from typing import Any

from hardware_sim.endpoints import SimulatedPrinter
from tests.kiosk.conftest import OFFICE, KioskWorld, LiveServer
from tests.support.patience import DEVICE_SECONDS


def test_booked_on_the_public_page_then_checked_in_at_the_kiosk(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    assert kiosk_world.server is not None
    # Monday 23 November, 10:00 in Moscow: book today's 10:30 slot on the public page.
    page.goto(f"{kiosk_world.server.url}/book/{OFFICE}")
    page.wait_for_function("document.getElementById('service').options.length > 1")
    page.select_option("#service", "passport")
    page.get_by_role("radio", name="10:30").click()
    page.fill("#name", "Орлова Анна")
    page.fill("#phone", "+7 915 111-22-33")
    page.click("#submit")
    page.wait_for_selector("#done:not([hidden])")
    code = page.inner_text("#code")
    assert page.inner_text("#summary").endswith("23.11.2026 10:30")

    # At the kiosk, half an hour before the slot: the code as printed, dash and all.
    page.goto(kiosk.url)
    page.click("#booking")
    page.fill("#code", code)
    page.click("#check-in")
    page.wait_for_selector("[data-screen=ticket]")
    number = page.text_content("#number").strip()
    receipt = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)[0]
    assert number in receipt.text
    [ticket] = [t for t in kiosk_world.tickets() if t["number"] == number]
    assert ticket["booked"] is True and ticket["service"] == "passport"
    # Its wait limit is the booked one: 5 minutes from the slot (R4).
    assert ticket["deadline"].startswith("2026-11-23T07:35:00")
