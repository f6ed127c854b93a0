"""The estimate's queue read against the window-over-the-whole-queue it replaced.

`estimates._queue_heads` numbers each queue on an index alone and places the few tickets
that are not plain walk-ins (bookings, priority categories, walk-ins near their limit)
among them in Python. The statement it replaced numbered every waiting ticket of the
office with the dispatcher's own ORDER BY in SQL: kept here as the oracle, it must give
the same tickets with the same places and queue lengths, for random queues under every
dispatch policy, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, bindparam, case, delete, false, func, insert, or_, select

from queue_server.catalogue.models import Service
from queue_server.db import UTCDateTime
from queue_server.offices.models import Office
from queue_server.tickets.dispatcher import DEADLINE, FIFO, GUARDED, dispatch_class_of
from queue_server.tickets.estimates import _queue_heads
from queue_server.tickets.models import CALLED, DONE, WAITING, Ticket
from tests.support.world import World


def _oracle_statement(policy: str) -> Any:
    """The replaced statement: every waiting ticket numbered by the dispatcher's ORDER BY."""
    now = bindparam("now", type_=UTCDateTime())
    until = bindparam("until", type_=UTCDateTime())
    order: list[Any]
    if policy == FIFO:
        order = [Ticket.waiting_since, Ticket.id]
    else:
        guarded = bindparam("guard_until", type_=UTCDateTime()) if policy == GUARDED else None
        order = [
            dispatch_class_of(now, guarded),
            func.coalesce(Ticket.priority_rank, 0),
            Ticket.deadline,
            Ticket.waiting_since,
            Ticket.id,
        ]
    queue = (
        select(
            Ticket.id,
            Ticket.service_id,
            func.row_number().over(partition_by=Ticket.service_id, order_by=order).label("place"),
            func.count().over(partition_by=Ticket.service_id).label("length"),
            Ticket.due_at,
            Ticket.deadline,
        )
        .where(Ticket.office_id == bindparam("office_id"), Ticket.status == WAITING)
        .subquery()
    )
    changing: Any = false()
    if policy != FIFO:
        changing = and_(queue.c.due_at > now, queue.c.due_at <= until)
        if policy == GUARDED:
            changing = or_(
                changing,
                and_(
                    queue.c.deadline > bindparam("guard_until", type_=UTCDateTime()),
                    queue.c.deadline <= bindparam("until_guard", type_=UTCDateTime()),
                ),
            )
    changes = case((changing, 1), else_=0).label("changes")
    return select(queue.c.id, queue.c.service_id, queue.c.place, queue.c.length, changes)


@dataclass(frozen=True)
class Spec:
    service: int  # index into the office's services
    status: str
    waited: int  # minutes
    limit: int  # minutes from the start of the wait to the deadline
    due_in: int | None  # minutes from now to a booking's slot
    rank: int | None


TICKETS = st.builds(
    Spec,
    service=st.integers(0, 2),
    status=st.sampled_from([WAITING] * 6 + [CALLED, DONE]),
    waited=st.sampled_from([0, 1, 5, 10, 14, 20, 40, 90]),
    limit=st.sampled_from([5, 15, 15, 30]),
    due_in=st.one_of(st.none(), st.none(), st.sampled_from([-60, -5, 0, 3, 30, 119, 150])),
    rank=st.one_of(st.none(), st.none(), st.none(), st.sampled_from([1, 2])),
)


def ticket_row(
    spec: Spec, n: int, office_id: int, services: list[int], now: datetime, tag: str
) -> dict[str, Any]:
    """The row of the `n`-th ticket of `specs` at `now` (`tag` makes its status code unique)."""
    since = now - timedelta(minutes=spec.waited)
    deadline = since + timedelta(minutes=spec.limit)
    return {
        "office_id": office_id,
        "service_id": services[spec.service],
        "day": now.date(),
        "prefix": "Т",
        "seq": n,
        "number": f"Т{n:03d}",
        "status": spec.status,
        "status_code": f"{tag}-{n}-{now.timestamp()}",
        "priority_rank": spec.rank,
        "due_at": None if spec.due_in is None else now + timedelta(minutes=spec.due_in),
        "issued_at": since,
        "waiting_since": since,
        "warn_at": deadline - timedelta(minutes=2),
        "deadline": deadline,
    }


def _fill(world: World, specs: list[Spec], now: datetime) -> tuple[int, list[int], list[int]]:
    with world.db.transaction() as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        services = list(session.scalars(select(Service.id).order_by(Service.id)))[:3]
        session.execute(delete(Ticket).where(Ticket.office_id == office.id))
        ids = []
        for n, spec in enumerate(specs, 1):
            row = ticket_row(spec, n, office.id, services, now, "heads")
            ids.append(
                session.execute(insert(Ticket).values(row).returning(Ticket.id)).scalar_one()
            )
        return office.id, services, ids


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(TICKETS, max_size=50),
    policy=st.sampled_from([FIFO, DEADLINE, GUARDED]),
    guard=st.sampled_from([1, 3, 10]),
    reach=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
    asked_picks=st.lists(st.integers(0, 50), max_size=4),
)
def test_the_queue_read_equals_the_whole_queue_numbered_in_sql(
    world: World,
    specs: list[Spec],
    policy: str,
    guard: int,
    reach: tuple[int, int, int],
    asked_picks: list[int],
) -> None:
    _compare(world, specs, policy, guard, reach, asked_picks)


def test_a_ticket_asked_from_deep_in_the_queue_is_placed_by_those_behind_it(
    world: World,
) -> None:
    """Forty walk-ins, two bookings and a priority applicant in one queue, the windows
    reaching two: the last ticket issued, one in the middle, one breached long ago and a
    booking are asked about, under every policy."""
    specs = [Spec(0, WAITING, 90 - 2 * n, 15, None, None) for n in range(40)]
    specs += [Spec(0, WAITING, 3, 15, 30, None), Spec(0, WAITING, 1, 15, -5, None)]
    specs += [Spec(0, WAITING, 2, 15, None, 1), Spec(1, WAITING, 0, 15, None, None)]
    for policy in (FIFO, DEADLINE, GUARDED):
        got = _compare(world, specs, policy, 10, (2, 0, 1), [39, 20, 1, 40, 43])
        assert len(got) >= 5


def _compare(
    world: World,
    specs: list[Spec],
    policy: str,
    guard: int,
    reach: tuple[int, int, int],
    asked_picks: list[int],
) -> dict[int, tuple[int, int, int]]:
    now = world.clock.now()
    until = now + timedelta(minutes=120)
    office_id, services, ids = _fill(world, specs, now)
    heads = {service: n for service, n in zip(services, reach, strict=True) if n}
    asked = {ids[i] for i in asked_picks if i < len(ids)}
    with world.db.transaction(read_only=True) as session:
        office = session.get(Office, office_id)
        assert office is not None
        session.expunge(office)
        office.dispatch_policy = policy
        office.dispatch_guard_minutes = guard
        got = {
            h.id: (h.service_id, h.place, h.length)
            for h in _queue_heads(session, office, now, until, heads, asked)
        }
        params: dict[str, Any] = {"office_id": office_id, "now": now, "until": until}
        if policy == GUARDED:
            params.update(
                guard_until=now + timedelta(minutes=guard),
                until_guard=until + timedelta(minutes=guard),
            )
        expected = {
            r.id: (r.service_id, r.place, r.length)
            for r in session.execute(_oracle_statement(policy), params)
            if r.place <= heads.get(r.service_id, 0) or r.changes or r.id in asked
        }
    assert got == expected
    return got
