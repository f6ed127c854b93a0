"""The timed deadline jobs judge by the office's date, not the server's UTC date (R11, R18).

Each test puts the clock at 00:30 in Moscow, which is still 21:30 of the day before in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from queue_server.scheduler import Scheduler
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import World

# Monday 23.11.2026 21:30 UTC = Tuesday 24.11 00:30 in Moscow.
TUESDAY_0030_MOSCOW = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)


def _events(api: TestClient, world: World, kind: str) -> list[dict[str, Any]]:
    events = api.get("/api/v1/offices/central/events", headers=world.auth("manager")).json()
    return [e for e in events if e["type"] == kind]


def test_r18_the_expiry_warning_comes_on_the_offices_date_just_after_its_midnight(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R18: an agreement ending 24.12 is warned of from 24.11 in the office, 30 days before,
    although the UTC date is still 23.11 (31 days before)."""
    agreement = {
        "number": "7/2026",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-24",
        "services": ["passport"],
    }
    made = api.post("/api/v1/agencies/mvd/agreements", json=agreement, headers=world.auth("admin"))
    assert made.status_code == 201, made.text
    world.clock.set(datetime(2026, 11, 23, 20, 59, tzinfo=UTC))  # 23:59 in Moscow
    scheduler.run_pending()
    assert _events(api, world, "agreement.expiring") == []
    world.clock.set(TUESDAY_0030_MOSCOW)
    scheduler.run_pending()
    scheduler.run_pending()
    warned = _events(api, world, "agreement.expiring")
    assert [(e["payload"]["number"], e["payload"]["valid_to"]) for e in warned] == [
        ("7/2026", "2026-12-24")
    ]
    north = api.get("/api/v1/offices/north/events", headers=world.auth("north_manager")).json()
    assert [e["type"] for e in north if e["type"] == "agreement.expiring"] == ["agreement.expiring"]


def test_r11_a_transfer_is_late_from_the_offices_midnight_not_the_servers(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R11: a case registered Monday is due at the agency on Tuesday; it is late from
    Wednesday 00:30 in Moscow (Tuesday 21:30 UTC), once."""
    agreement = {
        "number": "8/2026",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "services": ["passport"],
    }
    assert api.post(
        "/api/v1/agencies/mvd/agreements", json=agreement, headers=world.auth("admin")
    ).is_success
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    body = intake_body(api, world, ticket["id"])
    case = api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("clerk1"))
    assert case.status_code == 201, case.text
    assert case.json()["transfer_due"] == "2026-11-24"
    world.clock.set(datetime(2026, 11, 24, 20, 59, tzinfo=UTC))  # Tuesday 23:59 in Moscow
    scheduler.run_pending()
    assert _events(api, world, "case.transfer_overdue") == []
    world.clock.set(datetime(2026, 11, 24, 21, 30, tzinfo=UTC))  # Wednesday 00:30 in Moscow
    scheduler.run_pending()
    scheduler.run_pending()
    late = _events(api, world, "case.transfer_overdue")
    assert [e["payload"]["case_id"] for e in late] == [case.json()["id"]]
