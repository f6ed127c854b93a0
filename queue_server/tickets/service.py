"""Issuing, calling and moving tickets through their life cycle; wait-limit timers."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.catalogue.service import get_service, services_of_office
from queue_server.clock import Clock
from queue_server.errors import Conflict, Forbidden, InvalidInput
from queue_server.events.service import emit
from queue_server.offices.calendar import is_open_at, local_now, next_opening
from queue_server.offices.models import Office
from queue_server.offices.service import overrides_for
from queue_server.tickets.dispatcher import pick_next, queue_order
from queue_server.tickets.exceptions import OfficeClosed, WindowBusy
from queue_server.tickets.models import (
    CALLED,
    WAITING,
    Ticket,
    TicketTransition,
    WaitBreach,
)
from queue_server.tickets.numbering import next_number
from queue_server.tickets.schemas import QueueOut, QueueServiceOut, QueueTicketOut
from queue_server.tickets.statemachine import target_state
from queue_server.windows.models import Window, WindowService
from queue_server.windows.service import current_ticket, get_window

_WEEKDAY_RU = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


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


def _start_wait(ticket: Ticket, *, office: Office, limit_minutes: int, since: datetime) -> None:
    limit = timedelta(minutes=limit_minutes)
    ticket.waiting_since = since
    ticket.deadline = since + limit
    ticket.warn_at = since + limit * office.warning_ratio
    ticket.warned = False
    ticket.breached = False
    ticket.called_at = None
    ticket.last_called_at = None
    ticket.recall_count = 0
    ticket.window_id = None
    ticket.clerk_id = None
    ticket.started_at = None


def ticket_payload(ticket: Ticket, window: Window | None = None, **extra: Any) -> dict[str, Any]:
    """The event payload that describes a ticket."""
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "service": ticket.service.code,
        "service_name_ru": ticket.service.name_ru,
        "status": ticket.status,
        "window": window.number if window else None,
        **extra,
    }


def _record(
    session: Session,
    ticket: Ticket,
    *,
    action: str,
    from_status: str | None,
    at: datetime,
    clerk_id: int | None,
    automatic: bool = False,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        TicketTransition(
            ticket_id=ticket.id,
            action=action,
            from_status=from_status,
            to_status=ticket.status,
            at=at,
            service_id=ticket.service_id,
            window_id=ticket.window_id,
            clerk_id=clerk_id,
            automatic=automatic,
            detail=detail or {},
        )
    )


def find_by_idempotency_key(*, session: Session, office: Office, key: str) -> Ticket | None:
    """The ticket already issued for this key at this office."""
    return session.scalar(
        select(Ticket).where(Ticket.office_id == office.id, Ticket.idempotency_key == key)
    )


def _same_request(ticket: Ticket, service: str, category_id: int | None) -> None:
    if ticket.service.code != service or ticket.priority_category_id != category_id:
        raise Conflict(
            "This idempotency key was already used for a different ticket request.",
            code="idempotency_key_reused",
        )


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
) -> tuple[Ticket, bool]:
    """Issue a ticket; returns (ticket, created). A repeated idempotency key returns the first."""
    principal.require_office(office.id)
    if principal.kind == "device" and principal.role != "kiosk":
        raise Forbidden("Only a kiosk device issues tickets.", code="wrong_device")
    category_id, category_rank = None, None
    if priority_category is not None:
        category = session.scalar(
            select(PriorityCategory).where(
                PriorityCategory.code == priority_category, PriorityCategory.active.is_(True)
            )
        )
        if category is None:
            raise InvalidInput(
                f"Unknown priority category {priority_category!r}.", code="unknown_category"
            )
        category_id, category_rank = category.id, category.rank
    if idempotency_key is not None:
        existing = find_by_idempotency_key(session=session, office=office, key=idempotency_key)
        if existing is not None:
            _same_request(existing, service_code, category_id)
            return existing, False
    service = get_service(session=session, code=service_code)
    if not service.active or not served_at_office(session=session, office=office, service=service):
        raise InvalidInput(
            f"Service {service_code!r} is not served at office {office.code}.",
            code="service_not_offered",
        )
    now = clock.now()
    ensure_open(session=session, office=office, now=now)
    day = local_now(office, now).date()
    try:
        # The savepoint covers the counter too: if a concurrent request won the race for
        # the same idempotency key, our number is given back rather than skipped.
        with session.begin_nested():
            seq, number = next_number(
                session=session, office_id=office.id, prefix=service.prefix, day=day
            )
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
                priority_category_id=category_id,
                priority_rank=category_rank,
                booking_id=booking_id,
                due_at=booking_slot,
                issued_at=now,
                issued_by_device_id=principal.id if principal.kind == "device" else None,
            )
            if booking_slot is not None:
                since = max(booking_slot, now)
                _start_wait(
                    ticket,
                    office=office,
                    limit_minutes=office.booked_wait_limit_minutes,
                    since=since,
                )
            else:
                _start_wait(
                    ticket, office=office, limit_minutes=service.wait_limit_minutes, since=now
                )
            session.add(ticket)
            session.flush()
    except IntegrityError:
        if idempotency_key is None:
            raise
        existing = find_by_idempotency_key(session=session, office=office, key=idempotency_key)
        if existing is None:
            raise
        _same_request(existing, service_code, category_id)
        return existing, False
    clerk_id = principal.id if principal.is_staff else None
    _record(session, ticket, action="issue", from_status=None, at=now, clerk_id=clerk_id)
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


def people_ahead(*, session: Session, office: Office, ticket: Ticket) -> int:
    """How many waiting tickets of the same service go before this one."""
    if office.dispatch_policy == "fifo":
        before = or_(
            Ticket.waiting_since < ticket.waiting_since,
            and_(Ticket.waiting_since == ticket.waiting_since, Ticket.id < ticket.id),
        )
    else:
        earlier = or_(
            Ticket.deadline < ticket.deadline,
            and_(Ticket.deadline == ticket.deadline, Ticket.id < ticket.id),
        )
        if ticket.priority_rank is None:
            before = or_(Ticket.priority_rank.is_not(None), earlier)
        else:
            before = and_(Ticket.priority_rank.is_not(None), earlier)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(
                Ticket.office_id == office.id,
                Ticket.service_id == ticket.service_id,
                Ticket.status == WAITING,
                Ticket.id != ticket.id,
                before,
            )
        )
        or 0
    )


def estimated_wait_minutes(
    *, session: Session, office: Office, service: Service, ahead: int
) -> int:
    """A simple estimate: the people ahead times the norm, shared by the staffed windows."""
    windows = session.execute(
        select(Window.clerk_id, Window.paused)
        .join(WindowService, WindowService.window_id == Window.id)
        .where(
            Window.office_id == office.id,
            Window.active.is_(True),
            WindowService.service_id == service.id,
        )
    ).all()
    staffed = sum(1 for clerk_id, paused in windows if clerk_id is not None and not paused)
    serving_windows = max(staffed or len(windows), 1)
    return math.ceil(ahead * service.service_norm_minutes / serving_windows)


def _clerk_at(window: Window, principal: Principal) -> None:
    if principal.kind != "user":
        raise Forbidden("Only the clerk at the window calls tickets.", code="wrong_role")
    if window.clerk_id != principal.id:
        raise Forbidden(
            f"You do not hold window {window.number}; take the window first.",
            code="not_your_window",
        )


def _settle_breach(session: Session, ticket: Ticket, now: datetime, clerk_id: int | None) -> None:
    """Record a breach found at call time (the scheduler may not have run yet)."""
    if now <= ticket.deadline:
        return
    breach = session.scalar(
        select(WaitBreach).where(
            WaitBreach.ticket_id == ticket.id, WaitBreach.deadline == ticket.deadline
        )
    )
    if breach is None:
        breach = WaitBreach(
            ticket_id=ticket.id,
            office_id=ticket.office_id,
            service_id=ticket.service_id,
            waiting_since=ticket.waiting_since,
            deadline=ticket.deadline,
            detected_at=now,
        )
        session.add(breach)
        ticket.breached = True
    breach.called_at = now
    breach.window_id = ticket.window_id
    breach.clerk_id = clerk_id


def call_next(
    *, session: Session, clock: Clock, office: Office, number: int, principal: Principal
) -> Ticket | None:
    """The clerk's window calls the next ticket, or None when nobody waits."""
    principal.require_office(office.id)
    window = get_window(session=session, office=office, number=number, lock=True)
    _clerk_at(window, principal)
    if window.paused:
        raise Conflict(f"Window {number} is paused; resume it to call.", code="window_paused")
    busy = current_ticket(session=session, window=window)
    if busy is not None:
        raise WindowBusy(
            f"Window {number} still has ticket {busy.number} ({busy.status}); "
            "finish it or mark it a no-show first."
        )
    now = clock.now()
    ticket = pick_next(session=session, office=office, window=window, now=now)
    if ticket is None:
        return None
    from_status = ticket.status
    ticket.status = target_state("call", ticket.status, ticket.number)
    ticket.window_id, ticket.clerk_id = window.id, principal.id
    ticket.called_at = ticket.last_called_at = now
    ticket.recall_count = 0
    _settle_breach(session, ticket, now, principal.id)
    _record(session, ticket, action="call", from_status=from_status, at=now, clerk_id=principal.id)
    emit(
        session=session,
        clock=clock,
        type="ticket.called",
        office_id=office.id,
        payload=ticket_payload(
            ticket, window, wait_seconds=int((now - ticket.waiting_since).total_seconds())
        ),
    )
    return ticket


