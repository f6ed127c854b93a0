"""The head of each service's queue, read without walking the queue (the wait estimate's
second read, `estimates.load_live_queue`).

The estimate needs, of each service's queue in the dispatcher's order, the first few
tickets the open windows can call within the replay's horizon, the tickets whose place
changes within it (a booking's slot comes; under the guarded policy, a wait nears its
limit), the tickets asked about, each with its exact place, and each queue's length.

Numbering the whole queue in SQL (a window function over every waiting ticket, sorted by
the dispatcher's ORDER BY) costs a sort of the office's queue on every issue. Here the
queue is split where the dispatcher's order is simple:

- **walk-ins** (no booking, no priority category; under the guarded policy, not near their
  limit) are called in one class, by deadline: the first `reach` of each service are read
  from `ix_tickets_walk_ins` with a LIMIT (LATERAL on PostgreSQL, a correlated subquery on
  SQLite), and a walk-in further back is placed by counting the walk-ins **behind** it on
  the same index — none for the ticket just issued, a few for a recent one;
- **the others** (bookings, priority categories, walk-ins near their limit), few in any
  office, are all read (`ix_tickets_waiting_others`) and placed among themselves and the
  walk-ins by the dispatcher's own key in Python;
- FIFO has one order for every ticket: its heads and places the same way, on
  `ix_tickets_fifo`.

The queue's length is one count per service on `ix_tickets_queue`, from the index alone,
in the same statement.
What still grows with the queue: that count, and the count behind a ticket asked about
from deep in the queue (a waiting applicant's status page), both on an index, no rows read.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import ExternallyTraversible, replacement_traverse

from queue_server.catalogue.models import Service
from queue_server.db import UTCDateTime, prebuilt
from queue_server.offices.models import Office
from queue_server.tickets import rules
from queue_server.tickets.dispatcher import (
    DEADLINE,
    FIFO,
    GUARDED,
    LIVE,
    WAITING_LITERAL,
    call_key,
)
from queue_server.tickets.models import Ticket


class QueueHead(NamedTuple):
    """A waiting ticket read for the estimate: its place in its service's queue (1 = next)
    and that queue's length."""

    id: int
    service_id: int
    waiting_since: datetime
    deadline: datetime
    due_at: datetime | None
    priority_rank: int | None
    place: int
    length: int


def read(
    session: Session,
    office: Office,
    now: datetime,
    until: datetime,
    heads: dict[int, int],
    asked: set[int],
) -> list[QueueHead]:
    """The waiting tickets the replay can reach: the first `heads[service]` of each
    service's queue in the dispatcher's order, those whose place changes before `until`,
    and those `asked` about; each with its place in its service's queue and its length.
    One statement."""
    policy = office.dispatch_policy if office.dispatch_policy in _POLICIES else DEADLINE
    dialect = "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"
    guard = timedelta(minutes=office.dispatch_guard_minutes)
    params: dict[str, Any] = {
        "office_id": office.id,
        "reach": _rounded_up(max(heads.values(), default=0)),
        "asked": sorted(asked),
    }
    if policy == GUARDED:
        params.update(now=now, guard_until=now + guard, until_guard=until + guard)
    rows, lengths = [], {}
    # What the session has not written yet is written first, as the ORM's execute would;
    # then on the connection (the ORM's execute cost as much as the statement).
    session.flush()
    for r in session.connection().execute(_statement_for(dialect, policy), params):
        if r.kind == LENGTH:
            lengths[r.service_id] = int(r.behind)
        else:
            rows.append(r)
    if policy == FIFO:
        found = _placed_fifo(rows, lengths)
    else:
        found = _placed(rows, lengths, call_key(office), now)

    def changes(h: QueueHead) -> bool:
        if policy == FIFO:
            return False
        if h.due_at is not None and now < h.due_at <= until:
            return True
        return policy == GUARDED and now + guard < h.deadline <= until + guard

    return [
        h for h in found if h.place <= heads.get(h.service_id, 0) or h.id in asked or changes(h)
    ]


