"""Who is called next: due bookings, then priority categories, then earliest deadline (R4).

Three policies, chosen per office (`Office.dispatch_policy`):

- `deadline` (the regulation's order, the default): due bookings, priority categories,
  the live queue by earliest deadline, bookings checked in before their slot;
- `guarded`: the same, except that a ticket within `dispatch_guard_minutes` of its wait
  limit, and not yet past it, goes before all of them (earliest deadline first), so a
  stream of priority or booked applicants cannot push a live one past the limit. Only a
  wait that can still be kept is guarded: once a ticket is past its limit it goes back
  to its own class, so under overload the policy does not turn into earliest-deadline
  for everybody (and priority applicants are not held up behind waits already lost);
- `fifo`: the order of arrival.

The order is written twice: in SQL for `pick_next` (the real call) and in Python for the
wait estimate's replay (`call_key`); `test_dispatcher.py` checks that they agree.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, any_, bindparam, case, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from queue_server.db import UTCDateTime
from queue_server.offices.models import Office
from queue_server.tickets.models import WAITING, Ticket
from queue_server.tickets.rules import CallKey, KeyChanges, QueuedTicket
from queue_server.windows.models import Window, WindowService

AT_RISK, DUE_BOOKING, PRIORITY, LIVE, EARLY_BOOKING = -1, 0, 1, 2, 3
FIFO, DEADLINE, GUARDED = "fifo", "deadline", "guarded"


def guard_of(office: Office) -> timedelta | None:
    """How close to its limit a ticket jumps the classes (the guarded policy only)."""
    if office.dispatch_policy != GUARDED:
        return None
    return timedelta(minutes=office.dispatch_guard_minutes)


def dispatch_class(now: datetime, guard: timedelta | None = None) -> Any:
    """SQL for a waiting ticket's class: a due booking, a priority, live, or an early booking
    (and, under the guarded policy, first of all a ticket near its limit and not past it)."""
    return dispatch_class_of(now, now + guard if guard is not None else None)


def dispatch_class_of(now: Any, guard_until: Any = None) -> Any:
    """`dispatch_class` with the instants as SQL values (bound parameters in a statement
    built once): `guard_until` is now plus the guard, None when the policy has none."""
    whens: list[tuple[Any, int]] = []
    if guard_until is not None:
        whens.append((and_(Ticket.deadline > now, Ticket.deadline <= guard_until), AT_RISK))
    whens += [
        (and_(Ticket.due_at.is_not(None), Ticket.due_at <= now), DUE_BOOKING),
        (Ticket.priority_rank.is_not(None), PRIORITY),
        (Ticket.due_at.is_(None), LIVE),
    ]
    # A booking checked in before its slot waits behind the live queue until the slot
    # comes, so an early arrival never jumps a longer-waiting live applicant.
    return case(*whens, else_=EARLY_BOOKING)


def queue_order(office: Office, now: datetime) -> list[Any]:
    """ORDER BY terms of the office's policy, for an office-wide view of the queue."""
    if office.dispatch_policy == FIFO:
        return [Ticket.waiting_since, Ticket.id]
    return [
        dispatch_class(now, guard_of(office)),
        func.coalesce(Ticket.priority_rank, 0),
        Ticket.deadline,
        Ticket.waiting_since,
        Ticket.id,
    ]


def pick_next(*, session: Session, office: Office, window: Window, now: datetime) -> Ticket | None:
    """Lock and return the ticket this window should call now, or None if nobody waits.

    Tickets transferred to this window or its clerk come first (`clerk/transfers.py`).
    Within a class, the window's primary services (order 1) come before secondary ones;
    then the earliest deadline, ties by the start of the wait. PostgreSQL skips rows
    another window has just locked; SQLite's write lock serialises the whole call.
    The statement is call-next's (`head_pick_statement`), so the simulator's calls are
    the server's.
    """
    statement = head_pick_statement(office.dispatch_policy, (), session.connection().dialect.name)
    parameters = pick_parameters(office=office, window=window, now=now)
    return session.scalars(
        statement, parameters, execution_options={"populate_existing": True}
    ).first()


