"""The wait estimate's live inputs, read in two queries, and the estimates made from them.

What the office looks like now, in one statement (`_office_now_for`): the windows that call
(staffed, not paused) with each service's tier and limit and the ticket each one has called
or serves, what the last hours say (how long each service took, on `ix_tickets_finished`,
and how often it was asked for, on `ix_tickets_arrivals` alone), the norm of each service
of the active windows, and the places taken from the phone; then the head of each service's
queue (the second query, `heads.py`: a limit per service on the queue's indexes, never a
sort of the queue). The calculation — the next calls replayed in the dispatcher's own order,
with the arrivals the last hour's rates promise — is `rules.replay_calls`.

The cost does not grow with the queue's depth: the replay looks `REPLAY_HORIZON_MINUTES`
ahead, so of each service's queue only the tickets the open windows can call in that time
are read (`rules.calls_within`; within a service every window calls in the same order),
with those whose place changes in that time (a booking's slot comes, a wait nears its
limit under the guarded policy) and the tickets asked about. The query still gives each
ticket's place in its service's queue and the queue's length, counted by the database on
an index (a ticket asked about by the tickets behind it: none for the one just issued); a
ticket further back than the horizon is placed by `rules.extrapolated_call`.

Places taken from the phone and not checked in yet (`expected`, `remote.py`; on the queue
index): the dispatcher calls such a place when its applicant arrives, as a booking checked
in at the place's time, so each is counted as arriving at that time (or now, when its time
has come) — in the replay, and in the people ahead of a ticket whenever the dispatcher's
order puts it ahead at this instant.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Float,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from queue_server.catalogue.models import Service
from queue_server.db import UTCDateTime, elapsed_seconds, prebuilt
from queue_server.offices.models import Office
from queue_server.tickets import heads as queue_heads
from queue_server.tickets import rules
from queue_server.tickets.dispatcher import (
    call_key,
    key_changes,
)
from queue_server.tickets.heads import QueueHead
from queue_server.tickets.models import CALLED, DONE, SERVING, Ticket
from queue_server.tickets.models import EXPECTED as NOT_ARRIVED
from queue_server.windows.models import Window, WindowService

# Ids of hypothetical tickets taken now: above any real one, as a new ticket's id would be
# (the dispatcher breaks the last ties by id); expected arrivals are numbered below them.
NEW_TICKET = 2**62
EXPECTED = 2**61


@dataclass(frozen=True)
class WaitEstimate:
    """A ticket's expected wait; `minutes` is None when no open window serves its service."""

    minutes: int | None
    open_windows: int  # windows calling now that serve the service

    @property
    def no_open_window(self) -> bool:
        """Nobody can call this ticket now: every window of its service is closed or paused."""
        return self.minutes is None


