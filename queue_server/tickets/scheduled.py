"""Timed jobs of the ticket domain, run by the scheduler on the injected clock.

Each job takes a session and the clock, locks the rows it changes (PostgreSQL skips rows
another process holds, e.g. a ticket a clerk is starting right now, see
`moves.lock_ticket`), acts only on the state it read under that lock, and returns how many
tickets it changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from queue_server.clock import Clock
from queue_server.db import UTCDateTime, elapsed_seconds
from queue_server.events.service import emit
from queue_server.offices.models import Office
from queue_server.tickets import rules
from queue_server.tickets.history import ticket_payload
from queue_server.tickets.models import CALLED, WAITING, Ticket
from queue_server.tickets.moves import mark_no_show, recall
from queue_server.tickets.waits import store_breach

#: How much earlier than its exact moment the database is asked for a due call: its
#: arithmetic on times is a float on SQLite (julianday), a few microseconds off; the exact
#: moment is then judged in Python (`rules`), as before.
_DUE_MARGIN_SECONDS = 1


def _called_tickets(
    session: Session, *, recalled: bool, now: datetime
) -> list[tuple[Ticket, Office]]:
    """Called tickets due for their next R5 step, with their office: first calls past the
    office's recall delay, or recalled ones past its no-show delay (give or take the
    margin, judged exactly by the caller).

    Only those are read and locked. A region has a called ticket at nearly every window
    whose applicant is on the way; reading them all, every second, cost the timekeeper
    31 ms a pass at 800 (`benchmarks/scheduler_pass.py`) and held their row locks for it.
    """
    recall_count = Ticket.recall_count > 0 if recalled else Ticket.recall_count == 0
    delay = Office.no_show_after_seconds if recalled else Office.recall_after_seconds
    called_for = elapsed_seconds(Ticket.last_called_at, bindparam("now", now, type_=UTCDateTime()))
    rows = session.execute(
        select(Ticket, Office)
        .join(Office, Office.id == Ticket.office_id)
        .where(Ticket.status == CALLED, recall_count, called_for >= delay - _DUE_MARGIN_SECONDS)
        .order_by(Ticket.id)
        # A clerk's move holds the row lock while it starts, finishes or redirects the
        # ticket: skip it; the next pass sees its committed state. populate_existing:
        # the rows are the database's, never a stale copy from this session.
        .with_for_update(skip_locked=True, of=Ticket)
        .execution_options(populate_existing=True)
    ).all()
    return [(ticket, office) for ticket, office in rows]


def recall_unanswered_calls(*, session: Session, clock: Clock) -> int:
    """R5: call a ticket again when its applicant has not come within the recall delay."""
    now = clock.now()
    changed = 0
    for ticket, office in _called_tickets(session, recalled=False, now=now):
        assert ticket.last_called_at is not None
        due = rules.recall_due(
            ticket.last_called_at, recall_after_seconds=office.recall_after_seconds
        )
        if now >= due:
            recall(session=session, clock=clock, ticket=ticket, principal=None)
            changed += 1
    return changed


def mark_absent_as_no_show(*, session: Session, clock: Clock) -> int:
    """R5: a recalled applicant still absent after the no-show delay: the clerk calls on."""
    now = clock.now()
    changed = 0
    for ticket, office in _called_tickets(session, recalled=True, now=now):
        assert ticket.last_called_at is not None
        due = rules.no_show_due(
            ticket.last_called_at, no_show_after_seconds=office.no_show_after_seconds
        )
        if now >= due:
            mark_no_show(session=session, clock=clock, ticket=ticket, principal=None)
            changed += 1
    return changed


def warn_of_waits_near_the_limit(*, session: Session, clock: Clock) -> int:
    """R1–R4: announce each wait that has passed the warning share of its limit, once."""
    now = clock.now()
    tickets = session.scalars(
        select(Ticket)
        .where(
            Ticket.status == WAITING,
            Ticket.warned.is_(False),
            Ticket.warn_at <= now,
            # Back from a hold: its wait was judged at its first call (clerk/holds.py).
            Ticket.called_at.is_(None),
        )
        .with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in tickets:
        ticket.warned = True
        emit(
            session=session,
            clock=clock,
            type="ticket.wait_warning",
            office_id=ticket.office_id,
            payload=ticket_payload(ticket, deadline=ticket.deadline.isoformat()),
        )
    return len(tickets)


def record_wait_limit_breaches(*, session: Session, clock: Clock) -> int:
    """R1–R4: store and announce each wait that has reached its limit, once."""
    now = clock.now()
    tickets = session.scalars(
        select(Ticket)
        .where(
            Ticket.status == WAITING,
            Ticket.breached.is_(False),
            Ticket.deadline <= now,
            Ticket.called_at.is_(None),  # back from a hold: judged at its first call
        )
        .with_for_update(skip_locked=True, of=Ticket)
    ).all()
    for ticket in tickets:
        store_breach(session, ticket, detected_at=now)
        emit(
            session=session,
            clock=clock,
            type="ticket.wait_breach",
            office_id=ticket.office_id,
            payload=ticket_payload(ticket, deadline=ticket.deadline.isoformat()),
        )
    return len(tickets)
