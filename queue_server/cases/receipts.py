"""Receipts of a case: intake receipt/inventory (two copies) and issuance receipt.

The thermal layouts come from the ``printer`` package; the same documents are
rendered to PDF with fpdf2 (DejaVu Sans Mono, so Cyrillic prints as on paper).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from sqlalchemy.orm import Session

from printer import (
    AcceptedDocument,
    Document,
    IntakeReceiptData,
    IssuanceReceiptData,
    PrinterError,
    build_intake_receipt,
    build_issuance_receipt,
    open_printer,
    render_text,
)
from printer.document import Cut, QrBlock, qr_image
from queue_server.auth.models import User
from queue_server.cases.exceptions import PrintFailed
from queue_server.cases.models import Case, CaseSettings, Issuance
from queue_server.catalogue.models import Agency, Service, ServiceVariant
from queue_server.errors import Conflict
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office

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


def status_url(public_url: str, case: Case) -> str:
    """The public progress page of the case (R15)."""
    return f"{public_url.rstrip('/')}/c/{case.status_code}"


def _clerk_name(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return (user.full_name or user.username) if user else "—"


def intake_receipt_data(*, session: Session, case: Case) -> IntakeReceiptData:
    """What the intake receipt shows, in the office's local time."""
    office = session.get(Office, case.office_id)
    service = session.get(Service, case.service_id)
    agency = session.get(Agency, case.agency_id)
    variant = session.get(ServiceVariant, case.variant_id) if case.variant_id else None
    assert office is not None and service is not None
    representative = None
    if case.representative_name:
        representative = f"{case.representative_name} ({case.representative_authority})"
    return IntakeReceiptData(
        office_name=office.name,
        registration_number=case.registration_number,
        registered_at=local_now(office, case.registered_at).replace(tzinfo=None),
        applicant=f"{case.applicant_name}, {case.applicant_document_type} "
        f"{case.applicant_document_number}",
        service_name=service.name_ru,
        documents=[
            AcceptedDocument(name=d.name, original=d.original, sheets=d.sheets, copies=d.copies)
            for d in case.documents
        ],
        # No term configured: the receipt says the date the case goes to the agency.
        due_date=case.due_date or case.transfer_due,
        clerk=_clerk_name(session, case.registered_by),
        service_variant=variant.name_ru if variant else None,
        representative=representative,
        agency=agency.name if agency else None,
    )


def issuance_receipt_data(
    *, session: Session, case: Case, issuance: Issuance
) -> IssuanceReceiptData:
    """What the issuance receipt shows."""
    office = session.get(Office, case.office_id)
    service = session.get(Service, case.service_id)
    assert office is not None and service is not None
    representative = None
    if issuance.representative_authority:
        representative = f"{issuance.recipient_name} ({issuance.representative_authority})"
    return IssuanceReceiptData(
        office_name=office.name,
        case_number=case.registration_number,
        issued_at=local_now(office, issuance.issued_at).replace(tzinfo=None),
        applicant=case.applicant_name,
        issued_items=list(issuance.items),
        clerk=_clerk_name(session, issuance.clerk_id),
        service_name=service.name_ru,
        representative=representative,
    )


def with_status_link(doc: Document, url: str) -> Document:
    """Add the public status link (text and QR) before every cut of the receipt (R15)."""
    blocks: list[object] = []
    extra = Document(doc.paper)
    extra.line("Ход рассмотрения дела:")
    extra.line(url)
    extra.qr(url)
    extra.blank()
    for block in doc.blocks:
        if isinstance(block, Cut):
            blocks.extend(extra.blocks)
        blocks.append(block)
    return replace(doc, blocks=blocks)  # type: ignore[arg-type]


def intake_document(*, session: Session, case: Case, public_url: str, width: int = 80) -> Document:
    """Both copies of the intake receipt, each with the status link."""
    doc = build_intake_receipt(intake_receipt_data(session=session, case=case), width)
    return with_status_link(doc, status_url(public_url, case))


def issuance_document(
    *, session: Session, case: Case, issuance: Issuance, width: int = 80
) -> Document:
    """The issuance receipt the applicant signs."""
    return build_issuance_receipt(
        issuance_receipt_data(session=session, case=case, issuance=issuance), width
    )


def receipt_texts(doc: Document) -> list[str]:
    """The text of each cut receipt, as printed."""
    return render_text(doc)


def to_pdf(doc: Document, *, title: str) -> bytes:
    """Each receipt of the document on its own A4 page, monospaced as on paper, with QR codes."""
    font = find_pdf_font()
    if font is None:
        raise Conflict(
            f"No {FONT_FILE} found for the PDF (install the fonts-dejavu-core package or set "
            "MFCQ_PDF_FONT); print the receipt instead.",
            code="pdf_font_missing",
        )
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("mfc-queue")
    pdf.add_font("receipt", fname=str(font))
    pdf.set_auto_page_break(auto=True, margin=15)
    pieces: list[list[object]] = [[]]
    for block in doc.blocks:
        if isinstance(block, Cut):
            pieces.append([])
        else:
            pieces[-1].append(block)
    pieces = [p for p in pieces if p]
    for piece in pieces:
        pdf.add_page()
        pdf.set_font("receipt", size=10)
        _pdf_blocks(pdf, piece, doc)
    return bytes(pdf.output())


def _pdf_blocks(pdf: FPDF, blocks: Iterable[object], doc: Document) -> None:
    from printer.document import Feed, TextLine, line_text

    for block in blocks:
        if isinstance(block, TextLine):
            pdf.cell(0, 5, line_text(block, doc.paper), new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Feed):
            pdf.ln(5 * block.lines)
        elif isinstance(block, QrBlock):
            image = qr_image(block.data, 4)
            pdf.image(image, x=pdf.l_margin + 40, w=30, h=30)


def print_document(*, settings: CaseSettings, window_number: int | None, doc: Document) -> str:
    """Print on the workplace's printer; the URL used. Printer trouble → a clear 409."""
    printers = settings.printers or {}
    url = printers.get(str(window_number)) if window_number is not None else None
    url = url or printers.get("*")
    if not url:
        raise Conflict(
            "No receipt printer is configured for "
            + (f"window {window_number}" if window_number is not None else "your workplace")
            + " (case settings → printers); download the PDF instead.",
            code="no_printer",
        )
    try:
        with open_printer(url, timeout=2.0, job_timeout=20.0) as printer:
            printer.print_document(doc)
    except PrinterError as exc:
        raise PrintFailed(f"The receipt was not printed: {exc}") from exc
    return url
