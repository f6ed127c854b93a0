"""Audits of stored tickets: their history replays to their state, windows hold one each."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.events.models import Event
from queue_server.tickets.exceptions import IllegalTransition
from queue_server.tickets.models import CALLED, SERVING, WAITING, Ticket, TicketTransition
from queue_server.tickets.statemachine import target_state


@dataclass
class Audit:
    """What is wrong with the stored tickets; empty lists mean all is well."""

    contradictions: list[str] = field(default_factory=list)
    windows_with_two: list[int] = field(default_factory=list)
    negative_waits: list[str] = field(default_factory=list)
    duplicate_numbers: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every finding as one line."""
        return [
            *self.contradictions,
            *(f"window {w} holds two tickets" for w in self.windows_with_two),
            *self.negative_waits,
            *self.duplicate_numbers,
        ]


def _replay(ticket: Ticket, steps: list[TicketTransition]) -> list[str]:
    """Why the ticket's steps do not lead, one legal move at a time, to its status."""
    if not steps or steps[0].action != "issue" or steps[0].to_status != WAITING:
        return [f"ticket {ticket.number}: history does not start with its issue"]
    problems, state, since = [], WAITING, steps[0].at
    for step in steps[1:]:
        try:
            expected = target_state(step.action, state, ticket.number)
        except IllegalTransition:
            expected = "<illegal>"
        if step.from_status != state or step.to_status != expected:
            problems.append(
                f"ticket {ticket.number}: {step.action} recorded {step.from_status}->"
                f"{step.to_status} while the ticket was {state}"
            )
        if step.action == "call" and step.at < since:
            problems.append(f"ticket {ticket.number}: called before its wait began")
        if step.action == "redirect":
            since = step.at
        state = step.to_status
    if state != ticket.status:
        problems.append(f"ticket {ticket.number}: history ends {state}, ticket is {ticket.status}")
    return problems


def audit_tickets(session: Session) -> Audit:
    """Check every stored ticket against its transitions, windows and numbers."""
    audit = Audit()
    tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
    steps: dict[int, list[TicketTransition]] = defaultdict(list)
    for step in session.scalars(select(TicketTransition).order_by(TicketTransition.id)):
        steps[step.ticket_id].append(step)
    held: Counter[int] = Counter()
    for ticket in tickets:
        audit.contradictions += _replay(ticket, steps[ticket.id])
        if ticket.status in (CALLED, SERVING):
            if ticket.window_id is None:
                audit.contradictions.append(f"ticket {ticket.number}: held by no window")
            else:
                held[ticket.window_id] += 1
        if ticket.called_at is not None and ticket.called_at < ticket.issued_at:
            audit.negative_waits.append(f"ticket {ticket.number}: called before it was issued")
    audit.windows_with_two = [w for w, n in held.items() if n > 1]
    numbers = Counter((t.office_id, t.day, t.prefix, t.seq) for t in tickets)
    audit.duplicate_numbers = [f"number given twice: {k}" for k, n in numbers.items() if n > 1]
    return audit


def events_per_type(session: Session) -> dict[str, int]:
    """How many events of each type are stored (boards saw exactly these)."""
    rows = session.execute(select(Event.type, func.count()).group_by(Event.type)).all()
    return {type_: count for type_, count in rows}


def transitions_per_action(session: Session) -> dict[str, int]:
    """How many stored transitions of each action."""
    rows = session.execute(
        select(TicketTransition.action, func.count()).group_by(TicketTransition.action)
    ).all()
    return {action: count for action, count in rows}