@dataclass
class LiveQueue:
    """The office at one instant, as the estimate needs it."""

    office: Office
    now: datetime
    waiting: list[rules.QueuedTicket]  # the head of each service's queue (see the module)
    windows: list[rules.OpenWindow]
    seconds_of: dict[int, float]  # per service id: expected seconds a window is taken
    arrivals: list[rules.QueuedTicket] = field(default_factory=list)  # expected from now on
    # Per waiting ticket read: its place in its service's queue (1 = next); per service:
    # how many wait in all (tickets not read are behind every one read of the service).
    places: dict[int, int] = field(default_factory=dict)
    lengths: dict[int, int] = field(default_factory=dict)
    # Places taken from the phone, not arrived: each as it joins the queue on arrival, at
    # its place's time or now (also among `arrivals`, which the replay reads).
    remote: list[rules.QueuedTicket] = field(default_factory=list)

    def open_windows_for(self, service_id: int) -> int:
        """How many open windows serve the service."""
        return sum(service_id in w.tiers for w in self.windows)

    def people_ahead(self, ticket_id: int) -> int:
        """Waiting tickets of the same service called before this one (office-wide order)."""
        ticket = next(t for t in self.waiting if t.id == ticket_id)
        if ticket_id in self.places:
            return self.places[ticket_id] - 1 + len(self._remote_ahead(ticket))
        return self._ahead_of(ticket)

    def _remote_ahead(self, ticket: rules.QueuedTicket) -> set[int]:
        """Places not arrived that the dispatcher would call before the ticket if their
        applicants checked in now (a place whose time has come goes first, R4)."""
        key = call_key(self.office)
        mine = key(ticket, 1, self.now)
        same = (p for p in self.remote if p.service_id == ticket.service_id and p.id != ticket.id)
        return {p.id for p in same if key(p, 1, self.now) < mine}

    def _ahead_of(self, ticket: rules.QueuedTicket) -> int:
        """Tickets of its service before a ticket not in the queue (a new or replayed one)."""
        key = call_key(self.office)
        mine = key(ticket, 1, self.now)
        same = [t for t in self.waiting if t.service_id == ticket.service_id and t.id != ticket.id]
        before = sum(1 for t in same if key(t, 1, self.now) < mine)
        unread = self.lengths.get(ticket.service_id, 0) - len(same)
        # Tickets not read are behind every one read: behind this one too unless it comes
        # after all of those read.
        unread_ahead = unread if unread > 0 and before == len(same) else 0
        return before + unread_ahead + len(self._remote_ahead(ticket))

    def estimate(self, ticket_id: int) -> WaitEstimate:
        """The expected wait of a waiting ticket."""
        return self.estimates({ticket_id})[ticket_id]

    def estimates(
        self, ticket_ids: set[int], ahead: dict[int, int] | None = None
    ) -> dict[int, WaitEstimate]:
        """The expected waits of several tickets, in one replay (`ahead`: the people ahead
        of tickets not read from the queue, when known)."""
        log: list[tuple[int, datetime]] = []
        called = rules.replay_calls(
            now=self.now,
            tickets=self.waiting + self.arrivals,
            windows=self.windows,
            seconds_of=self.seconds_of,
            key=call_key(self.office),
            changes=key_changes(self.office),
            targets=ticket_ids,
            stock=self._stock(),
            log=log,
        )
        service_of = {t.id: t.service_id for t in self.waiting}
        out = {}
        for tid in ticket_ids:
            service = service_of[tid]
            windows = self.open_windows_for(service)
            at = called.get(tid)
            if at is None and windows:
                at = self._beyond_horizon(tid, service, log, (ahead or {}).get(tid))
            minutes = rules.wait_minutes(at, now=self.now) if at and windows else None
            out[tid] = WaitEstimate(minutes=minutes, open_windows=windows)
        return out

    def _stock(self) -> dict[int, int]:
        """Per service read in part: how many of its tickets the replay may call — the
        head read (places 1…k); the tickets behind it were not all read."""
        places: dict[int, set[int]] = {}
        for t in self.waiting:
            if t.id in self.places:
                places.setdefault(t.service_id, set()).add(self.places[t.id])
        stock = {}
        for service, read in places.items():
            if self.lengths.get(service, 0) > len(read) or max(read) > len(read):
                head = 0
                while head + 1 in read:
                    head += 1
                stock[service] = head
        return stock

    def _beyond_horizon(
        self, tid: int, service: int, log: list[tuple[int, datetime]], ahead: int | None
    ) -> datetime:
        """When a ticket the replay stopped short of is called (its service's queue read
        in part was used up first)."""
        if ahead is None:
            ahead = self.people_ahead(tid)
        services = {t.id: t.service_id for t in self.waiting + self.arrivals}
        of_service = [(i, at) for i, at in log if services[i] == service]
        seconds = self.seconds_of.get(service) or 60.0
        # Of those called, the ones counted in `ahead`: the queue's, and the places not
        # arrived that were ahead already now (not those whose time came later).
        target = next(t for t in self.waiting if t.id == tid)
        not_counted = {p.id for p in self.remote} - self._remote_ahead(target)
        return rules.extrapolated_call(
            stopped=log[-1][1] if log else self.now,
            calls=[at for _i, at in of_service],
            ahead=ahead,
            ahead_called=sum(1 for i, _at in of_service if i < EXPECTED and i not in not_counted),
            spacing_s=seconds / max(self.open_windows_for(service), 1),
        )

    def estimate_for_new_tickets(self, services: list[Service]) -> dict[int, WaitEstimate]:
        """Per service: the wait of a live ticket taken now (each alone, none delays another)."""
        ghosts = [
            rules.QueuedTicket(
                id=NEW_TICKET + i,
                service_id=s.id,
                waiting_since=self.now,
                deadline=self.now + timedelta(minutes=s.wait_limit_minutes),
            )
            for i, s in enumerate(services)
        ]
        replay = LiveQueue(
            office=self.office,
            now=self.now,
            waiting=self.waiting + ghosts,
            windows=self.windows,
            seconds_of=self.seconds_of,
            arrivals=self.arrivals,
            places=self.places,
            lengths=self.lengths,
            remote=self.remote,
        )
        ahead = {g.id: self._ahead_of(g) for g in ghosts}
        found = replay.estimates({g.id for g in ghosts}, ahead)
        return {g.service_id: found[g.id] for g in ghosts}


