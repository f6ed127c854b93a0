"""The discrete-event simulation: applicants and clerks driving the real domain services.

The clock is a `FakeClock` that jumps from event to event (a heap of arrivals, service
starts and ends, clerks' shifts and breaks, and the instants a timer falls due). Each
event is one transaction through the same service functions a kiosk, a clerk's page or
the scheduler call: `issue_ticket`, `check_in_or_live`, `call_next`, `start`, `finish`,
`redirect`, `cancel`, `take_window`/`pause_window`/`resume_window`/`release_window`, and
`Scheduler.run_pending()` for recalls, no-shows, warnings and breaches. Who is called is
decided by the real dispatcher only; the simulator just presses the buttons.

The scheduler runs only at instants when one of its timers can be due (a waiting ticket's
warning or deadline, an unanswered call's recall or no-show, a booking's check-in window
closing), plus once at the start and end of each day: between those instants a pass
would find nothing to do, and skipping it is what makes a day take seconds, not hours.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from queue_server.bookings.scheduled import mark_missed_bookings_as_no_shows
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.offices.calendar import hours_on
from queue_server.offices.models import Office
from queue_server.offices.service import overrides_for
from queue_server.scheduler import Job, Scheduler
from queue_server.simulation import visits
from queue_server.simulation.applicants import Applicant, new_applicants
from queue_server.simulation.config import SimConfig
from queue_server.simulation.office import SimOffice, set_up_office
from queue_server.simulation.records import DayResult, WaitRecord
from queue_server.tickets.scheduled import (
    mark_absent_as_no_show,
    recall_unanswered_calls,
    record_wait_limit_breaches,
    warn_of_waits_near_the_limit,
)

# The scheduler's timer jobs by what makes them fall due; the simulator knows each instant
# one of these can be due and runs that kind's jobs then. All jobs run at each day's start
# and end (case deadlines, retention), so no timer of the real scheduler is left out.
ALL, WAIT, CALL, BOOKING = "all", "wait", "call", "booking"
TIMERS: dict[str, list[Job]] = {
    WAIT: [warn_of_waits_near_the_limit, record_wait_limit_breaches],
    CALL: [recall_unanswered_calls, mark_absent_as_no_show],
    BOOKING: [mark_missed_bookings_as_no_shows],
}


@dataclass
class WindowState:
    """What the simulator knows of a window between events."""

    number: int
    services: frozenset[str]
    present: bool = False
    paused: bool = False
    ticket_id: int | None = None
    idle_since: datetime | None = None
    # What the clerk does once the current applicant is done: "break", "leave", or
    # "leave_when_empty" (end of a shift that lasts to closing: serve everyone first).
    then: str | None = None


@dataclass
class TicketState:
    """A ticket the simulator follows: its applicant and where it stands."""

    applicant: Applicant
    service: str
    kind: str
    waiting: bool = True
    window: int | None = None
    called_at: datetime | None = None
    redirected: bool = False
    absent: bool = False


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    action: Callable[..., None] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False, default=())


class Simulation:
    """Simulated office days on one database; build once, then `run_day` for each day."""

    def __init__(self, *, db: Database, config: SimConfig, seed: int, start: date) -> None:
        self.db = db
        self.config = config
        self.rng = random.Random(seed)
        self.zone = ZoneInfo(config.office.timezone)
        self.clock = FakeClock(datetime.combine(start, time(0), tzinfo=self.zone))
        everything = Scheduler(db, self.clock)
        self._schedulers = {
            ALL: everything,
            **{kind: Scheduler(db, self.clock, jobs=jobs) for kind, jobs in TIMERS.items()},
        }
        self._passes: dict[str, datetime] = {}
        with db.transaction() as session:
            self.office: SimOffice = set_up_office(session=session, clock=self.clock, config=config)
        with db.transaction(read_only=True) as session:
            row = session.get(Office, self.office.office_id)
            assert row is not None
            self._office_row = row
        self.windows: dict[int, WindowState] = {}
        self.tickets: dict[int, TicketState] = {}
        self.returns: dict[date, list[Applicant]] = {}
        self._heap: list[_Event] = []
        self._seq = itertools.count()
        self.kiosk_turn = 0
        # Tickets waiting per service, as the clerks' screens show them.
        self.waiting: Counter[str] = Counter()
        # Called applicants who will not come, with the instant R5 gives up on them.
        self.absent: dict[int, datetime] = {}
        self.day: DayResult | None = None

    # -- plumbing ---------------------------------------------------------------------

    def at(self, moment: datetime, action: Callable[..., None], *args: Any) -> None:
        """Schedule `action(*args)` at `moment`."""
        heapq.heappush(self._heap, _Event(moment, next(self._seq), action, args))

    @contextmanager
    def step(self) -> Iterator[tuple[Session, Office]]:
        """One transaction at the current instant, with the office loaded."""
        with self.db.transaction() as session:
            # The office row changes only through configuration, never during a day: a
            # copy merged without a query saves one SELECT per event.
            yield session, session.merge(self._office_row, load=False)

    def now(self) -> datetime:
        """The simulated instant."""
        return self.clock.now()

    def run_scheduler(self, timers: str = ALL) -> None:
        """One pass of the real scheduler's timers (all, or those of one kind that fell
        due), at most once per instant and kind."""
        now = self.now()
        if self._passes.get(timers) == now or self._passes.get(ALL) == now:
            return
        self._passes[timers] = now
        self._schedulers[timers].run_pending()
        visits.after_scheduler_pass(self)

    # -- a day ------------------------------------------------------------------------

    def open_hours(self, day: date) -> tuple[time, time] | None:
        """The office's hours on `day` by its real calendar, or None when it is closed."""
        with self.step() as (session, office):
            hours = hours_on(
                office, day, overrides_for(session=session, office_id=office.id, start=day, end=day)
            )
        if not hours.is_open:
            return None
        assert hours.opens is not None and hours.closes is not None
        return hours.opens, hours.closes

    def run_day(self, day: date) -> DayResult | None:
        """Simulate one local date; None when the office is closed that day."""
        hours = self.open_hours(day)
        carried = self.returns.pop(day, [])
        if hours is None:
            if carried:  # the office is closed: those applicants come the next open day
                self.returns.setdefault(day + timedelta(days=1), []).extend(carried)
            return None
        opens, closes = hours
        self.day = DayResult(day=day)
        applicants = self._applicants(day, opens, closes, carried)
        self.clock.set(datetime.combine(day, opens, tzinfo=self.zone) - timedelta(hours=1))
        visits.book_slots(self, applicants)
        for applicant in applicants:
            self.at(applicant.arrive_at, visits.arrive, applicant)
        visits.plan_clerks(self, day, opens, closes)
        self.run_scheduler()
        while self._heap:
            event = heapq.heappop(self._heap)
            if event.at > self.now():
                self.clock.set(event.at)
            event.action(self, *event.args)
        visits.end_of_day(self)
        self.run_scheduler()
        result, self.day = self.day, None
        return result

    def _applicants(
        self, day: date, opens: time, closes: time, carried: list[Applicant]
    ) -> list[Applicant]:
        """The day's new arrivals (and those coming back for a result), by arrival time."""
        fresh = new_applicants(
            self.rng, self.config, day, opens, closes, self.zone, self.office.priority_codes
        )
        for applicant in carried:
            applicant.arrive_at = visits.returning_at(self, day, opens, closes)
        return sorted(fresh + carried, key=lambda a: a.arrive_at)

    def record_wait(
        self, state: TicketState, ticket_waiting_since: datetime, limit_s: float
    ) -> None:
        """Keep a call's wait for the day's figures."""
        assert self.day is not None
        now = self.now()
        self.day.waits.append(
            WaitRecord(
                service=state.service,
                kind=state.kind,
                waiting_since=ticket_waiting_since,
                called_at=now,
                limit_s=limit_s,
                redirected=state.redirected,
            )
        )


def simulate(
    *,
    db: Database,
    config: SimConfig,
    seed: int,
    start: date,
    days: int,
    on_day: Callable[[DayResult], None] | None = None,
) -> list[DayResult]:
    """Simulate `days` open days from `start` (closed days are skipped); one result each."""
    sim = Simulation(db=db, config=config, seed=seed, start=start)
    results: list[DayResult] = []
    day = start
    # A year of closed days in a row means a configuration that never opens.
    for _ in range(days + 366):
        if len(results) == days:
            break
        result = sim.run_day(day)
        if result is not None:
            results.append(result)
            if on_day is not None:
                on_day(result)
        day += timedelta(days=1)
    return results
