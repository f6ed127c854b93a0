"""Tickets as the API shows them: to staff, to the kiosk that prints them, to their holder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from queue_server.catalogue.models import PriorityCategory
from queue_server.offices.models import Office
from queue_server.runtime import Runtime
from queue_server.tickets import rules
from queue_server.tickets.models import CALLED, SERVING, WAITING, Ticket, TicketTransition
from queue_server.tickets.queue import OfficeQueue, estimated_wait_minutes, people_ahead
from queue_server.tickets.schemas import (
    PublicStatusOut,
    QueueOut,
    QueueServiceOut,
    QueueTicketOut,
    TicketIssuedOut,
    TicketOut,
    TransitionOut,
)
from queue_server.windows.models import Window


def _category_code(session: Session, ticket: Ticket) -> str | None:
    if ticket.priority_category_id is None:
        return None
    category = session.get(PriorityCategory, ticket.priority_category_id)
    return category.code if category else None


def ticket_out(session: Session, ticket: Ticket) -> TicketOut:
    """A ticket as staff see it."""
    office = session.get(Office, ticket.office_id)
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    assert office is not None
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        service=ticket.service.code,
        service_name_ru=ticket.service.name_ru,
        status=ticket.status,
        office=office.code,
        priority_category=_category_code(session, ticket),
        booked=ticket.booking_id is not None,
        issued_at=ticket.issued_at,
        waiting_since=ticket.waiting_since,
        deadline=ticket.deadline,
        called_at=ticket.called_at,
        started_at=ticket.started_at,
        finished_at=ticket.finished_at,
        recall_count=ticket.recall_count,
        window=window.number if window else None,
        redirect_count=ticket.redirect_count,
    )


def status_url(runtime: Runtime, ticket: Ticket) -> str:
    """The public page of a ticket (printed as a QR code)."""
    return f"{runtime.settings.public_url.rstrip('/')}/t/{ticket.status_code}"


def issued_out(
    session: Session, runtime: Runtime, office: Office, ticket: Ticket, now: datetime
) -> TicketIssuedOut:
    """What the kiosk prints: number, position in the call order, estimate, status link."""
    ahead = people_ahead(session=session, office=office, ticket=ticket, now=now)
    return TicketIssuedOut(
        id=ticket.id,
        number=ticket.number,
        service=ticket.service.code,
        service_name_ru=ticket.service.name_ru,
        service_name_en=ticket.service.name_en,
        issued_at=ticket.issued_at,
        position=ahead + 1,
        people_ahead=ahead,
        estimated_wait_minutes=estimated_wait_minutes(
            session=session, office=office, service=ticket.service, ahead=ahead
        ),
        wait_limit_minutes=int((ticket.deadline - ticket.waiting_since).total_seconds() // 60),
        status_url=status_url(runtime, ticket),
        status_code=ticket.status_code,
        office=office.code,
        office_name=office.name,
        footer=office.ticket_footer,
    )


def public_status_out(session: Session, ticket: Ticket, now: datetime) -> PublicStatusOut:
    """A ticket's status for its holder: place and estimate while waiting, no personal data."""
    office = session.get(Office, ticket.office_id)
    assert office is not None
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    ahead = estimate = None
    if ticket.status == WAITING:
        ahead = people_ahead(session=session, office=office, ticket=ticket, now=now)
        estimate = estimated_wait_minutes(
            session=session, office=office, service=ticket.service, ahead=ahead
        )
    return PublicStatusOut(
        number=ticket.number,
        office_name=office.name,
        service_name_ru=ticket.service.name_ru,
        service_name_en=ticket.service.name_en,
        status=ticket.status,
        issued_at=ticket.issued_at,
        position=ahead + 1 if ahead is not None else None,
        people_ahead=ahead,
        estimated_wait_minutes=estimate,
        window=window.number if window and ticket.status in (CALLED, SERVING) else None,
    )


def transitions_out(
    rows: list[tuple[TicketTransition, str, int | None, str | None]],
) -> list[TransitionOut]:
    """A ticket's stored steps (from `history.transitions_of`)."""
    return [
        TransitionOut(
            action=t.action,
            from_status=t.from_status,
            to_status=t.to_status,
            at=t.at,
            service=service_code,
            window=window_number,
            clerk=clerk,
            automatic=t.automatic,
        )
        for t, service_code, window_number, clerk in rows
    ]


def _queue_ticket_out(queue: OfficeQueue, ticket: Ticket) -> QueueTicketOut:
    now = queue.at
    return QueueTicketOut(
        id=ticket.id,
        number=ticket.number,
        waiting_since=ticket.waiting_since,
        wait_seconds=max(int((now - ticket.waiting_since).total_seconds()), 0),
        deadline=ticket.deadline,
        seconds_to_deadline=int((ticket.deadline - now).total_seconds()),
        state=rules.wait_state(now=now, warn_at=ticket.warn_at, deadline=ticket.deadline),
        priority_category=queue.categories.get(ticket.priority_category_id or -1),
        booked=ticket.booking_id is not None,
    )


def queue_out(queue: OfficeQueue) -> QueueOut:
    """The office's waiting tickets per service, in call order, with waits and deadlines."""
    services = []
    for s in queue.services:
        tickets = [_queue_ticket_out(queue, t) for t in queue.tickets.get(s.id, [])]
        services.append(
            QueueServiceOut(
                service=s.code,
                name_ru=s.name_ru,
                name_en=s.name_en,
                prefix=s.prefix,
                kind=s.kind,
                wait_limit_minutes=s.wait_limit_minutes,
                waiting=len(tickets),
                longest_wait_seconds=max((t.wait_seconds for t in tickets), default=0),
                estimated_wait_minutes=queue.estimate_for_new_ticket(s),
                tickets=tickets,
            )
        )
    return QueueOut(office=queue.office.code, at=queue.at, services=services)
