"""Reading what a board shows, and who may subscribe to an office's events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal, resolve_token
from queue_server.catalogue.service import services_of_office
from queue_server.clock import Clock
from queue_server.errors import Forbidden, NotFound
from queue_server.events.models import Event
from queue_server.offices.models import Office
from queue_server.realtime.schemas import BoardCallOut, BoardStateOut, BoardWaitingOut
from queue_server.tickets.models import WAITING, Ticket
from queue_server.windows.models import Window

#: How far back the board's list of recent calls reaches.
RECENT_CALLS_SPAN = timedelta(hours=12)
#: Device kinds that may subscribe (a kiosk has no use for the stream).
SUBSCRIBING_DEVICES = ("board", "led")


def last_event_id(*, session: Session, office_id: int) -> int:
    """The office's newest event id, 0 without events."""
    stmt = select(func.coalesce(func.max(Event.id), 0)).where(Event.office_id == office_id)
    return int(session.scalar(stmt) or 0)


def board_state(*, session: Session, clock: Clock, office: Office, recent: int) -> BoardStateOut:
    """The last `recent` calls, the waiting counts and the event id they correspond to."""
    # Read the id first: whatever happens after it is replayed to the board, so the
    # state can only be newer than the id, never older (the board applies events
    # idempotently by ticket id).
    last_id = last_event_id(session=session, office_id=office.id)
    now = clock.now()
    rows = session.execute(
        select(Ticket, Window.number)
        .outerjoin(Window, Window.id == Ticket.window_id)
        .where(
            Ticket.office_id == office.id,
            Ticket.last_called_at.is_not(None),
            Ticket.last_called_at >= now - RECENT_CALLS_SPAN,
        )
        .order_by(Ticket.last_called_at.desc(), Ticket.id.desc())
        .limit(recent)
    ).all()
    counts = dict(
        session.execute(
            select(Ticket.service_id, func.count())
            .where(Ticket.office_id == office.id, Ticket.status == WAITING)
            .group_by(Ticket.service_id)
        ).all()
    )
    return BoardStateOut(
        office=office.code,
        office_name=office.name,
        timezone=office.timezone,
        now=now,
        last_event_id=last_id,
        calls=[
            BoardCallOut(
                ticket_id=t.id,
                number=t.number,
                window=window,
                status=t.status,
                service=t.service.code,
                called_at=t.called_at,
                last_called_at=t.last_called_at,
                recall_count=t.recall_count,
            )
            for t, window in rows
        ],
        waiting=[
            BoardWaitingOut(
                service=s.code,
                name_ru=s.name_ru,
                name_en=s.name_en,
                prefix=s.prefix,
                waiting=int(counts.get(s.id, 0)),
            )
            for s in services_of_office(session=session, office_id=office.id)
        ],
    )


def require_subscriber(principal: Principal) -> None:
    """Staff of any role, boards and LED drivers may subscribe; kiosks may not."""
    if principal.kind == "device" and principal.role not in SUBSCRIBING_DEVICES:
        raise Forbidden(code="wrong_role", key="wrong_role.device_no_events")


def authorize_subscription(
    *, session: Session, clock: Clock, token: str, office_code: str | None
) -> tuple[Principal, Office | None]:
    """Check a token for a subscription; the office is the named one or the principal's.

    None means every office, which only a principal without an office (admin) gets.
    """
    principal = resolve_token(session=session, clock=clock, token=token)
    require_subscriber(principal)
    if office_code is None and principal.office_id is not None:
        office = session.get(Office, principal.office_id)
    elif office_code is None:
        return principal, None
    else:
        office = session.scalar(select(Office).where(Office.code == office_code))
    if office is None:
        raise NotFound(code="office_not_found", value=office_code)
    principal.require_office(office.id)
    return principal, office
