"""Receipts of a case: intake receipt/inventory (two copies) and issuance receipt.

The thermal layouts come from the ``printer`` package; the same documents are
rendered to PDF with fpdf2 (DejaVu Sans Mono, so Cyrillic prints as on paper).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.cases.exceptions import PrintFailed
from queue_server.cases.lookup import issuance_of, window_of
from queue_server.cases.models import Case, CaseSettings, Issuance
from queue_server.cases.office_settings import case_settings
from queue_server.cases.presenters import status_url, user_name
from queue_server.errors import Conflict
from queue_server.offices.calendar import local_now
from queue_server.outbound import OutboundRefused, OutboundRules, printer_target

# The printer package (python-escpos, Pillow, qrcode, pyserial: ~10 MiB) is imported by the
# first receipt, not at start-up; a worker that never prints one never loads it.
if TYPE_CHECKING:
    from fpdf import FPDF

    from printer import Document, IntakeReceiptData, IssuanceReceiptData

FONT_FILE = "DejaVuSansMono.ttf"
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian/Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu",  # Fedora, Arch
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)


@lru_cache(maxsize=1)
def find_pdf_font() -> Path | None:
    """DejaVu Sans Mono: $MFCQ_PDF_FONT, then known directories, then a search of the fonts."""
    explicit = os.environ.get("MFCQ_PDF_FONT")
    if explicit and Path(explicit).is_file():
        return Path(explicit)
    for folder in FONT_DIRS:
        candidate = Path(folder) / FONT_FILE
        if candidate.is_file():
            return candidate
    for root in ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts")):
        found = next(Path(root).rglob(FONT_FILE), None) if Path(root).is_dir() else None
        if found is not None:
            return found
    return None


def intake_receipt_data(case: Case) -> IntakeReceiptData:
    """What the intake receipt shows, in the office's local time (R9)."""
    from printer import AcceptedDocument, IntakeReceiptData

    representative = None
    if case.representative_name:
        representative = f"{case.representative_name} ({case.representative_authority})"
    return IntakeReceiptData(
        office_name=case.office.name,
        registration_number=case.registration_number,
        registered_at=local_now(case.office, case.registered_at).replace(tzinfo=None),
        applicant=f"{case.applicant_name}, {case.applicant_document_type} "
        f"{case.applicant_document_number}",
        service_name=case.service.name_ru,
        documents=[
            AcceptedDocument(name=d.name, original=d.original, sheets=d.sheets, copies=d.copies)
            for d in case.documents
        ],
        # No term configured: the receipt says the date the case goes to the agency.
        due_date=case.due_date or case.transfer_due,
        clerk=user_name(case.registrar),
        service_variant=case.variant.name_ru if case.variant else None,
        representative=representative,
        agency=case.agency.name if case.agency else None,
    )


def issuance_receipt_data(case: Case, issuance: Issuance) -> IssuanceReceiptData:
    """What the issuance receipt shows (R13)."""
    from printer import IssuanceReceiptData

    representative = None
    if issuance.representative_authority:
        representative = f"{issuance.recipient_name} ({issuance.representative_authority})"
    return IssuanceReceiptData(
        office_name=case.office.name,
        case_number=case.registration_number,
        issued_at=local_now(case.office, issuance.issued_at).replace(tzinfo=None),
        applicant=case.applicant_name,
        issued_items=list(issuance.items),
        clerk=user_name(issuance.clerk),
        service_name=case.service.name_ru,
        representative=representative,
    )


def with_status_link(doc: Document, url: str) -> Document:
    """Add the public status link (text and QR) before every cut of the receipt (R15)."""
    from printer import Cut, Document

    link = Document(doc.paper).line("Ход рассмотрения дела:").line(url).qr(url).blank()
    linked = Document(doc.paper)
    for block in doc.blocks:
        if isinstance(block, Cut):
            linked.blocks.extend(link.blocks)
        linked.blocks.append(block)
    return linked


def intake_document(case: Case, *, public_url: str, width: int = 80) -> Document:
    """Both copies of the intake receipt, each with the status link."""
    from printer import build_intake_receipt

    doc = build_intake_receipt(intake_receipt_data(case), width)
    return with_status_link(doc, status_url(public_url, case))


def issuance_document(case: Case, issuance: Issuance, *, width: int = 80) -> Document:
    """The issuance receipt the applicant signs."""
    from printer import build_issuance_receipt

    return build_issuance_receipt(issuance_receipt_data(case, issuance), width)


