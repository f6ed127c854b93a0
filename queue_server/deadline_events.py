"""A deadline's event raised once per row, on the row's own office's date (R11, R17, R18).

Cases, complaints and agreements keep terms as local dates of an office's calendar and a
flag per row and event ("already raised"). Their timed jobs share one pattern: read each
office's local date now (never the server's UTC date: just after midnight in Moscow it is
still yesterday in UTC), take the rows not flagged yet whose date may have come on some
office's date, judge each on its own office's date, set the flag and emit the event in the
job's transaction. The rows are taken with SKIP LOCKED, so several server processes may
run a job at once without doubling an event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from queue_server.clock import Clock
from queue_server.events.service import emit
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office


def office_dates(session: Session, now: datetime) -> dict[int, date]:
    """Each office's local date at the instant `now`."""
    return {o.id: local_now(o, now).date() for o in session.scalars(select(Office))}


def raise_once(
    *,
    session: Session,
    clock: Clock,
    flag: InstrumentedAttribute[bool],
    day: InstrumentedAttribute[Any],
    has_come: Callable[[date, date], bool],
    where: Iterable[ColumnElement[bool]],
    event: str,
    payload: Callable[[Any], dict[str, Any]],
) -> int:
    """Flag and announce (`event`) each row whose `day` has come on its office's date.

    `has_come(day, office_date)` is the rule's test (a term missed: `office_date > day`;
    a warning due: `office_date >= day`); `where` narrows the rows (their status).
    The rows' class has `office_id`. Returns how many rows were flagged now.
    """
    today = office_dates(session, clock.now())
    if not today:
        return 0
    model = flag.class_
    rows = session.scalars(
        select(model)
        .where(
            flag.is_(False),
            day.is_not(None),
            day <= max(today.values()),  # no office's date is later: the rest cannot be due
            *where,
        )
        .order_by(model.id)
        .with_for_update(skip_locked=True)
    ).all()
    flagged = 0
    for row in rows:
        office_date = today.get(row.office_id)
        if office_date is None or not has_come(getattr(row, day.key), office_date):
            continue
        setattr(row, flag.key, True)
        emit(
            session=session, clock=clock, type=event, office_id=row.office_id, payload=payload(row)
        )
        flagged += 1
    return flagged
