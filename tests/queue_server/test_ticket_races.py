"""Item 5 of issue 13: a clerk's move and the scheduler's R5 no-show never both happen.

On PostgreSQL a clerk's `start` used to read the ticket unlocked, the scheduler then
marked it a no-show, and the clerk's UPDATE overwrote that: the ticket ended `done` with
a no-show transition and event stored. Every move now locks the ticket row and re-checks
its state under the lock; these tests force both orders and then run the race for real.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from queue_server.auth.models import Device, User
from queue_server.auth.service import Principal
from queue_server.errors import DomainError
from queue_server.offices.models import Office
from queue_server.scheduler import Scheduler
from queue_server.tickets import issuing, moves
from queue_server.tickets.exceptions import IllegalTransition
from queue_server.tickets.models import NO_SHOW, SERVING, Ticket
from queue_server.tickets.scheduled import mark_absent_as_no_show, recall_unanswered_calls
from queue_server.windows.models import Window, WindowService
from queue_server.windows.service import take_window
from tests.support.ticket_audit import audit_tickets, events_per_type, transitions_per_action
from tests.support.world import PASSWORD_HASH, World


@dataclass
class Desk:
    """A window of the test with the clerk who holds it."""

    number: int
    clerk: Principal


def open_desks(world: World, count: int) -> tuple[int, list[Desk]]:
    """`count` extra passport windows of the central office, each held by its own clerk."""
    desks = []
    with world.db.transaction() as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        passport = s.scalar(
            select(WindowService.service_id).join(Window).where(Window.number == 1).limit(1)
        )
        for n in range(count):
            window = Window(office_id=office.id, number=200 + n)
            window.services.append(WindowService(service_id=passport, order=1))
            user = User(
                username=f"race{n}", password_hash=PASSWORD_HASH, role="clerk", office_id=office.id
            )
            s.add_all([window, user])
            s.flush()
            clerk = Principal("user", user.id, "clerk", office.id, user.username)
            take_window(
                session=s, clock=world.clock, office=office, number=200 + n, principal=clerk
            )
            desks.append(Desk(200 + n, clerk))
        return office.id, desks


def issue_many(world: World, office_id: int, count: int) -> None:
    """`count` passport tickets issued by the kiosk."""
    with world.db.transaction() as s:
        device = s.scalar(select(Device).where(Device.name == "kiosk"))
        office = s.get(Office, office_id)
        assert device is not None and office is not None
        kiosk = Principal("device", device.id, "kiosk", office_id, "kiosk")
        for _ in range(count):
            issuing.issue_ticket(
                session=s,
                clock=world.clock,
                office=office,
                principal=kiosk,
                service_code="passport",
            )


def call_at(world: World, office_id: int, desk: Desk) -> int:
    """The desk calls the next ticket; its id."""
    with world.db.transaction() as s:
        office = s.get(Office, office_id)
        assert office is not None
        ticket = moves.call_next(
            session=s, clock=world.clock, office=office, number=desk.number, principal=desk.clerk
        )
        assert ticket is not None
        return ticket.id


def bring_to_no_show_instant(world: World) -> None:
    """Advance to the recall (R5, 1 min), recall, and stop exactly when the no-show is due."""
    world.clock.advance(seconds=60)
    with world.db.transaction() as s:
        recall_unanswered_calls(session=s, clock=world.clock)
    world.clock.advance(seconds=60)


def no_show_pass(world: World) -> int:
    """One run of the scheduler's no-show job, in its own transaction."""
    with world.db.transaction() as s:
        return mark_absent_as_no_show(session=s, clock=world.clock)


def in_thread(work: Callable[[], int]) -> tuple[threading.Thread, list[int]]:
    """Start `work` in a thread; its result lands in the returned list."""
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    return thread, result


def assert_consistent(world: World) -> None:
    """No ticket's history contradicts its state, and boards saw what was stored."""
    with world.db.transaction(read_only=True) as s:
        assert audit_tickets(s).problems() == []
        events, steps = events_per_type(s), transitions_per_action(s)
    assert events.get("ticket.no_show", 0) == steps.get("no_show", 0)
    assert events.get("ticket.started", 0) == steps.get("start", 0)


