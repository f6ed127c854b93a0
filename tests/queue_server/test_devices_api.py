"""Device state reports, kiosk print failures and clerk reprints (issue 5, server side)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.auth.models import Device
from queue_server.devices.models import TicketPrintJob
from queue_server.events.models import Event
from tests.support.world import World


def issue(api: TestClient, world: World, who: str = "kiosk") -> dict:
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth(who)
    )
    assert r.status_code == 201, r.text
    return r.json()


def events(world: World, type_: str) -> list[Event]:
    with world.db.transaction(read_only=True) as session:
        return list(session.scalars(select(Event).where(Event.type == type_).order_by(Event.id)))


def test_state_is_stored_on_the_device_and_emitted_only_on_change(
    api: TestClient, world: World
) -> None:
    body = {"state": "error", "detail": {"printer": "paper_out"}}
    r = api.put("/api/v1/devices/me/state", json=body, headers=world.auth("kiosk"))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "error" and r.json()["changed"] is True
    first_at = r.json()["at"]
    world.clock.advance(seconds=30)
    r = api.put("/api/v1/devices/me/state", json=body, headers=world.auth("kiosk"))
    assert r.json()["changed"] is False and r.json()["at"] != first_at
    r = api.put(
        "/api/v1/devices/me/state",
        json={"state": "ok", "detail": {"printer": "ready"}},
        headers=world.auth("kiosk"),
    )
    assert r.json()["changed"] is True
    emitted = events(world, "device.state")
    assert [e.payload["state"] for e in emitted] == ["error", "ok"]
    assert emitted[0].payload["name"] == "kiosk" and emitted[0].office_id is not None
    with world.db.transaction(read_only=True) as session:
        device = session.scalar(select(Device).where(Device.name == "kiosk"))
        assert device is not None and device.state == "ok"
        assert device.state_detail == {"printer": "ready"}
        assert device.state_at == world.clock.now()
    r = api.get("/api/v1/offices/central/device-states", headers=world.auth("manager"))
    states = {d["name"]: d["state"] for d in r.json()}
    assert states == {"kiosk": "ok", "board": None}


def test_state_report_refuses_staff_and_bad_states(api: TestClient, world: World) -> None:
    r = api.put("/api/v1/devices/me/state", json={"state": "ok"}, headers=world.auth("clerk1"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_device"
    r = api.put("/api/v1/devices/me/state", json={"state": "broken"}, headers=world.auth("kiosk"))
    assert r.status_code == 422
    r = api.get("/api/v1/offices/central/device-states", headers=world.auth("north_manager"))
    assert r.status_code == 403
    assert events(world, "device.state") == []


def test_print_failure_then_clerk_reprint_then_kiosk_prints(api: TestClient, world: World) -> None:
    ticket = issue(api, world)
    r = api.post(
        f"/api/v1/tickets/{ticket['id']}/print-failed",
        json={"reason": "paper_out"},
        headers=world.auth("kiosk"),
    )
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["status"] == "failed" and job["number"] == ticket["number"]
    assert job["device"] == "kiosk" and job["failures"] == 1
    r = api.get("/api/v1/offices/central/print-jobs", headers=world.auth("clerk1"))
    assert [j["number"] for j in r.json()] == [ticket["number"]]
    # Nothing to print until a clerk asks.
    assert api.get("/api/v1/devices/me/print-jobs", headers=world.auth("kiosk")).json() == []
    r = api.post(f"/api/v1/tickets/{ticket['id']}/reprint", headers=world.auth("clerk1"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["requested_by"] == "Clerk1"
    jobs = api.get("/api/v1/devices/me/print-jobs", headers=world.auth("kiosk")).json()
    assert len(jobs) == 1 and jobs[0]["ticket"]["number"] == ticket["number"]
    assert jobs[0]["ticket"]["status_url"] == ticket["status_url"]
    # Another kiosk does not see it and cannot close it.
    assert api.get("/api/v1/devices/me/print-jobs", headers=world.auth("north_kiosk")).json() == []
    r = api.post(f"/api/v1/print-jobs/{job['id']}/printed", headers=world.auth("north_kiosk"))
    assert r.status_code == 404
    r = api.post(f"/api/v1/print-jobs/{job['id']}/printed", headers=world.auth("kiosk"))
    assert r.status_code == 200 and r.json()["status"] == "printed"
    again = api.post(f"/api/v1/print-jobs/{job['id']}/printed", headers=world.auth("kiosk"))
    assert again.json()["printed_at"] == r.json()["printed_at"]
    assert api.get("/api/v1/devices/me/print-jobs", headers=world.auth("kiosk")).json() == []
    types = [e.type for e in events(world, "ticket.print_failed")]
    types += [e.type for e in events(world, "ticket.reprint_requested")]
    types += [e.type for e in events(world, "ticket.reprinted")]
    assert types == ["ticket.print_failed", "ticket.reprint_requested", "ticket.reprinted"]


def test_a_lost_ticket_is_reprinted_on_the_kiosk_that_issued_it(
    api: TestClient, world: World
) -> None:
    ticket = issue(api, world)
    r = api.post(f"/api/v1/tickets/{ticket['id']}/reprint", headers=world.auth("manager"))
    assert r.status_code == 200 and r.json()["device"] == "kiosk"


def test_reprint_refusals_write_nothing(api: TestClient, world: World) -> None:
    by_staff = issue(api, world, who="clerk1")
    r = api.post(f"/api/v1/tickets/{by_staff['id']}/reprint", headers=world.auth("clerk1"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_kiosk_for_ticket"
    ticket = issue(api, world)
    r = api.post(f"/api/v1/tickets/{ticket['id']}/reprint", headers=world.auth("north_clerk"))
    assert r.status_code == 403
    r = api.post(f"/api/v1/tickets/{ticket['id']}/reprint", headers=world.auth("kiosk"))
    assert r.status_code == 403
    r = api.post(f"/api/v1/tickets/{ticket['id']}/cancel", headers=world.auth("clerk1"))
    assert r.status_code == 200
    r = api.post(f"/api/v1/tickets/{ticket['id']}/reprint", headers=world.auth("clerk1"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "ticket_not_active"
    r = api.post("/api/v1/tickets/999999/reprint", headers=world.auth("clerk1"))
    assert r.status_code == 404
    with world.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(TicketPrintJob)) == 0


def test_print_failed_is_for_the_kiosks_of_the_office(api: TestClient, world: World) -> None:
    ticket = issue(api, world)
    url = f"/api/v1/tickets/{ticket['id']}/print-failed"
    r = api.post(url, json={"reason": "x"}, headers=world.auth("north_kiosk"))
    assert r.status_code == 403
    r = api.post(url, json={"reason": "x"}, headers=world.auth("board"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_kiosk"
    r = api.post(url, json={"reason": ""}, headers=world.auth("kiosk"))
    assert r.status_code == 422
    r = api.get("/api/v1/offices/central/print-jobs?status=lost", headers=world.auth("clerk1"))
    assert r.status_code == 422
    assert events(world, "ticket.print_failed") == []
