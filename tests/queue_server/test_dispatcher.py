"""Who a window calls next: due bookings, priorities, earliest deadline, ties by issue time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.offices.models import Office
from tests.queue_server.test_tickets_api import call, issue, take
from tests.support.world import World


def book(api: TestClient, world: World, service: str, slot_in_minutes: int) -> str:
    slot = world.clock.now() + timedelta(minutes=slot_in_minutes)
    r = api.post(
        "/api/v1/offices/central/bookings",
        json={"service": service, "slot_start": slot.isoformat()},
        headers=world.auth("manager"),
    )
    assert r.status_code == 201, r.text
    code: str = r.json()["code"]
    return code


def check_in(api: TestClient, world: World, code: str) -> dict[str, Any]:
    r = api.post(f"/api/v1/offices/central/bookings/{code}/check-in", headers=world.auth("kiosk"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def call_order(api: TestClient, world: World, window: int, clerk: str, n: int) -> list[str]:
    numbers = []
    for _ in range(n):
        ticket = call(api, world, window, clerk)
        numbers.append(ticket["number"])
        api.post(f"/api/v1/tickets/{ticket['id']}/start", headers=world.auth(clerk))
        api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth(clerk))
    return numbers


def test_earliest_deadline_across_services_with_different_limits(
    api: TestClient, world: World
) -> None:
    """R1, R2: the wait closest to its own limit is called first."""
    # Window 2 serves passports (15 min limit) and results (10 min limit, R2).
    issue(api, world, "passport")  # deadline 10:15
    world.clock.advance(minutes=3)
    issue(api, world, "results")  # deadline 10:13: closer to breaching, called first
    world.clock.advance(minutes=4)
    issue(api, world, "passport")  # deadline 10:22
    take(api, world, 2, "clerk1")
    assert call_order(api, world, 2, "clerk1", 3) == ["К001", "А001", "А002"]


def test_fifo_policy_calls_in_issue_order(api: TestClient, world: World) -> None:
    with world.db.transaction() as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        office.dispatch_policy = "fifo"
    issue(api, world, "passport")
    world.clock.advance(minutes=3)
    issue(api, world, "results")
    take(api, world, 2, "clerk1")
    assert call_order(api, world, 2, "clerk1", 2) == ["А001", "К001"]


def test_ties_go_by_issue_time(api: TestClient, world: World) -> None:
    for _ in range(3):
        issue(api, world, "passport")
    take(api, world, 1, "clerk1")
    assert call_order(api, world, 1, "clerk1", 3) == ["А001", "А002", "А003"]


def test_priority_categories_go_first_by_rank(api: TestClient, world: World) -> None:
    issue(api, world, "passport")
    world.clock.advance(minutes=1)
    issue(api, world, "passport", priority_category="large_family")  # rank 2
    world.clock.advance(minutes=1)
    issue(api, world, "passport", priority_category="disabled")  # rank 1
    take(api, world, 1, "clerk1")
    assert call_order(api, world, 1, "clerk1", 3) == ["А003", "А002", "А001"]


def test_primary_services_before_secondary_ones(api: TestClient, world: World) -> None:
    # Window 1: passport is primary (order 1), consultation secondary (order 2).
    issue(api, world, "consult")  # earlier deadline-wise, but secondary for window 1
    world.clock.advance(minutes=2)
    issue(api, world, "passport")
    take(api, world, 1, "clerk1")
    assert call_order(api, world, 1, "clerk1", 2) == ["А001", "М001"]


def test_a_due_booking_is_called_before_a_longer_waiting_live_ticket(
    api: TestClient, world: World
) -> None:
    """R4: booked applicants are called first once their slot has come."""
    code = book(api, world, "passport", slot_in_minutes=20)
    issue(api, world, "passport")  # live, waiting since 10:00
    world.clock.advance(minutes=10)
    booked = check_in(api, world, code)  # 10:10, slot 10:20
    assert booked["number"] == "А002"
    take(api, world, 1, "clerk1")
    world.clock.advance(minutes=10)  # 10:20: the slot has come
    issue(api, world, "passport")
    assert call_order(api, world, 1, "clerk1", 3) == ["А002", "А001", "А003"]


def test_a_booking_not_yet_due_does_not_jump_the_live_queue(api: TestClient, world: World) -> None:
    """R4: before its slot a booking waits behind the live queue."""
    code = book(api, world, "passport", slot_in_minutes=25)
    world.clock.advance(minutes=5)  # 10:05, inside the 30-minute check-in window
    check_in(api, world, code)  # А001, slot 10:25
    issue(api, world, "passport")  # А002, live
    take(api, world, 1, "clerk1")
    # Live first while the slot has not come; the booking only when nobody else waits.
    assert call_order(api, world, 1, "clerk1", 2) == ["А002", "А001"]


def test_booked_wait_limit_runs_from_the_later_of_slot_and_check_in(
    api: TestClient, world: World
) -> None:
    """R4: a booked applicant waits at most 5 min after the later of slot and check-in."""
    early = book(api, world, "passport", slot_in_minutes=20)
    late = book(api, world, "passport", slot_in_minutes=-10)
    a = check_in(api, world, early)
    b = check_in(api, world, late)
    assert a["wait_limit_minutes"] == 5 and b["wait_limit_minutes"] == 5
    queue = api.get("/api/v1/offices/central/queue", headers=world.auth("manager")).json()
    passport = next(s for s in queue["services"] if s["service"] == "passport")
    tickets = {t["number"]: t for t in passport["tickets"]}
    assert tickets[a["number"]]["deadline"].startswith("2026-11-23T07:25:00")  # slot 10:20 + 5
    assert tickets[b["number"]]["deadline"].startswith("2026-11-23T07:05:00")  # check-in 10:00 + 5


def test_check_in_outside_the_window_is_refused_with_the_times(
    api: TestClient, world: World
) -> None:
    """R4: check-in only within its window, refused with the times."""
    code = book(api, world, "passport", slot_in_minutes=60)
    r = api.post(f"/api/v1/offices/central/bookings/{code}/check-in", headers=world.auth("kiosk"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "checkin_too_early"
    assert "10:30" in r.json()["error"]["message"]
    world.clock.advance(minutes=76)
    r = api.post(f"/api/v1/offices/central/bookings/{code}/check-in", headers=world.auth("kiosk"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "checkin_too_late"


def test_checking_in_twice_gives_the_same_ticket(api: TestClient, world: World) -> None:
    """R4: one booking, one ticket."""
    code = book(api, world, "passport", slot_in_minutes=10)
    first, second = check_in(api, world, code), check_in(api, world, code)
    assert first["id"] == second["id"]


def test_nobody_waiting_for_this_windows_services_is_204(api: TestClient, world: World) -> None:
    issue(api, world, "results")  # window 4 serves consultations only
    take(api, world, 4, "clerk1")
    r = api.post("/api/v1/offices/central/windows/4/call-next", headers=world.auth("clerk1"))
    assert r.status_code == 204


def test_a_due_booking_goes_before_priority_categories_too(api: TestClient, world: World) -> None:
    """R4: a due booking goes before priority categories."""
    code = book(api, world, "passport", slot_in_minutes=5)
    issue(api, world, "passport", priority_category="disabled")  # А001
    booked = check_in(api, world, code)  # А002, slot 10:05
    world.clock.advance(minutes=5)
    take(api, world, 1, "clerk1")
    assert call_order(api, world, 1, "clerk1", 2) == [booked["number"], "А001"]


def test_an_early_booking_moves_ahead_once_its_slot_comes(api: TestClient, world: World) -> None:
    """R4: an early booking moves ahead when its slot comes."""
    code = book(api, world, "passport", slot_in_minutes=20)
    check_in(api, world, code)  # А001 at 10:00 for 10:20
    for _ in range(3):
        issue(api, world, "passport")  # А002..А004, live
    take(api, world, 1, "clerk1")
    assert call_order(api, world, 1, "clerk1", 1) == ["А002"]  # 10:00: not yet due
    world.clock.advance(minutes=20)  # 10:20: due now, ahead of the longer-waiting live ones
    assert call_order(api, world, 1, "clerk1", 3) == ["А001", "А003", "А004"]


def test_a_late_check_in_is_due_at_once_with_five_minutes_from_check_in(
    api: TestClient, world: World
) -> None:
    """R4: a late check-in is due at once, 5 min from check-in."""
    issue(api, world, "passport")  # А001, live since 10:00
    code = book(api, world, "passport", slot_in_minutes=5)
    world.clock.advance(minutes=15)  # 10:15: ten minutes late, within the 15-minute grace
    booked = check_in(api, world, code)
    assert booked["wait_limit_minutes"] == 5
    take(api, world, 1, "clerk1")
    assert call_order(api, world, 1, "clerk1", 2) == [booked["number"], "А001"]


def test_a_due_booking_is_called_only_by_windows_serving_its_service(
    api: TestClient, world: World
) -> None:
    """R4: a due booking goes first only at windows serving its service."""
    code = book(api, world, "passport", slot_in_minutes=0)
    check_in(api, world, code)  # passport booking, due now
    issue(api, world, "consult")  # М001
    take(api, world, 4, "clerk1")  # window 4 serves consultations only
    assert call_order(api, world, 4, "clerk1", 1) == ["М001"]