def load_live_queue(
    *,
    session: Session,
    office: Office,
    now: datetime,
    also: Ticket | None = None,
    including: Collection[int] = (),
) -> LiveQueue:
    """Read the office's live state (two queries). `also`: a ticket asked about, read
    wherever it stands in the queue; one no longer waiting (a replayed issue) is placed
    where the dispatcher's order would put it. `including`: waiting tickets asked about
    (say, those whose applicants wait for a message), read wherever they stand, even
    with no window open."""
    at_window: dict[int, tuple[int, datetime | None]] = {}
    office_now = _office_now(session, office, now)
    recently = office_now.recently
    expected: dict[int, float] = {}
    numbers: dict[int, int] = {}
    tiers: dict[int, dict[int, int]] = {}
    limits: dict[int, int] = {}
    for service_id, norm in office_now.norms.items():
        expected[service_id] = rules.service_seconds(
            norm_minutes=norm, times=recently.times.get(service_id, rules.ServiceTimes())
        )
    for row in office_now.windows:
        window_id, service_id = row.id, row.service_id
        if row.busy_service_id is not None:
            at_window[window_id] = (row.busy_service_id, row.busy_called_at)
        limits[service_id] = row.wait_limit
        numbers[window_id] = row.number
        tiers.setdefault(window_id, {})[service_id] = row.order
    windows = []
    for window_id, services in tiers.items():
        free_at = now
        busy_service, called_at = at_window.get(window_id, (None, None))
        if busy_service is not None and called_at is not None:
            busy = (now - called_at).total_seconds()
            mean = expected.get(busy_service, busy)
            free_at += timedelta(
                seconds=rules.remaining_seconds(mean_seconds=mean, busy_seconds=busy)
            )
        windows.append(rules.OpenWindow(number=numbers[window_id], tiers=services, free_at=free_at))
    until = now + timedelta(minutes=rules.REPLAY_HORIZON_MINUTES)
    heads = rules.calls_within(windows=windows, seconds_of=expected, until=until)
    asked = set(including) | ({also.id} if also is not None else set())
    rows = _queue_heads(session, office, now, until, heads, asked)
    waiting = [
        rules.QueuedTicket(
            id=r.id,
            service_id=r.service_id,
            waiting_since=r.waiting_since,
            deadline=r.deadline,
            due_at=r.due_at,
            priority_rank=r.priority_rank,
        )
        for r in rows
    ]
    places = {r.id: int(r.place) for r in rows}
    lengths = {r.service_id: int(r.length) for r in rows}
    if also is not None and also.id not in places:
        waiting.append(
            rules.QueuedTicket(
                id=also.id,
                service_id=also.service_id,
                waiting_since=also.waiting_since,
                deadline=also.deadline,
                due_at=also.due_at,
                priority_rank=also.priority_rank,
            )
        )
    arrivals = rules.expected_arrivals(
        now=now, issued=recently.issued, limit_minutes=limits, first_id=EXPECTED, most=heads
    )
    remote = _remote_places(office_now.phone, now, skip={also.id} if also is not None else set())
    return LiveQueue(
        office=office,
        now=now,
        waiting=waiting,
        windows=windows,
        seconds_of=expected,
        arrivals=arrivals + remote,
        places=places,
        lengths=lengths,
        remote=remote,
    )


