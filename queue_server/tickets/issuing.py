"""Issuing tickets: at the kiosk, by staff, or on a booking's check-in; one per idempotency key."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.bookings.rules import booked_wait_start
from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.errors import Conflict, Forbidden, InvalidInput, NotFound
from queue_server.events.service import emit
from queue_server.offices.calendar import is_open_at, local_now, next_opening
from queue_server.offices.models import Office
from queue_server.offices.service import overrides_for
from queue_server.tickets.exceptions import OfficeClosed, TooManyTickets
from queue_server.tickets.history import record_transition, ticket_payload
from queue_server.tickets.models import WAITING, Ticket
from queue_server.tickets.numbering import exhausted, next_number, numbers_left
from queue_server.tickets.waits import start_wait
from queue_server.windows.models import Window, WindowService

_WEEKDAY_RU = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
# The kiosk rate limit counts the tickets a device issued in this sliding window.
RATE_WINDOW = timedelta(minutes=1)


def ensure_open(*, session: Session, office: Office, now: datetime) -> None:
    """Refuse with the next opening time when the office is closed (R6)."""
    today = local_now(office, now).date()
    if is_open_at(
        office, now, overrides_for(session=session, office_id=office.id, start=today, end=today)
    ):
        return
    overrides = overrides_for(
        session=session, office_id=office.id, start=today, end=today + timedelta(days=60)
    )
    opening = next_opening(office, now, overrides)
    if opening is None:
        raise OfficeClosed(f"Office {office.name} is closed; no opening is scheduled.")
    local = local_now(office, opening)
    raise OfficeClosed(
        f"Office {office.name} is closed now; it opens {_WEEKDAY_RU[local.weekday()]} "
        f"{local:%d.%m} at {local:%H:%M}. Офис закрыт, откроется "
        f"{_WEEKDAY_RU[local.weekday()]} {local:%d.%m} в {local:%H:%M}."
    )


def served_at_office(*, session: Session, office: Office, service: Service) -> bool:
    """Whether some active window of the office serves the service."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    WindowService.service_id == service.id,
                    WindowService.window_id == Window.id,
                    Window.office_id == office.id,
                    Window.active.is_(True),
                )
            )
        )
    )


def ensure_offered(*, session: Session, office: Office, service: Service) -> None:
    """Refuse a service that is inactive or that no active window of the office serves."""
    if not service.active or not served_at_office(session=session, office=office, service=service):
        raise InvalidInput(
            f"Service {service.code!r} is not served at office {office.code}.",
            code="service_not_offered",
        )


def find_by_idempotency_key(*, session: Session, office: Office, key: str) -> Ticket | None:
    """The ticket already issued for this key at this office."""
    return session.scalar(
        select(Ticket).where(Ticket.office_id == office.id, Ticket.idempotency_key == key)
    )


def ticket_label(*, session: Session, status_code: str) -> tuple[str, str] | None:
    """The number and office name of the ticket with this code, for its public page."""
    row = session.execute(
        select(Ticket.number, Office.name)
        .join(Office, Office.id == Ticket.office_id)
        .where(Ticket.status_code == status_code)
    ).first()
    return (row[0], row[1]) if row else None


def find_by_status_code(*, session: Session, status_code: str) -> Ticket:
    """The ticket whose holder has this unguessable code, or 404."""
    ticket = session.scalar(select(Ticket).where(Ticket.status_code == status_code))
    if ticket is None:
        raise NotFound("No ticket with this code.", code="ticket_not_found")
    return ticket


def _may_issue(principal: Principal, office: Office) -> None:
    principal.require_office(office.id)
    if principal.kind == "device" and principal.role != "kiosk":
        raise Forbidden("Only a kiosk device issues tickets.", code="wrong_device")


def _priority_category(session: Session, code: str | None) -> PriorityCategory | None:
    if code is None:
        return None
    category = session.scalar(
        select(PriorityCategory).where(
            PriorityCategory.code == code, PriorityCategory.active.is_(True)
        )
    )
    if category is None:
        raise InvalidInput(f"Unknown priority category {code!r}.", code="unknown_category")
    return category


def ensure_within_rate(
    *, session: Session, office: Office, principal: Principal, now: datetime, per_minute: int
) -> None:
    """Refuse a kiosk that issued `per_minute` tickets in the last minute (0: no limit).

    Counted from the stored tickets, so every server process sees the same figure. Staff
    are not limited: they issue on an applicant's behalf, one at a time.
    """
    if per_minute <= 0 or principal.kind != "device":
        return
    recent = session.scalars(
        select(Ticket.issued_at)
        .where(
            Ticket.office_id == office.id,
            Ticket.issued_by_device_id == principal.id,
            Ticket.issued_at > now - RATE_WINDOW,
        )
        .order_by(Ticket.issued_at.desc())
        .limit(per_minute)
    ).all()
    if len(recent) >= per_minute:
        frees_at = recent[-1] + RATE_WINDOW
        raise TooManyTickets(retry_after=max(1, math.ceil((frees_at - now).total_seconds())))


