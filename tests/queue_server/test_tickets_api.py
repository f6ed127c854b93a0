"""Issuing and moving tickets through the HTTP API, including every refusal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.events.models import Event
from queue_server.tickets.models import Ticket, TicketTransition
from tests.support.world import World


def counts(world: World) -> tuple[int, int, int]:
    """Tickets, transitions and events stored: to prove a refusal wrote nothing."""
    with world.db.transaction(read_only=True) as s:
        return (
            s.scalar(select(func.count()).select_from(Ticket)) or 0,
            s.scalar(select(func.count()).select_from(TicketTransition)) or 0,
            s.scalar(select(func.count()).select_from(Event)) or 0,
        )


def issue(api: TestClient, world: World, service: str = "passport", **extra: Any) -> dict[str, Any]:
    r = api.post(
        "/api/v1/offices/central/tickets",
        json={"service": service, **extra},
        headers=world.auth("kiosk"),
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def take(api: TestClient, world: World, window: int, clerk: str) -> None:
    r = api.post(f"/api/v1/offices/central/windows/{window}/take", headers=world.auth(clerk))
    assert r.status_code == 200, r.text


def call(api: TestClient, world: World, window: int, clerk: str) -> dict[str, Any]:
    r = api.post(f"/api/v1/offices/central/windows/{window}/call-next", headers=world.auth(clerk))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def test_issue_returns_the_public_contract(api: TestClient, world: World) -> None:
    body = issue(api, world)
    assert body["number"] == "А001"
    assert body["service"] == "passport"
    assert body["position"] == 1
    # Nobody holds a window yet: the ticket says so rather than promising "≈ 0 min".
    assert body["estimated_wait_minutes"] is None and body["no_open_window"] is True
    assert body["status_url"] == f"http://testserver/t/{body['status_code']}"
    assert body["issued_at"].startswith("2026-11-23T07:00:00")
    assert {
        "id",
        "number",
        "service",
        "issued_at",
        "position",
        "estimated_wait_minutes",
        "status_url",
    } <= set(body)


def test_numbers_count_per_prefix_and_position_and_estimate_grow(
    api: TestClient, world: World
) -> None:
    first, second = issue(api, world), issue(api, world)
    other = issue(api, world, "results")
    third = issue(api, world)
    assert [first["number"], second["number"], third["number"]] == ["А001", "А002", "А003"]
    assert other["number"] == "К001" and other["position"] == 1
    assert third["position"] == 3
    take(api, world, 1, "clerk1")
    take(api, world, 2, "clerk2")
    fourth = issue(api, world)
    # Two open windows serve passports, at the 30-min norm (nobody finished yet); window 2
    # first calls the results ticket (earlier deadline, 5-min norm): window 1 takes А001
    # now and А003 at 30 min, window 2 К001 now and А002 at 5 min, the fourth at 35.
    assert fourth["position"] == 4 and fourth["estimated_wait_minutes"] == 35


def test_estimate_uses_staffed_windows(api: TestClient, world: World) -> None:
    take(api, world, 1, "clerk1")
    issue(api, world), issue(api, world)
    third = issue(api, world)
    assert third["estimated_wait_minutes"] == 60  # 2 ahead × 30 min ÷ 1 staffed window


def test_same_idempotency_key_returns_the_same_ticket(api: TestClient, world: World) -> None:
    first = issue(api, world, idempotency_key="tap-0001-abcdef")
    r = api.post(
        "/api/v1/offices/central/tickets",
        json={"service": "passport", "idempotency_key": "tap-0001-abcdef"},
        headers=world.auth("kiosk"),
    )
    assert r.status_code == 200 and r.headers["Idempotent-Replayed"] == "true"
    assert r.json()["id"] == first["id"] and r.json()["number"] == "А001"
    assert counts(world)[0] == 1


def test_idempotency_key_reused_for_another_service_is_refused(
    api: TestClient, world: World
) -> None:
    issue(api, world, idempotency_key="tap-0002-abcdef")
    before = counts(world)
    r = api.post(
        "/api/v1/offices/central/tickets",
        json={"service": "results", "idempotency_key": "tap-0002-abcdef"},
        headers=world.auth("kiosk"),
    )
    assert_error(r, 409, "idempotency_key_reused")
    assert counts(world) == before


def test_closed_office_refuses_with_the_next_opening(api: TestClient, world: World) -> None:
    """R6: outside opening hours no ticket is issued; the refusal names the next opening."""
    world.clock.set(world.clock.now() + timedelta(days=6))  # Sunday 29 November
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    error = assert_error(r, 409, "office_closed")
    assert "30.11" in error["message"] and "08:00" in error["message"]
    assert counts(world) == (0, 0, 0)


def test_saturday_hours_apply(api: TestClient, world: World) -> None:
    """R6: the Saturday schedule applies."""
    world.clock.set(world.clock.now() + timedelta(days=5, hours=4))  # Saturday 14:00 Moscow: closed
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    assert_error(r, 409, "office_closed")
    world.clock.set(world.clock.now() - timedelta(minutes=1))  # 13:59: open
    assert issue(api, world)["number"] == "А001"


def test_public_holiday_closes_the_office_unless_overridden(api: TestClient, world: World) -> None:
    """R6: a public holiday closes the office unless the office overrides it."""
    world.clock.set(world.clock.now().replace(year=2027, month=1, day=11))  # Monday 11 Jan 2027
    holiday = world.clock.now().replace(month=1, day=8)
    world.clock.set(holiday)  # Friday 8 January: New Year holidays
    r = api.post(
        "/api/v1/offices/central/tickets", json={"service": "passport"}, headers=world.auth("kiosk")
    )
    assert_error(r, 409, "office_closed")
    r = api.put(
        "/api/v1/offices/central/days/2027-01-08",
        json={"is_open": True, "note": "дежурный день"},
        headers=world.auth("manager"),
    )
    assert r.status_code == 200 and r.json()["is_open"] is True
    assert issue(api, world)["number"] == "А001"


@pytest.mark.parametrize(
    ("path", "body", "who", "status", "code"),
    [
        (
            "/api/v1/offices/nowhere/tickets",
            {"service": "passport"},
            "kiosk",
            404,
            "office_not_found",
        ),
        (
            "/api/v1/offices/central/tickets",
            {"service": "nothing"},
            "kiosk",
            404,
            "service_not_found",
        ),
        (
            "/api/v1/offices/central/tickets",
            {"service": "archive"},
            "kiosk",
            422,
            "service_not_offered",
        ),
        ("/api/v1/offices/central/tickets", {}, "kiosk", 422, "invalid_request"),
        (
            "/api/v1/offices/central/tickets",
            {"service": "passport", "x": 1},
            "kiosk",
            422,
            "invalid_request",
        ),
        (
            "/api/v1/offices/central/tickets",
            {"service": "passport", "priority_category": "vip"},
            "kiosk",
            422,
            "unknown_category",
        ),
        ("/api/v1/offices/central/tickets", {"service": "passport"}, "board", 403, "wrong_device"),
        (
            "/api/v1/offices/central/tickets",
            {"service": "passport"},
            "north_kiosk",
            403,
            "wrong_office",
        ),
        (
            "/api/v1/offices/central/tickets",
            {"service": "passport"},
            "north_clerk",
            403,
            "wrong_office",
        ),
    ],
)
def test_bad_issue_requests_get_a_clear_4xx_and_write_nothing(
    api: TestClient, world: World, path: str, body: dict[str, Any], who: str, status: int, code: str
) -> None:
    r = api.post(path, json=body, headers=world.auth(who))
    assert_error(r, status, code)
    assert counts(world) == (0, 0, 0)


def test_malformed_json_is_a_422(api: TestClient, world: World) -> None:
    r = api.post(
        "/api/v1/offices/central/tickets",
        content=b'{"service": "passport"',
        headers={**world.auth("kiosk"), "Content-Type": "application/json"},
    )
    error = assert_error(r, 422, "invalid_request")
    assert "JSON" in error["message"]
    assert counts(world) == (0, 0, 0)


def test_no_token_and_bad_token_are_401(api: TestClient, world: World) -> None:
    r = api.post("/api/v1/offices/central/tickets", json={"service": "passport"})
    assert_error(r, 401, "not_authenticated")
    r = api.post(
        "/api/v1/offices/central/tickets",
        json={"service": "passport"},
        headers={"Authorization": "Bearer nope"},
    )
    assert_error(r, 401, "bad_token")


def test_full_life_cycle_is_stored_with_time_window_and_clerk(
    api: TestClient, world: World
) -> None:
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    world.clock.advance(minutes=3)
    called = call(api, world, 1, "clerk1")
    assert called["id"] == ticket["id"] and called["status"] == "called" and called["window"] == 1
    world.clock.advance(seconds=20)
    assert (
        api.post(f"/api/v1/tickets/{ticket['id']}/recall", headers=world.auth("clerk1")).json()[
            "recall_count"
        ]
        == 1
    )
    assert (
        api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("clerk1")).json()[
            "status"
        ]
        == "serving"
    )
    world.clock.advance(minutes=12)
    done = api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth("clerk1")).json()
    assert done["status"] == "done" and done["finished_at"].startswith("2026-11-23T07:15:20")
    history = api.get(
        f"/api/v1/tickets/{ticket['id']}/history", headers=world.auth("manager")
    ).json()
    assert [h["action"] for h in history] == ["issue", "call", "recall", "start", "finish"]
    assert [h["to_status"] for h in history] == ["waiting", "called", "called", "serving", "done"]
    assert all(h["window"] == 1 and h["clerk"] == "Clerk1" for h in history[1:])
    assert history[1]["at"].startswith("2026-11-23T07:03:00")


def test_illegal_transitions_are_409_and_change_nothing(api: TestClient, world: World) -> None:
    ticket = issue(api, world)
    before = counts(world)
    r = api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth("manager"))
    error = assert_error(r, 409, "illegal_transition")
    assert "ещё не вызван" in error["message"]
    assert (
        api.post(
            f"/api/v1/tickets/{ticket['id']}/cancel", headers=world.auth("manager")
        ).status_code
        == 200
    )
    r = api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("manager"))
    assert_error(r, 409, "illegal_transition")
    after = counts(world)
    assert after[0] == before[0] and after[1] == before[1] + 1  # only the cancel was stored
    status = api.get(f"/api/v1/tickets/{ticket['id']}", headers=world.auth("manager")).json()[
        "status"
    ]
    assert status == "cancelled"


def test_a_cancelled_ticket_is_never_called(api: TestClient, world: World) -> None:
    ticket = issue(api, world)
    api.post(f"/api/v1/tickets/{ticket['id']}/cancel", headers=world.auth("manager"))
    take(api, world, 1, "clerk1")
    r = api.post("/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk1"))
    assert r.status_code == 204 and r.content == b""


def test_call_next_needs_the_clerk_holding_the_window(api: TestClient, world: World) -> None:
    issue(api, world)
    r = api.post("/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk1"))
    assert_error(r, 403, "not_your_window")
    take(api, world, 1, "clerk1")
    r = api.post("/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk2"))
    assert_error(r, 403, "not_your_window")
    r = api.post("/api/v1/offices/central/windows/1/call-next", headers=world.auth("north_clerk"))
    assert_error(r, 403, "wrong_office")
    r = api.post("/api/v1/offices/central/windows/9/call-next", headers=world.auth("clerk1"))
    assert_error(r, 404, "window_not_found")
    assert counts(world)[1] == 1  # only the issue transition


def test_a_window_is_held_by_one_clerk_and_a_clerk_holds_one_window(
    api: TestClient, world: World
) -> None:
    take(api, world, 1, "clerk1")
    assert_error(
        api.post("/api/v1/offices/central/windows/1/take", headers=world.auth("clerk2")),
        409,
        "window_taken",
    )
    assert_error(
        api.post("/api/v1/offices/central/windows/2/take", headers=world.auth("clerk1")),
        409,
        "clerk_has_window",
    )
    assert (
        api.post(
            "/api/v1/offices/central/windows/1/release", headers=world.auth("clerk1")
        ).status_code
        == 200
    )
    take(api, world, 1, "clerk2")


def test_window_with_an_open_ticket_cannot_call_again_or_release(
    api: TestClient, world: World
) -> None:
    issue(api, world), issue(api, world)
    take(api, world, 1, "clerk1")
    call(api, world, 1, "clerk1")
    assert_error(
        api.post("/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk1")),
        409,
        "window_busy",
    )
    assert_error(
        api.post("/api/v1/offices/central/windows/1/release", headers=world.auth("clerk1")),
        409,
        "window_busy",
    )


def test_paused_window_does_not_call(api: TestClient, world: World) -> None:
    issue(api, world)
    take(api, world, 1, "clerk1")
    r = api.post(
        "/api/v1/offices/central/windows/1/pause",
        json={"reason": "обед"},
        headers=world.auth("clerk1"),
    )
    assert r.json()["paused"] is True and r.json()["pause_reason"] == "обед"
    assert_error(
        api.post("/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk1")),
        409,
        "window_paused",
    )
    api.post("/api/v1/offices/central/windows/1/resume", headers=world.auth("clerk1"))
    assert call(api, world, 1, "clerk1")["number"] == "А001"


def test_clerk_cannot_act_on_a_ticket_at_another_window(api: TestClient, world: World) -> None:
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    take(api, world, 2, "clerk2")
    call(api, world, 1, "clerk1")
    r = api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("clerk2"))
    assert_error(r, 403, "not_your_window")
    r = api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("north_manager"))
    assert_error(r, 403, "wrong_office")
    r = api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("kiosk"))
    assert_error(r, 403, "wrong_role")


def test_redirect_keeps_the_number_and_starts_a_new_wait(api: TestClient, world: World) -> None:
    """R1–R3: a redirect starts a new wait with the new service's limit."""
    ticket = issue(api, world)
    take(api, world, 1, "clerk1")
    take(api, world, 3, "clerk2")
    world.clock.advance(minutes=5)
    call(api, world, 1, "clerk1")
    api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth("clerk1"))
    world.clock.advance(minutes=4)
    r = api.post(
        f"/api/v1/tickets/{ticket['id']}/redirect",
        json={"service": "results"},
        headers=world.auth("clerk1"),
    )
    moved = r.json()
    assert r.status_code == 200 and moved["number"] == "А001" and moved["service"] == "results"
    assert moved["status"] == "waiting" and moved["window"] is None and moved["redirect_count"] == 1
    assert moved["waiting_since"].startswith("2026-11-23T07:09:00")
    assert moved["deadline"].startswith("2026-11-23T07:19:00")  # issuance limit: 10 min (R2)
    again = call(api, world, 3, "clerk2")
    assert again["id"] == ticket["id"] and again["number"] == "А001"
    r = api.post(
        f"/api/v1/tickets/{ticket['id']}/redirect",
        json={"service": "archive"},
        headers=world.auth("clerk2"),
    )
    assert_error(r, 422, "service_not_offered")