def _acting_on(session: Session, ticket: Ticket, principal: Principal) -> Window | None:
    """The ticket's window, after checking the principal may act on the ticket."""
    principal.require_office(ticket.office_id)
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    if principal.kind != "user":
        raise Forbidden("Only staff change a ticket's state.", code="wrong_role")
    if principal.role == "clerk" and window is not None and window.clerk_id != principal.id:
        raise Forbidden(
            f"Ticket {ticket.number} is at window {window.number}, which you do not hold.",
            code="not_your_window",
        )
    return window


def _move(
    *,
    session: Session,
    clock: Clock,
    ticket: Ticket,
    principal: Principal | None,
    action: str,
    event: str,
    automatic: bool = False,
    detail: dict[str, Any] | None = None,
) -> Ticket:
    window = (
        _acting_on(session, ticket, principal)
        if principal is not None
        else (session.get(Window, ticket.window_id) if ticket.window_id else None)
    )
    now = clock.now()
    from_status = ticket.status
    ticket.status = target_state(action, ticket.status, ticket.number)
    if action == "recall":
        ticket.recall_count += 1
        ticket.last_called_at = now
    elif action == "start":
        ticket.started_at = now
    elif action == "finish" or action in ("no_show", "cancel"):
        ticket.finished_at = now
    clerk_id = principal.id if principal is not None and principal.is_staff else None
    _record(
        session,
        ticket,
        action=action,
        from_status=from_status,
        at=now,
        clerk_id=clerk_id,
        automatic=automatic,
        detail=detail,
    )
    emit(
        session=session,
        clock=clock,
        type=event,
        office_id=ticket.office_id,
        payload=ticket_payload(
            ticket, window, automatic=automatic, recall_count=ticket.recall_count
        ),
    )
    return ticket


