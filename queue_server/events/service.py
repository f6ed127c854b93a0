"""Writing and reading outbox events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.clock import Clock
from queue_server.events.models import Event

# Every process that writes events gets the insert hooks (per-office commit order, NOTIFY).
from queue_server.realtime import outbox as _outbox  # noqa: F401


def emit(
    *, session: Session, clock: Clock, type: str, office_id: int | None, payload: dict[str, Any]
) -> Event:
    """Add an event to the current transaction; it commits or rolls back with the change."""
    event = Event(office_id=office_id, type=type, payload=payload, created_at=clock.now())
    session.add(event)
    return event


def events_after(
    *, session: Session, office_id: int, after_id: int = 0, limit: int = 500
) -> list[Event]:
    """The office's events with id greater than `after_id`, oldest first."""
    stmt = (
        select(Event)
        .where(Event.office_id == office_id, Event.id > after_id)
        .order_by(Event.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
