"""Sample tickets and receipts for the demo, the docs images and tests.

``python -m tests.printer.samples DIR`` prints each sample through a virtual
printer over TCP and writes the PNGs (this is how ``docs/img`` is made).
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from printer.layouts import AcceptedDocument, IntakeReceiptData, IssuanceReceiptData, TicketData

OFFICE = "МФЦ «Мои документы» Центрального района"


def sample_ticket() -> TicketData:
    """A kiosk ticket for a registration service."""
    return TicketData(
        office_name=OFFICE,
        number="А015",
        service_name="Регистрация по месту жительства",
        issued_at=datetime(2025, 11, 21, 9, 15),
        people_ahead=3,
        estimated_wait=timedelta(minutes=11, seconds=20),
        status_url="https://mfc.example.ru/t/8f3a2c1b",
        footer="Ожидание в очереди — не более 15 минут",  # what the server sends by default
    )


def sample_intake_receipt() -> IntakeReceiptData:
    """An intake receipt with originals, copies and a representative."""
    return IntakeReceiptData(
        office_name=OFFICE,
        registration_number="12-2025/000123",
        registered_at=datetime(2025, 11, 21, 10, 42),
        applicant="Иванов Иван Иванович",
        representative="Сидорова Мария Петровна, доверенность № 77 АБ 1234567",
        service_name="Государственная регистрация прав на недвижимое имущество",
        service_variant="Переход права собственности по договору",
        agency="Управление Росреестра по г. Москве",
        documents=(
            AcceptedDocument("Заявление о государственной регистрации", original=True, sheets=2),
            AcceptedDocument("Паспорт гражданина РФ", original=False, sheets=2),
            AcceptedDocument("Договор купли-продажи квартиры", original=True, sheets=4, copies=2),
            AcceptedDocument("Доверенность представителя", original=False, sheets=1),
        ),
        due_date=date(2025, 12, 5),
        clerk="Петрова А. С.",
    )


def sample_issuance_receipt() -> IssuanceReceiptData:
    """An issuance receipt for the case above."""
    return IssuanceReceiptData(
        office_name=OFFICE,
        case_number="12-2025/000123",
        issued_at=datetime(2025, 12, 3, 16, 5),
        applicant="Иванов Иван Иванович",
        service_name="Государственная регистрация прав на недвижимое имущество",
        issued_items=(
            "Выписка из ЕГРН об основных характеристиках и зарегистрированных правах",
            "Договор купли-продажи квартиры с отметкой о регистрации",
        ),
        clerk="Кузнецов Д. В.",
    )


def write_doc_images(out_dir: Path) -> list[Path]:
    """Print the samples on virtual 80 and 58 mm printers over TCP; save PNGs into ``out_dir``."""
    from hardware_sim.endpoints import SimulatedPrinter
    from printer.device import open_printer

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for width in (80, 58):
        with SimulatedPrinter(width=width, tcp_port=0) as sim:
            printer = open_printer(sim.tcp_url, width=width, timeout=5)
            try:
                printer.print_ticket(sample_ticket())
                printer.print_intake_receipt(sample_intake_receipt())
                printer.print_issuance_receipt(sample_issuance_receipt())
            finally:
                printer.close()
            ticket, intake, _office_copy, issuance = sim.printer.wait_for_receipts(4, 10)
            for name, receipt in (
                ("ticket", ticket),
                ("intake-receipt", intake),
                ("issuance-receipt", issuance),
            ):
                written.append(receipt.save_png(out_dir / f"{name}-{width}mm.png"))
    return written


if __name__ == "__main__":
    for path in write_doc_images(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img")):
        print(path)
