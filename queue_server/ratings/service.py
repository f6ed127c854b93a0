"""Rating a finished ticket (R8): from its page, the window's screen or the window's keypad."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_server import messages
from queue_server.auth.service import Principal
from queue_server.clock import Clock
from queue_server.errors import DomainError
from queue_server.events.service import emit
from queue_server.offices.models import Office
from queue_server.ratings import rules
from queue_server.ratings.exceptions import (
    AlreadyRated,
    NoMarks,
    NotARatingDevice,
    NoTicketToRate,
    NotRatable,
)
from queue_server.ratings.models import Rating
from queue_server.tickets.models import DONE, Ticket
from queue_server.windows.models import Window
from queue_server.windows.service import get_window

#: Who may rate at a window: staff, the rating screen, the LED driver (its rating keypads).
WINDOW_RATERS = ("rating", "led")


def rating_of(*, session: Session, ticket: Ticket) -> Rating | None:
    """The ticket's rating, if it has one."""
    return session.scalar(select(Rating).where(Rating.ticket_id == ticket.id))


def _refusal(*, session: Session, clock: Clock, ticket: Ticket) -> DomainError | None:
    """The refusal a rating of the ticket would meet now, or None when it may be rated."""
    if ticket.status != DONE or ticket.finished_at is None:
        return NotRatable()
    if rating_of(session=session, ticket=ticket) is not None:
        return AlreadyRated()
    if not rules.may_still_rate(finished_at=ticket.finished_at, now=clock.now()):
        return NotRatable(key="not_ratable.too_late", hours=rules.RATING_OPEN_HOURS)
    return None


def why_not_ratable(
    *, session: Session, clock: Clock, ticket: Ticket, lang: str = messages.RU
) -> str | None:
    """Why the ticket cannot be rated now (a sentence in `lang`), or None when it can."""
    refusal = _refusal(session=session, clock=clock, ticket=ticket)
    return None if refusal is None else refusal.text(lang)


def rate_ticket(
    *,
    session: Session,
    clock: Clock,
    ticket: Ticket,
    marks: dict[str, int | None],
    source: str,
    device_id: int | None = None,
) -> Rating:
    """Store the applicant's marks of a finished ticket; one rating per ticket (R8)."""
    marks = {key: marks.get(key) for key in rules.CRITERIA}
    if all(mark is None for mark in marks.values()):
        raise NoMarks()
    refusal = _refusal(session=session, clock=clock, ticket=ticket)
    if refusal is not None:
        raise refusal
    rating = Rating(
        ticket_id=ticket.id,
        office_id=ticket.office_id,
        service_id=ticket.service_id,
        window_id=ticket.window_id,
        clerk_id=ticket.clerk_id,
        device_id=device_id,
        day=ticket.day,
        rated_at=clock.now(),
        source=source,
        low=rules.is_low(marks),
        **marks,
    )
    try:
        with session.begin_nested():
            session.add(rating)
            session.flush()
    except IntegrityError:
        raise AlreadyRated() from None
    emit(
        session=session,
        clock=clock,
        type="ticket.rated",
        office_id=ticket.office_id,
        payload={"ticket_id": ticket.id, "number": ticket.number, "low": rating.low},
    )
    return rating


def _may_rate_at_window(principal: Principal, office: Office) -> None:
    principal.require_office(office.id)
    if not principal.is_staff and principal.role not in WINDOW_RATERS:
        raise NotARatingDevice()


def ticket_to_rate_at(
    *, session: Session, clock: Clock, principal: Principal, office: Office, number: int
) -> Ticket | None:
    """The ticket just finished at the window and not rated yet (what its screen offers)."""
    _may_rate_at_window(principal, office)
    window: Window = get_window(session=session, office=office, number=number)
    ticket = session.scalar(
        select(Ticket)
        .where(Ticket.office_id == office.id, Ticket.status == DONE)
        .where(Ticket.window_id == window.id)
        .where(Ticket.finished_at.is_not(None))
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
        .limit(1)
    )
    if ticket is None or ticket.finished_at is None:
        return None
    if not rules.offered_at_window(finished_at=ticket.finished_at, now=clock.now()):
        return None
    if rating_of(session=session, ticket=ticket) is not None:
        return None
    return ticket


def rate_at_window(
    *,
    session: Session,
    clock: Clock,
    principal: Principal,
    office: Office,
    number: int,
    marks: dict[str, int | None],
    ticket_id: int | None,
    source: str,
) -> Rating:
    """Rate the ticket just finished at the window (the screen names it; a keypad does not)."""
    _may_rate_at_window(principal, office)
    if ticket_id is not None:
        ticket = session.get(Ticket, ticket_id)
        window = get_window(session=session, office=office, number=number)
        if ticket is None or ticket.window_id != window.id:
            raise NoTicketToRate(key="no_ticket_to_rate.not_here", window=number)
    else:
        found = ticket_to_rate_at(
            session=session, clock=clock, principal=principal, office=office, number=number
        )
        if found is None:
            raise NoTicketToRate(window=number)
        ticket = found
    device_id = principal.id if principal.kind == "device" else None
    return rate_ticket(
        session=session,
        clock=clock,
        ticket=ticket,
        marks=marks,
        source=source,
        device_id=device_id,
    )
