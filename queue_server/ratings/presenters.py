"""Ratings → response shapes."""

from __future__ import annotations

from queue_server.ratings import rules
from queue_server.ratings.reports import Row
from queue_server.ratings.schemas import CriterionOut, RatableOut, RatingOut
from queue_server.tickets.models import Ticket


def criteria_out() -> list[CriterionOut]:
    """The five criteria in their order."""
    return [CriterionOut(key=key, name_ru=name) for key, name in rules.CRITERIA.items()]


def ratable_out(ticket: Ticket | None, *, reason: str | None, rated: bool) -> RatableOut:
    """What the rating form shows for a ticket (or for no ticket at all)."""
    if ticket is None:
        message = reason or "Сейчас нет обслуживания, ожидающего оценки."
    else:
        message = reason or "Пожалуйста, оцените качество обслуживания."
    return RatableOut(
        ticket_id=ticket.id if ticket else None,
        number=ticket.number if ticket else None,
        can_rate=ticket is not None and reason is None,
        rated=rated,
        message=message,
        criteria=criteria_out(),
    )


def rating_out(row: Row) -> RatingOut:
    """One rating with its ticket, office, service, window and clerk."""
    r = row.rating
    return RatingOut(
        id=r.id,
        ticket_id=r.ticket_id,
        number=row.number,
        day=r.day,
        rated_at=r.rated_at,
        office=row.office,
        service=row.service,
        window=row.window,
        clerk=row.clerk,
        source=r.source,
        waiting=r.waiting,
        courtesy=r.courtesy,
        comfort=r.comfort,
        information=r.information,
        service_time=r.service_time,
        low=r.low,
    )
