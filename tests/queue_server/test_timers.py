"""R5 recalls and no-shows, wait-limit warnings and breaches, on the injected clock."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from queue_server.app import create_app
from queue_server.bookings.models import BookingNotification
from queue_server.events.models import Event
from queue_server.offices.models import Office
from queue_server.scheduler import Scheduler
from queue_server.settings import Settings
from queue_server.tickets.models import Ticket, TicketTransition, WaitBreach
from queue_server.tickets.scheduled import mark_absent_as_no_show, recall_unanswered_calls
from tests.queue_server.bookings_helpers import booked, set_policy
from tests.queue_server.test_tickets_api import call, issue, take
from tests.support.app import make_client
from tests.support.outbound import LOOPBACK_WEBHOOKS, loopback_webhook_rules
from tests.support.world import World


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    # The hung gateway below listens on 127.0.0.1, which the server refuses unless allowed.
    with make_client(world, **LOOPBACK_WEBHOOKS) as client:
        yield client


@pytest.fixture
def scheduler(world: World) -> Scheduler:
    return Scheduler(world.db, world.clock, outbound=loopback_webhook_rules())


def events_of(world: World, type_: str) -> list[dict[str, Any]]:
    with world.db.transaction(read_only=True) as s:
        return [
            e.payload
            for e in s.scalars(select(Event).where(Event.type == type_).order_by(Event.id))
        ]


def status(api: TestClient, world: World, ticket_id: int) -> dict[str, Any]:
    body: dict[str, Any] = api.get(
        f"/api/v1/tickets/{ticket_id}", headers=world.auth("manager")
    ).json()
    return body


def test_recall_after_one_minute_then_no_show_one_minute_later(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R5: recalled 1 min after the call, a no-show 1 min after the recall."""
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    world.clock.advance(seconds=59)
    assert scheduler.run_pending() == 0
    assert status(api, world, ticket["id"])["recall_count"] == 0
    world.clock.advance(seconds=1)
    assert scheduler.run_pending() == 1
    assert status(api, world, ticket["id"])["recall_count"] == 1
    assert events_of(world, "ticket.recalled")[0]["automatic"] is True
    world.clock.advance(seconds=59)
    scheduler.run_pending()
    assert status(api, world, ticket["id"])["status"] == "called"
    world.clock.advance(seconds=1)
    scheduler.run_pending()
    assert status(api, world, ticket["id"])["status"] == "no_show"
    with world.db.transaction(read_only=True) as s:
        steps = s.scalars(
            select(TicketTransition).where(TicketTransition.ticket_id == ticket["id"])
        ).all()
    assert [(t.action, t.automatic) for t in steps] == [
        ("issue", False),
        ("call", False),
        ("recall", True),
        ("no_show", True),
    ]
    # The window is free again: the clerk calls the next applicant.
    assert (
        api.post(
            "/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk1")
        ).status_code
        == 204
    )