def _rounded_up(reach: int) -> int:
    """`reach` rounded up to a power of two: a few texts of the statement (its LIMIT is in
    the text), each prepared and planned once a connection; the tickets read beyond a
    service's heads are dropped by `read`."""
    return 1 << (reach - 1).bit_length() if reach > 0 else 0


# --- placing the rows read -------------------------------------------------------------

# What each part of the statement read (`kind`).
OTHER, HEAD, AT_RISK_WALK_IN, CHANGING, ASKED, LENGTH = 1, 2, 3, 4, 5, 6


def _head(r: Any, *, place: int, length: int) -> QueueHead:
    return QueueHead(
        id=r.id,
        service_id=r.service_id,
        waiting_since=r.waiting_since,
        deadline=r.deadline,
        due_at=r.due_at,
        priority_rank=r.priority_rank,
        place=int(place),
        length=int(length),
    )


def _numbered_heads(rows: Sequence[Any], order: Any) -> dict[int, int]:
    """Each head read: its number among its service's walk-ins (or, FIFO, its tickets)."""
    by_service: dict[int, list[Any]] = {}
    for r in rows:
        if r.kind == HEAD:
            by_service.setdefault(r.service_id, []).append(r)
    numbers = {}
    for heads in by_service.values():
        for k, r in enumerate(sorted(heads, key=order), 1):
            numbers[r.id] = k
    return numbers


def _placed_fifo(rows: Sequence[Any], lengths: dict[int, int]) -> list[QueueHead]:
    numbers = _numbered_heads(rows, lambda r: (r.waiting_since, r.id))
    out: dict[int, QueueHead] = {}
    for r in rows:
        length = lengths[r.service_id]
        k = numbers.get(r.id)
        place = k if k is not None else length - r.behind
        out.setdefault(r.id, _head(r, place=place, length=length))
    return list(out.values())


def _placed(
    rows: Sequence[Any], lengths: dict[int, int], key: Any, now: datetime
) -> list[QueueHead]:
    """Places under a deadline policy. A walk-in numbered `k` among its service's walk-ins
    has `k - 1` of them ahead; any other ticket has none of them ahead when its class comes
    before theirs and all of them when it comes after (a booking checked in early). The
    others, all read, are placed among themselves by the dispatcher's own key."""

    def key_of(r: Any) -> Any:
        ticket = rules.QueuedTicket(
            id=r.id,
            service_id=r.service_id,
            waiting_since=r.waiting_since,
            deadline=r.deadline,
            due_at=r.due_at,
            priority_rank=r.priority_rank,
        )
        return key(ticket, 1, now)

    others: dict[int, dict[int, Any]] = {}
    for r in rows:
        if r.kind in (OTHER, AT_RISK_WALK_IN):
            others.setdefault(r.service_id, {})[r.id] = key_of(r)
    other_keys = {s: sorted(keys.values()) for s, keys in others.items()}
    numbers = _numbered_heads(rows, lambda r: (r.deadline, r.waiting_since, r.id))
    out: dict[int, QueueHead] = {}
    for r in rows:
        if r.id in out:
            continue
        service = r.service_id
        length = lengths[service]
        walk_ins = length - len(others.get(service, {}))
        mine = key_of(r)
        ahead = bisect_left(other_keys.get(service, []), mine)
        if r.kind in (OTHER, AT_RISK_WALK_IN):
            if mine[0] > LIVE:
                ahead += walk_ins
        else:
            k = numbers.get(r.id)
            ahead += (k - 1) if k is not None else walk_ins - 1 - r.behind
        out[r.id] = _head(r, place=ahead + 1, length=length)
    return list(out.values())


# --- the statements, built once per dialect and policy ---------------------------------


