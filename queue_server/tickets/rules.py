"""The regulation's figures for the queue and the calculations made from them.

One place per rule (DOMAIN.md R1–R3, R5; R4's figures are in `bookings/rules.py`). The
figures are defaults: each office and service may change them, so the calculations take
the configured values as arguments. This module imports nothing of ours, so the tables
that store the figures (offices, services) can take their defaults from here.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# R1–R3 (004 §2.10.1–2.10.3): the longest wait in the queue, by the service's kind.
WAIT_LIMIT_MINUTES_BY_KIND: dict[str, int] = {
    "intake": 15,  # R1: hand in documents
    "issuance": 10,  # R2: collect a ready result
    "consultation": 15,  # R3: information in person
}
# R1–R3: how long the interaction itself may take (the service-time norm), by kind.
SERVICE_NORM_MINUTES_BY_KIND: dict[str, int] = {
    "intake": 30,
    "issuance": 5,
    "consultation": 10,
}
# Share of the limit after which a wait is shown as nearing it (the amber light).
WARNING_SHARE = 0.8

# The "guarded" dispatch policy (issue 14): a ticket this close to its wait limit (R1–R4),
# and not yet past it, is called before priority categories and bookings, earliest
# deadline first, so that a stream of them cannot push a live applicant past the limit.
# A wait already past its limit is not guarded. Configurable per office.
DISPATCH_GUARD_MINUTES = 3
DISPATCH_POLICIES = ("deadline", "fifo", "guarded")

# R5 (004 §3.4.19–20): a called applicant who does not come within a minute is called
# again; one minute after the second call the ticket is a no-show.
RECALL_AFTER_SECONDS = 60
NO_SHOW_AFTER_SECONDS = 60

# The promise printed on every ticket: the R1 limit, in the applicant's words.
DEFAULT_TICKET_FOOTER = (
    f"Ожидание в очереди — не более {WAIT_LIMIT_MINUTES_BY_KIND['intake']} минут"
)

OK, WARNING, BREACH = "ok", "warning", "breach"


def wait_due_times(
    since: datetime, *, limit_minutes: int, warning_share: float
) -> tuple[datetime, datetime]:
    """(warn_at, deadline) of a wait that starts at `since` (R1–R4)."""
    limit = timedelta(minutes=limit_minutes)
    return since + limit * warning_share, since + limit


def wait_state(*, now: datetime, warn_at: datetime, deadline: datetime) -> str:
    """ok, warning (past the warning share of the limit) or breach (the limit is reached).

    "At most 15 minutes" is used up the instant 15 minutes have passed: the scheduler
    records the breach then, and a call at that instant finds the same state.
    """
    if now >= deadline:
        return BREACH
    return WARNING if now >= warn_at else OK


def recall_due(last_called_at: datetime, *, recall_after_seconds: int) -> datetime:
    """When an unanswered first call is repeated (R5)."""
    return last_called_at + timedelta(seconds=recall_after_seconds)


def no_show_due(last_called_at: datetime, *, no_show_after_seconds: int) -> datetime:
    """When a recalled applicant who still has not come becomes a no-show (R5)."""
    return last_called_at + timedelta(seconds=no_show_after_seconds)


def naive_wait_minutes(*, ahead: int, norm_minutes: int, serving_windows: int) -> int:
    """The old printed estimate, kept as the yardstick of the accuracy table: the people
    ahead times the norm, shared by the serving windows."""
    return math.ceil(ahead * norm_minutes / max(serving_windows, 1))


# --- The wait estimate (issue 14): the office's next calls replayed on its live state ---

# Service times are read from the tickets finished lately: the last hour's mean, pulled
# towards the mean of the last few hours while the hour has few tickets, itself pulled
# towards the service's norm (R1–R3) while the day has few. The norm is the longest an
# interaction may take, not a typical one, so it weighs as a single ticket.
RECENT_SERVICE_MINUTES = 60
LONGER_SERVICE_MINUTES = 240
LONGER_MEAN_WEIGHT_IN_TICKETS = 3
NORM_WEIGHT_IN_TICKETS = 1
# A window busy for longer than the service's mean is expected to need at least this
# share of the mean again (long services run long: the log-normal tail of real desks).
LEAST_REMAINING_SHARE = 0.25


@dataclass(frozen=True)
class ServiceTimes:
    """Tickets of a service finished lately: count and total seconds from call to end."""

    recent_count: int = 0  # in the last RECENT_SERVICE_MINUTES
    recent_seconds: float = 0.0
    longer_count: int = 0  # in the last LONGER_SERVICE_MINUTES (the recent ones included)
    longer_seconds: float = 0.0


def service_seconds(*, norm_minutes: int, times: ServiceTimes) -> float:
    """How long a window is taken by one applicant of a service, from the call to the end:
    the last hour's mean, shrunk towards the last hours' mean, shrunk towards the norm."""
    longer = (NORM_WEIGHT_IN_TICKETS * norm_minutes * 60.0 + times.longer_seconds) / (
        NORM_WEIGHT_IN_TICKETS + times.longer_count
    )
    return (LONGER_MEAN_WEIGHT_IN_TICKETS * longer + times.recent_seconds) / (
        LONGER_MEAN_WEIGHT_IN_TICKETS + times.recent_count
    )


def remaining_seconds(*, mean_seconds: float, busy_seconds: float) -> float:
    """How much longer a window already busy `busy_seconds` with an applicant is taken."""
    return max(mean_seconds - busy_seconds, LEAST_REMAINING_SHARE * mean_seconds)


@dataclass(frozen=True)
class QueuedTicket:
    """What the call order of a waiting ticket depends on (the dispatcher's inputs)."""

    id: int
    service_id: int
    waiting_since: datetime
    deadline: datetime
    due_at: datetime | None = None  # a booking's slot
    priority_rank: int | None = None
    arrives_at: datetime | None = None  # an expected arrival: not in the queue before then


@dataclass(frozen=True)
class OpenWindow:
    """A window that calls now: staffed, not paused; its services by tier, when it is free."""

    number: int
    tiers: dict[int, int]  # service id -> order (1 primary, 2 secondary…)
    free_at: datetime


# The call order of one window: (ticket, the ticket's tier at this window, instant) -> key.
CallKey = Callable[[QueuedTicket, int, datetime], tuple[Any, ...]]
# The later instants at which a ticket's key changes (a booking's slot comes…).
KeyChanges = Callable[[QueuedTicket], list[datetime]]


def replay_calls(
    *,
    now: datetime,
    tickets: list[QueuedTicket],
    windows: list[OpenWindow],
    seconds_of: Mapping[int, float],
    key: CallKey,
    changes: KeyChanges,
    targets: set[int],
    stock: Mapping[int, int] | None = None,
    log: list[tuple[int, datetime]] | None = None,
) -> dict[int, datetime]:
    """When each target ticket will be called: the open windows replayed on the waiting tickets.

    Each window, when free, calls what the dispatcher would give it (`key`, the
    dispatcher's own order, evaluated at that instant) and is then taken for the service's
    expected time (`seconds_of`). A target is called without taking the window, so a
    target never delays another: one replay answers for several hypothetical new tickets.
    Targets no open window serves are left out of the answer. Expected arrivals
    (`expected_arrivals`, with `arrives_at`) join the order when they come.

    `stock`: per service, how many of its waiting tickets (not expected arrivals) may be
    called before the replay stops — the head of a queue read in part (`calls_within`):
    past it the next ticket of the service is not known, so targets not called by then
    are left out of the answer (`extrapolated_call` places them). `log` receives the
    other tickets called, in order, with the instant of their call.
    """
    index = {t.id: t for t in tickets}
    groups: dict[tuple[tuple[int, int], ...], list[OpenWindow]] = {}
    for window in windows:
        groups.setdefault(tuple(sorted(window.tiers.items())), []).append(window)
    # Windows with the same services and tiers share one order: one heap per group.
    heaps: list[list[tuple[tuple[Any, ...], int, int]]] = []
    tiers_of: list[dict[int, int]] = []
    clock: list[tuple[datetime, int, int]] = []  # (free at, window number, group)
    for g, (tiers, members) in enumerate(groups.items()):
        tier = dict(tiers)
        tiers_of.append(tier)
        heap = [
            (key(t, tier[t.service_id], now), 0, t.id)
            for t in tickets
            if t.service_id in tier and t.arrives_at is None
        ]
        heapq.heapify(heap)
        heaps.append(heap)
        clock += [(max(w.free_at, now), w.number, g) for w in members]
    heapq.heapify(clock)
    version = dict.fromkeys(index, 0)
    # Later instants at which a ticket enters a window's order (an expected arrival) or
    # moves in it (a booking's slot comes…), in time order.
    upgrades = sorted(
        [(t.arrives_at, t.id) for t in tickets if t.arrives_at is not None]
        + [(at, t.id) for t in tickets for at in changes(t) if at > max(now, t.arrives_at or now)]
    )
    taken: set[int] = set()
    called: dict[int, datetime] = {}
    left = dict(stock or {})
    wanted = {i for i in targets if i in index}
    u = 0
    while clock and len(called) < len(wanted):
        at, number, g = heapq.heappop(clock)
        while u < len(upgrades) and upgrades[u][0] <= at:
            moment, tid = upgrades[u]
            u += 1
            if tid in taken:
                continue
            version[tid] += 1
            ticket = index[tid]
            for heap, tier in zip(heaps, tiers_of, strict=True):
                if ticket.service_id in tier:
                    entry = (key(ticket, tier[ticket.service_id], moment), version[tid], tid)
                    heapq.heappush(heap, entry)
        heap = heaps[g]
        while heap and (heap[0][2] in taken or heap[0][1] != version[heap[0][2]]):
            heapq.heappop(heap)
        if not heap:
            # Nothing this window serves is waiting: it stays idle until the next arrival
            # (or for good).
            if u < len(upgrades):
                heapq.heappush(clock, (upgrades[u][0], number, g))
            continue
        _key, _v, tid = heapq.heappop(heap)
        taken.add(tid)
        if tid in wanted:
            called[tid] = at
            heapq.heappush(clock, (at, number, g))
        else:
            service = index[tid].service_id
            heapq.heappush(clock, (at + timedelta(seconds=seconds_of[service]), number, g))
            if log is not None:
                log.append((tid, at))
            if stock is not None and service in stock and index[tid].arrives_at is None:
                left[service] -= 1
                if left[service] <= 0:
                    break  # the head read of this service's queue is used up
    return called


# Of each service's queue the estimate reads the tickets the open windows can call this
# far ahead (the expected arrivals' horizon): what it costs is then bounded by the calls
# the open windows can make in that time, not by the queue's depth. A ticket further
# back is placed by `extrapolated_call`.
REPLAY_HORIZON_MINUTES = ARRIVAL_HORIZON_MINUTES = 120


def calls_within(
    *, windows: list[OpenWindow], seconds_of: Mapping[int, float], until: datetime
) -> dict[int, int]:
    """Per service id: the most tickets of it the open windows can call up to `until`.

    A window takes at least the service's expected time for each ticket of the service it
    calls (calls of other services only leave fewer), so it calls at most
    1 + (until − free at) ÷ that time of them. Within a service every window calls in the
    same order (its tier is the service's), so only that many of each service's queue,
    taken in the dispatcher's order, can be called before `until`: the rest need not be
    read.
    """
    most: dict[int, int] = {}
    for window in windows:
        room = max(0.0, (until - window.free_at).total_seconds())
        for service in window.tiers:
            each = max(seconds_of.get(service, 0.0), 1.0)
            most[service] = most.get(service, 0) + 1 + int(room // each)
    return most


def extrapolated_call(
    *, stopped: datetime, calls: list[datetime], ahead: int, ahead_called: int, spacing_s: float
) -> datetime:
    """When a ticket the replay stopped short of (`stopped`: its last call) is called.

    `calls`: the instants the replay called tickets of its service, in order. The
    service's queue goes on at the pace they show (with fewer than two, `spacing_s` apart:
    the open windows' pace on that service alone) from the last of them (or `stopped`),
    and the `ahead − ahead_called` tickets still ahead of it go first. Exact for a steady
    pace (windows of one service, free together).
    """
    if calls and calls[-1] > calls[0]:
        # The calls before the last instant, over the time they took (several windows
        # may call at one instant: those at the last one start the next round).
        before_last = sum(1 for at in calls if at < calls[-1])
        spacing_s = (calls[-1] - calls[0]).total_seconds() / before_last
    start = calls[-1] if calls else stopped
    remaining = max(0, ahead - ahead_called) + 1
    return start + timedelta(seconds=remaining * spacing_s)


# Arrivals the estimate expects: each service keeps coming at the last hour's rate (live
# and priority apart; bookings are not guessed), for at most two hours ahead. A priority
# applicant who comes later, or a primary-service ticket taken later at a window where the
# ticket's service is secondary, is then counted ahead of it.
ARRIVAL_RATE_MINUTES = 60


def expected_arrivals(
    *,
    now: datetime,
    issued: Mapping[int, tuple[int, int]],
    limit_minutes: Mapping[int, int],
    first_id: int,
    most: Mapping[int, int] | None = None,
) -> list[QueuedTicket]:
    """Tickets expected after `now`, evenly spaced at each service's recent rate.

    `issued`: per service id, (live, priority) tickets issued in the last
    ARRIVAL_RATE_MINUTES; ids are numbered from `first_id` (above any real ticket's).
    `most`: per service id, at most this many of each kind (the replay cannot call more
    of the service within its horizon, `calls_within`, and of two arrivals of a kind the
    earlier is always called first); the ids stay those of the whole list.
    """
    arrivals: list[QueuedTicket] = []
    horizon = ARRIVAL_HORIZON_MINUTES * 60
    number = first_id
    for service_id, counts in sorted(issued.items()):
        if service_id not in limit_minutes:
            continue  # no open window serves it: its arrivals take no window's time
        cap = None if most is None else most.get(service_id, 0)
        for count, rank in zip(counts, (None, 1), strict=True):
            if count <= 0:
                continue
            spacing = ARRIVAL_RATE_MINUTES * 60 / count
            k = 0
            while (offset := spacing * (k + 0.5)) < horizon:
                if cap is None or k < cap:
                    at = now + timedelta(seconds=offset)
                    arrivals.append(
                        QueuedTicket(
                            id=number,
                            service_id=service_id,
                            waiting_since=at,
                            deadline=at + timedelta(minutes=limit_minutes[service_id]),
                            priority_rank=rank,
                            arrives_at=at,
                        )
                    )
                elif cap is not None:
                    # The rest of this kind is never called within the horizon: skip it,
                    # numbering as if it were there.
                    number += math.ceil(horizon / spacing - 0.5) - k
                    break
                number += 1
                k += 1
    return arrivals


def wait_minutes(called_at: datetime, *, now: datetime) -> int:
    """The printed estimate: minutes from now to the expected call, rounded."""
    return max(0, round((called_at - now).total_seconds() / 60))
