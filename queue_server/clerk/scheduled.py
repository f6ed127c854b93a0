"""Timed jobs of the clerk's moves, run by the scheduler on the injected clock."""

from __future__ import annotations

from sqlalchemy.orm import Session

from queue_server.clerk.moves import due_holds, put_back_in_queue
from queue_server.clock import Clock


def return_postponed_tickets(*, session: Session, clock: Clock) -> int:
    """Put each postponed ticket whose hold is over back in the queue; how many."""
    tickets = due_holds(session=session, now=clock.now())
    for ticket in tickets:
        put_back_in_queue(session=session, clock=clock, ticket=ticket, clerk_id=None)
    return len(tickets)
