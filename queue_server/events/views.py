"""Routes: reading the outbox (what a reconnecting client missed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Query
from pydantic import BaseModel

from queue_server.api import api_router
from queue_server.deps import CurrentOffice, PrincipalDep, SessionDep
from queue_server.events.service import events_after
from queue_server.types import EventId

router = api_router(tags=["events"])


class EventOut(BaseModel):
    """An outbox event."""

    id: int
    type: str
    payload: dict[str, Any]
    created_at: datetime


@router.get("/offices/{code}/events", response_model=list[EventOut])
def list_events(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    after: EventId = Query(default=0),
    limit: int = Query(default=500, ge=1, le=5000),
) -> list[EventOut]:
    """The office's events after a given id, oldest first."""
    principal.require_office(office.id)
    principal.require_staff_or_device("board", "led")
    return [
        EventOut(id=e.id, type=e.type, payload=e.payload, created_at=e.created_at)
        for e in events_after(session=session, office_id=office.id, after_id=after, limit=limit)
    ]
