"""Runs the timed jobs (R5 recalls and no-shows, wait-limit events, booking no-shows and
notifications) on the injected clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from queue_server.bookings.notify import deliver_notifications
from queue_server.bookings.scheduled import mark_missed_bookings_as_no_shows
from queue_server.cases.service import watch_case_deadlines
from queue_server.clock import Clock
from queue_server.db import Database
from queue_server.tickets.scheduled import (
    mark_absent_as_no_show,
    recall_unanswered_calls,
    record_wait_limit_breaches,
    warn_of_waits_near_the_limit,
)

log = logging.getLogger(__name__)

Job = Callable[..., int]
# A delivery job takes `db=` and opens its own short transactions: it talks to the
# outside world (gateways) with no transaction open.
DeliveryJob = Callable[..., int]


class Scheduler:
    """Runs each job in its own transaction; all state lives in the database."""

    def __init__(self, db: Database, clock: Clock, jobs: list[Job] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.jobs: list[Job] = jobs or [
            recall_unanswered_calls,
            mark_absent_as_no_show,
            warn_of_waits_near_the_limit,
            record_wait_limit_breaches,
            watch_case_deadlines,
            mark_missed_bookings_as_no_shows,
        ]
        self.deliveries: list[DeliveryJob] = [deliver_notifications]

    def run_pending(self) -> int:
        """Run every job once; the number of tickets they changed."""
        changed = 0
        for job in self.jobs:
            session: Session
            with self.db.transaction() as session:
                changed += job(session=session, clock=self.clock)
        for delivery in self.deliveries:
            delivery(db=self.db, clock=self.clock)
        return changed

    async def run_forever(self, interval: float) -> None:
        """Run the jobs every `interval` seconds until cancelled, off the event loop."""
        while True:
            try:
                await asyncio.to_thread(self.run_pending)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed pass must not stop the next one
                log.exception("scheduler pass failed")
            await asyncio.sleep(interval)
