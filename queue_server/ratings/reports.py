"""The ratings reports (R8): averages per office, service, window or clerk; low marks; export."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.catalogue.models import Service
from queue_server.offices.models import Office
from queue_server.ratings import rules
from queue_server.ratings.models import Rating
from queue_server.report_scope import check_period as check_report_period
from queue_server.report_scope import offices_to_report
from queue_server.tickets.models import Ticket
from queue_server.windows.models import Window

#: The longest period one report reads, in days between its first and last.
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class Row:
    """One rating with the names the reports show."""

    rating: Rating
    number: str
    office: str
    service: str
    window: int | None
    clerk: str | None

    def marks(self) -> dict[str, int | None]:
        """The five marks by criterion."""
        return {key: getattr(self.rating, key) for key in rules.CRITERIA}


def offices_in_scope(*, session: Session, principal: Principal, codes: list[str]) -> list[Office]:
    """The offices the report covers: those asked for (or all) that the caller may see."""
    principal.require_staff()
    return offices_to_report(session=session, principal=principal, codes=codes)


def check_period(start: date, end: date) -> None:
    """Refuse a period that ends before it starts or is longer than a year."""
    check_report_period(start, end, max_days=MAX_PERIOD_DAYS)


def ratings_of(
    *, session: Session, offices: list[Office], start: date, end: date, low_only: bool = False
) -> list[Row]:
    """The ratings of the offices' tickets of the period's local days, oldest first."""
    query = (
        select(Rating, Ticket.number, Office.name, Service.name_ru, Window.number, User)
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .join(Office, Office.id == Rating.office_id)
        .join(Service, Service.id == Rating.service_id)
        .outerjoin(Window, Window.id == Rating.window_id)
        .outerjoin(User, User.id == Rating.clerk_id)
        .where(Rating.office_id.in_([o.id for o in offices]))
        .where(Rating.day >= start, Rating.day <= end)
        .order_by(Rating.rated_at, Rating.id)
    )
    if low_only:
        query = query.where(Rating.low.is_(True))
    return [
        Row(
            rating=rating,
            number=number,
            office=office,
            service=service,
            window=window,
            clerk=(clerk.full_name or clerk.username) if clerk is not None else None,
        )
        for rating, number, office, service, window, clerk in session.execute(query)
    ]


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def group_key(row: Row, by: str) -> str:
    """The group a rating falls in."""
    if by == "office":
        return row.office
    if by == "service":
        return row.service
    if by == "window":
        return f"{row.office}, окно {row.window}" if row.window is not None else "без окна"
    return row.clerk or "без сотрудника"


def groups(rows: list[Row], by: str) -> list[dict[str, Any]]:
    """Count, low marks and the average of every criterion (and overall) per group."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[group_key(row, by)].append(row)
    out = []
    for key in sorted(grouped):
        members = grouped[key]
        low = sum(1 for r in members if r.rating.low)
        averages = {
            criterion: _average([m for r in members if (m := r.marks()[criterion]) is not None])
            for criterion in rules.CRITERIA
        }
        every = [m for r in members for m in r.marks().values() if m is not None]
        out.append(
            {
                "key": key,
                "ratings": len(members),
                "low": low,
                "low_share": round(low / len(members), 4) if members else None,
                **averages,
                "overall": _average(every),
            }
        )
    return out


EXPORT_HEADER = [
    "Талон",
    "Офис",
    "Услуга",
    "Окно",
    "Сотрудник",
    "Дата талона",
    "Время оценки (UTC)",
    "Источник",
    *rules.CRITERIA.values(),
]


def export_rows(rows: list[Row]) -> list[list[Any]]:
    """The export's rows: ticket, office, service, window, clerk, time, then the marks."""
    return [
        [
            row.number,
            row.office,
            row.service,
            row.window,
            row.clerk or "",
            row.rating.day.isoformat(),
            row.rating.rated_at.strftime("%Y-%m-%d %H:%M:%S"),
            row.rating.source,
            *[m if m is not None else "" for m in row.marks().values()],
        ]
        for row in rows
    ]


def to_csv(rows: list[Row]) -> bytes:
    """The ratings as CSV (UTF-8 with BOM, so that spreadsheets read the Cyrillic)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(EXPORT_HEADER)
    writer.writerows(export_rows(rows))
    return ("\ufeff" + buffer.getvalue()).encode()


def to_xlsx(rows: list[Row]) -> bytes:
    """The ratings as an XLSX sheet (openpyxl)."""
    # Imported here, not at start-up: openpyxl weighs ~25 MiB in every worker.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Оценки"
    sheet.append(EXPORT_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in export_rows(rows):
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
