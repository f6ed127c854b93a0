"""The office's queue as the dispatcher will call it: the waiting tickets in order, and
the wait of a ticket taken now (`estimates.py` reads the live state and replays it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.catalogue.models import PriorityCategory, Service
from queue_server.catalogue.service import services_of_office
from queue_server.offices.models import Office
from queue_server.tickets.dispatcher import queue_order
from queue_server.tickets.estimates import WaitEstimate, load_live_queue
from queue_server.tickets.models import WAITING, Ticket


def waiting_queue(*, session: Session, office: Office, now: datetime) -> list[Ticket]:
    """The office's waiting tickets in the office-wide dispatch order."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.office_id == office.id, Ticket.status == WAITING)
            .order_by(*queue_order(office, now))
        )
    )


@dataclass(frozen=True)
class OfficeQueue:
    """Everything the queue view shows, read at one instant."""

    office: Office
    at: datetime
    services: list[Service]
    tickets: dict[int, list[Ticket]]  # per service id, in call order
    categories: dict[int, str]  # priority category id -> code
    new_ticket_estimates: dict[int, WaitEstimate]  # per service id: a ticket taken now


def office_queue(*, session: Session, office: Office, now: datetime) -> OfficeQueue:
    """The office's waiting tickets per service, in call order, and the wait of a new one."""
    per_service: dict[int, list[Ticket]] = {}
    for ticket in waiting_queue(session=session, office=office, now=now):
        per_service.setdefault(ticket.service_id, []).append(ticket)
    services = services_of_office(session=session, office_id=office.id)
    live = load_live_queue(session=session, office=office, now=now)
    return OfficeQueue(
        office=office,
        at=now,
        services=services,
        tickets=per_service,
        categories={c.id: c.code for c in session.scalars(select(PriorityCategory))},
        new_ticket_estimates=live.estimate_for_new_tickets(services),
    )
