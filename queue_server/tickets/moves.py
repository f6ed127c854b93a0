"""Moving a ticket through its life cycle: call, recall, start, finish, no-show, cancel,
redirect. The allowed moves are the table in `statemachine.py`; each move is stored and
announced (`history.py`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.catalogue.service import get_service
from queue_server.clock import Clock
from queue_server.errors import Conflict, Forbidden, InvalidInput
from queue_server.events.service import emit
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.tickets.dispatcher import pick_next
from queue_server.tickets.exceptions import WindowBusy
from queue_server.tickets.history import record_transition, ticket_payload
from queue_server.tickets.issuing import ensure_offered
from queue_server.tickets.models import WAITING, Ticket
from queue_server.tickets.statemachine import target_state
from queue_server.tickets.waits import settle_breach_at_call, start_wait
from queue_server.windows.models import Window
from queue_server.windows.service import current_ticket, get_window


def lock_ticket(session: Session, ticket: Ticket) -> Ticket:
    """Take the ticket's row lock and re-read its state; every move starts here.

    The route loaded the ticket before anyone held a lock, so its status may be stale: a
    scheduler pass (R5 no-show) or another window may have moved it since. On PostgreSQL
    `FOR UPDATE` waits for that transaction and then returns the committed row, so the
    state machine judges the move on the truth; a scheduler that comes second finds the
    row locked and skips it. SQLite renders no `FOR UPDATE`: there the request's
    transaction holds the database's write lock from its first statement (BEGIN
    IMMEDIATE), which serialises every move already; the re-read is then a no-op.
    """
    locked = session.scalars(
        select(Ticket)
        .where(Ticket.id == ticket.id)
        .with_for_update(of=Ticket)
        .execution_options(populate_existing=True)
    ).one()
    return locked


def _clerk_at(window: Window, principal: Principal) -> None:
    if principal.kind != "user":
        raise Forbidden("Only the clerk at the window calls tickets.", code="wrong_role")
    if not principal.is_user(window.clerk_id):
        raise Forbidden(
            f"You do not hold window {window.number}; take the window first.",
            code="not_your_window",
        )


def _ready_to_call(session: Session, window: Window, number: int) -> None:
    if window.paused:
        raise Conflict(f"Window {number} is paused; resume it to call.", code="window_paused")
    busy = current_ticket(session=session, window=window)
    if busy is not None:
        raise WindowBusy(
            f"Window {number} still has ticket {busy.number} ({busy.status}); "
            "finish it or mark it a no-show first."
        )


def call_next(
    *, session: Session, clock: Clock, office: Office, number: int, principal: Principal
) -> Ticket | None:
    """The clerk's window calls the next ticket, or None when nobody waits."""
    principal.require_office(office.id)
    window = get_window(session=session, office=office, number=number, lock=True)
    _clerk_at(window, principal)
    _ready_to_call(session, window, number)
    now = clock.now()
    ticket = pick_next(session=session, office=office, window=window, now=now)
    if ticket is None:
        return None
    from_status = ticket.status
    ticket.status = target_state("call", ticket.status, ticket.number)
    ticket.window_id, ticket.clerk_id = window.id, principal.id
    ticket.called_at = ticket.last_called_at = now
    ticket.recall_count = 0
    settle_breach_at_call(session, ticket, now=now, clerk_id=principal.id)
    record_transition(
        session, ticket, action="call", from_status=from_status, at=now, clerk_id=principal.id
    )
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
    if principal.role == "clerk" and window is not None and not principal.is_user(window.clerk_id):
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
    ticket = lock_ticket(session, ticket)
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
    elif action in ("finish", "no_show", "cancel"):
        ticket.finished_at = now
    clerk_id = principal.id if principal is not None and principal.is_staff else None
    record_transition(
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


def cancel_waiting(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    service_code: str,
    principal: Principal,
    reason: str,
) -> int:
    """A manager cancels all of today's waiting tickets of a service; how many there were.

    Each ticket gets its own cancel transition (with the reason) and event, so boards and
    reports see every one. The tickets are locked first: one a window is calling right now
    is waited for and, once called, no longer matches and stays with its window.
    """
    principal.require_office(office.id)
    if principal.kind != "user" or principal.role not in ("manager", "admin"):
        raise Forbidden(
            "Отменить все талоны услуги может только руководитель офиса. Only a manager "
            "cancels every waiting ticket of a service.",
            code="wrong_role",
        )
    service = get_service(session=session, code=service_code)
    waiting = session.scalars(
        select(Ticket)
        .where(
            Ticket.office_id == office.id,
            Ticket.service_id == service.id,
            Ticket.day == local_now(office, clock.now()).date(),
            Ticket.status == WAITING,
        )
        .order_by(Ticket.id)
        .with_for_update(of=Ticket)
        .execution_options(populate_existing=True)
    ).all()
    for ticket in waiting:
        _move(
            session=session,
            clock=clock,
            ticket=ticket,
            principal=principal,
            action="cancel",
            event="ticket.cancelled",
            detail={"reason": reason, "all_waiting_of": service.code},
        )
    return len(waiting)


def redirect(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal, service_code: str
) -> Ticket:
    """Send the ticket to another service: same number, a new wait with the new limit."""
    ticket = lock_ticket(session, ticket)
    office = session.get(Office, ticket.office_id)
    assert office is not None
    service = get_service(session=session, code=service_code)
    if service.id == ticket.service_id:
        raise InvalidInput(
            f"Ticket {ticket.number} is already in service {service_code}.", code="same_service"
        )
    ensure_offered(session=session, office=office, service=service)
    window = _acting_on(session, ticket, principal)
    now = clock.now()
    from_status = ticket.status
    from_service = ticket.service.code
    ticket.status = target_state("redirect", ticket.status, ticket.number)
    ticket.service = service
    ticket.service_id = service.id
    ticket.redirect_count += 1
    start_wait(
        ticket,
        limit_minutes=service.wait_limit_minutes,
        warning_share=office.warning_ratio,
        since=now,
    )
    session.flush()
    record_transition(
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
