"""The discrete-event simulation: applicants and clerks driving the real domain services.

The clock is a `FakeClock` that jumps from event to event (a heap of arrivals, service
starts and ends, clerks' shifts and breaks, and the instants a timer falls due). Each
event calls the same service functions a kiosk, a clerk's page or the scheduler call:
`issue_ticket`, `check_in_or_live`, `call_next`, `start`, `finish`, `redirect`, `cancel`,
`take_window`/`pause_window`/`resume_window`/`release_window`, and the scheduler's timer
jobs for recalls, no-shows, warnings and breaches. Who is called is decided by the real
dispatcher only; the simulator just presses the buttons.

The scheduler's timers run only at instants when one of them can be due (a waiting
ticket's warning or deadline, an unanswered call's recall or no-show, a booking's
check-in window closing), and only the jobs of that timer; every job of the real
scheduler runs once at the start and the end of each day: between those instants a pass
would find nothing to do, and skipping it is what makes a day take seconds, not hours.

Nobody else writes to a simulation's database while it runs, so the events need not be
a transaction each: they share one, committed every `BATCH_STEPS` events and at the end
of each day (`Simulation.step`). Each service sees exactly the rows it would see in a
transaction of its own (every earlier event's changes, flushed), so the tables end up
the same; a transaction costs SQLite its write lock and a journal write, and those were
a large part of a simulated ticket. A step that fails rolls its batch back and ends the
run, as a failed step always did.
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

from sqlalchemy import Select, event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, lazyload

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
from queue_server.tickets.models import Ticket
from queue_server.tickets.scheduled import (
    mark_absent_as_no_show,
    recall_unanswered_calls,
    record_wait_limit_breaches,
    warn_of_waits_near_the_limit,
)
from queue_server.windows.models import Window

# The scheduler's timer jobs by what makes them fall due; the simulator knows each instant
# one of these can be due and runs that kind's jobs then. All jobs run at each day's start
# and end (case deadlines, retention), so no timer of the real scheduler is left out.
ALL, WARN, BREACH, CALL, BOOKING = "all", "warn", "breach", "call", "booking"
TIMERS: dict[str, list[Job]] = {
    WARN: [warn_of_waits_near_the_limit],
    BREACH: [record_wait_limit_breaches],
    CALL: [recall_unanswered_calls, mark_absent_as_no_show],
    BOOKING: [mark_missed_bookings_as_no_shows],
}
# Events per transaction (see the module's docstring); a day of the default office is
# about 12,000 events.
BATCH_STEPS = 500
# session.info key of the objects a batch keeps in its session (`Simulation.step`).
_PINNED = "mfcq_simulation_pinned"


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
        self._scheduler = Scheduler(db, self.clock)
        self._passes: dict[str, datetime] = {}
        # The open batch: its session, the office merged into it, events done in it.
        self._batch: tuple[Session, Office] | None = None
        self._batch_steps = 0
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
        # Called in each issue's transaction with the new ticket (the accuracy measurement
        # reads the printed estimate there); None: nothing more is done at issue.
        self.on_issue: Callable[[Session, Office, Ticket], None] | None = None

    # -- plumbing ---------------------------------------------------------------------

    def at(self, moment: datetime, action: Callable[..., None], *args: Any) -> None:
        """Schedule `action(*args)` at `moment`."""
        heapq.heappush(self._heap, _Event(moment, next(self._seq), action, args))

    @contextmanager
    def step(self) -> Iterator[tuple[Session, Office]]:
        """One event's work at the current instant, with the office loaded, in the open
        batch's transaction (committed every `BATCH_STEPS` events and by `commit`)."""
        if self._batch is None:
            self._batch = self._open_batch()
        batch = self._batch
        try:
            yield batch
            # What the event changed is flushed now, as its own commit would have: the
            # next event's services read it, and a failure shows at the event that made it.
            batch[0].flush()
        except BaseException:
            self._end_batch(commit=False)
            raise
        self._batch_steps += 1
        if self._batch_steps >= BATCH_STEPS:
            self.commit()

    def _open_batch(self) -> tuple[Session, Office]:
        session = self.db.session()
        # Every row the batch loads stays in its session until the batch ends. A session
        # keeps only the objects something refers to, so a window or ticket read by one
        # event was read again, with its services, by the next (a clerk's move looks its
        # window up by id); nobody else writes here, so the copy in hand is the row.
        pinned: list[object] = []
        for name in ("loaded_as_persistent", "pending_to_persistent"):
            event.listen(session, name, lambda _session, obj: pinned.append(obj))
        session.info[_PINNED] = pinned
        # The office row changes only through configuration, never during a day: a
        # copy merged without a query saves one SELECT per batch.
        office = session.merge(self._office_row, load=False)
        # The windows with their services in two queries, for the whole batch; a clerk's
        # move reads its window again (under its lock) without its services again.
        pinned.extend(session.scalars(select(Window).where(Window.office_id == office.id)))
        event.listen(session, "do_orm_execute", _windows_services_in_hand)
        return session, office

    def commit(self) -> None:
        """Commit the open batch (nothing to do when none is open)."""
        self._end_batch(commit=True)

    def _end_batch(self, *, commit: bool) -> None:
        if self._batch is None:
            return
        session, self._batch, self._batch_steps = self._batch[0], None, 0
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()

    def now(self) -> datetime:
        """The simulated instant."""
        return self.clock.now()

    def run_scheduler(self, timers: str = ALL) -> None:
        """One pass of the real scheduler's timers (all, or those of one kind that fell
        due), at most once per instant and kind.

        All of them: the real `Scheduler.run_pending()`, each job in a transaction of its
        own as in the server, after the open batch is committed. One kind: its jobs called
        as the scheduler calls them, in the open batch.
        """
        now = self.now()
        if self._passes.get(timers) == now or self._passes.get(ALL) == now:
            return
        self._passes[timers] = now
        if timers == ALL:
            self.commit()
            self._scheduler.run_pending()
        else:
            for job in TIMERS[timers]:
                with self.step() as (session, _office):
                    job(session=session, clock=self.clock)
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
            self.commit()
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
        self.run_scheduler()  # commits the day's last batch first
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
        self,
        state: TicketState,
        ticket_waiting_since: datetime,
        limit_s: float,
        ticket_id: int | None = None,
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
                ticket_id=ticket_id,
            )
        )


_WINDOW_MAPPER = inspect(Window)


def _windows_services_in_hand(state: ORMExecuteState) -> None:
    """In a batch's session, a query for windows leaves their services as loaded: the
    batch read every window with its services when it began (nobody else changes them),
    and a window's services are otherwise read again with each query for it."""
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    # The statement's primary mapper first: cheap, where its column descriptions are not
    # (this hook sees every query of a simulated day, most of them not for windows).
    if state.bind_mapper is not _WINDOW_MAPPER:
        return
    statement = state.statement
    if not isinstance(statement, Select):
        return
    columns = statement.column_descriptions
    if len(columns) == 1 and columns[0].get("expr") is Window:
        state.statement = statement.options(lazyload(Window.services))


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
