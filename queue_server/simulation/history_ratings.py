"""The demo's past ratings (R8): some served applicants rate their visit, in bulk.

About a quarter of the served tickets of the copied days are rated, as applicants do:
at the window right after service (the LED driver's rating keypad, or the window's
screen), or later on the ticket's page (within `rules.RATING_OPEN_HOURS`, and never after
the history ends). The marks follow the visit: the waiting mark falls with the wait
against its limit (a breach is mostly rated 1–3), the others are mostly 4–5 with a few
low ones, and some marks are skipped, as the form allows. `low` is `rules.is_low`, as
the service sets it; one rating per ticket.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import Device
from queue_server.offices.models import Office
from queue_server.ratings import rules
from queue_server.ratings.models import Rating
from queue_server.simulation.bulk import BulkRows
from queue_server.tickets.models import DONE, Ticket

RATED_SHARE = 0.25
# Where the ratings come from: the window's keypad, its screen, the ticket's page.
SOURCES = ("keypad", "screen", "page")
SOURCE_WEIGHTS = (0.45, 0.25, 0.30)
SKIPPED_MARK = 0.08


def _mark(rng: random.Random, good: float) -> int:
    """A mark 1–5, 5 with about `good`'s weight, the rest spread downwards."""
    roll = rng.random()
    if roll < good:
        return 5
    if roll < good + (1 - good) * 0.6:
        return 4
    if roll < good + (1 - good) * 0.85:
        return 3
    return rng.choice((1, 2))


def _waiting_mark(rng: random.Random, waited: float) -> int:
    """The waiting mark for a wait of `waited` × its limit."""
    if waited <= 0.5:
        return _mark(rng, 0.85)
    if waited <= 1:
        return _mark(rng, 0.55)
    return rng.choice((1, 2, 2, 3, 3, 4))


def add_history_ratings(
    *,
    session: Session,
    office: Office,
    days: list[date],
    today: date,
    seed: int = 1,
    bulk: BulkRows | None = None,
) -> int:
    """Ratings of some served tickets of `days` (already in the database); how many."""
    if not days:
        return 0
    bulk = bulk or BulkRows(session)
    rng = random.Random(f"ratings:{seed}:{days[0].isoformat()}:{days[-1].isoformat()}")
    zone = ZoneInfo(office.timezone)
    history_ends = datetime.combine(today, time(0), tzinfo=zone)
    keypad = session.scalar(
        select(Device.id)
        .where(Device.office_id == office.id, Device.kind == "led", Device.revoked.is_(False))
        .order_by(Device.id)
        .limit(1)
    )
    served = session.execute(
        select(
            Ticket.id,
            Ticket.day,
            Ticket.service_id,
            Ticket.window_id,
            Ticket.clerk_id,
            Ticket.waiting_since,
            Ticket.deadline,
            Ticket.called_at,
            Ticket.finished_at,
        )
        .where(
            Ticket.office_id == office.id,
            Ticket.day.in_(days),
            Ticket.status == DONE,
            Ticket.finished_at.is_not(None),
            Ticket.called_at.is_not(None),
        )
        .order_by(Ticket.id)
    ).all()
    rows = []
    for ticket in served:
        if rng.random() >= RATED_SHARE:
            continue
        source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
        if source == "page":
            rated_at = ticket.finished_at + timedelta(minutes=rng.randint(20, 48 * 60))
            if rated_at >= history_ends:
                continue  # would be rated after the history ends
        else:
            rated_at = ticket.finished_at + timedelta(seconds=rng.randint(5, 200))
        limit = (ticket.deadline - ticket.waiting_since).total_seconds() or 1.0
        waited = (ticket.called_at - ticket.waiting_since).total_seconds() / limit
        marks: dict[str, int | None] = {
            "waiting": _waiting_mark(rng, waited),
            "courtesy": _mark(rng, 0.8),
            "comfort": _mark(rng, 0.7),
            "information": _mark(rng, 0.7),
            "service_time": _mark(rng, 0.75),
        }
        for name in marks:
            if rng.random() < SKIPPED_MARK:
                marks[name] = None
        if all(m is None for m in marks.values()):
            marks["courtesy"] = 5
        rows.append(
            {
                "ticket_id": ticket.id,
                "office_id": office.id,
                "service_id": ticket.service_id,
                "window_id": ticket.window_id,
                "clerk_id": ticket.clerk_id,
                "device_id": keypad if source == "keypad" else None,
                "day": ticket.day,
                "rated_at": rated_at,
                "source": source,
                **marks,
                "low": rules.is_low(marks),
            }
        )
    bulk.insert_dicts(Rating, rows)
    return len(rows)
