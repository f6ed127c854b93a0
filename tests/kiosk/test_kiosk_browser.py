"""Chromium drives the kiosk against a live queue server and a pty printer (issue 5)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from hardware_sim import Fault, SimulatedPrinter
from tests.kiosk.conftest import (
    OFFICE,
    CuttingProxy,
    KioskWorld,
    LiveServer,
    screenshot_dir,
)
from tests.support.patience import DEVICE_SECONDS

pytestmark = pytest.mark.timeout(120)


def shot(page: Any, name: str) -> None:
    """Save a README screenshot when MFCQ_SCREENSHOTS is set."""
    target = screenshot_dir()
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / f"kiosk-{name}.png"))


def pick_passport_name_change(page: Any) -> None:
    """Start → group → service → two questions → documents."""
    page.click("[data-group=passports]")
    page.click("[data-service=passport]")
    assert page.text_content("#question").strip() == "Почему вы оформляете паспорт?"
    page.click("[data-answer='1']")  # need to replace it
    assert page.text_content("#question").strip() == "Причина замены?"
    page.click("[data-answer='1']")  # changed my name


def open_window(world: KioskWorld, number: int, clerk: str) -> None:
    """A clerk takes the window: its services get a wait in minutes, not "no open window"."""
    with world.api() as api:
        r = api.post(f"/offices/{OFFICE}/windows/{number}/take", headers=world.auth(clerk))
        assert r.status_code == 200, r.text


def test_with_no_open_window_the_kiosk_says_so_on_screen_and_on_paper(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    """Nobody holds a window that gives results: no "≈ 0 мин", but the truth, in Russian."""
    page.goto(kiosk.url)
    page.click("#results")
    page.click("[data-service=results]")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    assert page.text_content("#wait").strip() == "Сейчас нет открытых окон для этой услуги"
    paper = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)[0].text
    assert re.search(r"Ожидание:\s+окна сейчас закрыты", paper)
    assert "мин." not in paper


def test_full_path_and_the_printed_ticket_matches_the_screen(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    """R7: services, a choice, its documents, "I have them all", then the ticket."""
    open_window(kiosk_world, 1, "clerk1")  # passports: the ticket gets a wait in minutes
    kiosk_world.issue("passport", 3)
    page.goto(kiosk.url)
    assert page.get_attribute("html", "lang") == "ru"
    shot(page, "start")
    page.click("[data-group=passports]")
    shot(page, "services")
    page.click("[data-service=passport]")
    shot(page, "question")
    page.click("[data-answer='1']")
    page.click("[data-answer='1']")
    assert page.text_content("#variant").strip() == "Ваш случай: Замена при перемене ФИО"
    documents = page.locator("#documents li .doc").all_text_contents()
    assert "Свидетельство о заключении брака / перемене имени" in documents
    assert "Свидетельство о рождении" not in documents  # another variant's document
    assert "Паспорт, подлежащий замене" in documents
    shot(page, "documents")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    shot(page, "ticket")
    number = page.text_content("#number").strip()
    assert re.fullmatch(r"А\d{3}", number)
    assert page.text_content("#ahead").strip() == "3"
    assert page.get_attribute("#ticket", "data-printed") == "true"
    receipt = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)[0]
    paper = receipt.text
    # What the simulator decoded is what the screen shows.
    assert number in paper
    assert page.text_content("#service").strip() in paper
    assert re.search(r"Перед вами:\s+3 человека", paper)
    wait = page.text_content("#wait").strip()  # "≈ N мин"
    minutes = re.search(r"\d+", wait)
    assert minutes and re.search(rf"Ожидание:\s+~{minutes.group()} мин", paper)
    assert page.text_content("#issued").strip() in paper
    url = page.get_attribute("#qr", "data-url")
    on_paper = zxingcpp.read_barcodes(receipt.render())
    assert [r.text for r in on_paper] == [url]
    on_screen = zxingcpp.read_barcodes(Image.open(io.BytesIO(page.locator("#qr svg").screenshot())))
    assert [r.text for r in on_screen] == [url]
    [mine] = [t for t in kiosk_world.tickets() if t["number"] == number]
    assert mine["priority_category"] is None
    page.click("#done")
    page.wait_for_selector("[data-screen=start]")


def test_english_priority_category_and_collect_a_result(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    page.goto(kiosk.url)
    page.click("#lang")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("h1").strip() == "Hello! Choose what you came for"
    page.click("#priority")
    shot(page, "priority")
    page.click("[data-category=disabled]")
    assert "Priority category: Disabled (groups I–II)" in page.text_content("#category")
    page.click("#results")
    page.click("[data-service=results]")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    number = page.text_content("#number").strip()
    assert page.text_content("#printed").strip() == "Take your ticket from the printer."
    printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)
    [mine] = [t for t in kiosk_world.tickets() if t["number"] == number]
    assert mine["service"] == "results" and mine["priority_category"] == "disabled"


def test_without_documents_the_kiosk_explains_and_offers_advice(
    page: Any, kiosk: LiveServer, printer_sim: SimulatedPrinter
) -> None:
    """R7: without the full set of documents the kiosk says what to do."""
    page.goto(kiosk.url)
    pick_passport_name_change(page)
    page.click("#missing")
    assert "Без полного комплекта документов" in page.text_content("#guidance")
    page.click("[data-service=consult]")
    page.wait_for_selector("[data-screen=documents]")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    assert page.text_content("#number").strip().startswith("М")


def test_booking_check_in_and_its_refusals(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    slot = kiosk_world.clock.now().replace(minute=0)
    with kiosk_world.api() as api:
        r = api.post(
            f"/offices/{OFFICE}/bookings",
            json={
                "service": "snils",
                "slot_start": slot.isoformat(),
                "applicant_name": "Иванов И. И.",
                "phone": "+7 916 123-45-67",
            },
            headers=kiosk_world.auth("clerk1"),
        )
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    page.goto(kiosk.url)
    page.click("#booking")
    # A wrong code typed on the on-screen keypad.
    for ch in "ZZZZZ22222":
        page.click(f".key[data-char='{ch}']")
    shot(page, "booking")
    page.click("#check-in")
    assert page.get_attribute("#refused", "data-code") == "booking_not_found"
    page.click("#live")
    page.click("#booking")
    page.fill("#code", code.lower())  # typed on a keyboard, any case
    page.click("#check-in")
    page.wait_for_selector("[data-screen=ticket]")
    number = page.text_content("#number").strip()
    receipt = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)[0]
    assert number in receipt.text
    [mine] = [t for t in kiosk_world.tickets() if t["number"] == number]
    assert mine["booked"] is True


@pytest.mark.parametrize(
    ("fault", "state", "words"),
    [
        (Fault.PAPER_OUT, "paper_out", "закончилась бумага"),
        (Fault.COVER_OPEN, "cover_open", "Открыта крышка"),
        (Fault.CUTTER_ERROR, "error", "Принтер неисправен"),
        (Fault.SILENT, "unknown", "Принтер не отвечает"),
        (Fault.UNPLUGGED, "offline", "Принтер не подключён"),
    ],
)
def test_every_printer_fault_is_said_in_plain_words_and_nothing_is_issued(
    page: Any,
    kiosk: LiveServer,
    kiosk_world: KioskWorld,
    printer_sim: SimulatedPrinter,
    fault: Fault,
    state: str,
    words: str,
) -> None:
    page.goto(kiosk.url)
    pick_passport_name_change(page)
    printer_sim.set_fault(fault)  # fails between choosing and confirming
    page.click("#confirm")
    page.wait_for_selector("[data-screen=printer]")
    assert page.get_attribute("#printer", "data-state") == state
    assert words in page.text_content("#printer")
    assert "Талон не выдан" in page.text_content("#printer")
    if fault is Fault.PAPER_OUT:
        shot(page, "printer-fault")
    assert kiosk_world.tickets() == []
    with kiosk_world.api() as api:
        states = api.get(
            f"/offices/{OFFICE}/device-states", headers=kiosk_world.auth("manager")
        ).json()
    [me] = [d for d in states if d["name"] == "kiosk-1"]
    assert me["state"] == "error" and me["detail"]["printer"] == state
    # The start screen says so too, and offers nothing that would issue.
    page.click("#home")
    assert page.get_attribute("#printer", "data-state") == state
    assert page.locator("a.tile").count() == 0


def test_paper_near_end_still_issues(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    printer_sim.set_fault(Fault.PAPER_NEAR_END)
    page.goto(kiosk.url)
    assert page.locator("#printer").count() == 0
    page.click("[data-group=social]")
    page.click("[data-service=snils]")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    assert page.get_attribute("#ticket", "data-printed") == "true"
    printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)


def test_print_failure_after_issue_keeps_the_number_on_screen_and_prints_again(
    page: Any,
    kiosk_via_proxy: tuple[LiveServer, CuttingProxy],
    kiosk_world: KioskWorld,
    printer_sim: SimulatedPrinter,
) -> None:
    kiosk, proxy = kiosk_via_proxy

    def cover_opened(chunk: bytes) -> None:
        # The cover is opened while the server issues: the gate passed, printing fails.
        if chunk.startswith(b"POST /api/v1/offices/demo/tickets"):
            printer_sim.set_fault(Fault.COVER_OPEN)

    proxy.on_request = cover_opened
    page.goto(kiosk.url)
    page.click("[data-group=social]")
    page.click("[data-service=snils]")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    shot(page, "not-printed")
    number = page.text_content("#number").strip()
    assert page.get_attribute("#ticket", "data-printed") == "false"
    assert "Ваш номер записан в очереди" in page.text_content("#not-printed")
    assert page.get_attribute("#not-printed", "data-reason") == "cover_open"
    assert page.get_attribute("#qr", "data-url")
    with kiosk_world.api() as api:
        jobs = api.get(f"/offices/{OFFICE}/print-jobs", headers=kiosk_world.auth("clerk1")).json()
    assert [(j["number"], j["status"]) for j in jobs] == [(number, "failed")]
    # Still open: trying again changes nothing and prints nothing.
    page.click("#print-again")
    assert page.get_attribute("#ticket", "data-printed") == "false"
    printer_sim.set_fault(Fault.COVER_OPEN, active=False)
    page.click("#print-again")
    assert page.get_attribute("#ticket", "data-printed") == "true"
    receipts = printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)
    assert number in receipts[0].text
    with kiosk_world.api() as api:
        jobs = api.get(
            f"/offices/{OFFICE}/print-jobs?status=printed", headers=kiosk_world.auth("clerk1")
        ).json()
    assert [(j["number"], j["status"]) for j in jobs] == [(number, "printed")]
    assert [t["number"] for t in kiosk_world.tickets()] == [number]


def test_double_tap_gives_one_ticket(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    page.goto(kiosk.url)
    page.click("[data-group=social]")
    page.click("[data-service=snils]")
    form = {
        name: page.get_attribute(f"#issue-form input[name={name}]", "value") or ""
        for name in ("key", "service", "variant", "a")
    }
    page.dblclick("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    number = page.text_content("#number").strip()
    # Two more taps that got through as separate requests with the page's key.
    with httpx.Client(base_url=kiosk.url, timeout=20) as client:
        for _ in range(2):
            r = client.post("/issue", data=form, follow_redirects=True)
            assert r.status_code == 200 and f'data-number="{number}"' in r.text
    assert [t["number"] for t in kiosk_world.tickets()] == [number]
    printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)
    with pytest.raises(TimeoutError):
        printer_sim.printer.wait_for_receipts(2, timeout=0.5)


def test_server_down_and_back_retries_by_itself_into_one_ticket(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    assert kiosk_world.server is not None
    page.goto(kiosk.url)
    page.click("[data-group=social]")
    page.click("[data-service=snils]")
    kiosk_world.server.stop()
    page.click("#confirm")
    page.wait_for_selector("[data-screen=offline]")
    shot(page, "offline")
    assert "Нет связи с сервером очереди" in page.text_content("h1")
    assert "Талон не будет выдан дважды" in page.text_content("#offline")
    # The page sends the same request again by itself (every retry_seconds).
    page.wait_for_function("Number(document.querySelector('#offline')?.dataset.attempt || 0) >= 2")
    kiosk_world.server.start()
    page.wait_for_selector("[data-screen=ticket]")
    number = page.text_content("#number").strip()
    assert [t["number"] for t in kiosk_world.tickets()] == [number]
    printer_sim.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)


def test_start_screen_without_a_server_says_so_and_recovers(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld
) -> None:
    assert kiosk_world.server is not None
    kiosk_world.server.stop()
    page.goto(kiosk.url)
    assert "Нет связи" in page.text_content("#offline")
    assert page.locator("a.tile").count() == 0 or page.locator("#offline").count() == 1
    kiosk_world.server.start()
    page.wait_for_selector("#offline", state="detached")
    assert page.locator("a.tile").count() > 0


def test_closed_office_says_when_it_opens(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld
) -> None:
    kiosk_world.clock.advance(hours=10)  # Monday 20:00 Moscow
    page.goto(kiosk.url)
    shot(page, "closed")
    closed = page.text_content("#closed")
    assert "Офис сейчас закрыт" in closed and "Откроется вт 24.11 08:00" in closed
    assert page.locator("a.tile").count() == 0
    page.click("#lang")
    assert "Opens Tue 24.11 08:00" in page.text_content("#closed")


def test_late_in_the_day_the_kiosk_warns_and_asks_to_confirm(
    page: Any, kiosk: LiveServer, kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> None:
    """The server's wait estimate past closing time: the kiosk warns first."""
    kiosk_world.clock.advance(timedelta(hours=8, minutes=30))  # 18:30, closes at 19:00
    open_window(kiosk_world, 6, "clerk1")
    kiosk_world.issue("snils", 5)  # 5 × 15 min norm on 1 window = 75 min > 30 min left
    page.goto(kiosk.url)
    page.click("[data-group=social]")
    page.click("[data-service=snils]")
    late = page.text_content("#late")
    assert "Возможно, вас не успеют принять сегодня" in late
    assert "Перед вами 5 чел." in late and "закрывается в 19:00" in late
    assert page.text_content("#confirm").strip() == "Понятно, всё равно взять талон"
    shot(page, "late")
    page.click("#confirm")
    page.wait_for_selector("[data-screen=ticket]")
    assert page.text_content("#ahead").strip() == "5"
