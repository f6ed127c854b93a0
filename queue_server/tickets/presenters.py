"""Tickets as the API shows them: to staff, to the kiosk that prints them, to their holder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.bookings.service import format_code
from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.offices.calendar import is_open_at, local_now
from queue_server.offices.models import Office
from queue_server.offices.service import overrides_for
from queue_server.runtime import Runtime
from queue_server.tickets import remote, rules
from queue_server.tickets.estimates import load_live_queue
from queue_server.tickets.models import (
    CALLED,
    EXPECTED,
    SERVING,
    WAITING,
    RemoteTicket,
    Ticket,
    TicketTransition,
)
from queue_server.tickets.queue import OfficeQueue
from queue_server.tickets.schemas import (
    ExpectedPlaceOut,
    PublicStatusOut,
    QueueOut,
    QueueServiceOut,
    QueueTicketOut,
    RemotePlaceOut,
    RemotePolicyOut,
    RemoteQueueOut,
    RemoteServiceOut,
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


def _category(session: Session, ticket: Ticket) -> PriorityCategory | None:
    if ticket.priority_category_id is None:
        return None
    return session.get(PriorityCategory, ticket.priority_category_id)


def ticket_out(session: Session, ticket: Ticket) -> TicketOut:
    """A ticket as staff see it."""
    office = session.get(Office, ticket.office_id)
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    assert office is not None
    return ticket_out_of(ticket, office, window, ticket.service, _category_code(session, ticket))


def ticket_out_of(
    ticket: Ticket,
    office: Office,
    window: Window | None,
    service: Service,
    priority_category: str | None,
) -> TicketOut:
    """A ticket as staff see it, from what the caller already holds (no reads)."""
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        service=service.code,
        service_name_ru=service.name_ru,
        status=ticket.status,
        office=office.code,
        priority_category=priority_category,
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
    return issued_answer(session, runtime, office, ticket, now, _category(session, ticket))


def issued_answer(
    session: Session,
    runtime: Runtime,
    office: Office,
    ticket: Ticket,
    now: datetime,
    category: PriorityCategory | None,
) -> TicketIssuedOut:
    """`issued_out` with the ticket's category already known (the cached write path)."""
    live = load_live_queue(session=session, office=office, now=now, also=ticket)
    ahead = live.people_ahead(ticket.id)
    estimate = live.estimate(ticket.id)
    return TicketIssuedOut(
        id=ticket.id,
        number=ticket.number,
        service=ticket.service.code,
        service_name_ru=ticket.service.name_ru,
        service_name_en=ticket.service.name_en,
        issued_at=ticket.issued_at,
        position=ahead + 1,
        people_ahead=ahead,
        estimated_wait_minutes=estimate.minutes,
        no_open_window=estimate.no_open_window,
        wait_limit_minutes=int((ticket.deadline - ticket.waiting_since).total_seconds() // 60),
        status_url=status_url(runtime, ticket),
        status_code=ticket.status_code,
        office=office.code,
        office_name=office.name,
        footer=office.ticket_footer,
        priority_category_name_ru=category.name_ru if category else None,
        priority_category_proof_ru=(category.proof_ru or None) if category else None,
    )


def public_status_out(session: Session, ticket: Ticket, now: datetime) -> PublicStatusOut:
    """A ticket's status for its holder: place and estimate while waiting, no personal data."""
    office = session.get(Office, ticket.office_id)
    assert office is not None
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    ahead = estimate = None
    place = None
    held = remote.remote_of(session, ticket.id)
    if ticket.status == WAITING:
        live = load_live_queue(session=session, office=office, now=now, also=ticket)
        ahead, estimate = live.people_ahead(ticket.id), live.estimate(ticket.id)
    elif ticket.status == EXPECTED and held is not None:
        place = remote.place_status(
            session=session, office=office, ticket=ticket, remote=held, now=now
        )
        estimate = place.estimate
    return PublicStatusOut(
        number=ticket.number,
        office_name=office.name,
        office_timezone=office.timezone,
        service_name_ru=ticket.service.name_ru,
        service_name_en=ticket.service.name_en,
        status=ticket.status,
        issued_at=ticket.issued_at,
        position=ahead + 1 if ahead is not None else None,
        people_ahead=ahead,
        estimated_wait_minutes=estimate.minutes if estimate else None,
        no_open_window=estimate.no_open_window if estimate else False,
        window=window.number if window and ticket.status in (CALLED, SERVING) else None,
        remote=held is not None,
        checkin_code=place.checkin_code if place else None,
        due_at=place.due_at if place else None,
        checkin_until=place.checkin_until if place else None,
        come_at=place.come_at(now) if place else None,
    )


def remote_place_out(
    runtime: Runtime, office: Office, ticket: Ticket, held: RemoteTicket
) -> RemotePlaceOut:
    """The place just taken from the phone, for its holder."""
    assert ticket.due_at is not None
    return RemotePlaceOut(
        number=ticket.number,
        service=ticket.service.code,
        service_name_ru=ticket.service.name_ru,
        status=ticket.status,
        status_code=ticket.status_code,
        status_url=status_url(runtime, ticket),
        checkin_code=format_code(held.checkin_code),
        due_at=ticket.due_at,
        checkin_until=held.expires_at,
        office=office.code,
        office_name=office.name,
        office_timezone=office.timezone,
    )


def remote_queue_out(session: Session, office: Office, now: datetime) -> RemoteQueueOut:
    """The public page's view of the office: whether it takes places now, and for what."""
    policy = remote.policy_for(session=session, office=office)
    services = remote.open_services(session=session, office=office) if policy.enabled else []
    estimates = remote.new_place_estimates(
        session=session, office=office, now=now, services=services
    )
    today = local_now(office, now).date()
    overrides = overrides_for(session=session, office_id=office.id, start=today, end=today)
    return RemoteQueueOut(
        office=office.code,
        office_name=office.name,
        office_timezone=office.timezone,
        enabled=policy.enabled,
        open_now=is_open_at(office, now, overrides),
        late_minutes=policy.late_minutes,
        services=[
            RemoteServiceOut(
                service=s.code,
                name_ru=s.name_ru,
                name_en=s.name_en,
                estimated_wait_minutes=estimates[s.id].minutes,
                no_open_window=estimates[s.id].no_open_window,
            )
            for s in services
        ],
    )


def remote_policy_out(session: Session, office: Office) -> RemotePolicyOut:
    """An office's remote-queue policy with the codes of the services opened to it."""
    policy = remote.policy_for(session=session, office=office)
    ids = remote.opened_service_ids(session=session, office=office)
    codes = sorted(s.code for s in session.scalars(select(Service).where(Service.id.in_(ids))))
    return RemotePolicyOut(
        enabled=policy.enabled,
        per_phone_per_day=policy.per_phone_per_day,
        per_client_per_hour=policy.per_client_per_hour,
        late_minutes=policy.late_minutes,
        services=codes,
    )


def expected_place_out(place: remote.ExpectedPlace) -> ExpectedPlaceOut:
    """A place not taken up yet, for staff."""
    ticket = place.ticket
    assert ticket.due_at is not None
    return ExpectedPlaceOut(
        id=ticket.id,
        number=ticket.number,
        service=ticket.service.code,
        service_name_ru=ticket.service.name_ru,
        status=ticket.status,
        taken_at=place.remote.taken_at,
        due_at=ticket.due_at,
        checkin_until=place.remote.expires_at,
        phone_masked=place.phone_masked,
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


def _queue_state(ticket: Ticket, now: datetime) -> str:
    # Back from a hold, the wait was judged at its first call (clerk/holds.py).
    if ticket.called_at is not None:
        return rules.BREACH if ticket.breached else rules.OK
    return rules.wait_state(now=now, warn_at=ticket.warn_at, deadline=ticket.deadline)


def _queue_ticket_out(queue: OfficeQueue, ticket: Ticket) -> QueueTicketOut:
    now = queue.at
    return QueueTicketOut(
        id=ticket.id,
        number=ticket.number,
        waiting_since=ticket.waiting_since,
        wait_seconds=max(int((now - ticket.waiting_since).total_seconds()), 0),
        deadline=ticket.deadline,
        seconds_to_deadline=int((ticket.deadline - now).total_seconds()),
        state=_queue_state(ticket, now),
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
                estimated_wait_minutes=queue.new_ticket_estimates[s.id].minutes,
                no_open_window=queue.new_ticket_estimates[s.id].no_open_window,
                tickets=tickets,
            )
        )
    return QueueOut(office=queue.office.code, at=queue.at, services=services)
