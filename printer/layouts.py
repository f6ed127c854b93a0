"""Data-driven layouts: queue ticket, intake receipt/inventory (R9), issuance receipt (R13).

Each layout takes a plain data object and a paper width and returns a
:class:`~printer.document.Document`; ``render_*`` turn that into ESC/POS bytes and
:func:`render_lines` into the text a screen can show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from printer.commands import Align
from printer.document import CHAR_DOTS, Document, paper_for, to_escpos, to_text

DATE_FORMAT = "%d.%m.%Y"
DATETIME_FORMAT = "%d.%m.%Y %H:%M"


COPY_APPLICANT = "Экземпляр заявителя"
COPY_OFFICE = "Экземпляр МФЦ"


@dataclass(frozen=True)
class TicketData:
    """What a queue ticket shows."""

    office_name: str
    number: str
    service_name: str
    issued_at: datetime
    people_ahead: int
    status_url: str
    estimated_wait: timedelta | None = None
    # No open window serves the service now: printed instead of a wait.
    no_open_window: bool = False
    # The office's text (the server's rules give the default, the R1 promise); none if empty.
    footer: str = ""
    # The priority category the ticket was taken in, for the clerk to see; none if empty.
    priority_category: str = ""
    # The document that proves the category, which the clerk checks; none if empty.
    priority_proof: str = ""


@dataclass(frozen=True)
class AcceptedDocument:
    """One line of the inventory: a document taken from the applicant."""

    name: str
    original: bool
    sheets: int
    copies: int = 1


@dataclass(frozen=True)
class IntakeReceiptData:
    """What the intake receipt and inventory of documents shows (R9)."""

    office_name: str
    registration_number: str
    registered_at: datetime
    applicant: str
    service_name: str
    documents: Sequence[AcceptedDocument]
    due_date: date
    clerk: str
    service_variant: str | None = None
    representative: str | None = None
    agency: str | None = None


@dataclass(frozen=True)
class IssuanceReceiptData:
    """What the issuance receipt shows (R13): the applicant signs it."""

    office_name: str
    case_number: str
    issued_at: datetime
    applicant: str
    issued_items: Sequence[str]
    clerk: str
    service_name: str | None = None
    representative: str | None = None
    extra_lines: Sequence[str] = field(default_factory=tuple)


def plural(n: int, one: str, few: str, many: str) -> str:
    """Pick the Russian plural form for ``n`` (1 человек, 2 человека, 5 человек)."""
    tail100, tail10 = abs(n) % 100, abs(n) % 10
    if tail10 == 1 and tail100 != 11:
        return one
    if 2 <= tail10 <= 4 and not 12 <= tail100 <= 14:
        return few
    return many


def _minutes(delta: timedelta) -> int:
    """Round a wait up to whole minutes, so the ticket never promises less than expected."""
    seconds = max(0, int(delta.total_seconds()))
    return (seconds + 59) // 60


def _number_size(number: str, dots: int) -> int:
    """Largest ESC/POS magnification (1..8) at which the ticket number fits on one line."""
    return max(1, min(8, dots // (max(1, len(number)) * CHAR_DOTS)))


def build_ticket(data: TicketData, width: int = 80) -> Document:
    """Lay out a queue ticket."""
    doc = Document(paper_for(width))
    doc.line(data.office_name, align=Align.CENTER, bold=True)
    doc.rule()
    doc.line("ТАЛОН", align=Align.CENTER)
    size = _number_size(data.number, doc.paper.dots)
    doc.line(data.number, align=Align.CENTER, bold=True, size=size)
    doc.line(data.service_name, align=Align.CENTER, bold=True)
    if data.priority_category:
        doc.line(f"Льгота: {data.priority_category}", align=Align.CENTER, bold=True)
        if data.priority_proof:
            doc.line(f"Предъявите в окне: {data.priority_proof}", align=Align.CENTER)
    doc.blank()
    doc.columns_pair("Выдан:", data.issued_at.strftime(DATETIME_FORMAT))
    ahead = data.people_ahead
    doc.columns_pair("Перед вами:", f"{ahead} {plural(ahead, 'человек', 'человека', 'человек')}")
    if data.no_open_window:
        doc.columns_pair("Ожидание:", "окна сейчас закрыты")
    elif data.estimated_wait is not None:
        doc.columns_pair("Ожидание:", f"~{_minutes(data.estimated_wait)} мин.")
    doc.blank()
    doc.qr(data.status_url)
    doc.blank()
    doc.line("Статус талона — по QR-коду", align=Align.CENTER)
    if data.footer:
        doc.rule()
        doc.line(data.footer, align=Align.CENTER)
    doc.cut()
    return doc


def _document_line(item: AcceptedDocument) -> str:
    """Describe one accepted document: original/copy and sheet count."""
    kind = "оригинал" if item.original else "копия"
    if item.copies > 1:
        return f"{item.name} — {kind}, {item.copies}\u00a0экз. по {item.sheets}\u00a0л."
    return f"{item.name} — {kind}, {item.sheets}\u00a0л."


def _intake_copy(doc: Document, data: IntakeReceiptData, copy_label: str) -> None:
    """Append one copy of the intake receipt to the document."""
    doc.line(data.office_name, align=Align.CENTER, bold=True)
    doc.rule()
    doc.line("РАСПИСКА В ПОЛУЧЕНИИ ДОКУМЕНТОВ", align=Align.CENTER, bold=True)
    doc.line("(опись принятых документов)", align=Align.CENTER)
    doc.line(copy_label, align=Align.CENTER, invert=True)
    doc.blank()
    doc.field("Рег. номер", data.registration_number, bold_value=True)
    doc.field("Дата и время", data.registered_at.strftime(DATETIME_FORMAT))
    doc.field("Заявитель", data.applicant)
    if data.representative:
        doc.field("Представитель", data.representative)
    doc.field("Услуга", data.service_name)
    if data.service_variant:
        doc.field("Вариант", data.service_variant)
    if data.agency:
        doc.field("Орган", data.agency)
    doc.rule()
    doc.line("Приняты документы:", bold=True)
    for number, item in enumerate(data.documents, start=1):
        doc.item(f"{number}.", _document_line(item))
    sheets = sum(d.sheets * d.copies for d in data.documents)
    count = len(data.documents)
    doc.line(
        f"Всего: {count} {plural(count, 'документ', 'документа', 'документов')}, "
        f"{sheets} {plural(sheets, 'лист', 'листа', 'листов')}"
    )
    doc.rule()
    doc.field("Срок предоставления услуги", f"до {data.due_date.strftime(DATE_FORMAT)}")
    doc.field("Документы принял", data.clerk)
    doc.blank()
    doc.signature("Подпись специалиста:")
    doc.blank()
    doc.signature("Документы сдал(а):")
    doc.blank()
    doc.qr(data.registration_number)
    doc.blank()
    doc.barcode(data.registration_number)
    doc.line(data.registration_number, align=Align.CENTER)
    doc.line("Сохраните расписку до получения результата", align=Align.CENTER)
    doc.cut()


def build_intake_receipt(data: IntakeReceiptData, width: int = 80) -> Document:
    """Lay out the intake receipt/inventory in two copies: the applicant's and the office's."""
    doc = Document(paper_for(width))
    _intake_copy(doc, data, COPY_APPLICANT)
    _intake_copy(doc, data, COPY_OFFICE)
    return doc


def build_issuance_receipt(data: IssuanceReceiptData, width: int = 80) -> Document:
    """Lay out the issuance receipt that the applicant signs when taking the result."""
    doc = Document(paper_for(width))
    doc.line(data.office_name, align=Align.CENTER, bold=True)
    doc.rule()
    doc.line("РАСПИСКА В ПОЛУЧЕНИИ РЕЗУЛЬТАТА", align=Align.CENTER, bold=True)
    doc.blank()
    doc.field("Дело №", data.case_number, bold_value=True)
    doc.field("Дата выдачи", data.issued_at.strftime(DATETIME_FORMAT))
    doc.field("Заявитель", data.applicant)
    if data.representative:
        doc.field("Представитель", data.representative)
    if data.service_name:
        doc.field("Услуга", data.service_name)
    doc.rule()
    doc.line("Выдано:", bold=True)
    for number, item in enumerate(data.issued_items, start=1):
        doc.item(f"{number}.", item)
    for extra in data.extra_lines:
        doc.line(extra)
    doc.rule()
    doc.line("Результат получил(а), претензий не имею.")
    doc.blank(2)
    half = doc.paper.columns // 2 - 2
    doc.line(f"{'_' * half} / {'_' * half}")
    doc.line(f"{'(подпись)':^{half}}   {'(расшифровка)':^{half}}".rstrip())
    doc.blank()
    doc.field("Выдал", data.clerk)
    doc.signature("Подпись специалиста:")
    doc.cut()
    return doc


def render_ticket(data: TicketData, width: int = 80, profile: Any = None) -> bytes:
    """Return the ESC/POS bytes of a queue ticket."""
    return to_escpos(build_ticket(data, width), profile)


def render_intake_receipt(data: IntakeReceiptData, width: int = 80, profile: Any = None) -> bytes:
    """Return the ESC/POS bytes of both copies of the intake receipt."""
    return to_escpos(build_intake_receipt(data, width), profile)


def render_issuance_receipt(
    data: IssuanceReceiptData, width: int = 80, profile: Any = None
) -> bytes:
    """Return the ESC/POS bytes of an issuance receipt."""
    return to_escpos(build_issuance_receipt(data, width), profile)


def render_text(doc: Document) -> list[str]:
    """Return each cut receipt of the document as the text printed on it."""
    return to_text(doc)


def render_lines(doc: Document) -> list[str]:
    """Return every text line of the document, for showing a ticket on screen."""
    lines: list[str] = []
    for receipt in to_text(doc):
        lines.extend(receipt.split("\n"))
    return lines