# --- the statements, built once ------------------------------------------------------------
#
# An estimate is read on every issue (the kiosk prints it) and on every status page: the
# statements are built once, with bound parameters, rather than per request (building a
# SELECT of this size costs SQLAlchemy several times what executing it costs).
#
# The windows that call, the last hours (service times, arrivals), the norms and the places
# taken from the phone are five selects of one statement (`_office_now_for`, a UNION ALL): one
# round trip instead of three, which was a fifth of an issue's cost. Each row says which it
# is (`kind`) and carries its values in columns of one shape: the service, up to five
# integers, two numbers of seconds and an instant; `_office_now` gives them their names back.

_WINDOW, _LAST_HOURS, _PHONE_PLACE, _ARRIVALS, _NORMS = 0, 1, 2, 3, 4
_INTS = 5


class _WindowRow(NamedTuple):
    """A window that calls (staffed, not paused) and one service it serves, with the
    ticket it has called (if any)."""

    id: int
    number: int
    service_id: int
    order: int
    wait_limit: int
    busy_service_id: int | None
    busy_called_at: datetime | None


class _PhoneRow(NamedTuple):
    """A place taken from the phone and not arrived, with its service's wait limit."""

    id: int
    service_id: int
    due_at: datetime
    priority_rank: int | None
    wait_limit_minutes: int


@dataclass(frozen=True)
class Recently:
    """What the last hours say about each service: its service times, its arrivals."""

    times: dict[int, rules.ServiceTimes]
    issued: dict[int, tuple[int, int]]  # (live, priority) tickets issued in the last hour


@dataclass(frozen=True)
class _OfficeNow:
    """`_office_now_for`'s rows by kind."""

    windows: list[_WindowRow]
    recently: Recently
    phone: list[_PhoneRow]
    norms: dict[int, int]  # per service of the active windows: its norm, minutes


def _shaped(
    kind: int,
    service_id: Any,
    ints: Sequence[Any] = (),
    seconds: Sequence[Any] = (),
    at: Any = None,
) -> list[Any]:
    """A branch's columns in `_office_now_for`'s shape, NULL (typed) where it has nothing."""
    columns = [literal_column(str(kind), Integer).label("kind"), service_id.label("service_id")]
    ints = [*ints, *(cast(null(), Integer) for _ in range(_INTS - len(ints)))]
    columns += [value.label(f"i{n}") for n, value in enumerate(ints, 1)]
    seconds = [cast(v, Float) for v in seconds]
    seconds += [cast(null(), Float) for _ in range(2 - len(seconds))]
    columns += [value.label(f"s{n}") for n, value in enumerate(seconds, 1)]
    columns.append((at if at is not None else cast(null(), UTCDateTime())).label("at"))
    return columns


