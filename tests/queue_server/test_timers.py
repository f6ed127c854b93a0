"""R5 recalls and no-shows, wait-limit warnings and breaches, on the injected clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.events.models import Event
from queue_server.offices.models import Office
from queue_server.scheduler import Scheduler
from queue_server.tickets.models import TicketTransition, WaitBreach
from tests.queue_server.conftest import World
from tests.queue_server.test_tickets_api import call, issue, take


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