def _waiting_counts() -> Any:
    """Each service's queue length at the office, from `ix_tickets_queue` alone: one
    scan of the office's waiting tickets, named once in the statement (a CTE) and read
    by every part, for the services whose heads to read and for the lengths. (Each part
    grouped the waiting tickets again: two scans of the queue an issue, four under the
    guarded policy.)"""
    return (
        select(Ticket.service_id.label("service_id"), func.count().label("length"))
        .where(Ticket.office_id == bindparam("office_id"), Ticket.status == WAITING_LITERAL)
        .group_by(Ticket.service_id)
        .cte("waiting_counts")
    )


def _lengths(counts: Any) -> Any:
    """Each service's queue length (in `behind`), in the rows' shape."""
    return select(
        cast(null(), BigInteger),
        counts.c.service_id,
        cast(null(), UTCDateTime()),
        cast(null(), UTCDateTime()),
        cast(null(), UTCDateTime()),
        cast(null(), Integer),
        literal_column(str(LENGTH), Integer),
        counts.c.length,
    )


_POLICIES = (FIFO, DEADLINE, GUARDED)


def _waiting(t: Any) -> list[Any]:
    return [t.office_id == bindparam("office_id"), t.status == WAITING_LITERAL]


def _walk_in(t: Any) -> list[Any]:
    return [t.due_at.is_(None), t.priority_rank.is_(None)]


def _at_risk(t: Any) -> Any:
    now = bindparam("now", type_=UTCDateTime())
    return and_(t.deadline > now, t.deadline <= bindparam("guard_until", type_=UTCDateTime()))


def _columns(t: Any, kind: int, behind: Any = None) -> list[Any]:
    return [
        t.id,
        t.service_id,
        t.waiting_since,
        t.deadline,
        t.due_at,
        t.priority_rank,
        literal_column(str(kind), Integer).label("kind"),
        (behind if behind is not None else cast(null(), Integer)).label("behind"),
    ]


def _per_service(
    dialect: str,
    counts: Any,
    kind: int,
    conditions: list[Any],
    order: list[Any] | None,
    behind: Any = None,
) -> Any:
    """The tickets meeting `conditions` of every service in `:services`, only the first
    `:reach` by `order` when it is given: an index range per service."""
    p = aliased(Ticket, name="p")
    service = Service.__table__.alias("s")
    wanted = (
        select(p.id)
        .where(*_waiting(p), p.service_id == service.c.id, *[c(p) for c in conditions])
        .correlate(service)
    )
    if order is not None:
        # The LIMIT in the statement's text, not bound, as the status is: a bound LIMIT
        # made PostgreSQL find the prepared statement's generic plan dearer than one for
        # the values, so it planned every issue afresh (0.7 ms of its CPU, for 0.2 ms of
        # execution). Written, it is planned once where the statistics allow; not in
        # every office (benchmarks/README.md, session 14).
        reach = bindparam("reach", type_=Integer, literal_execute=True)
        wanted = wanted.order_by(*[o(p) for o in order]).limit(reach)
    if dialect == "postgresql":
        lateral = wanted.lateral("wanted")
        return (
            select(*_columns(Ticket, kind, behind))
            .select_from(service)
            .join(lateral, true())
            .join(Ticket, Ticket.id == lateral.c.id)
            .where(service.c.id.in_(select(counts.c.service_id)))
        )
    return (
        select(*_columns(Ticket, kind, behind))
        .select_from(service)
        .join(Ticket, Ticket.id.in_(wanted))
        .where(service.c.id.in_(select(counts.c.service_id)))
    )


def _behind(policy: str) -> Any:
    """How many of the ticket's own order (walk-ins; FIFO: every ticket) wait behind it:
    an index range from the ticket to the end of its queue."""
    q = aliased(Ticket, name="q")
    same = [*_waiting(q), q.service_id == Ticket.service_id]
    if policy == FIFO:
        after = tuple_(q.waiting_since, q.id) > tuple_(Ticket.waiting_since, Ticket.id)
        return select(func.count()).where(*same, after).scalar_subquery()
    after = tuple_(q.deadline, q.waiting_since, q.id) > tuple_(
        Ticket.deadline, Ticket.waiting_since, Ticket.id
    )
    walk_in = [*_walk_in(q), *([not_(_at_risk(q))] if policy == GUARDED else [])]
    return select(func.count()).where(*same, *walk_in, after).scalar_subquery()