def test_a_start_read_before_the_no_show_is_judged_after_it(world: World) -> None:
    """The clerk's request loaded the ticket as `called`, then the no-show job ran."""
    office_id, (desk,) = open_desks(world, 1)
    issue_many(world, office_id, 1)
    ticket_id = call_at(world, office_id, desk)
    bring_to_no_show_instant(world)
    postgres = not world.db.is_sqlite
    refused: AbstractContextManager[object] = (
        pytest.raises(IllegalTransition) if postgres else nullcontext()
    )
    with refused, world.db.transaction() as s:
        ticket = s.get(Ticket, ticket_id)  # what the route's loader does, unlocked
        assert ticket is not None and ticket.status == "called"
        scheduler, changed = in_thread(lambda: no_show_pass(world))
        if postgres:
            # Nothing holds the row yet: the job marks the no-show and commits first.
            scheduler.join(timeout=15)
            assert changed == [1]
        moves.start(session=s, clock=world.clock, ticket=ticket, principal=desk.clerk)
    # On SQLite the clerk's transaction held the write lock from its first read, so the
    # job could only run after it and found the applicant being served.
    scheduler.join(timeout=15)
    assert not scheduler.is_alive()
    with world.db.transaction(read_only=True) as s:
        final = s.get(Ticket, ticket_id)
        assert final is not None
        assert final.status == (NO_SHOW if postgres else SERVING)
    assert changed == [1 if postgres else 0]
    assert_consistent(world)


def test_a_start_under_way_makes_the_no_show_job_skip_the_ticket(world: World) -> None:
    """The clerk holds the row lock: the job skips it and the next pass leaves it alone."""
    office_id, (desk,) = open_desks(world, 1)
    issue_many(world, office_id, 1)
    ticket_id = call_at(world, office_id, desk)
    bring_to_no_show_instant(world)
    with world.db.transaction() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        moves.start(session=s, clock=world.clock, ticket=ticket, principal=desk.clerk)
        scheduler, changed = in_thread(lambda: no_show_pass(world))
        if not world.db.is_sqlite:
            scheduler.join(timeout=15)  # SKIP LOCKED: it does not wait for the clerk
            assert not scheduler.is_alive() and changed == [0]
    scheduler.join(timeout=15)
    assert changed == [0]
    assert no_show_pass(world) == 0
    with world.db.transaction(read_only=True) as s:
        final = s.get(Ticket, ticket_id)
        assert final is not None and final.status == SERVING
    assert_consistent(world)


def race_one_round(
    world: World, office_id: int, desks: list[Desk], scheduler: Scheduler
) -> list[str]:
    """Every desk calls; at the no-show instant all clerks start while two schedulers run."""
    issue_many(world, office_id, len(desks))
    ticket_ids = [call_at(world, office_id, desk) for desk in desks]
    bring_to_no_show_instant(world)
    barrier = threading.Barrier(len(desks) + 2)

    def start(i: int) -> str:
        barrier.wait(timeout=30)
        try:
            with world.db.transaction() as s:
                ticket = s.get(Ticket, ticket_ids[i])  # as the route's loader does
                assert ticket is not None
                moves.start(session=s, clock=world.clock, ticket=ticket, principal=desks[i].clerk)
            return "started"
        except DomainError as refused:
            return refused.code

    def run_scheduler() -> str:
        barrier.wait(timeout=30)
        return f"scheduler changed {sum(scheduler.run_pending() for _ in range(3))}"

    work = [lambda i=i: start(i) for i in range(len(desks))] + [run_scheduler] * 2
    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        outcomes = list(pool.map(lambda job: job(), work))
    for desk in desks:  # free every window for the next round
        _finish_current(world, desk)
    return outcomes


def test_clerks_starting_as_the_scheduler_marks_no_shows_never_both(world: World) -> None:
    """20 clerks start their called tickets at the no-show instant while two schedulers run."""
    clerks, rounds = 20, 3
    office_id, desks = open_desks(world, clerks)
    scheduler = Scheduler(world.db, world.clock)
    outcomes: list[str] = []
    for _ in range(rounds):
        outcomes += race_one_round(world, office_id, desks, scheduler)
    assert_consistent(world)
    started = outcomes.count("started")
    refused = outcomes.count("illegal_transition")
    assert started + refused == clerks * rounds, outcomes
    with world.db.transaction(read_only=True) as s:
        steps = transitions_per_action(s)
    assert steps.get("start", 0) == started
    assert steps.get("no_show", 0) == clerks * rounds - started


def _finish_current(world: World, desk: Desk) -> None:
    with world.db.transaction() as s:
        ticket = s.scalar(
            select(Ticket)
            .join(Window, Window.id == Ticket.window_id)
            .where(Window.number == desk.number, Ticket.status == SERVING)
        )
        if ticket is not None:
            moves.finish(session=s, clock=world.clock, ticket=ticket, principal=desk.clerk)
