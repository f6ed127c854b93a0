"""Bookings never checked in become no-shows when the check-in window closes; reports count them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_server.events.models import Event
from queue_server.scheduler import Scheduler
from tests.queue_server.bookings_helpers import assert_error, booked
from tests.support.world import World

TODAY = "2026-11-23"


def _status(api: TestClient, code: str) -> str:
    status: str = api.get(f"/api/v1/public/bookings/{code}").json()["status"]
    return status


def test_no_show_at_the_end_of_the_check_in_window(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R4: a booking not checked in is a no-show when its check-in window closes."""
    body = booked(api, "passport", TODAY, "10:15")
    world.clock.advance(minutes=30)  # 10:30: the window closes at 10:30, still open
    assert scheduler.run_pending() == 0
    assert _status(api, body["code"]) == "booked"
    world.clock.advance(seconds=1)
    assert scheduler.run_pending() == 1
    assert _status(api, body["code"]) == "no_show"
    r = api.post(
        f"/api/v1/offices/central/bookings/{body['code']}/check-in", headers=world.auth("kiosk")
    )
    assert "живую очередь" in assert_error(r, 409, "checkin_too_late")
    with world.db.transaction(read_only=True) as s:
        types = [e.type for e in s.scalars(select(Event).order_by(Event.id))]
    assert types[-1] == "booking.no_show"
    assert scheduler.run_pending() == 0


def test_report_counts_bookings_by_status_and_service(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    shown = booked(api, "passport", TODAY, "10:15")
    booked(api, "passport", TODAY, "10:30", phone="+7 900 000-00-02")
    cancelled = booked(api, "results", TODAY, "10:30", phone="+7 900 000-00-03")
    booked(api, "results", "2026-11-24", "09:00", phone="+7 900 000-00-04")
    api.post(f"/api/v1/public/bookings/{cancelled['code']}/cancel")
    world.clock.advance(minutes=5)
    r = api.post(
        f"/api/v1/offices/central/bookings/{shown['code']}/check-in", headers=world.auth("kiosk")
    )
    assert r.status_code == 200
    world.clock.advance(minutes=60)
    scheduler.run_pending()  # the 10:30 passport booking is a no-show now
    r = api.get(
        "/api/v1/offices/central/bookings/report",
        params={"start": TODAY, "end": "2026-11-24"},
        headers=world.auth("manager"),
    )
    assert r.status_code == 200, r.text
    rows = [
        (
            row["day"],
            row["service"],
            row["total"],
            row["checked_in"],
            row["no_show"],
            row["cancelled"],
            row["booked"],
        )
        for row in r.json()
    ]
    assert rows == [
        (TODAY, "passport", 2, 1, 1, 0, 0),
        (TODAY, "results", 1, 0, 0, 1, 0),
        ("2026-11-24", "results", 1, 0, 0, 0, 1),
    ]
    r = api.get(
        "/api/v1/offices/central/bookings/report",
        params={"start": TODAY, "end": TODAY},
        headers=world.auth("clerk1"),
    )
    assert_error(r, 403, "wrong_role")
