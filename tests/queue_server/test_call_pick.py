"""Call-next's pick over a few candidates against the pick over the whole queue.

`dispatcher.head_pick_statement` orders only the office's tickets outside the plain
queue (transferred, booked, of a priority category) and the head of each of the
window's services, read on indexes, so that a call costs the same with 10 or 3,000
tickets waiting, for the window's services or for others. `pick_statement`, which
orders every waiting ticket of the office, is the oracle: for random queues, windows
with random tiers, transfers to windows and clerks, and every dispatch policy, both must
pick the same ticket, on SQLite and PostgreSQL. A plan test checks that the pick reads
neither the office's whole queue nor the queues of services the window does not serve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, insert, select

from queue_server.auth.models import User
from queue_server.catalogue.models import Service
from queue_server.offices.models import Office
from queue_server.tickets.dispatcher import (
    DEADLINE,
    FIFO,
    GUARDED,
    head_pick_statement,
    pick_parameters,
    pick_statement,
)
from queue_server.tickets.models import CALLED, DONE, WAITING, Ticket
from queue_server.windows.models import Window, WindowService
from tests.queue_server.test_queue_heads import Spec as QueueSpec
from tests.queue_server.test_queue_heads import ticket_row
from tests.support.world import World

# Where a ticket was transferred: nowhere, to the window calling, to another window, to
# the calling window's clerk, to another clerk.
TARGETS = (None, "this window", "other window", "this clerk", "other clerk")


@dataclass(frozen=True)
class Spec(QueueSpec):
    target: str | None = None  # one of TARGETS


# Bookings, priority applicants and transfers are rare, as in an office: a queue with one
# of them in front of the window's services says nothing of the plain queue's heads.
TICKETS = st.builds(
    Spec,
    service=st.integers(0, 2),
    status=st.sampled_from([WAITING] * 6 + [CALLED, DONE]),
    waited=st.sampled_from([0, 1, 5, 10, 14, 20, 40, 90]),
    limit=st.sampled_from([5, 15, 15, 30]),
    due_in=st.sampled_from([None] * 24 + [-60, -5, 0, 3, 30, 150]),
    rank=st.sampled_from([None] * 20 + [1, 2]),
    target=st.sampled_from([None] * 30 + list(TARGETS[1:])),
)
# The calling window's tier for each of the three services (None: not served there).
TIERS = st.tuples(*[st.sampled_from([None, 1, 1, 2, 3])] * 3)


@dataclass
class Setting:
    office_id: int
    window_id: int
    services: list[int]


def _fill(world: World, specs: list[Spec], tiers: tuple[int | None, ...], now: datetime) -> Setting:
    """The central office's window 1 serving the services at `tiers`, its clerk1, and the
    office's tickets replaced by `specs`."""
    with world.db.transaction() as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        services = list(session.scalars(select(Service.id).order_by(Service.id)))[:3]
        windows = {
            w.number: w
            for w in session.scalars(select(Window).where(Window.office_id == office.id))
        }
        clerks = {u.username: u.id for u in session.scalars(select(User))}
        window, other = windows[1], windows[2]
        window.clerk_id, other.clerk_id = clerks["clerk1"], clerks["clerk2"]
        session.execute(delete(WindowService).where(WindowService.window_id == window.id))
        for service, tier in zip(services, tiers, strict=True):
            if tier is not None:
                session.add(WindowService(window_id=window.id, service_id=service, order=tier))
        session.execute(delete(Ticket).where(Ticket.office_id == office.id))
        targets: dict[str | None, tuple[int | None, int | None]] = {
            None: (None, None),
            "this window": (window.id, None),
            "other window": (other.id, None),
            "this clerk": (None, clerks["clerk1"]),
            "other clerk": (None, clerks["clerk2"]),
        }
        rows = [
            {
                **ticket_row(spec, n, office.id, services, now, "pick"),
                "target_window_id": targets[spec.target][0],
                "target_clerk_id": targets[spec.target][1],
            }
            for n, spec in enumerate(specs, 1)
        ]
        if rows:
            session.execute(insert(Ticket), rows)
        return Setting(office.id, window.id, services)


def _picks(world: World, setting: Setting, policy: str, guard: int) -> tuple[Any, Any]:
    """(the head pick's ticket id, the whole-queue pick's), in one transaction."""
    now = world.clock.now()
    with world.db.transaction() as session:
        office = session.get(Office, setting.office_id)
        window = session.get(Window, setting.window_id)
        assert office is not None and window is not None
        session.expunge(office)
        office.dispatch_policy = policy
        office.dispatch_guard_minutes = guard
        params = pick_parameters(office=office, window=window, now=now)
        connection = session.connection()
        head = head_pick_statement(policy, (Ticket.id,), connection.dialect.name)
        got = connection.execute(head, params).scalar()
        expected = connection.execute(pick_statement(policy, (Ticket.id,)), params).scalar()
        session.rollback()  # nothing called: the locks go
    return got, expected


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(TICKETS, max_size=40),
    tiers=TIERS,
    policy=st.sampled_from([FIFO, DEADLINE, GUARDED]),
    guard=st.sampled_from([1, 3, 10]),
)
def test_the_head_pick_is_the_pick_over_the_whole_queue(
    world: World, specs: list[Spec], tiers: tuple[int | None, ...], policy: str, guard: int
) -> None:
    setting = _fill(world, specs, tiers, world.clock.now())
    got, expected = _picks(world, setting, policy, guard)
    assert got == expected


