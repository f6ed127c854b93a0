"""The wait-limit breaches of a period: one row per wait that ran past its limit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

from admin.reports.scope import Scope, ticket_scope
from admin.reports.sql import seconds_between
from admin.reports.tables import Column, Table, int_or_none
from queue_server.auth.models import User
from queue_server.catalogue.models import Service
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket, WaitBreach
from queue_server.windows.models import Window

_COLUMNS = [
    Column("office", "Офис", "Office"),
    Column("day", "Дата", "Date"),
    Column("number", "Талон", "Ticket"),
    Column("service", "Услуга", "Service"),
    Column("window", "Окно", "Window", "int"),
    Column("clerk", "Сотрудник", "Clerk"),
    Column("waiting_since", "Ожидает с (местное)", "Waiting since (local)"),
    Column("deadline", "Срок", "Deadline"),
    Column("called_at", "Вызван", "Called at"),
    Column("late_s", "Опоздание", "Late by", "seconds"),
]


def _breach_query(scope: Scope, limit: int, *, counted: bool) -> Select[*tuple[Any, ...]]:
    """The first `limit` breaches of the scope, with the total count on every row unless
    it is known already (`counted`: the roll-ups have it, and the index then stops after
    `limit` rows instead of reading every breach of the period)."""
    lo, hi = scope.utc_bounds()
    total = literal(0) if counted else func.count().over()
    return (
        select(
            Office.code.label("office"),
            Ticket.day.label("day"),
            Ticket.number.label("number"),
            Service.code.label("service"),
            Window.number.label("window"),
            User.full_name.label("clerk"),
            WaitBreach.waiting_since,
            WaitBreach.deadline,
            WaitBreach.called_at,
            seconds_between(WaitBreach.deadline, WaitBreach.called_at).label("late_s"),
            total.label("total"),
        )
        .join(Ticket, Ticket.id == WaitBreach.ticket_id)
        .join(Office, Office.id == WaitBreach.office_id)
        .join(Service, Service.id == WaitBreach.service_id)
        .outerjoin(Window, Window.id == WaitBreach.window_id)
        .outerjoin(User, User.id == WaitBreach.clerk_id)
        .where(
            ticket_scope(scope),
            # The range lets ix_wait_breaches_report (migration 0006) find the period.
            WaitBreach.office_id.in_(scope.office_ids),
            WaitBreach.waiting_since >= lo,
            WaitBreach.waiting_since < hi,
        )
        .order_by(WaitBreach.waiting_since, WaitBreach.id)
        .limit(limit)
    )


def wait_breaches(
    session: Session, scope: Scope, *, limit: int = 1000, total: int | None = None
) -> Table:
    """Waits past their limit: ticket → service → window → clerk → how late, as they began.

    `total`: the number of breaches of the period when already known (the roll-ups')."""
    offsets = scope.offsets()
    codes = {o.code: o.id for o in scope.offices}

    def local(at: datetime | None, office: str) -> str | None:
        # Formatting only: the clock time the office saw, as on its board.
        if at is None:
            return None
        return (at + timedelta(seconds=offsets[codes[office]])).strftime("%H:%M:%S")

    rows = []
    counted = total is not None
    total = total or 0
    for r in session.connection().execute(_breach_query(scope, limit, counted=counted)):
        if not counted:
            total = int(r.total)
        rows.append(
            {
                "office": r.office,
                "day": r.day.isoformat(),
                "number": r.number,
                "service": r.service,
                "window": r.window,
                "clerk": r.clerk,
                "waiting_since": local(r.waiting_since, r.office),
                "deadline": local(r.deadline, r.office),
                "called_at": local(r.called_at, r.office),
                "late_s": int_or_none(r.late_s),
            }
        )
    note = f"Превышений: {total}" + (f"; показаны первые {limit}" if total > limit else "")
    return Table(
        "breaches",
        "Превышения времени ожидания",
        "Wait-limit breaches",
        list(_COLUMNS),
        rows,
        note=note,
    )
