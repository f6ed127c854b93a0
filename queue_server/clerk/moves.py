"""The clerk's moves beyond "call next": call a chosen ticket, postpone one into the
office's hold list (and its return), transfer one to a window or a clerk.

Each move locks the ticket (`tickets.moves.lock_ticket`), is judged by the life cycle's
table (`tickets/statemachine.py`), is stored as a transition and announced as an event
(`ticket.called` with `chosen`, `ticket.postponed`, `ticket.returned`,
`ticket.transferred`), so boards, LED displays and reports follow it.

A postponed ticket and the regulation (R1–R5). The wait of R1–R3 runs from issue (or
check-in, redirect, transfer) to the **first call**; a ticket is postponed only after it was
called, so its wait was already judged at that call (a late call stored its breach).
The hold is the applicant's own time (he went to make a copy), not the office's queue:

* While on hold the ticket is not "called", so the R5 timers (recall after 1 min, no-show
  1 min later) do not run for it.
* It returns to the queue with its original wait start and deadline, so the dispatcher
  puts it where it stood, ahead of everyone who came after it.
* Back in the queue it is not judged again: no second warning or breach (the scheduler's
  wait jobs and the queue's colours skip a wait that has had its first call), and its
  next call keeps the first call's time, so the reports' wait is the time to the first
  call. The R5 timers start afresh at that next call.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.clerk import rules
from queue_server.clerk.exceptions import (
    BadHold,
    BadTransferTarget,
    NotInWindowQueue,
    TicketNotWaiting,
    TransferTargetUnavailable,
    UnknownCallReason,
)
from queue_server.clock import Clock
from queue_server.errors import NotFound
from queue_server.events.service import emit
from queue_server.messages import Term
from queue_server.offices.models import Office
from queue_server.tickets.history import record_transition, ticket_payload
from queue_server.tickets.models import POSTPONED, WAITING, ChosenCall, Ticket
from queue_server.tickets.moves import (
    acting_on,
    call_ticket,
    ensure_ready_to_call,
    lock_ticket,
    require_clerk_at,
)
from queue_server.tickets.statemachine import target_state
from queue_server.tickets.waits import start_wait
from queue_server.windows.models import Window, WindowService
from queue_server.windows.service import get_window


def _check_reason(reason: str, note: str) -> None:
    if reason not in rules.CHOSEN_CALL_REASONS:
        raise UnknownCallReason(
            reasons=tuple(Term("call_reason", key) for key in rules.CHOSEN_CALL_REASONS)
        )
    if reason == rules.FREE_TEXT_REASON and not note.strip():
        raise UnknownCallReason(key="unknown_call_reason.note_needed")


def _serves(session: Session, window: Window, ticket: Ticket) -> bool:
    if ticket.target_window_id == window.id or (
        ticket.target_clerk_id is not None and ticket.target_clerk_id == window.clerk_id
    ):
        return True
    if ticket.target_window_id is not None or ticket.target_clerk_id is not None:
        return False
    return (
        session.scalar(
            select(WindowService.id).where(
                WindowService.window_id == window.id,
                WindowService.service_id == ticket.service_id,
            )
        )
        is not None
    )


def call_chosen(
    *,
    session: Session,
    clock: Clock,
    office: Office,
    number: int,
    principal: Principal,
    ticket_id: int,
    reason: str,
    note: str = "",
) -> Ticket:
    """The clerk calls this ticket from the queue (or the hold list), with a reason."""
    principal.require_office(office.id)
    window = get_window(session=session, office=office, number=number, lock=True)
    require_clerk_at(window, principal)
    _check_reason(reason, note)
    ensure_ready_to_call(session, window, number)
    found = session.get(Ticket, ticket_id)
    if found is None or found.office_id != office.id:
        raise NotFound(code="ticket_not_found")
    ticket = lock_ticket(session, found)
    if ticket.status == POSTPONED:
        # The applicant came back before the hold was over: back to the queue, then called.
        put_back_in_queue(session=session, clock=clock, ticket=ticket, clerk_id=principal.id)
    if ticket.status != WAITING:
        raise TicketNotWaiting(number=ticket.number)
    if not _serves(session, window, ticket):
        raise NotInWindowQueue(
            window=window.number, service=ticket.service.name_ru, number=ticket.number
        )
    detail = {"chosen": True, "reason": reason, "note": note.strip()}
    call_ticket(
        session=session,
        clock=clock,
        office=office,
        window=window,
        ticket=ticket,
        principal=principal,
        detail=detail,
    )
    assert principal.id is not None
    session.add(
        ChosenCall(
            office_id=office.id,
            ticket_id=ticket.id,
            window_id=window.id,
            clerk_id=principal.id,
            at=clock.now(),
            reason=reason,
            note=note.strip(),
        )
    )
    return ticket


def postpone(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal, minutes: int
) -> Ticket:
    """Set the called or served applicant aside for `minutes`: the ticket goes on hold."""
    if not rules.HOLD_MIN_MINUTES <= minutes <= rules.HOLD_MAX_MINUTES:
        raise BadHold(low=rules.HOLD_MIN_MINUTES, high=rules.HOLD_MAX_MINUTES)
    ticket = lock_ticket(session, ticket)
    window = acting_on(session, ticket, principal)
    now = clock.now()
    from_status = ticket.status
    ticket.status = target_state("postpone", ticket.status, ticket.number)
    ticket.hold_until = rules.hold_until(now, minutes=minutes)
    record_transition(
        session,
        ticket,
        action="postpone",
        from_status=from_status,
        at=now,
        clerk_id=principal.id,
        detail={"minutes": minutes, "until": ticket.hold_until.isoformat()},
    )
    emit(
        session=session,
        clock=clock,
        type="ticket.postponed",
        office_id=ticket.office_id,
        payload=ticket_payload(
            ticket, window, hold_until=ticket.hold_until.isoformat(), minutes=minutes
        ),
    )
    return ticket


def put_back_in_queue(
    *, session: Session, clock: Clock, ticket: Ticket, clerk_id: int | None
) -> Ticket:
    """Move a locked postponed ticket back to the queue (automatic when no clerk)."""
    now = clock.now()
    from_status = ticket.status
    ticket.status = target_state("return", ticket.status, ticket.number)
    held_at = ticket.window_id
    # Back in the queue where it stood: the wait start and deadline stay (see the header).
    ticket.hold_until = None
    ticket.window_id = ticket.clerk_id = None
    ticket.started_at = None
    ticket.recall_count = 0
    record_transition(
        session,
        ticket,
        action="return",
        from_status=from_status,
        at=now,
        clerk_id=clerk_id,
        automatic=clerk_id is None,
        detail={"held_at_window_id": held_at},
    )
    emit(
        session=session,
        clock=clock,
        type="ticket.returned",
        office_id=ticket.office_id,
        payload=ticket_payload(ticket, None, automatic=clerk_id is None),
    )
    return ticket


def return_from_hold(
    *, session: Session, clock: Clock, ticket: Ticket, principal: Principal | None
) -> Ticket:
    """A postponed ticket goes back to the queue: by the clerk, or by the scheduler (None)."""
    ticket = lock_ticket(session, ticket)
    if principal is not None:
        acting_on(session, ticket, principal)
    return put_back_in_queue(
        session=session,
        clock=clock,
        ticket=ticket,
        clerk_id=principal.id if principal is not None else None,
    )


def _target_clerk(session: Session, office: Office, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.office_id != office.id or user.role != "clerk" or not user.active:
        raise TransferTargetUnavailable(username=username)
    return user


def transfer(
    *,
    session: Session,
    clock: Clock,
    ticket: Ticket,
    principal: Principal,
    window_number: int | None = None,
    clerk_username: str | None = None,
) -> Ticket:
    """Send the called or served ticket to a chosen window or clerk, keeping its service.

    Same number, a new wait with the service's limit (like a redirect); only the target
    window (or the window the target clerk holds) calls it, before its own queue.
    """
    if (window_number is None) == (clerk_username is None):
        raise BadTransferTarget()
    ticket = lock_ticket(session, ticket)
    office = session.get(Office, ticket.office_id)
    assert office is not None
    window = acting_on(session, ticket, principal)
    target_window: Window | None = None
    target_clerk: User | None = None
    if window_number is not None:
        target_window = get_window(session=session, office=office, number=window_number)
        if not target_window.active:
            raise TransferTargetUnavailable(
                key="transfer_target_unavailable.window_off", window=window_number
            )
        if window is not None and target_window.id == window.id:
            raise BadTransferTarget(
                key="bad_transfer_target.same_window", number=ticket.number, window=window_number
            )
    else:
        assert clerk_username is not None
        target_clerk = _target_clerk(session, office, clerk_username)
        if principal.is_user(target_clerk.id):
            raise BadTransferTarget(key="bad_transfer_target.self")
    now = clock.now()
    from_status = ticket.status
    ticket.status = target_state("transfer", ticket.status, ticket.number)
    ticket.redirect_count += 1  # a new wait segment, found by the reports like a redirect
    start_wait(
        ticket,
        limit_minutes=ticket.service.wait_limit_minutes,
        warning_share=office.warning_ratio,
        since=now,
    )
    ticket.target_window_id = target_window.id if target_window else None
    ticket.target_clerk_id = target_clerk.id if target_clerk else None
    to_clerk = (target_clerk.full_name or target_clerk.username) if target_clerk else None
    detail = {
        "from_window": window.number if window else None,
        "to_window": target_window.number if target_window else None,
        "to_clerk": to_clerk,
    }
    record_transition(
        session,
        ticket,
        action="transfer",
        from_status=from_status,
        at=now,
        clerk_id=principal.id,
        detail=detail,
    )
    emit(
        session=session,
        clock=clock,
        type="ticket.transferred",
        office_id=ticket.office_id,
        payload=ticket_payload(ticket, None, **detail),
    )
    return ticket


def hold_list(*, session: Session, office: Office) -> list[Ticket]:
    """The office's postponed tickets, the soonest to return first."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.office_id == office.id, Ticket.status == POSTPONED)
            .order_by(Ticket.hold_until, Ticket.id)
        )
    )


def due_holds(*, session: Session, now: datetime) -> list[Ticket]:
    """Postponed tickets whose hold is over, locked (a clerk's move on one is skipped)."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.status == POSTPONED, Ticket.hold_until <= now)
            .order_by(Ticket.hold_until, Ticket.id)
            .with_for_update(skip_locked=True, of=Ticket)
            .execution_options(populate_existing=True)
        )
    )
