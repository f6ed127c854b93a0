"""Receipts (virtual printer, PDF read back), the serial scanner over a pty, the agency CLI."""

from __future__ import annotations

import io
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pypdf import PdfReader

from hardware_sim import SimulatedPrinter, VirtualScanner
from queue_server.cases.scanner import ScannerBridge, open_scanner
from queue_server.cli import main
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.patience import DEVICE_SECONDS
from tests.support.world import World


def _register(api: TestClient, world: World) -> dict[str, Any]:
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    response = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket["id"]),
        headers=world.auth("clerk1"),
    )
    assert response.status_code == 201, response.text
    case: dict[str, Any] = response.json()
    return case


def _ready(api: TestClient, world: World, case_id: int) -> None:
    clerk = world.auth("clerk1")
    api.post(f"/api/v1/cases/{case_id}/send", json={}, headers=clerk)
    api.post(f"/api/v1/cases/{case_id}/result", json={"ready": True}, headers=clerk)


@pytest.fixture
def sim_printer() -> Any:
    with SimulatedPrinter(width=80, pty=False, sim_name="clerk-window-1") as sim:
        yield sim


def test_intake_receipt_prints_two_copies_on_the_window_printer(
    api: TestClient, world: World, sim_printer: Any
) -> None:
    case = _register(api, world)
    clerk = world.auth("clerk1")
    no_printer = api.post(f"/api/v1/cases/{case['id']}/receipt/print", headers=clerk)
    assert no_printer.status_code == 409
    assert no_printer.json()["error"]["code"] == "no_printer"
    settings = api.put(
        "/api/v1/offices/central/case-settings",
        json={"printers": {"1": sim_printer.sim_url}},
        headers=world.auth("manager"),
    )
    assert settings.status_code == 200, settings.text
    printed = api.post(f"/api/v1/cases/{case['id']}/receipt/print", headers=clerk)
    assert printed.status_code == 200, printed.text
    receipts = sim_printer.printer.wait_for_receipts(2, timeout=DEVICE_SECONDS)
    assert "Экземпляр заявителя" in receipts[0].text
    assert "Экземпляр МФЦ" in receipts[1].text
    for receipt in receipts:
        assert case["registration_number"] in receipt.text
        assert "Прежний паспорт - копия, 20 л." in receipt.text
        assert "до 07.12.2026" in receipt.text
        assert "23.11.2026 10:00" in receipt.text  # local time of the office
        assert case["status_code"] in receipt.text.replace("\n", "")
    # The screen shows the same text the printer printed.
    lines = api.get(f"/api/v1/cases/{case['id']}/receipt", headers=clerk).json()
    assert lines[0].splitlines()[:6] == receipts[0].text.splitlines()[:6]


