"""Timed job of the reports: roll each office's closed days up as its local date moves on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.reports.rollup import first_ticket_day, roll_up, rolled_through
from queue_server.clock import Clock
from queue_server.db import Database, advisory_key
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office

# Days rolled up per office and pass: a pass stays short (it shares the scheduler's loop
# with the R5 timers); a backlog (a server down for a week) is caught up pass by pass.
DAYS_PER_PASS = 1
#: The roll-up's advisory lock, by which the processes of a deployment agree on who rolls up
#: this pass (keyed with the schema: see `advisory_key`).
ROLLUP_LOCK = "mfcq-rollup"


def roll_up_closed_days(*, session: Session, clock: Clock) -> int:
    """Roll up every office's days up to yesterday in its zone (from its first ticket on).

    Returns 0: no ticket changes (the scheduler counts those).
    """
    if session.get_bind().dialect.name == "postgresql" and not session.scalar(
        select(func.pg_try_advisory_xact_lock(advisory_key(ROLLUP_LOCK)))
    ):
        return 0  # another process is rolling up right now
    now = clock.now()
    through = rolled_through(session)
    for office in session.scalars(select(Office).order_by(Office.id)):
        yesterday = local_now(office, now).date() - timedelta(days=1)
        last = through.get(office.id)
        if last is not None:
            start = last + timedelta(days=1)
        else:
            first = first_ticket_day(session, office.id)
            if first is None:
                continue
            start = first
        if start > yesterday:
            continue
        roll_up(
            session, office, start, min(yesterday, start + timedelta(days=DAYS_PER_PASS - 1)), now
        )
    return 0


def keep_rollups(*, db: Database, clock: Clock) -> int:
    """The scheduler's entry: a day of a large office takes a second or two to roll up, so
    it runs in the loop of the slow jobs (deliveries), never delaying an R5 recall, in a
    transaction of its own."""
    with db.transaction() as session:
        return roll_up_closed_days(session=session, clock=clock)
