"""The what-if's day in memory: the simulator's events, the real dispatcher's order, no database.

The what-if (`whatif.py`) simulates a pooled office — every window serves every service,
clerks come and go on the hour, no bookings, redirects, breaks or second visits. For
that office the day through the real services (`engine.Simulation` on a scratch
database, tens of milliseconds per ticket) is replayed here event by event in plain
Python, in milliseconds:

- the same applicants: `applicants.new_applicants` with the same seed, drawn in the same
  order, so the same people come at the same instants with the same needs;
- the same events in the same order as `visits.py` (arrival and the idle windows woken,
  the longest idle first; call, walk, start, end; R5 giving up on an absent applicant
  `recall + no-show` seconds after the call; shifts beginning and ending, a clerk
  finishing the applicant at the window first, at closing serving everyone first);
- the same call order: the dispatcher's own key (`dispatcher.call_key`, the Python twin
  of `pick_next`'s ORDER BY, checked against it by `test_dispatch_policies.py`), with the
  wait limits, priority ranks and policy the catalogue and office give the real services.

`test_whatif.py` checks that a day here gives exactly the waits of the same day through
the real services; a change of the dispatcher's order changes both.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.catalogue.models import KIND_DEFAULTS
from queue_server.offices.calendar import WEEKDAYS
from queue_server.offices.models import Office
from queue_server.simulation.applicants import Applicant, new_applicants
from queue_server.simulation.config import SimConfig
from queue_server.simulation.records import DayResult, WaitRecord
from queue_server.tickets import rules
from queue_server.tickets.dispatcher import call_key

LEAVE, LEAVE_WHEN_EMPTY = "leave", "leave_when_empty"


def supported(config: SimConfig) -> bool:
    """Whether `config` is an office this replay covers (the what-if's pooled office)."""
    services = {frozenset(s.service for s in w.services) for w in config.office.windows.values()}
    orders = {s.order for w in config.office.windows.values() for s in w.services}
    return (
        config.bookings.share == 0
        and config.redirect == 0
        and not config.returns
        and all(not c.breaks for c in config.clerk_list())
        and len(services) <= 1
        and len(orders) <= 1
    )


@dataclass
class _Ticket:
    queued: rules.QueuedTicket
    applicant: Applicant
    kind: str
    limit_s: float
    waiting: bool = True


@dataclass
class _Window:
    number: int
    present: bool = False
    ticket: _Ticket | None = None
    idle_since: datetime | None = None
    then: str | None = None


@dataclass
class PooledDay:
    """One day of the pooled office, replayed; `run()` gives the same `DayResult` as the
    real services' `Simulation.run_day` (waits, tickets, no-shows, unserved)."""

    config: SimConfig
    seed: int
    day: date
    on_call: Callable[[], None] | None = None
    _heap: list[tuple[datetime, int, Callable[..., None], tuple[Any, ...]]] = field(
        default_factory=list
    )
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        office = self.config.office
        self.zone = ZoneInfo(office.timezone)
        self.now = datetime.combine(self.day, time(0), tzinfo=self.zone)
        catalogue = self.config.catalogue
        # As the catalogue import stores them (`catalogue.service.put_service`).
        self.limits = {
            code: s.wait_limit_minutes or KIND_DEFAULTS[s.kind][0]
            for code, s in catalogue.services.items()
        }
        categories = catalogue.priority_categories
        self.ranks = {code: c.rank for code, c in categories.items()}
        self.priority_codes = sorted(code for code, c in categories.items() if c.active)
        self.key = call_key(
            Office(
                dispatch_policy=office.dispatch_policy,
                dispatch_guard_minutes=office.dispatch_guard_minutes,
            )
        )
        self.recall = timedelta(seconds=office.recall_after_seconds)
        self.no_show = timedelta(seconds=office.no_show_after_seconds)
        self.windows: dict[int, _Window] = {}
        self.queue: list[_Ticket] = []
        self.result = DayResult(day=self.day)

    def _at(self, moment: datetime, action: Callable[..., None], *args: Any) -> None:
        heapq.heappush(self._heap, (moment, next(self._seq), action, args))

    def run(self) -> DayResult | None:
        """Replay the day; None when the office is closed on it."""
        if not supported(self.config):
            raise ValueError("only the what-if's pooled office can be replayed in memory")
        hours = self.config.office.opening_hours.get(WEEKDAYS[self.day.weekday()])
        if not hours:
            return None
        opens, closes = (time.fromisoformat(h) for h in hours)
        rng = random.Random(self.seed)
        applicants = sorted(
            new_applicants(
                rng, self.config, self.day, opens, closes, self.zone, self.priority_codes
            ),
            key=lambda a: a.arrive_at,
        )
        for applicant in applicants:
            self._at(applicant.arrive_at, self._arrive, applicant)
        self._plan_clerks(opens, closes)
        while self._heap:
            moment, _seq, action, args = heapq.heappop(self._heap)
            self.now = max(self.now, moment)
            action(*args)
        self.result.unserved = sum(t.waiting for t in self.queue)
        return self.result

    # -- the events of visits.py -------------------------------------------------------

    def _arrive(self, applicant: Applicant) -> None:
        rank = self.ranks[applicant.priority] if applicant.priority is not None else None
        limit = self.limits[applicant.service]
        queued = rules.QueuedTicket(
            id=len(self.queue) + 1,  # ids in issue order, as a fresh database gives them
            service_id=0,
            waiting_since=self.now,
            deadline=self.now + timedelta(minutes=limit),
            priority_rank=rank,
        )
        kind = "priority" if rank else "live"
        self.queue.append(_Ticket(queued, applicant, kind, limit * 60.0))
        self.result.tickets += 1
        self.result.ticket_ids.append(queued.id)
        idle = [w for w in self.windows.values() if w.present and w.ticket is None]
        idle.sort(key=lambda w: (w.idle_since or self.now, w.number))
        for window in idle:
            if self._call(window):
                return

    def _call(self, window: _Window) -> bool:
        if not window.present or window.ticket is not None:
            return False
        waiting = [t for t in self.queue if t.waiting]
        if not waiting:
            window.idle_since = self.now
            if window.then == LEAVE_WHEN_EMPTY:
                self._leave(window)
            return False
        ticket = min(waiting, key=lambda t: self.key(t.queued, 1, self.now))
        ticket.waiting, window.ticket = False, ticket
        self.result.waits.append(
            WaitRecord(
                service=ticket.applicant.service,
                kind=ticket.kind,
                waiting_since=ticket.queued.waiting_since,
                called_at=self.now,
                limit_s=ticket.limit_s,
                ticket_id=ticket.queued.id,
            )
        )
        if self.on_call is not None:
            self.on_call()
        applicant = ticket.applicant
        walk = timedelta(seconds=applicant.walk_seconds)
        if applicant.shows_up and not walk:
            self._at(self.now + timedelta(seconds=applicant.service_seconds), self._end, window)
        elif applicant.shows_up:
            self._at(self.now + walk, self._start, window)
        else:
            self._at(self.now + self.recall + self.no_show, self._gone, window)
        return True

    def _start(self, window: _Window) -> None:
        assert window.ticket is not None
        seconds = window.ticket.applicant.service_seconds
        self._at(self.now + timedelta(seconds=seconds), self._end, window)

    def _end(self, window: _Window) -> None:
        window.ticket = None
        self._after_ticket(window)

    def _gone(self, window: _Window) -> None:
        # R5: the recalled applicant did not come; the ticket is a no-show.
        self.result.no_shows += 1
        window.ticket = None
        self._after_ticket(window)

    def _after_ticket(self, window: _Window) -> None:
        if window.then == LEAVE:
            self._leave(window)
        else:
            self._call(window)

    def _clerk_in(self, window: _Window) -> None:
        window.present, window.then, window.idle_since = True, None, self.now
        self._call(window)

    def _clerk_out(self, window: _Window, at_close: bool) -> None:
        if not window.present:
            return
        window.then = LEAVE_WHEN_EMPTY if at_close else LEAVE
        if window.ticket is None:
            if at_close:
                self._call(window)
            else:
                self._leave(window)

    def _leave(self, window: _Window) -> None:
        window.present, window.then = False, None

    def _plan_clerks(self, opens: time, closes: time) -> None:
        def local(hhmm: str | time) -> datetime:
            moment = hhmm if isinstance(hhmm, time) else time.fromisoformat(hhmm)
            return datetime.combine(self.day, moment, tzinfo=self.zone)

        closing = local(closes)
        for clerk in self.config.clerk_list():
            window = self.windows.setdefault(clerk.window, _Window(clerk.window))
            for begin, end in clerk.shifts or [(opens.strftime("%H:%M"), closes.strftime("%H:%M"))]:
                self._at(max(local(begin), local(opens)), self._clerk_in, window)
                self._at(min(local(end), closing), self._clerk_out, window, local(end) >= closing)