def recall(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal | None
) -> Ticket:
    """Call the same ticket again (R5); automatic when `principal` is None."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="recall",
        event="ticket.recalled",
        automatic=principal is None,
    )


def start(*, session: Session, clock: Clock, ticket: Ticket, principal: Principal) -> Ticket:
    """The applicant came to the window: service starts."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="start",
        event="ticket.started",
    )


def finish(*, session: Session, clock: Clock, ticket: Ticket, principal: Principal) -> Ticket:
    """Service is over."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="finish",
        event="ticket.finished",
    )


def mark_no_show(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal | None
) -> Ticket:
    """The called applicant did not come (R5); automatic when `principal` is None."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="no_show",
        event="ticket.no_show",
        automatic=principal is None,
    )


def cancel(*, session: Session, clock: Clock, ticket: Ticket, principal: Principal) -> Ticket:
    """Take a waiting ticket out of the queue."""
    return _move(
        session=session,
        clock=clock,
        ticket=ticket,
        principal=principal,
        action="cancel",
        event="ticket.cancelled",
    )


def redirect(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal, service_code: str
) -> Ticket:
    """Send the ticket to another service: same number, a new wait with the new limit."""
    office = session.get(Office, ticket.office_id)
    assert office is not None
    service = get_service(session=session, code=service_code)
    if service.id == ticket.service_id:
        raise InvalidInput(
            f"Ticket {ticket.number} is already in service {service_code}.", code="same_service"
        )
    if not service.active or not served_at_office(session=session, office=office, service=service):
        raise InvalidInput(
            f"Service {service_code!r} is not served at office {office.code}.",
            code="service_not_offered",
        )
    window = _acting_on(session, ticket, principal)
    now = clock.now()
    from_status = ticket.status
    from_service = ticket.service.code
    ticket.status = target_state("redirect", ticket.status, ticket.number)
    ticket.service = service
    ticket.service_id = service.id
    ticket.redirect_count += 1
    _start_wait(ticket, office=office, limit_minutes=service.wait_limit_minutes, since=now)
    session.flush()
    _record(
        session,
        ticket,
        action="redirect",
        from_status=from_status,
        at=now,
        clerk_id=principal.id,
        detail={"from_service": from_service, "from_window": window.number if window else None},
    )
    emit(
        session=session,
        clock=clock,
        type="ticket.redirected",
        office_id=ticket.office_id,
        payload=ticket_payload(ticket, None, from_service=from_service),
    )
    return ticket