def test_started_ticket_is_not_recalled(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R5: only a call nobody answered is repeated."""
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    world.clock.advance(seconds=30)
    api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("clerk1"))
    world.clock.advance(minutes=10)
    assert scheduler.run_pending() == 0
    assert status(api, world, ticket["id"])["status"] == "serving"


def test_recall_and_no_show_delays_are_configurable_per_office(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R5: the two delays are the office's settings."""
    with world.db.transaction() as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        office.recall_after_seconds, office.no_show_after_seconds = 120, 30
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    world.clock.advance(seconds=119)
    scheduler.run_pending()
    assert status(api, world, ticket["id"])["recall_count"] == 0
    world.clock.advance(seconds=1)
    scheduler.run_pending()
    world.clock.advance(seconds=30)
    scheduler.run_pending()
    assert status(api, world, ticket["id"])["status"] == "no_show"


def test_a_pass_reads_and_locks_only_the_calls_that_are_due(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R5 at a region's scale: the pass reads the calls due for their next step, by each
    office's own delays, and leaves the others (applicants on their way) unread and
    unlocked: a clerk's move on them never waits for the timekeeper."""
    with world.db.transaction() as s:
        north = s.scalar(select(Office).where(Office.code == "north"))
        assert north is not None
        north.recall_after_seconds = 300
    first = issue(api, world)
    second = issue(api, world)
    r = api.post(
        "/api/v1/offices/north/tickets",
        json={"service": "passport"},
        headers=world.auth("north_kiosk"),
    )
    assert r.status_code == 201, r.text
    at_north = r.json()
    for window, clerk in ((1, "clerk1"), (2, "clerk2")):
        take(api, world, window, clerk)
    r = api.post("/api/v1/offices/north/windows/1/take", headers=world.auth("north_clerk"))
    assert r.status_code == 200, r.text
    call(api, world, 1, "clerk1")  # the first ticket; due for its recall in 60 s
    r = api.post("/api/v1/offices/north/windows/1/call-next", headers=world.auth("north_clerk"))
    assert r.status_code == 200, r.text  # due in 300 s (north's delay)
    world.clock.advance(seconds=30)
    call(api, world, 2, "clerk2")  # the second; due in 60 s from now
    world.clock.advance(seconds=35)  # the first is 5 s past due, the others are not

    loaded: list[int] = []

    def count(target: Ticket, _context: Any) -> None:
        loaded.append(target.id)

    event.listen(Ticket, "load", count)
    try:
        with world.db.transaction(priority=True) as session:
            assert recall_unanswered_calls(session=session, clock=world.clock) == 1
            assert loaded == [first["id"]]
            if not world.db.is_sqlite:  # SQLite locks the whole database, not rows
                others = (second["id"], at_north["id"])
                with world.db.engine.connect() as other:
                    locked = other.execute(
                        select(Ticket.id).where(Ticket.id.in_(others)).with_for_update(nowait=True)
                    )
                    assert sorted(locked.scalars()) == sorted(others)
                    other.rollback()
        loaded.clear()
        with world.db.transaction(priority=True) as session:
            # The first, recalled just now, is due for no-show in 60 s: nothing is read.
            assert mark_absent_as_no_show(session=session, clock=world.clock) == 0
            assert loaded == []
    finally:
        event.remove(Ticket, "load", count)
    with world.db.transaction(read_only=True) as s:
        counts = [s.get(Ticket, t["id"]).recall_count for t in (first, second, at_north)]  # type: ignore[union-attr]
    assert counts == [1, 0, 0]


def test_a_manual_recall_restarts_the_no_show_countdown(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R5: the no-show minute runs from the last call, manual or automatic."""
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    world.clock.advance(seconds=30)
    api.post(f"/api/v1/tickets/{ticket['id']}/recall", headers=world.auth("clerk1"))
    world.clock.advance(seconds=59)
    scheduler.run_pending()
    assert status(api, world, ticket["id"])["status"] == "called"
    world.clock.advance(seconds=1)
    scheduler.run_pending()
    assert status(api, world, ticket["id"])["status"] == "no_show"


def test_warning_at_80_percent_and_breach_at_the_limit(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R1, R2: warned at 80 % of the kind's limit, breached when it is reached."""
    ticket = issue(api, world)  # intake: 15 min (R1)
    issue(api, world, "results")  # issuance: 10 min (R2)
    world.clock.advance(minutes=7, seconds=59)
    scheduler.run_pending()
    assert events_of(world, "ticket.wait_warning") == []
    world.clock.advance(seconds=1)  # 8 min = 80 % of 10
    scheduler.run_pending()
    assert [e["number"] for e in events_of(world, "ticket.wait_warning")] == ["К001"]
    world.clock.advance(minutes=4)  # 12 min = 80 % of 15; 12 > 10: К001 breached
    scheduler.run_pending()
    assert [e["number"] for e in events_of(world, "ticket.wait_warning")] == ["К001", "А001"]
    assert [e["number"] for e in events_of(world, "ticket.wait_breach")] == ["К001"]
    world.clock.advance(minutes=3)
    scheduler.run_pending()
    scheduler.run_pending()  # a second pass raises nothing twice
    assert [e["number"] for e in events_of(world, "ticket.wait_breach")] == ["К001", "А001"]
    take(api, world, 1, "clerk1")
    world.clock.advance(minutes=2)
    call(api, world, 1, "clerk1")
    with world.db.transaction(read_only=True) as s:
        breach = s.scalar(select(WaitBreach).where(WaitBreach.ticket_id == ticket["id"]))
    assert breach is not None and breach.window_id is not None and breach.clerk_id is not None
    assert breach.called_at is not None and breach.called_at - breach.deadline == timedelta(
        minutes=2
    )


def test_a_breach_is_stored_at_call_time_even_if_the_scheduler_has_not_run(
    api: TestClient, world: World
) -> None:
    """R1: a late call stores its breach even before the scheduler's pass."""
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    world.clock.advance(minutes=16)
    call(api, world, 1, "clerk1")
    with world.db.transaction(read_only=True) as s:
        breaches = s.scalars(select(WaitBreach)).all()
        called = s.get(Ticket, ticket["id"])
        assert called is not None
        # The call's ticket is attached from its update's row: the flag set on it is stored.
        assert (called.status, called.breached) == ("called", True)
    assert [(b.ticket_id, b.called_at - b.deadline) for b in breaches] == [
        (ticket["id"], timedelta(minutes=1))
    ]


def test_called_in_time_is_no_breach(api: TestClient, world: World, scheduler: Scheduler) -> None:
    """R1: a call within 15 minutes leaves no breach."""
    issue(api, world)
    take(api, world, 1, "clerk1")
    world.clock.advance(minutes=14, seconds=59)
    call(api, world, 1, "clerk1")
    world.clock.advance(minutes=5)
    scheduler.run_pending()
    assert events_of(world, "ticket.wait_breach") == []


class SilentGateway:
    """A webhook endpoint that accepts connections and never answers: a hung SMS gateway."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)  # the accept loop checks `closing` this often
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/sms"
        self.accepted = threading.Event()
        self.closing = threading.Event()
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                connection, _address = self.server.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)
            self.accepted.set()

    def hang_up(self) -> None:
        """Drop every connection: the stuck delivery fails at once instead of timing out."""
        if self.closing.is_set():
            return
        self.closing.set()
        self.thread.join(timeout=5)
        for connection in self.connections:
            connection.close()
        self.server.close()


@pytest.fixture
def silent_gateway() -> Iterator[SilentGateway]:
    gateway = SilentGateway()
    yield gateway
    gateway.hang_up()


def _book_with_a_hung_gateway(api: TestClient, world: World, gateway: SilentGateway) -> None:
    set_policy(
        api,
        world,
        notifier="webhook",
        webhook_url=gateway.url,
        webhook_timeout_seconds=60,
        reminder_minutes_before=0,
    )
    booked(api, "passport", "2026-11-24", "10:15")  # its confirmation is due now


def _notification_attempts(world: World) -> list[int]:
    with world.db.transaction(read_only=True) as s:
        return list(s.scalars(select(BookingNotification.attempts)))


def test_a_hung_gateway_does_not_hold_back_the_recall(
    api: TestClient, world: World, scheduler: Scheduler, silent_gateway: SilentGateway
) -> None:
    _book_with_a_hung_gateway(api, world, silent_gateway)
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    world.clock.advance(minutes=1)
    assert scheduler.run_pending() == 1  # the recall
    assert not silent_gateway.accepted.is_set()  # a timer pass never calls a gateway
    delivery = threading.Thread(target=scheduler.deliver_pending, daemon=True)
    delivery.start()
    assert silent_gateway.accepted.wait(timeout=10), "the delivery never reached the gateway"
    world.clock.advance(minutes=1)
    assert scheduler.run_pending() == 1  # the no-show, while the delivery still waits
    assert status(api, world, ticket["id"])["status"] == "no_show"
    assert delivery.is_alive() and _notification_attempts(world) == [0]
    silent_gateway.hang_up()
    delivery.join(timeout=10)
    assert not delivery.is_alive() and _notification_attempts(world) == [1]


def test_the_app_runs_timers_and_deliveries_in_separate_loops(
    world: World, silent_gateway: SilentGateway
) -> None:
    settings = Settings(
        database_url=str(world.db.engine.url),
        scheduler_interval=0.02,  # real seconds between passes; the timers read the fake clock
        public_url="http://testserver",
        **LOOPBACK_WEBHOOKS,
    )
    with TestClient(create_app(settings, clock=world.clock, database=world.db)) as api:
        try:
            _book_with_a_hung_gateway(api, world, silent_gateway)
            issue(api, world)
            take(api, world, 1, "clerk1")
            call(api, world, 1, "clerk1")
            assert silent_gateway.accepted.wait(timeout=10), "the delivery loop never ran"
            world.clock.advance(minutes=1)
            deadline = time.monotonic() + 10  # a pass takes milliseconds; the gateway hangs 60 s
            while not events_of(world, "ticket.recalled") and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(events_of(world, "ticket.recalled")) == 1
            assert _notification_attempts(world) == [0]  # the delivery is still stuck meanwhile
        finally:
            silent_gateway.hang_up()  # before the app stops, so its delivery thread ends