def _pick_statement(
    policy: str,
    columns: tuple[Any, ...],
    *,
    office_id: Any,
    window_id: Any,
    clerk_id: Any,
    now: Any,
    guard_until: Any,
    among: Any = None,
    among_as_array: bool = False,
) -> Any:
    """The locking SELECT, its values bound parameters (`pick_parameters`); `among`, a
    subquery of ticket ids, limits it to those tickets (read first, then each ticket by
    its key; `among_as_array`: the ids gathered into an array, PostgreSQL only)."""
    # A ticket transferred to this window or to its clerk is the window's whatever its
    # service, and comes before the window's own queue; one transferred elsewhere is not.
    targeted = or_(
        Ticket.target_window_id == window_id,
        and_(Ticket.target_clerk_id.is_not(None), Ticket.target_clerk_id == clerk_id),
    )
    tickets = select(*(columns or (Ticket,)))
    if among is None:
        tickets = tickets.select_from(Ticket).where(Ticket.office_id == office_id)
    elif among_as_array:
        # PostgreSQL: the candidates gathered once into an array, then their rows by
        # primary key, a plan that does not depend on the table's statistics (a join
        # planned on none can loop over the candidates once for every waiting ticket).
        ids = func.array(select(among.c.id).scalar_subquery())  # ARRAY(SELECT …)
        tickets = tickets.select_from(Ticket).where(Ticket.id == any_(ids))
    else:
        # SQLite: the candidates, then each ticket by its id. No term on the office, so
        # that no index of the office's tickets is scanned instead.
        tickets = tickets.select_from(among).join(Ticket, Ticket.id == among.c.id)
    # The candidates' status is checked again: PostgreSQL re-reads it on a row another
    # call has just changed (they were read before their locks were taken). Written so
    # that no index can serve it there: on a table without statistics the planner would
    # otherwise read every waiting ticket through the index of the waiting ones.
    waiting = Ticket.status == WAITING
    if among_as_array:
        waiting = Ticket.status.is_not_distinct_from(WAITING)  # never NULL: the same test
    stmt = (
        tickets.outerjoin(
            WindowService,
            and_(
                WindowService.service_id == Ticket.service_id, WindowService.window_id == window_id
            ),
        )
        .where(
            waiting,
            or_(targeted, and_(untargeted(), WindowService.id.is_not(None))),
        )
        .limit(1)
        .with_for_update(skip_locked=True, of=Ticket)
    )
    first = case((targeted, 0), else_=1)
    if policy == FIFO:
        return stmt.order_by(first, *FIFO_ORDER)
    return stmt.order_by(
        first,
        dispatch_class_of(now, guard_until if policy == GUARDED else None),
        func.coalesce(WindowService.order, 0),
        func.coalesce(Ticket.priority_rank, 0),
        Ticket.deadline,
        Ticket.waiting_since,
        Ticket.id,
    )


@functools.cache
def pick_statement(policy: str, columns: tuple[Any, ...]) -> Any:
    """The pick ordering the office's whole queue, built once per policy and columns, with
    bound parameters `office_id`, `window_id`, `clerk_id`, `now` and `guard_until` (see
    `pick_parameters`): the FIFO policy's, and the oracle of `head_pick_statement`."""
    return _pick_statement(
        policy if policy in (FIFO, GUARDED) else DEADLINE,
        columns,
        office_id=bindparam("pick_office_id"),
        window_id=bindparam("pick_window_id"),
        clerk_id=bindparam("pick_clerk_id"),
        now=bindparam("pick_now", type_=UTCDateTime()),
        guard_until=bindparam("pick_guard_until", type_=UTCDateTime()),
    )


# Literal, not bound: SQLite and PostgreSQL's generic plans use a partial index only where
# the query's own terms imply the index's predicate (here and in `heads.py`).
WAITING_LITERAL: Any = literal_column(f"'{WAITING}'")
#: Arrival order, the FIFO policy's and every other's last tie-break.
FIFO_ORDER = (Ticket.waiting_since, Ticket.id)


def untargeted() -> Any:
    """A ticket not transferred to a window or a clerk."""
    return and_(Ticket.target_window_id.is_(None), Ticket.target_clerk_id.is_(None))


def plain_ticket() -> Any:
    """A waiting ticket of the plain queue: not transferred, not a booking, no priority
    (its order at a window: its tier, then its deadline). Its heads are read on
    `ix_tickets_walk_ins` (the waiting tickets with no booking and no priority, by service
    and deadline), the few transferred ones among them passed over."""
    return and_(
        Ticket.status == WAITING_LITERAL,
        Ticket.due_at.is_(None),
        Ticket.priority_rank.is_(None),
        untargeted(),
    )


def other_ticket() -> Any:
    """A waiting ticket that is not of the plain queue: transferred, a booking, or of a
    priority category (few at any time). `models.NOT_PLAIN`,
    the predicate of the index `ix_tickets_not_plain`."""
    return and_(
        Ticket.status == WAITING_LITERAL,
        or_(
            Ticket.target_window_id.is_not(None),
            Ticket.target_clerk_id.is_not(None),
            Ticket.due_at.is_not(None),
            Ticket.priority_rank.is_not(None),
        ),
    )