def _office_now_statement(dialect: str) -> Any:
    """Windows that call (kind 0), service times (kind 1) and arrivals (kind 3) per
    service over the last hours, the norms of the services of the active windows (kind 4),
    phone places (kind 2); `dialect` ("postgresql" or "sqlite") chooses how the arrivals
    are counted."""
    office_id: Any = bindparam("office_id")
    # The office's windows that call (active, staffed, not paused) with the services they
    # serve (tier, limit) and the service and call time of the ticket each one has called
    # or serves (one at a time).
    busy = aliased(Ticket, name="busy")
    windows = (
        select(
            *_shaped(
                _WINDOW,
                WindowService.service_id,
                ints=(
                    Window.id,
                    Window.number,
                    WindowService.order,
                    Service.wait_limit_minutes,
                    busy.service_id,
                ),
                at=busy.called_at,
            )
        )
        .join(WindowService, WindowService.window_id == Window.id)
        .join(Service, Service.id == WindowService.service_id)
        .outerjoin(
            busy,
            and_(
                busy.office_id == Window.office_id,
                busy.status.in_((CALLED, SERVING)),
                busy.window_id == Window.id,
            ),
        )
        .where(
            Window.office_id == office_id,
            Window.active.is_(True),
            Window.clerk_id.is_not(None),
            Window.paused.is_(False),
        )
    )
    # The office's tickets finished in the last hours (service times, the last hour counted
    # apart) and those issued in the last hour (arrival rates), each on its own index (one
    # aggregate over an OR of the two cost three times as much on a busy hour). Tickets
    # taken in the hall only: a booking (booking_id) or a place taken from the phone
    # (due_at without a booking) is counted once, as the arrival it is.
    now = bindparam("now", type_=UTCDateTime())
    longer = bindparam("longer_since", type_=UTCDateTime())
    recent = Ticket.finished_at >= bindparam("recent_since", type_=UTCDateTime())
    elapsed = elapsed_seconds(Ticket.called_at, Ticket.finished_at)

    def total(condition: Any, value: Any = 1) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    finished = (
        select(
            *_shaped(
                _LAST_HOURS,
                Ticket.service_id,
                ints=(func.count(), total(recent)),
                seconds=(func.coalesce(func.sum(elapsed), 0), total(recent, elapsed)),
            )
        )
        .where(
            Ticket.office_id == office_id,
            Ticket.finished_at >= longer,
            Ticket.finished_at <= now,
            Ticket.status == DONE,
            Ticket.called_at.is_not(None),
        )
        .group_by(Ticket.service_id)
    )
    # Per service of the office's active windows (the arrivals of another are never called):
    # its walk-ins issued in the last hour, and how many of them have a priority category,
    # counted on `ix_tickets_arrivals` alone, one range of it per service. Counted over the
    # hour's tickets on `ix_tickets_issued`, each ticket was read from the table: 0.27 ms
    # at 600 in the hour (SQLite) against 0.05 ms.
    served = (
        select(WindowService.service_id)
        .join(Window, Window.id == WindowService.window_id)
        .where(Window.office_id == office_id, Window.active.is_(True))
    )
    arriving = [
        Ticket.office_id == office_id,
        Ticket.issued_at > bindparam("issued_since", type_=UTCDateTime()),
        Ticket.issued_at <= now,
        Ticket.booking_id.is_(None),
        Ticket.due_at.is_(None),
    ]
    issued: Any
    if dialect == "postgresql":
        # PostgreSQL: one range of the index per service, counted where it lies (LATERAL).
        # Over an IN of the services it read the office's whole hour on `ix_tickets_issued`
        # and sorted it to merge with the services (0.6 ms at 400 in the hour, growing with
        # the hour's tickets).
        services = served.distinct().subquery("served")
        counted = (
            select(func.count().label("n"), func.count(Ticket.priority_rank).label("p"))
            .where(*arriving, Ticket.service_id == services.c.service_id)
            .lateral("arrived")
        )
        issued = (
            select(*_shaped(_ARRIVALS, services.c.service_id, ints=(counted.c.n, counted.c.p)))
            .select_from(services)
            .join(counted, true())
            .where(counted.c.n > 0)
        )
    else:
        issued = (
            select(
                *_shaped(
                    _ARRIVALS,
                    Ticket.service_id,
                    ints=(func.count(), func.count(Ticket.priority_rank)),
                )
            )
            .where(*arriving, Ticket.service_id.in_(served))
            .group_by(Ticket.service_id)
        )
    # The norm of every service of the office's active windows (their expected service
    # times), one row a service: a window with nobody at it, or paused, calls nobody and
    # is not read above.
    norms = select(*_shaped(_NORMS, Service.id, ints=(Service.service_norm_minutes,))).where(
        Service.id.in_(served)
    )
    # The places taken from the phone and not arrived, with their service's wait limit.
    phone = (
        select(
            *_shaped(
                _PHONE_PLACE,
                Ticket.service_id,
                ints=(Ticket.id, Ticket.priority_rank, Service.wait_limit_minutes),
                at=Ticket.due_at,
            )
        )
        .join(Service, Service.id == Ticket.service_id)
        .where(
            Ticket.office_id == office_id,
            Ticket.status == NOT_ARRIVED,
            Ticket.due_at.is_not(None),
        )
    )
    return union_all(windows, finished, issued, norms, phone)


