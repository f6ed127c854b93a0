"""The office's queue as the dispatcher will call it: the waiting tickets in order, a
ticket's place in that order, and the wait estimate printed on tickets and used by kiosks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.catalogue.service import services_of_office
from queue_server.offices.models import Office
from queue_server.tickets import rules
from queue_server.tickets.dispatcher import queue_order
from queue_server.tickets.models import WAITING, Ticket
from queue_server.windows.models import Window, WindowService


def waiting_queue(*, session: Session, office: Office, now: datetime) -> list[Ticket]:
    """The office's waiting tickets in the office-wide dispatch order."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.office_id == office.id, Ticket.status == WAITING)
            .order_by(*queue_order(office, now))
        )
    )


def people_ahead(*, session: Session, office: Office, ticket: Ticket, now: datetime) -> int:
    """How many waiting tickets of the same service the windows will call before this one.

    Counted in the dispatcher's own order (`dispatcher.queue_order`), so the printed
    position never disagrees with the calls. Within one service the office-wide order is
    the call order: a window's primary/secondary tier is the same for all its tickets.
    """
    ids = list(
        session.scalars(
            select(Ticket.id)
            .where(
                Ticket.office_id == office.id,
                Ticket.service_id == ticket.service_id,
                # The ticket itself even when no longer waiting (a replayed issue): its
                # place is where the dispatcher's order would put it.
                or_(Ticket.status == WAITING, Ticket.id == ticket.id),
            )
            .order_by(*queue_order(office, now))
        )
    )
    return ids.index(ticket.id)


def serving_windows(*, session: Session, office: Office) -> dict[int, int]:
    """Per service id: the windows serving it now (staffed, not paused), or all its active
    windows when none is staffed."""
    rows = session.execute(
        select(WindowService.service_id, Window.clerk_id, Window.paused)
        .join(Window, WindowService.window_id == Window.id)
        .where(Window.office_id == office.id, Window.active.is_(True))
    ).all()
    staffed: dict[int, int] = {}
    active: dict[int, int] = {}
    for service_id, clerk_id, paused in rows:
        active[service_id] = active.get(service_id, 0) + 1
        if clerk_id is not None and not paused:
            staffed[service_id] = staffed.get(service_id, 0) + 1
    return {service_id: staffed.get(service_id) or n for service_id, n in active.items()}


def estimated_wait_minutes(
    *, session: Session, office: Office, service: Service, ahead: int
) -> int:
    """The wait of a ticket with `ahead` people before it (the rule, with today's windows)."""
    windows = serving_windows(session=session, office=office).get(service.id, 0)
    return rules.estimated_wait_minutes(
        ahead=ahead, norm_minutes=service.service_norm_minutes, serving_windows=windows
    )


@dataclass(frozen=True)
class OfficeQueue:
    """Everything the queue view shows, read at one instant."""

    office: Office
    at: datetime
    services: list[Service]
    tickets: dict[int, list[Ticket]]  # per service id, in call order
    categories: dict[int, str]  # priority category id -> code
    windows: dict[int, int]  # per service id: serving windows

    def estimate_for_new_ticket(self, service: Service) -> int:
        """The wait of a ticket taken now: everyone waiting for the service goes first."""
        return rules.estimated_wait_minutes(
            ahead=len(self.tickets.get(service.id, [])),
            norm_minutes=service.service_norm_minutes,
            serving_windows=self.windows.get(service.id, 0),
        )


def office_queue(*, session: Session, office: Office, now: datetime) -> OfficeQueue:
    """The office's waiting tickets per service, in call order."""
    per_service: dict[int, list[Ticket]] = {}
    for ticket in waiting_queue(session=session, office=office, now=now):
        per_service.setdefault(ticket.service_id, []).append(ticket)
    return OfficeQueue(
        office=office,
        at=now,
        services=services_of_office(session=session, office_id=office.id),
        tickets=per_service,
        categories={c.id: c.code for c in session.scalars(select(PriorityCategory))},
        windows=serving_windows(session=session, office=office),
    )
