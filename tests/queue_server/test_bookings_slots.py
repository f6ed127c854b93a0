"""Bookable slots: opening hours, capacity from windows and norms, holidays and closed days."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.bookings.slots import capacities
from queue_server.offices.models import Office, OfficeDay
from tests.queue_server.bookings_helpers import assert_error, set_policy, slots
from tests.support.world import World

TUESDAY = "2026-11-24"


@pytest.mark.parametrize(
    ("per_slot", "expected"),
    [
        (1.0, [1, 1, 1, 1]),
        (0.5, [1, 0, 1, 0]),
        (2 / 3, [1, 1, 0, 1, 1, 0]),
        (2.5, [3, 2, 3, 2]),
        (0.0, [0, 0, 0]),
    ],
)
def test_fractional_capacity_is_spread_over_the_day(per_slot: float, expected: list[int]) -> None:
    assert capacities(per_slot, len(expected)) == expected


def test_slots_follow_opening_hours_and_windows_times_length_over_norm(
    api: TestClient, world: World
) -> None:
    # Passport (intake, norm 30): windows 1 and 2 → 2 × 15 / 30 = 1 place per 15 minutes.
    passport = slots(api, "passport", TUESDAY)
    assert passport["is_open"] is True
    times = [s["local_time"] for s in passport["slots"]]
    assert times[0] == "08:00" and times[-1] == "18:45" and len(times) == 44
    assert {s["free"] for s in passport["slots"]} == {1}
    # Results (issuance, norm 5): windows 2 and 3 → 2 × 15 / 5 = 6.
    assert {s["free"] for s in slots(api, "results", TUESDAY)["slots"]} == {6}
    # Consultation (norm 10): windows 1 and 4 → 3.
    assert {s["free"] for s in slots(api, "consult", TUESDAY)["slots"]} == {3}
    saturday = slots(api, "passport", "2026-11-28")
    assert [s["local_time"] for s in saturday["slots"]][::4] == ["10:00", "11:00", "12:00", "13:00"]
    assert len(saturday["slots"]) == 16


def test_a_longer_slot_holds_more_and_a_fixed_capacity_overrides(
    api: TestClient, world: World
) -> None:
    set_policy(api, world, slot_minutes=60)
    passport = slots(api, "passport", TUESDAY)["slots"]
    assert len(passport) == 11 and {s["free"] for s in passport} == {4}  # 2 × 60 / 30
    r = api.put(
        "/api/v1/offices/central/booking-services/passport",
        json={"bookable": True, "capacity_per_slot": 2},
        headers=world.auth("manager"),
    )
    assert r.status_code == 200, r.text
    assert {s["free"] for s in slots(api, "passport", TUESDAY)["slots"]} == {2}


def test_sundays_holidays_and_closed_dates_have_no_slots(api: TestClient, world: World) -> None:
    sunday = slots(api, "passport", "2026-11-29")
    assert sunday["is_open"] is False and sunday["slots"] == []
    set_policy(api, world, horizon_days=60)
    new_year = slots(api, "passport", "2027-01-04")  # New Year holidays (production calendar)
    assert new_year["is_open"] is False and new_year["slots"] == [] and new_year["reason"]
    with world.db.transaction() as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        s.add(OfficeDay(office_id=office.id, day=date(2026, 11, 25), is_open=False, note="учёба"))
    closed = slots(api, "passport", "2026-11-25")
    assert closed == {**closed, "is_open": False, "slots": [], "reason": "учёба"}


def test_past_slots_of_today_and_days_beyond_the_horizon_cannot_be_booked(
    api: TestClient, world: World
) -> None:
    today = slots(api, "passport", "2026-11-23")["slots"]  # the clock says 10:00
    free = {s["local_time"]: s["free"] for s in today}
    assert free["09:45"] == 0 and free["10:00"] == 0 and free["10:15"] == 1
    far = slots(api, "passport", "2026-12-24")  # 31 days ahead, horizon 30
    assert far["is_open"] is False and far["slots"] == []
    assert slots(api, "passport", "2026-11-22")["slots"] == []


def test_a_service_not_bookable_here_is_refused_and_not_listed(
    api: TestClient, world: World
) -> None:
    r = api.put(
        "/api/v1/offices/central/booking-services/consult",
        json={"bookable": False},
        headers=world.auth("manager"),
    )
    assert r.status_code == 200
    r = api.get(
        "/api/v1/public/offices/central/slots", params={"service": "consult", "day": TUESDAY}
    )
    assert_error(r, 422, "service_not_bookable")
    listed = api.get("/api/v1/public/offices/central/booking").json()["services"]
    assert [s["service"] for s in listed] == ["passport", "results"]
    r = api.get(
        "/api/v1/public/offices/central/slots", params={"service": "archive", "day": TUESDAY}
    )
    assert_error(r, 422, "service_not_offered")


def test_only_managers_change_the_policy(api: TestClient, world: World) -> None:
    r = api.put(
        "/api/v1/offices/central/booking-policy",
        json={"slot_minutes": 30},
        headers=world.auth("clerk1"),
    )
    assert_error(r, 403, "wrong_role")
    r = api.put(
        "/api/v1/offices/central/booking-policy",
        json={"notifier": "webhook"},
        headers=world.auth("manager"),
    )
    assert_error(r, 422, "webhook_url_required")
    r = api.put(
        "/api/v1/offices/central/booking-policy",
        json={"slot_minutes": 30},
        headers=world.auth("north_manager"),
    )
    assert_error(r, 403, "wrong_office")