@functools.cache
def head_pick_statement(policy: str, columns: tuple[Any, ...], dialect: str) -> Any:
    """`pick_statement` over a few candidates found on indexes, so that its cost does not
    grow with the queue, nor with the other services' queues: the office's waiting
    tickets outside the plain queue (few), and for each service of the window the head of
    its queue, the first not locked by another call. The order is `pick_statement`'s,
    applied to these candidates: under the deadline policies a service's plain queue is
    called by deadline (its head on `ix_tickets_walk_ins`; under the guarded policy also
    the first whose limit is still ahead, the one that may be at risk), under FIFO every
    untransferred ticket of a service by arrival (its head on `ix_tickets_fifo`), so that
    a service's head is the only one of its queue that can come first.

    Each head is locked as it is found (`FOR UPDATE SKIP LOCKED`), so a window with
    several services holds their heads until its call commits: another window calling
    in those few milliseconds skips them, as it skips the ticket being called, and calls
    the next of that queue. `dialect`: the database's (the candidates are joined
    differently on each).
    """
    office_id: Any = bindparam("pick_office_id")
    window_id: Any = bindparam("pick_window_id")
    now = bindparam("pick_now", type_=UTCDateTime())
    served = (
        select(WindowService.service_id.label("service_id"))
        .where(WindowService.window_id == window_id)
        .subquery("served")
    )

    def head(*more: Any) -> Any:
        ticket: tuple[Any, ...]
        order: tuple[Any, ...]
        if policy == FIFO:
            ticket, order = (Ticket.status == WAITING_LITERAL, untargeted()), FIFO_ORDER
        else:
            ticket, order = (plain_ticket(),), (Ticket.deadline, *FIFO_ORDER)
        return (
            select(Ticket.id)
            .where(Ticket.office_id == office_id, Ticket.service_id == served.c.service_id)
            .where(*ticket, *more)
            .order_by(*order)
            .limit(1)
            .with_for_update(skip_locked=True, of=Ticket)
            .scalar_subquery()
        )

    branches = [
        select(Ticket.id).where(Ticket.office_id == office_id, other_ticket()),
        select(head()).select_from(served),
    ]
    if policy == GUARDED:
        branches.append(select(head(Ticket.deadline > now)).select_from(served))
    return _pick_statement(
        policy if policy in (FIFO, GUARDED) else DEADLINE,
        columns,
        office_id=office_id,
        window_id=window_id,
        clerk_id=bindparam("pick_clerk_id"),
        now=now,
        guard_until=bindparam("pick_guard_until", type_=UTCDateTime()),
        among=union_all(*branches).subquery("candidates"),
        among_as_array=dialect == "postgresql",
    )


def pick_parameters(*, office: Office, window: Window, now: datetime) -> dict[str, Any]:
    """The values of `pick_statement`'s parameters."""
    guard = guard_of(office)
    return {
        "pick_office_id": office.id,
        "pick_window_id": window.id,
        "pick_clerk_id": window.clerk_id,
        "pick_now": now,
        "pick_guard_until": now + guard if guard is not None else now,
    }


# --- the same order in Python, for the wait estimate's replay ---------------------------


def ticket_class(ticket: QueuedTicket, at: datetime, guard: timedelta | None) -> int:
    """`dispatch_class` of one ticket at an instant."""
    if guard is not None and at < ticket.deadline <= at + guard:
        return AT_RISK
    if ticket.due_at is not None and ticket.due_at <= at:
        return DUE_BOOKING
    if ticket.priority_rank is not None:
        return PRIORITY
    return LIVE if ticket.due_at is None else EARLY_BOOKING


def call_key(office: Office) -> CallKey:
    """The ORDER BY of `pick_next` as a Python key: (ticket, tier at the window, instant)."""
    if office.dispatch_policy == FIFO:
        return lambda t, _tier, _at: (t.waiting_since, t.id)
    guard = guard_of(office)

    def key(t: QueuedTicket, tier: int, at: datetime) -> tuple[Any, ...]:
        rank = t.priority_rank or 0
        return (ticket_class(t, at, guard), tier, rank, t.deadline, t.waiting_since, t.id)

    return key


def key_changes(office: Office) -> KeyChanges:
    """The instants at which a ticket's class changes: its slot comes, it nears its limit
    (guarded), it passes its limit (guarded: back to its own class)."""
    if office.dispatch_policy == FIFO:
        return lambda _t: []
    guard = guard_of(office)

    def changes(t: QueuedTicket) -> list[datetime]:
        moments = [t.due_at] if t.due_at is not None else []
        if guard is not None:
            moments += [t.deadline - guard, t.deadline]
        return moments

    return changes
