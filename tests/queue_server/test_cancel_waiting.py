"""Item 8 of issue 13: a manager cancels all of a day's waiting tickets of a service at once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.errors import DomainError
from queue_server.events.models import Event
from queue_server.offices.models import Office
from queue_server.tickets import moves
from queue_server.tickets.models import CANCELLED, Ticket, TicketTransition
from tests.queue_server.test_concurrency import run_at_once
from tests.queue_server.test_ticket_races import issue_many, open_desks
from tests.queue_server.test_tickets_api import assert_error, call, issue, take
from tests.support.ticket_audit import audit_tickets
from tests.support.world import World

URL = "/api/v1/offices/central/services/{}/cancel-waiting"
REASON = {"reason": "Сбой в системе МВД, приём паспортов до конца дня невозможен"}


def cancel_all(api: TestClient, world: World, who: str, service: str = "passport") -> Any:
    return api.post(URL.format(service), json=REASON, headers=world.auth(who))


def test_every_waiting_ticket_of_the_service_is_cancelled_with_its_reason(
    api: TestClient, world: World
) -> None:
    waiting = [issue(api, world) for _ in range(3)]
    take(api, world, 1, "clerk1")
    at_window = call(api, world, 1, "clerk1")  # the first passport ticket, now called
    consult = issue(api, world, "consult")
    answer = api.post(URL.format("passport"), json=REASON, headers=world.auth("manager"))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"service": "passport", "cancelled": 2, "reason": REASON["reason"]}
    with world.db.transaction(read_only=True) as s:
        status = {i: st for i, st in s.execute(select(Ticket.id, Ticket.status))}
        steps = s.scalars(select(TicketTransition).where(TicketTransition.action == "cancel")).all()
        events = s.scalars(select(Event).where(Event.type == "ticket.cancelled")).all()
        assert audit_tickets(s).problems() == []
    assert status[at_window["id"]] == "called" and status[consult["id"]] == "waiting"
    cancelled = {t["id"] for t in waiting} - {at_window["id"]}
    assert {i for i, st in status.items() if st == CANCELLED} == cancelled
    assert {t.ticket_id for t in steps} == cancelled
    assert all(t.detail["reason"] == REASON["reason"] for t in steps)
    assert sorted(e.payload["ticket_id"] for e in events) == sorted(cancelled)
    # Nothing left to cancel: a second press is harmless.
    again = api.post(URL.format("passport"), json=REASON, headers=world.auth("manager"))
    assert again.json()["cancelled"] == 0


def test_an_admin_may_cancel_too(api: TestClient, world: World) -> None:
    issue(api, world)
    assert cancel_all(api, world, "admin").json()["cancelled"] == 1


def test_a_clerk_may_not(api: TestClient, world: World) -> None:
    issue(api, world)
    assert_error(cancel_all(api, world, "clerk1"), 403, "wrong_role")


def test_a_manager_of_another_office_may_not(api: TestClient, world: World) -> None:
    issue(api, world)
    assert_error(cancel_all(api, world, "north_manager"), 403, "wrong_office")


def test_a_device_may_not(api: TestClient, world: World) -> None:
    issue(api, world)
    assert_error(cancel_all(api, world, "kiosk"), 403, "wrong_role")


def test_the_reason_is_required(api: TestClient, world: World) -> None:
    answer = api.post(URL.format("passport"), json={}, headers=world.auth("manager"))
    assert_error(answer, 422, "invalid_request")


def test_an_unknown_service_is_a_404(api: TestClient, world: World) -> None:
    answer = api.post(URL.format("nothing"), json=REASON, headers=world.auth("manager"))
    assert answer.status_code == 404
    assert answer.json()["error"]["message"]


def test_cancelling_while_windows_call_never_loses_or_doubles_a_ticket(world: World) -> None:
    """Ten windows call while the manager cancels: each ticket is called once or cancelled."""
    office_id, desks = open_desks(world, 10)
    issue_many(world, office_id, 30)
    with world.db.transaction(read_only=True) as s:
        user = s.scalar(select(User).where(User.username == "manager"))
        assert user is not None
        manager = Principal("user", user.id, "manager", office_id, "manager")

    def act(i: int) -> int:
        with world.db.transaction() as s:
            office = s.get(Office, office_id)
            assert office is not None
            if i == len(desks):
                return moves.cancel_waiting(
                    session=s,
                    clock=world.clock,
                    office=office,
                    service_code="passport",
                    principal=manager,
                    reason="закрытие",
                )
            try:
                called = moves.call_next(
                    session=s,
                    clock=world.clock,
                    office=office,
                    number=desks[i].number,
                    principal=desks[i].clerk,
                )
            except DomainError:
                return 0
            return 1 if called else 0

    results = run_at_once(len(desks) + 1, act)
    cancelled, calls = results[-1], sum(results[:-1])
    with world.db.transaction(read_only=True) as s:
        statuses = s.scalars(select(Ticket.status)).all()
        assert audit_tickets(s).problems() == []
    assert statuses.count("called") == calls
    assert statuses.count(CANCELLED) == cancelled
    assert calls + cancelled == 30
