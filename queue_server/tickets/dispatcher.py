"""Who is called next: due bookings, then priority categories, then earliest deadline (R4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from queue_server.offices.models import Office
from queue_server.tickets.models import WAITING, Ticket
from queue_server.windows.models import Window, WindowService

DUE_BOOKING, PRIORITY, LIVE, EARLY_BOOKING = 0, 1, 2, 3


def dispatch_class(now: datetime) -> Any:
    """SQL for a waiting ticket's class: a due booking, a priority, live, or an early booking."""
    return case(
        (and_(Ticket.due_at.is_not(None), Ticket.due_at <= now), DUE_BOOKING),
        (Ticket.priority_rank.is_not(None), PRIORITY),
        (Ticket.due_at.is_(None), LIVE),
        # A booking checked in before its slot waits behind the live queue until the
        # slot comes, so an early arrival never jumps a longer-waiting live applicant.
        else_=EARLY_BOOKING,
    )


def queue_order(office: Office, now: datetime) -> list[Any]:
    """ORDER BY terms of the office's policy, for an office-wide view of the queue."""
    if office.dispatch_policy == "fifo":
        return [Ticket.waiting_since, Ticket.id]
    return [
        dispatch_class(now),
        func.coalesce(Ticket.priority_rank, 0),
        Ticket.deadline,
        Ticket.waiting_since,
        Ticket.id,
    ]


def pick_next(*, session: Session, office: Office, window: Window, now: datetime) -> Ticket | None:
    """Lock and return the ticket this window should call now, or None if nobody waits.

    Within a class, the window's primary services (order 1) come before secondary ones;
    then the earliest deadline, ties by the start of the wait. PostgreSQL skips rows
    another window has just locked; SQLite's write lock serialises the whole call.
    """
    stmt = (
        select(Ticket)
        .join(
            WindowService,
            and_(
                WindowService.service_id == Ticket.service_id, WindowService.window_id == window.id
            ),
        )
        .where(Ticket.office_id == office.id, Ticket.status == WAITING)
        .limit(1)
        .with_for_update(skip_locked=True, of=Ticket)
        .execution_options(populate_existing=True)
    )
    if office.dispatch_policy == "fifo":
        stmt = stmt.order_by(Ticket.waiting_since, Ticket.id)
    else:
        stmt = stmt.order_by(
            dispatch_class(now),
            WindowService.order,
            func.coalesce(Ticket.priority_rank, 0),
            Ticket.deadline,
            Ticket.waiting_since,
            Ticket.id,
        )
    return session.scalars(stmt).first()