def receipt_texts(case: Case, *, public_url: str) -> list[str]:
    """The text of each cut copy of the intake receipt, as printed (for the screen)."""
    from printer import render_text

    return render_text(intake_document(case, public_url=public_url))


def to_pdf(doc: Document, *, title: str) -> bytes:
    """Each receipt of the document on its own A4 page, monospaced as on paper, with QR codes."""
    from printer import split_receipts

    font = find_pdf_font()
    if font is None:
        raise Conflict(code="pdf_font_missing", font=FONT_FILE)
    from fpdf import FPDF  # here, not at start-up: fpdf2 and fontTools weigh ~20 MiB

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("mfc-queue")
    pdf.add_font("receipt", fname=str(font))
    pdf.set_auto_page_break(auto=True, margin=15)
    for piece in split_receipts(doc):
        if not piece:
            continue  # two cuts in a row make no empty page
        pdf.add_page()
        pdf.set_font("receipt", size=10)
        _pdf_blocks(pdf, piece, doc)
    return bytes(pdf.output())


def _pdf_blocks(pdf: FPDF, blocks: Iterable[object], doc: Document) -> None:
    from printer import Feed, QrBlock, TextLine, line_text, qr_image

    for block in blocks:
        if isinstance(block, TextLine):
            pdf.cell(0, 5, line_text(block, doc.paper), new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Feed):
            pdf.ln(5 * block.lines)
        elif isinstance(block, QrBlock):
            image = qr_image(block.data, 4)
            pdf.image(image, x=pdf.l_margin + 40, w=30, h=30)


def intake_receipt_pdf(case: Case, *, public_url: str) -> bytes:
    """Both copies of the intake receipt/inventory as a PDF."""
    doc = intake_document(case, public_url=public_url)
    return to_pdf(doc, title=f"Расписка {case.registration_number}")


def issuance_receipt_pdf(*, session: Session, case: Case) -> bytes:
    """The issuance receipt as a PDF; 404 while the case is not issued."""
    doc = issuance_document(case, issuance_of(session=session, case=case))
    return to_pdf(doc, title=f"Выдача {case.registration_number}")


def print_document(
    *, settings: CaseSettings, window_number: int | None, doc: Document, rules: OutboundRules
) -> str:
    """Print on the workplace's printer; the URL used. Printer trouble → a clear 409."""
    from printer import PrinterError, open_printer

    printers = settings.printers or {}
    url = printers.get(str(window_number)) if window_number is not None else None
    url = url or printers.get("*")
    if not url:
        if window_number is None:
            raise Conflict(code="no_printer", key="no_printer.workplace")
        raise Conflict(code="no_printer", window=window_number)
    try:
        # Checked again at use: the URL may be older than the operator's rule, or its host
        # name may point elsewhere now; the printer opened is the one that was checked.
        target = printer_target(url, rules)
    except OutboundRefused as exc:
        raise Conflict(code="printer_not_allowed", reason=exc.message) from None
    try:
        with open_printer(target, timeout=2.0, job_timeout=20.0) as printer:
            printer.print_document(doc)
    except PrinterError as exc:
        raise PrintFailed(f"receipt printer failed: {exc}") from exc
    return url


def _print_at_workplace(
    *, session: Session, case: Case, principal: Principal, doc: Document, rules: OutboundRules
) -> str:
    """Print the document on the clerk's workplace printer; the printer URL used."""
    settings = case_settings(session=session, office_id=case.office_id)
    window_number = window_of(session=session, principal=principal)
    # Nothing was written: end the transaction before talking to the printer, so a slow
    # or silent printer never holds the database (SQLite's single write slot) meanwhile.
    session.commit()
    return print_document(settings=settings, window_number=window_number, doc=doc, rules=rules)


def print_intake_receipt(
    *, session: Session, case: Case, principal: Principal, public_url: str, rules: OutboundRules
) -> str:
    """Print both copies of the intake receipt at the clerk's workplace; the printer URL."""
    doc = intake_document(case, public_url=public_url)
    return _print_at_workplace(
        session=session, case=case, principal=principal, doc=doc, rules=rules
    )


def print_issuance_receipt(
    *, session: Session, case: Case, principal: Principal, rules: OutboundRules
) -> str:
    """Print the issuance receipt for the applicant's signature (R13); the printer URL."""
    doc = issuance_document(case, issuance_of(session=session, case=case))
    return _print_at_workplace(
        session=session, case=case, principal=principal, doc=doc, rules=rules
    )