@pytest.mark.parametrize("policy", [DEADLINE, GUARDED])
def test_each_tier_and_each_kind_of_ticket_can_win(world: World, policy: str) -> None:
    """Hand-made queues where the winner is, in turn, the secondary tier's head (the
    primary's queue empty), a ticket at risk behind a long-overdue one (guarded), a
    booking come due, a priority applicant, a transfer to the clerk."""
    now = world.clock.now()
    plain = [Spec(0, WAITING, 90 - n, 15, None, None, None) for n in range(30)]
    cases: list[tuple[list[Spec], tuple[int | None, ...], int]] = [
        ([Spec(1, WAITING, 3, 15, None, None, None), *plain[:5]], (None, 2, None), 1),
        (
            [*plain, Spec(0, WAITING, 13, 15, None, None, None)],
            (1, None, None),
            31 if policy == GUARDED else 1,
        ),
        ([*plain, Spec(2, WAITING, 1, 15, -5, None, None)], (1, 2, 2), 31),
        ([*plain, Spec(0, WAITING, 1, 15, None, 2, None)], (1, None, None), 31),
        ([*plain, Spec(2, WAITING, 0, 15, None, None, "this clerk")], (1, None, None), 31),
    ]
    for specs, tiers, winner in cases:
        setting = _fill(world, specs, tiers, now)
        got, expected = _picks(world, setting, policy, 3)
        assert got == expected
        with world.db.transaction(read_only=True) as session:
            numbers = dict(session.execute(select(Ticket.id, Ticket.seq)).all())
        assert numbers[got] == winner


@pytest.mark.parametrize("policy", [FIFO, DEADLINE, GUARDED])
def test_a_head_transferred_elsewhere_is_passed_over(world: World, policy: str) -> None:
    """The first of a service's queue was transferred to another window or clerk: the
    window calls the next one, not nobody (each service's head is its first ticket
    not transferred)."""
    now = world.clock.now()
    for target in ("other window", "other clerk"):
        specs = [
            Spec(0, WAITING, 30, 15, None, None, target),
            Spec(0, WAITING, 20, 15, None, None, None),
            Spec(0, WAITING, 10, 15, None, None, None),
        ]
        setting = _fill(world, specs, (1, None, None), now)
        got, expected = _picks(world, setting, policy, 3)
        assert got == expected
        assert _seq(world)[got] == 2


def test_fifo_calls_by_arrival_not_by_deadline(world: World) -> None:
    """Under FIFO the head of a service is its first arrival, even when a later one has
    the earlier deadline (a shorter wait limit)."""
    now = world.clock.now()
    specs = [Spec(0, WAITING, 20, 30, None, None, None), Spec(0, WAITING, 10, 5, None, None, None)]
    setting = _fill(world, specs, (1, None, None), now)
    got, expected = _picks(world, setting, FIFO, 3)
    assert got == expected
    assert _seq(world)[got] == 1
    got, _ = _picks(world, setting, DEADLINE, 3)
    assert _seq(world)[got] == 2


def _seq(world: World) -> dict[int, int]:
    """Ticket id → its number in the specs (1, 2…)."""
    with world.db.transaction(read_only=True) as session:
        return dict(session.execute(select(Ticket.id, Ticket.seq)).all())


@pytest.mark.parametrize(
    ("policy", "heads"),
    [
        (DEADLINE, "ix_tickets_walk_ins"),
        (GUARDED, "ix_tickets_walk_ins"),
        (FIFO, "ix_tickets_fifo"),
    ],
)
def test_the_head_pick_reads_candidates_not_the_queue(
    world: World, policy: str, heads: str
) -> None:
    """With 3,000 tickets waiting, nearly all for a service the window does not serve and
    called before the one ticket of its rare service, the pick reads tickets by id, the
    few others on their partial index, and each of the window's services' heads on an
    index searched by that service — never the office's whole queue, nor the other
    service's (the plan of SQLite or PostgreSQL; on a small table PostgreSQL rightly
    prefers to read it whole)."""
    now = world.clock.now()
    specs = [Spec(0, WAITING, 60 + n % 30, 15, None, None, None) for n in range(3000)]
    specs.append(Spec(1, WAITING, 0, 30, None, None, None))
    setting = _fill(world, specs, (None, 1, None), now)
    plans: list[str] = []
    with world.db.transaction() as session:
        office = session.get(Office, setting.office_id)
        window = session.get(Window, setting.window_id)
        assert office is not None and window is not None
        session.expunge(office)
        office.dispatch_policy = policy
        params = pick_parameters(office=office, window=window, now=now)
        connection = session.connection()
        dialect = connection.dialect.name
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (COSTS OFF) "

        def explain(*args: Any) -> tuple[str, Any]:
            statement, parameters = args[2], args[3]
            return prefix + statement, parameters

        event.listen(connection, "before_cursor_execute", explain, retval=True)
        try:
            for row in connection.execute(
                head_pick_statement(policy, (Ticket.id,), dialect), params
            ):
                plans.append(str(row[-1]))
        finally:
            event.remove(connection, "before_cursor_execute", explain)
        session.rollback()
    plan = "\n".join(plans)
    assert "ix_tickets_not_plain" in plan, plan
    # Each head on its index, searched by the office and the service.
    if dialect == "sqlite":
        assert f"USING INDEX {heads} (office_id=? AND service_id=?)" in plan, plan
    else:
        at = plan.index(f"using {heads} on tickets")
        condition = plan[at:].split("\n")[1]
        assert re.search(r"Index Cond: .*\(service_id = \w+\.service_id\)", condition), plan
    # The office's waiting tickets are never read whole: not through the queue's index,
    # not by a scan of the table.
    assert "ix_tickets_queue" not in plan and "SCAN tickets" not in plan, plan
    assert "Seq Scan on tickets" not in plan, plan
