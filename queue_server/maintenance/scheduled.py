"""The timed job of retention: personal data anonymised when its period is over (152-ФЗ)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from queue_server.clock import Clock
from queue_server.maintenance.retention import (
    DEFAULT_BATCH,
    RetentionPeriods,
    remove_expired_personal_data,
)
from queue_server.settings import get_settings


class RemoveExpiredPersonalData:
    """A timer job (`Scheduler.jobs`) that anonymises expired personal data once an hour.

    The scheduler passes every second; a retention period counts in days, and its
    queries read whole tables, so a pass looks only once an hour (on the injected clock).
    While a batch comes back full it looks again at the next pass, so a first run on
    years of data goes in short transactions instead of one long hold of the write lock.
    The next run's time lives in this object only: losing it (a restart) costs one early
    run, which changes nothing that was already anonymised.
    """

    __name__ = "remove_expired_personal_data"

    def __init__(
        self,
        periods: RetentionPeriods | None = None,
        *,
        every: timedelta = timedelta(hours=1),
        batch: int = DEFAULT_BATCH,
    ) -> None:
        self.periods = periods
        self.every = every
        self.batch = batch
        self.next_run: datetime | None = None

    def __call__(self, *, session: Session, clock: Clock) -> int:
        """Anonymise one batch per rule when due; the number of rows anonymised."""
        now = clock.now()
        if self.next_run is not None and now < self.next_run:
            return 0
        # Read when run, not when built: the server's settings, whoever built the scheduler.
        periods = self.periods or RetentionPeriods.from_settings(get_settings())
        done = remove_expired_personal_data(
            session=session, now=now, periods=periods, batch=self.batch
        )
        more = any(n >= self.batch for n in done.values())
        self.next_run = None if more else now + self.every
        return sum(done.values())
