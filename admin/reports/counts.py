"""Counts per office: tickets by how they ended, bookings by outcome."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from admin.reports.scope import Scope, ticket_scope
from admin.reports.tables import Column, Table
from queue_server.bookings.models import Booking
from queue_server.offices.models import Office
from queue_server.tickets.models import CANCELLED, DONE, NO_SHOW, Ticket

_COUNT_COLUMNS = [
    Column("office", "Офис", "Office"),
    Column("issued", "Выдано", "Issued", "int"),
    Column("served", "Обслужено", "Served", "int"),
    Column("no_show", "Неявка", "No-show", "int"),
    Column("cancelled", "Отменено", "Cancelled", "int"),
    Column("redirected", "Перенаправлено", "Redirected", "int"),
    Column("open", "Не завершено", "Still open", "int"),
]
_BOOKING_COLUMNS = [
    Column("office", "Офис", "Office"),
    Column("status", "Исход", "Outcome"),
    Column("n", "Записей", "Bookings", "int"),
]


def ticket_counts(session: Session, scope: Scope) -> Table:
    """Tickets issued, served, no-show, cancelled, redirected and still open, per office."""
    status_sum = lambda status: func.sum(case((Ticket.status == status, 1), else_=0))  # noqa: E731
    query = (
        select(
            Office.code.label("office"),
            func.count().label("issued"),
            status_sum(DONE).label("served"),
            status_sum(NO_SHOW).label("no_show"),
            status_sum(CANCELLED).label("cancelled"),
            func.sum(case((Ticket.redirect_count > 0, 1), else_=0)).label("redirected"),
            func.sum(case((Ticket.status.in_(("waiting", "called", "serving")), 1), else_=0)).label(
                "open"
            ),
        )
        .join(Office, Office.id == Ticket.office_id)
        .where(ticket_scope(scope))
        .group_by(Office.code)
        .order_by(Office.code)
    )
    cols = ["issued", "served", "no_show", "cancelled", "redirected", "open"]
    rows = [
        {"office": r.office, **{c: int(getattr(r, c) or 0) for c in cols}}
        for r in session.execute(query)
    ]
    return Table("counts", "Талоны", "Tickets", list(_COUNT_COLUMNS), rows)


def counts_table(scope: Scope, per_office: dict[int, dict[str, int]]) -> Table:
    """The same table from counts per office id (the roll-ups'): offices with tickets."""
    codes = {o.id: o.code for o in scope.offices}
    rows: list[dict[str, Any]] = []
    for office_id, c in per_office.items():
        if c["issued"] > 0:
            rows.append(
                {
                    "office": codes[office_id],
                    **{k: c[k] for k in ("issued", "served", "no_show", "cancelled")},
                    "redirected": c["redirected"],
                    "open": c["open_tickets"],
                }
            )
    rows.sort(key=lambda r: str(r["office"]))
    return Table("counts", "Талоны", "Tickets", list(_COUNT_COLUMNS), rows)


def booking_outcomes(session: Session, scope: Scope) -> Table:
    """Bookings whose slot falls in the period, by outcome (booked, checked in, no-show…)."""
    lo, hi = scope.utc_bounds()
    query = (
        select(Office.code.label("office"), Booking.status, func.count().label("n"))
        .join(Office, Office.id == Booking.office_id)
        .where(
            Booking.office_id.in_(scope.office_ids),
            Booking.slot_start >= lo,
            Booking.slot_start < hi,
        )
        .group_by(Office.code, Booking.status)
        .order_by(Office.code, Booking.status)
    )
    rows = [{"office": r.office, "status": r.status, "n": int(r.n)} for r in session.execute(query)]
    return Table(
        "booking_outcomes", "Записи по исходу", "Bookings by outcome", list(_BOOKING_COLUMNS), rows
    )