def test_printer_fault_is_a_clear_409(api: TestClient, world: World, sim_printer: Any) -> None:
    from hardware_sim import Fault

    case = _register(api, world)
    api.put(
        "/api/v1/offices/central/case-settings",
        json={"printers": {"*": sim_printer.sim_url}},
        headers=world.auth("manager"),
    )
    sim_printer.set_fault(Fault.PAPER_OUT)
    response = api.post(f"/api/v1/cases/{case['id']}/receipt/print", headers=world.auth("clerk1"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "print_failed"


def test_receipt_pdf_reads_back(api: TestClient, world: World) -> None:
    case = _register(api, world)
    response = api.get(f"/api/v1/cases/{case['id']}/receipt.pdf", headers=world.auth("clerk1"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert "РАСПИСКА В ПОЛУЧЕНИИ ДОКУМЕНТОВ" in first
    assert "Экземпляр заявителя" in first
    assert "Экземпляр МФЦ" in reader.pages[1].extract_text()
    assert "Иванов Иван Иванович" in first
    assert case["registration_number"] in first
    assert (
        api.get(f"/api/v1/cases/{case['id']}/receipt.pdf", headers=world.auth("north_clerk"))
    ).status_code == 403


def test_issuance_receipt_after_issue(api: TestClient, world: World, sim_printer: Any) -> None:
    case = _register(api, world)
    clerk = world.auth("clerk1")
    assert (
        api.get(f"/api/v1/cases/{case['id']}/issuance-receipt.pdf", headers=clerk).status_code
        == 404
    )
    _ready(api, world, case["id"])
    api.post(f"/api/v1/cases/{case['id']}/issue", json={"identity_checked": True}, headers=clerk)
    pdf = api.get(f"/api/v1/cases/{case['id']}/issuance-receipt.pdf", headers=clerk)
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "РАСПИСКА В ПОЛУЧЕНИИ РЕЗУЛЬТАТА" in text and case["registration_number"] in text
    api.put(
        "/api/v1/offices/central/case-settings",
        json={"printers": {"*": sim_printer.sim_url}},
        headers=world.auth("manager"),
    )
    assert (
        api.post(f"/api/v1/cases/{case['id']}/issuance-receipt/print", headers=clerk).status_code
        == 200
    )
    (receipt,) = sim_printer.printer.wait_for_receipts(1, timeout=DEVICE_SECONDS)
    assert "Результат получил(а)" in receipt.text


def test_serial_scanner_at_the_window_finds_the_case(api: TestClient, world: World) -> None:
    case = _register(api, world)
    _ready(api, world, case["id"])
    serve(api, world, "clerk3", 3, "results")
    with VirtualScanner() as scanner, open_scanner(scanner.url, timeout=5) as port:
        bridge = ScannerBridge(port, api, office="central", window=3, token=world.tokens["clerk3"])
        scanner.scan(case["registration_number"])
        answer = bridge.run_once()
        assert answer is not None
        assert [c["id"] for c in answer["cases"]] == [case["id"]]
        assert answer["cases"][0]["status"] == "ready"
        # The status link's QR works as well; an unknown code finds nothing.
        scanner.scan(case["status_url"])
        assert [c["id"] for c in bridge.run_once()["cases"]] == [case["id"]]  # type: ignore[index]
        scanner.scan("99-2026/000999")
        assert bridge.run_once()["cases"] == []  # type: ignore[index]
    events = api.get("/api/v1/offices/central/events", headers=world.auth("clerk3")).json()
    scans = [e["payload"] for e in events if e["type"] == "case.scanned"]
    assert [(s["window"], s["found"]) for s in scans] == [(3, True), (3, True), (3, False)]
    assert scans[0]["case_ids"] == [case["id"]]


def test_agency_cli_completes_the_flow(api: TestClient, world: World) -> None:
    case = _register(api, world)
    url = str(world.db.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    number = case["registration_number"]
    sent = runner.invoke(
        main, ["case", "--database-url", url, "sent", number, "--incoming-number", "МВД-1"]
    )
    assert sent.exit_code == 0, sent.output
    assert sent.output.strip() == f"{number}: sent_to_agency"
    again = runner.invoke(main, ["case", "--database-url", url, "sent", number])
    assert again.exit_code == 2 and "передано в орган" in again.output
    got = runner.invoke(main, ["case", "--database-url", url, "result", number])
    assert got.exit_code == 0 and got.output.strip() == f"{number}: ready"
    shown = runner.invoke(main, ["case", "--database-url", url, "show", number])
    assert "Иванов" not in shown.output
    # In Russian, in the office's time: "  23.11.2026 10:05 (UTC+0300)  зарегистрировано  …"
    steps = [line.split("  ")[2] for line in shown.output.splitlines()[2:]]
    assert steps == [
        "зарегистрировано",
        "передано в орган",
        "результат поступил в МФЦ",
        "готово к выдаче",
    ]
    body = api.get(f"/api/v1/cases/{case['id']}", headers=world.auth("clerk1")).json()
    assert body["status"] == "ready" and body["agency_incoming_number"] == "МВД-1"
    missing = runner.invoke(main, ["case", "--database-url", url, "show", "1-2026/999999"])
    assert missing.exit_code == 2 and "Дела с регистрационным номером" in missing.output
