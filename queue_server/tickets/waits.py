"""A ticket's wait: it starts at issue, check-in, redirect or transfer and ends at the first
call; a wait that reaches its limit leaves a stored breach for the reports (R1–R4).

A postponed ticket that came back from its hold has had its first call already
(`called_at` is set): its wait was judged then, so it is not judged again
(`wait_is_judged`); see `clerk/holds.py`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.tickets import rules
from queue_server.tickets.models import Ticket, WaitBreach


def start_wait(
    ticket: Ticket, *, limit_minutes: int, warning_share: float, since: datetime
) -> None:
    """Start a new wait with its limit; whatever the last call left on the ticket is cleared."""
    ticket.waiting_since = since
    ticket.warn_at, ticket.deadline = rules.wait_due_times(
        since, limit_minutes=limit_minutes, warning_share=warning_share
    )
    ticket.warned = False
    ticket.breached = False
    ticket.called_at = None
    ticket.last_called_at = None
    ticket.recall_count = 0
    ticket.window_id = None
    ticket.clerk_id = None
    ticket.started_at = None
    ticket.hold_until = None
    ticket.target_window_id = None
    ticket.target_clerk_id = None


def wait_is_judged(ticket: Ticket) -> bool:
    """True once the current wait has had its first call (also after a hold and return)."""
    return ticket.called_at is not None


def store_breach(session: Session, ticket: Ticket, *, detected_at: datetime) -> WaitBreach:
    """Mark the ticket's wait as breached and keep the breach for the reports."""
    ticket.breached = True
    breach = WaitBreach(
        ticket_id=ticket.id,
        office_id=ticket.office_id,
        service_id=ticket.service_id,
        waiting_since=ticket.waiting_since,
        deadline=ticket.deadline,
        detected_at=detected_at,
    )
    session.add(breach)
    return breach


def settle_breach_at_call(
    session: Session, ticket: Ticket, *, now: datetime, clerk_id: int | None
) -> None:
    """Complete the breach of a late call with who called when; store it if the scheduler
    has not run since the limit was reached."""
    state = rules.wait_state(now=now, warn_at=ticket.warn_at, deadline=ticket.deadline)
    if state != rules.BREACH:
        return
    breach = session.scalar(
        select(WaitBreach).where(
            WaitBreach.ticket_id == ticket.id, WaitBreach.deadline == ticket.deadline
        )
    )
    if breach is None:
        breach = store_breach(session, ticket, detected_at=now)
    breach.called_at = now
    breach.window_id = ticket.window_id
    breach.clerk_id = clerk_id
