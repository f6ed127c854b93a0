"""Helpers shared by the booking tests: slot times in Moscow, public booking, counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.bookings.models import Booking, BookingNotification
from queue_server.events.models import Event
from tests.support.world import World

MSK = ZoneInfo("Europe/Moscow")
PHONE = "+7 916 123-45-67"


def at(day: str, hhmm: str) -> datetime:
    """A Moscow wall-clock time as an aware UTC datetime."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=MSK).astimezone(UTC)


def slots(api: TestClient, service: str, day: str, office: str = "central") -> dict[str, Any]:
    r = api.get(f"/api/v1/public/offices/{office}/slots", params={"service": service, "day": day})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def free_at(api: TestClient, service: str, day: str, hhmm: str) -> int:
    for slot in slots(api, service, day)["slots"]:
        if slot["local_time"] == hhmm:
            free: int = slot["free"]
            return free
    raise AssertionError(f"no slot at {hhmm}")


def public_book(
    api: TestClient,
    service: str,
    day: str,
    hhmm: str,
    *,
    phone: str = PHONE,
    name: str = "Иванов Иван",
    email: str = "",
    office: str = "central",
) -> Any:
    """POST a public booking; returns the response (the caller checks the status)."""
    return api.post(
        f"/api/v1/public/offices/{office}/bookings",
        json={
            "service": service,
            "slot_start": at(day, hhmm).isoformat(),
            "applicant_name": name,
            "phone": phone,
            "email": email,
        },
    )


def booked(api: TestClient, service: str, day: str, hhmm: str, **kwargs: Any) -> dict[str, Any]:
    r = public_book(api, service, day, hhmm, **kwargs)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def set_policy(api: TestClient, world: World, **changes: Any) -> None:
    current = api.get("/api/v1/offices/central/booking-policy", headers=world.auth("manager"))
    assert current.status_code == 200, current.text
    data = {k: v for k, v in current.json().items() if k != "webhook_token_set"}
    data.update(changes)
    r = api.put("/api/v1/offices/central/booking-policy", json=data, headers=world.auth("manager"))
    assert r.status_code == 200, r.text


def booking_counts(world: World) -> tuple[int, int, int]:
    """Bookings, notifications and events stored: to prove a refusal wrote nothing."""
    with world.db.transaction(read_only=True) as s:
        return (
            s.scalar(select(func.count()).select_from(Booking)) or 0,
            s.scalar(select(func.count()).select_from(BookingNotification)) or 0,
            s.scalar(select(func.count()).select_from(Event)) or 0,
        )


def assert_error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    message: str = error["message"]
    assert message
    return message
