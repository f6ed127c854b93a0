"""The outbox: every state change writes its event in the same transaction."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.queue_server.test_tickets_api import call, issue, take
from tests.support.world import World


def test_each_change_writes_one_event_in_order(api: TestClient, world: World) -> None:
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("clerk1"))
    api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth("clerk1"))
    events = api.get("/api/v1/offices/central/events", headers=world.auth("board")).json()
    assert [e["type"] for e in events] == [
        "ticket.issued",
        "window.taken",
        "ticket.called",
        "ticket.started",
        "ticket.finished",
    ]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    called = events[2]["payload"]
    assert called["number"] == "А001" and called["window"] == 1 and called["service"] == "passport"
    after = api.get(
        f"/api/v1/offices/central/events?after={events[2]['id']}", headers=world.auth("board")
    ).json()
    assert [e["type"] for e in after] == ["ticket.started", "ticket.finished"]


def test_a_refused_change_writes_no_event(api: TestClient, world: World) -> None:
    ticket = issue(api, world)
    api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth("manager"))
    api.post("/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk1"))
    events = api.get("/api/v1/offices/central/events", headers=world.auth("board")).json()
    assert [e["type"] for e in events] == ["ticket.issued"]


def test_events_are_per_office(api: TestClient, world: World) -> None:
    issue(api, world)
    assert api.get("/api/v1/offices/north/events", headers=world.auth("north_clerk")).json() == []
    r = api.get("/api/v1/offices/central/events", headers=world.auth("north_clerk"))
    assert r.status_code == 403