def refuse_early(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    principal: Principal,
    service_code: str,
    idempotency_key: str | None,
    per_minute: int,
) -> None:
    """Every refusal of an issue decided by cheap reads, before any write lock is taken.

    The write path (`issue_ticket`) checks the same again under its locks; this only
    spares the office's writers a refused kiosk that keeps asking: wrong device, a service
    not offered, the office closed, the kiosk over its rate, every number held.
    """
    _may_issue(principal, office)
    if idempotency_key and find_by_idempotency_key(
        session=session, office=office, key=idempotency_key
    ):
        return  # a replay: answered by the write path with the ticket already given
    service = get_service(session=session, code=service_code)
    ensure_offered(session=session, office=office, service=service)
    now = clock.now()
    ensure_open(session=session, office=office, now=now)
    ensure_within_rate(
        session=session, office=office, principal=principal, now=now, per_minute=per_minute
    )
    day = local_now(office, now).date()
    if not numbers_left(session=session, office_id=office.id, prefix=service.prefix, day=day):
        raise exhausted(service.prefix)


def _same_request(ticket: Ticket, service: str, category_id: int | None) -> None:
    if ticket.service.code != service or ticket.priority_category_id != category_id:
        raise Conflict(
            "This idempotency key was already used for a different ticket request.",
            code="idempotency_key_reused",
        )


def _replayed(
    session: Session, office: Office, key: str | None, service: str, category_id: int | None
) -> Ticket | None:
    """The ticket this key already gave, after checking it was asked for the same thing."""
    if key is None:
        return None
    existing = find_by_idempotency_key(session=session, office=office, key=key)
    if existing is not None:
        _same_request(existing, service, category_id)
    return existing


def _new_ticket(
    session: Session,
    *,
    office: Office,
    service: Service,
    category: PriorityCategory | None,
    principal: Principal,
    idempotency_key: str | None,
    booking_id: int | None,
    booking_slot: datetime | None,
    now: datetime,
) -> Ticket:
    """Number the ticket and put it in the queue with its wait limit (R1–R4)."""
    day = local_now(office, now).date()
    seq, number = next_number(session=session, office_id=office.id, prefix=service.prefix, day=day)
    ticket = Ticket(
        office_id=office.id,
        service=service,
        day=day,
        prefix=service.prefix,
        seq=seq,
        number=number,
        status=WAITING,
        status_code=secrets.token_urlsafe(12),
        idempotency_key=idempotency_key,
        priority_category_id=category.id if category else None,
        priority_rank=category.rank if category else None,
        booking_id=booking_id,
        due_at=booking_slot,
        issued_at=now,
        issued_by_device_id=principal.id if principal.kind == "device" else None,
    )
    if booking_slot is not None:
        since, limit = booked_wait_start(booking_slot, now), office.booked_wait_limit_minutes
    else:
        since, limit = now, service.wait_limit_minutes
    start_wait(ticket, limit_minutes=limit, warning_share=office.warning_ratio, since=since)
    session.add(ticket)
    session.flush()
    return ticket


def issue_ticket(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    principal: Principal,
    service_code: str,
    priority_category: str | None = None,
    idempotency_key: str | None = None,
    booking_id: int | None = None,
    booking_slot: datetime | None = None,
    per_minute: int = 0,
) -> tuple[Ticket, bool]:
    """Issue a ticket; returns (ticket, created). A repeated idempotency key returns the first.

    `per_minute`: the kiosk rate limit (0: none, e.g. a booking's check-in).
    """
    _may_issue(principal, office)
    category = _priority_category(session, priority_category)
    category_id = category.id if category else None
    existing = _replayed(session, office, idempotency_key, service_code, category_id)
    if existing is not None:
        return existing, False
    service = get_service(session=session, code=service_code)
    ensure_offered(session=session, office=office, service=service)
    now = clock.now()
    ensure_open(session=session, office=office, now=now)
    ensure_within_rate(
        session=session, office=office, principal=principal, now=now, per_minute=per_minute
    )
    try:
        # The savepoint covers the counter too: if a concurrent request won the race for
        # the same idempotency key, our number is given back rather than skipped.
        with session.begin_nested():
            ticket = _new_ticket(
                session,
                office=office,
                service=service,
                category=category,
                principal=principal,
                idempotency_key=idempotency_key,
                booking_id=booking_id,
                booking_slot=booking_slot,
                now=now,
            )
    except IntegrityError:
        existing = _replayed(session, office, idempotency_key, service_code, category_id)
        if existing is None:
            raise
        return existing, False
    clerk_id = principal.id if principal.is_staff else None
    record_transition(session, ticket, action="issue", from_status=None, at=now, clerk_id=clerk_id)
    emit(
        session=session,
        clock=clock,
        type="ticket.issued",
        office_id=office.id,
        payload=ticket_payload(
            ticket, booked=booking_id is not None, priority=category_id is not None
        ),
    )
    return ticket, True