def waiting_queue(*, session: Session, office: Office, now: datetime) -> list[Ticket]:
    """The office's waiting tickets in the office-wide dispatch order."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.office_id == office.id, Ticket.status == WAITING)
            .order_by(*queue_order(office, now))
        )
    )


def transitions_of(
    *, session: Session, ticket: Ticket
) -> list[tuple[TicketTransition, str, int | None, str | None]]:
    """A ticket's stored steps with service code, window number and clerk name."""
    rows = session.execute(
        select(TicketTransition, Service.code, Window.number, User.full_name, User.username)
        .join(Service, Service.id == TicketTransition.service_id)
        .outerjoin(Window, Window.id == TicketTransition.window_id)
        .outerjoin(User, User.id == TicketTransition.clerk_id)
        .where(TicketTransition.ticket_id == ticket.id)
        .order_by(TicketTransition.id)
    ).all()
    return [
        (t, code, number, (full or user) if user else None) for t, code, number, full, user in rows
    ]


# --- timers driven by the scheduler on the injected clock -------------------------------


def process_call_timeouts(*, session: Session, clock: Clock) -> int:
    """R5: recall a called ticket after the recall delay, no-show it after the second call."""
    now = clock.now()
    rows = session.execute(
        select(Ticket, Office)
        .join(Office, Office.id == Ticket.office_id)
        .where(Ticket.status == CALLED)
        .order_by(Ticket.id)
        .with_for_update(skip_locked=True, of=Ticket)
    ).all()
    changed = 0
    for ticket, office in rows:
        assert ticket.last_called_at is not None
        if ticket.recall_count == 0:
            if now >= ticket.last_called_at + timedelta(seconds=office.recall_after_seconds):
                recall(session=session, clock=clock, ticket=ticket, principal=None)
                changed += 1
        elif now >= ticket.last_called_at + timedelta(seconds=office.no_show_after_seconds):
            mark_no_show(session=session, clock=clock, ticket=ticket, principal=None)
            changed += 1
    return changed


def process_wait_limits(*, session: Session, clock: Clock) -> int:
    """Raise warning and breach events for waiting tickets; store breaches for reports."""
    now = clock.now()
    changed = 0
    warn = session.scalars(
        select(Ticket)
        .where(Ticket.status == WAITING, Ticket.warned.is_(False), Ticket.warn_at <= now)
        .with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in warn:
        ticket.warned = True
        emit(
            session=session,
            clock=clock,
            type="ticket.wait_warning",
            office_id=ticket.office_id,
            payload=ticket_payload(ticket, deadline=ticket.deadline.isoformat()),
        )
        changed += 1
    late = session.scalars(
        select(Ticket)
        .where(Ticket.status == WAITING, Ticket.breached.is_(False), Ticket.deadline <= now)
        .with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in late:
        ticket.breached = True
        session.add(
            WaitBreach(
                ticket_id=ticket.id,
                office_id=ticket.office_id,
                service_id=ticket.service_id,
                waiting_since=ticket.waiting_since,
                deadline=ticket.deadline,
                detected_at=now,
            )
        )
        emit(
            session=session,
            clock=clock,
            type="ticket.wait_breach",
            office_id=ticket.office_id,
            payload=ticket_payload(ticket, deadline=ticket.deadline.isoformat()),
        )
        changed += 1
    return changed


def wait_state(ticket: Ticket, now: datetime) -> str:
    """ok, warning (past the warning threshold) or breach (past the limit)."""
    if now > ticket.deadline:
        return "breach"
    return "warning" if now >= ticket.warn_at else "ok"


def queue_view(*, session: Session, office: Office, now: datetime) -> QueueOut:
    """The office's waiting tickets per service, in call order, with waits and deadlines."""
    categories = {c.id: c.code for c in session.scalars(select(PriorityCategory))}
    per_service: dict[int, list[QueueTicketOut]] = {}
    for t in waiting_queue(session=session, office=office, now=now):
        per_service.setdefault(t.service_id, []).append(
            QueueTicketOut(
                id=t.id,
                number=t.number,
                waiting_since=t.waiting_since,
                wait_seconds=max(int((now - t.waiting_since).total_seconds()), 0),
                deadline=t.deadline,
                seconds_to_deadline=int((t.deadline - now).total_seconds()),
                state=wait_state(t, now),
                priority_category=categories.get(t.priority_category_id or -1),
                booked=t.booking_id is not None,
            )
        )
    services = services_of_office(session=session, office_id=office.id)
    return QueueOut(
        office=office.code,
        at=now,
        services=[
            QueueServiceOut(
                service=s.code,
                name_ru=s.name_ru,
                name_en=s.name_en,
                prefix=s.prefix,
                kind=s.kind,
                wait_limit_minutes=s.wait_limit_minutes,
                waiting=len(per_service.get(s.id, [])),
                longest_wait_seconds=max(
                    (t.wait_seconds for t in per_service.get(s.id, [])), default=0
                ),
                tickets=per_service.get(s.id, []),
            )
            for s in services
        ],
    )
