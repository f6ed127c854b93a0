"""Runs the timed jobs on the injected clock, in two loops that never wait on each other.

The timers (R5 recalls and no-shows, wait limits, case deadlines, booking no-shows) only
touch the database. The deliveries (booking notifications) talk to gateways that may hang
for a minute per message; in the timers' loop one dead webhook would hold back a 1-minute
recall, so they get a loop of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session

from queue_server.agreements.scheduled import warn_of_expiring_agreements
from queue_server.auth.throttle import forget_old_login_failures
from queue_server.bookings.notify import deliver_notifications
from queue_server.bookings.scheduled import mark_missed_bookings_as_no_shows
from queue_server.cases.scheduled import (
    flag_late_agency_results,
    flag_late_transfers,
    store_uncollected_results,
)
from queue_server.clerk.scheduled import return_postponed_tickets
from queue_server.clock import Clock
from queue_server.complaints.scheduled import (
    flag_overdue_complaints,
    warn_of_complaints_near_their_term,
)
from queue_server.db import Database
from queue_server.maintenance.scheduled import RemoveExpiredPersonalData
from queue_server.outbound import OutboundRules
from queue_server.tickets.remote import drop_remote_places_not_taken_up, forget_remote_phones
from queue_server.tickets.scheduled import (
    mark_absent_as_no_show,
    recall_unanswered_calls,
    record_wait_limit_breaches,
    warn_of_waits_near_the_limit,
)

log = logging.getLogger(__name__)

# How long the app's shutdown waits for a scheduler pass still running.
SHUTDOWN_WAIT_SECONDS = 10.0

# A timer job takes `session=` and `clock=`; it runs in a transaction the scheduler opens.
Job = Callable[..., int]
# A delivery job takes `db=` and opens its own short transactions: it talks to the
# outside world (gateways) with no transaction open.
DeliveryJob = Callable[..., int]


class Scheduler:
    """Runs each job in its own transaction; all state lives in the database."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        jobs: list[Job] | None = None,
        deliveries: list[DeliveryJob] | None = None,
        outbound: OutboundRules | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.jobs: list[Job] = jobs or [
            recall_unanswered_calls,
            mark_absent_as_no_show,
            return_postponed_tickets,
            warn_of_waits_near_the_limit,
            record_wait_limit_breaches,
            flag_late_transfers,
            flag_late_agency_results,
            store_uncollected_results,
            warn_of_complaints_near_their_term,
            flag_overdue_complaints,
            warn_of_expiring_agreements,
            mark_missed_bookings_as_no_shows,
            drop_remote_places_not_taken_up,
            forget_remote_phones,
            RemoveExpiredPersonalData(),
            forget_old_login_failures,
        ]
        # `outbound`: where the operator lets webhooks go (the defaults when not given).
        send = functools.partial(deliver_notifications, outbound=outbound)
        self.deliveries: list[DeliveryJob] = [send] if deliveries is None else deliveries

    def run_pending(self) -> int:
        """Run every timer job once; the number of tickets they changed."""
        changed = 0
        for job in self.jobs:
            session: Session
            # Priority: a due recall goes ahead of every waiting request for the write lock.
            with self.db.transaction(priority=True) as session:
                changed += job(session=session, clock=self.clock)
        return changed

    def deliver_pending(self) -> int:
        """Run every delivery job once; the number of messages they delivered."""
        return sum(delivery(db=self.db, clock=self.clock) for delivery in self.deliveries)

    async def run_forever(self, interval: float) -> None:
        """Run the timer jobs every `interval` seconds until cancelled."""
        await _every(interval, self.run_pending, "scheduler pass failed")

    async def deliver_forever(self, interval: float) -> None:
        """Run the delivery jobs every `interval` seconds until cancelled."""
        await _every(interval, self.deliver_pending, "delivery pass failed")


async def _every(interval: float, run: Callable[[], int], failure: str) -> None:
    # Off the event loop: the jobs use the synchronous database API and blocking HTTP. On a
    # thread of its own, not the shared default executor, which sockets and the fan-out
    # may keep busy under load: the timers must keep time then most of all.
    loop = asyncio.get_running_loop()
    thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mfcq-scheduler")
    try:
        while True:
            try:
                await loop.run_in_executor(thread, run)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed pass must not stop the next one
                log.exception(failure)
            await asyncio.sleep(interval)
    finally:
        # Let a pass in flight finish before the database goes: its connection would go back
        # to a disposed pool. Waited for off the event loop, and bounded, so a delivery stuck
        # on a gateway cannot hold the shutdown for the whole of its timeout.
        thread.shutdown(wait=False, cancel_futures=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.to_thread(thread.shutdown, wait=True), timeout=SHUTDOWN_WAIT_SECONDS
            )