def _statement(dialect: str, policy: str) -> Any:
    asked = Ticket.id.in_(bindparam("asked", expanding=True))
    counts = _waiting_counts()
    if policy == FIFO:
        by_wait = [lambda t: t.waiting_since, lambda t: t.id]
        return union_all(
            _per_service(dialect, counts, HEAD, [], by_wait),
            select(*_columns(Ticket, ASKED, _behind(policy))).where(*_waiting(Ticket), asked),
            _lengths(counts),
        )
    guarded = policy == GUARDED
    walk_in: list[Any] = [lambda t: and_(*_walk_in(t))]
    if guarded:
        walk_in.append(lambda t: not_(_at_risk(t)))
    by_deadline = [lambda t: t.deadline, lambda t: t.waiting_since, lambda t: t.id]
    parts = [
        select(*_columns(Ticket, OTHER)).where(
            *_waiting(Ticket), or_(Ticket.due_at.is_not(None), Ticket.priority_rank.is_not(None))
        ),
        _per_service(dialect, counts, HEAD, walk_in, by_deadline),
        select(*_columns(Ticket, ASKED, _behind(policy))).where(
            *_waiting(Ticket), asked, *[c(Ticket) for c in walk_in]
        ),
    ]
    if guarded:
        until_guard = bindparam("until_guard", type_=UTCDateTime())
        guard_until = bindparam("guard_until", type_=UTCDateTime())
        parts.append(
            _per_service(
                dialect, counts, AT_RISK_WALK_IN, [lambda t: and_(*_walk_in(t)), _at_risk], None
            )
        )
        # Walk-ins nearing their limit before `until`: their place changes.
        changing = _per_service(
            dialect,
            counts,
            CHANGING,
            [
                lambda t: and_(*_walk_in(t)),
                lambda t: and_(t.deadline > guard_until, t.deadline <= until_guard),
            ],
            None,
            _behind(policy),
        )
        parts.append(changing)
    return union_all(*parts, _lengths(counts))


@functools.cache
def _statement_for(dialect: str, policy: str) -> Any:
    """Built on first use, then kept: a server runs one dialect and its offices' few
    policies, so it never holds the other five of the six (a few MiB of expressions)."""
    statement = _statement(dialect, policy)
    if dialect == "postgresql":
        statement = _values_unseen_by_the_planner(statement)
    return prebuilt(statement)


def _values_unseen_by_the_planner(statement: Any) -> Any:
    """The statement with each bound value but the asked ids read through a scalar
    subquery, which PostgreSQL's planner cannot look into.

    psycopg prepares the statement; PostgreSQL then plans it for each execution's values
    while such a plan looks cheaper than the generic one, and with the office's tickets
    newer than its statistics (every office's morning) it always does: the office has a
    few waiting by the statistics. The plan for the values was the same index ranges
    as the generic one, and planning it cost twice the execution (0.7 ms of the
    database's CPU on every issue). With the values unseen, a plan for them costs what the
    generic one does plus its planning, so the generic one is kept after five executions
    (`test_generic_plans.py`). The asked ids stay bound (each finds one row by its key, a
    plan's cost does not depend on them), and the LIMIT is in the text already.
    """
    opaque: dict[str, Any] = {}

    def replace(element: ExternallyTraversible, **_kw: Any) -> ExternallyTraversible | None:
        if isinstance(element, BindParameter) and _opaque(element):
            if element.key not in opaque:
                opaque[element.key] = select(element).scalar_subquery()
            found: ExternallyTraversible = opaque[element.key]
            return found
        return None

    options: dict[str, Any] = {}
    traversible: ExternallyTraversible = statement
    return replacement_traverse(traversible, options, replace)


def _opaque(parameter: BindParameter[Any]) -> bool:
    return parameter.key != "asked" and not parameter.literal_execute