@functools.cache
def _office_now_for(dialect: str) -> Any:
    """`_office_now_statement` for the database's dialect, built on first use (a server
    runs one)."""
    return prebuilt(_office_now_statement(dialect))


def _office_now(session: Session, office: Office, now: datetime) -> _OfficeNow:
    """The windows that call, the last hours, the norms and the phone places of the
    office, in one statement."""
    connection = session.connection()
    rows = connection.execute(
        _office_now_for("postgresql" if connection.dialect.name == "postgresql" else "sqlite"),
        {
            "office_id": office.id,
            "now": now,
            "longer_since": now - timedelta(minutes=rules.LONGER_SERVICE_MINUTES),
            "recent_since": now - timedelta(minutes=rules.RECENT_SERVICE_MINUTES),
            "issued_since": now - timedelta(minutes=rules.ARRIVAL_RATE_MINUTES),
        },
    )
    windows, phone = [], []
    times, arrivals, norms = {}, {}, {}
    for r in rows:
        if r.kind == _WINDOW:
            windows.append(_WindowRow(r.i1, r.i2, r.service_id, r.i3, r.i4, r.i5, r.at))
        elif r.kind == _LAST_HOURS:
            times[r.service_id] = rules.ServiceTimes(
                recent_count=int(r.i2),
                recent_seconds=float(r.s2),
                longer_count=int(r.i1),
                longer_seconds=float(r.s1),
            )
        elif r.kind == _ARRIVALS:
            arrivals[r.service_id] = (int(r.i1) - int(r.i2), int(r.i2))
        elif r.kind == _NORMS:
            norms[r.service_id] = int(r.i1)
        else:
            phone.append(_PhoneRow(r.i1, r.service_id, r.at, r.i2, r.i3))
    return _OfficeNow(windows, Recently(times=times, issued=arrivals), phone, norms)


def _remote_places(
    phone: list[_PhoneRow], now: datetime, skip: set[int]
) -> list[rules.QueuedTicket]:
    """The places taken from the phone and not arrived, each as the dispatcher will see it
    once its applicant checks in: waiting from its place's time (or from now, when that
    has passed) with its service's limit and the place's time as its slot (remote_rules)."""
    out = []
    for r in phone:
        if r.id in skip:
            continue
        joins = max(r.due_at, now)
        out.append(
            rules.QueuedTicket(
                id=r.id,
                service_id=r.service_id,
                waiting_since=joins,
                deadline=joins + timedelta(minutes=r.wait_limit_minutes),
                due_at=r.due_at,
                priority_rank=r.priority_rank,
                arrives_at=joins,
            )
        )
    return out


def _queue_heads(
    session: Session,
    office: Office,
    now: datetime,
    until: datetime,
    heads: dict[int, int],
    asked: set[int],
) -> list[QueueHead]:
    """The waiting tickets the replay can reach, with their places (`heads.read`)."""
    return queue_heads.read(session, office, now, until, heads, asked)
