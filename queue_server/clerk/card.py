"""The current ticket as the clerk must know it: category and the document to check, the
booking's slot, where a redirect or transfer came from, the wait against its limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.bookings.models import Booking
from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.clerk.schemas import (
    BookingOut,
    CameFromOut,
    CategoryOut,
    TicketCardOut,
    WaitOut,
)
from queue_server.tickets.models import Ticket, TicketTransition
from queue_server.windows.models import Window


def _came_from(session: Session, ticket: Ticket) -> CameFromOut | None:
    if ticket.redirect_count == 0:
        return None
    step = session.scalar(
        select(TicketTransition)
        .where(
            TicketTransition.ticket_id == ticket.id,
            TicketTransition.action.in_(("redirect", "transfer")),
        )
        .order_by(TicketTransition.id.desc())
        .limit(1)
    )
    if step is None:
        return None
    detail = step.detail or {}
    # A redirect stores the service it left; a transfer keeps the service.
    from_code = detail.get("from_service")
    service = (
        session.scalar(select(Service).where(Service.code == from_code)) if from_code else None
    )
    before = session.scalar(
        select(TicketTransition.clerk_id)
        .where(TicketTransition.ticket_id == ticket.id, TicketTransition.id < step.id)
        .where(TicketTransition.clerk_id.is_not(None))
        .order_by(TicketTransition.id.desc())
        .limit(1)
    )
    clerk_id = step.clerk_id or before
    clerk = session.get(User, clerk_id) if clerk_id else None
    return CameFromOut(
        action=step.action,
        at=step.at,
        service_name_ru=service.name_ru if service else ticket.service.name_ru,
        window=detail.get("from_window"),
        clerk=(clerk.full_name or clerk.username) if clerk else None,
    )


def ticket_card(*, session: Session, ticket: Ticket, now: datetime) -> TicketCardOut:
    """The card of a ticket for the clerk at the window."""
    category = (
        session.get(PriorityCategory, ticket.priority_category_id)
        if ticket.priority_category_id
        else None
    )
    booking = session.get(Booking, ticket.booking_id) if ticket.booking_id else None
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    end = ticket.called_at or now
    waited = max(int((end - ticket.waiting_since).total_seconds()), 0)
    limit_minutes = int((ticket.deadline - ticket.waiting_since).total_seconds() // 60)
    postponed = session.scalar(
        select(func.count())
        .select_from(TicketTransition)
        .where(TicketTransition.ticket_id == ticket.id, TicketTransition.action == "postpone")
    )
    return TicketCardOut(
        id=ticket.id,
        number=ticket.number,
        status=ticket.status,
        service=ticket.service.code,
        service_name_ru=ticket.service.name_ru,
        kind=ticket.service.kind,
        window=window.number if window else None,
        called_at=ticket.called_at,
        last_called_at=ticket.last_called_at,
        started_at=ticket.started_at,
        recall_count=ticket.recall_count,
        priority=CategoryOut(
            code=category.code, name_ru=category.name_ru, proof_ru=category.proof_ru
        )
        if category
        else None,
        booking=BookingOut(
            code=booking.code, slot_start=booking.slot_start, checked_in_at=booking.checked_in_at
        )
        if booking
        else None,
        came_from=_came_from(session, ticket),
        wait=WaitOut(
            waited_seconds=waited,
            limit_minutes=limit_minutes,
            over=end >= ticket.deadline,
            judged=ticket.called_at is not None,
        ),
        postponed_times=int(postponed or 0),
    )
