"""A ticket's history: every step is stored with time, window and clerk (001 §3.2) and
announced as an event with the same payload shape."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.catalogue.models import Service
from queue_server.db import prebuilt
from queue_server.tickets.models import Ticket, TicketTransition
from queue_server.windows.models import Window


def ticket_payload(ticket: Ticket, window: Window | None = None, **extra: Any) -> dict[str, Any]:
    """The event payload that describes a ticket."""
    return payload_of(ticket, ticket.service, window, **extra)


def payload_of(
    ticket: Ticket, service: Service, window: Window | None = None, **extra: Any
) -> dict[str, Any]:
    """`ticket_payload` with the ticket's service given (the cached write path, where the
    ticket's own relationship is not loaded)."""
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "service": service.code,
        "service_name_ru": service.name_ru,
        "status": ticket.status,
        "window": window.number if window else None,
        **extra,
    }


def record_transition(
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
    """Store one step of the ticket, in its state after the step."""
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


@functools.cache
def transition_insert(columns: tuple[str, ...]) -> Any:
    """A Core insert of one step with `ticket_id` and `columns` bound as `s_<column>`,
    built once per set of columns: `record_transition`'s row without an ORM flush (the
    issue on SQLite, call-next)."""
    transitions = TicketTransition.__table__
    assert isinstance(transitions, Table)
    names = ("ticket_id", *columns)
    return prebuilt(
        transitions.insert().values(
            {name: bindparam(f"s_{name}", type_=transitions.c[name].type) for name in names}
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