def test_queue_lists_waiting_tickets_with_waits_and_deadlines(
    api: TestClient, world: World
) -> None:
    """R1: each waiting ticket with its deadline and wait state."""
    issue(api, world)
    world.clock.advance(minutes=13)
    issue(api, world), issue(api, world, "results")
    queue = api.get("/api/v1/offices/central/queue", headers=world.auth("board")).json()
    by_code = {s["service"]: s for s in queue["services"]}
    passport = by_code["passport"]
    assert passport["waiting"] == 2 and passport["longest_wait_seconds"] == 13 * 60
    assert [t["number"] for t in passport["tickets"]] == ["А001", "А002"]
    assert passport["tickets"][0]["state"] == "warning"  # past 80 % of 15 min
    assert passport["tickets"][0]["seconds_to_deadline"] == 120
    assert passport["tickets"][1]["state"] == "ok"
    assert by_code["results"]["waiting"] == 1 and by_code["consult"]["waiting"] == 0
    assert "archive" not in by_code


def test_public_status_by_code_without_login(api: TestClient, world: World) -> None:
    issue(api, world)
    mine = issue(api, world)
    r = api.get(f"/api/v1/tickets/status/{mine['status_code']}")
    assert r.status_code == 200
    body = r.json()
    assert body["number"] == "А002" and body["people_ahead"] == 1 and body["status"] == "waiting"
    assert body["window"] is None
    take(api, world, 2, "clerk1")
    (
        call(api, world, 2, "clerk1"),
        api.post(f"/api/v1/tickets/{mine['id'] - 1}/start", headers=world.auth("clerk1")),
    )
    api.post(f"/api/v1/tickets/{mine['id'] - 1}/finish", headers=world.auth("clerk1"))
    call(api, world, 2, "clerk1")
    body = api.get(f"/api/v1/tickets/status/{mine['status_code']}").json()
    assert body["status"] == "called" and body["window"] == 2 and body["people_ahead"] is None
    assert_error(api.get("/api/v1/tickets/status/not-a-real-code"), 404, "ticket_not_found")
    page = api.get(mine["status_url"].replace("http://testserver", ""))
    assert page.status_code == 200 and "data-code" in page.text


def test_staff_endpoints_need_staff_of_the_office(api: TestClient, world: World) -> None:
    ticket = issue(api, world)
    assert_error(api.get(f"/api/v1/tickets/{ticket['id']}"), 401, "not_authenticated")
    assert_error(
        api.get(f"/api/v1/tickets/{ticket['id']}", headers=world.auth("north_manager")),
        403,
        "wrong_office",
    )
    assert_error(
        api.get("/api/v1/offices/central/queue", headers=world.auth("north_kiosk")),
        403,
        "wrong_office",
    )
    assert_error(
        api.get("/api/v1/tickets/999999", headers=world.auth("admin")), 404, "ticket_not_found"
    )
