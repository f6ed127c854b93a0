"""R6: a weekly schedule under 5 days × 7 hours is refused unless an admin lets it stand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.audit.models import AuditEntry
from queue_server.events.models import Event
from queue_server.offices import rules
from tests.support.world import World

FULL = {d: ["08:00", "19:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
SHORT = {**FULL, "fri": ["09:00", "15:00"]}  # Friday 6 hours: four full days left


def _office(hours: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "МФЦ Центральный", "opening_hours": hours, **extra}


@pytest.mark.parametrize(
    ("hours", "ok"),
    [
        ({**FULL, "sat": ["10:00", "14:00"], "sun": None}, True),  # the 004 §2.13.2 example
        (FULL, True),
        ({d: ["09:00", "16:00"] for d in FULL}, True),  # exactly 7 hours
        ({d: ["09:00", "15:59"] for d in FULL}, False),
        (SHORT, False),
        ({"mon": ["00:00", "23:59"], "tue": ["00:00", "23:59"]}, False),
    ],
)
def test_r6_at_least_five_days_of_seven_hours(hours: dict[str, Any], ok: bool) -> None:
    """R6: five days of seven hours or more; shorter extra days are allowed."""
    assert (rules.schedule_problem(hours) is None) is ok


def test_r6_a_manager_is_refused_a_short_schedule_with_the_rules_text(
    api: TestClient, world: World
) -> None:
    """R6: the office keeps its hours; the refusal quotes the rule in Russian."""
    refused = api.put("/api/v1/offices/central", json=_office(SHORT), headers=world.auth("manager"))
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "schedule_below_minimum"
    assert "не менее 5 дней в неделю, не менее 7 часов в день" in error["message"]
    assert "таких дней 4" in error["message"]
    office = api.get("/api/v1/offices/central", headers=world.auth("manager")).json()
    assert office["opening_hours"]["fri"] == ["08:00", "19:00"]
    # Not even a manager's reason lets it through: only an admin may.
    again = api.put(
        "/api/v1/offices/central",
        json=_office(SHORT, schedule_override_reason="ремонт"),
        headers=world.auth("manager"),
    )
    assert again.status_code == 422


def test_r6_an_admin_override_is_recorded_on_the_office_and_kept_by_later_saves(
    api: TestClient, world: World
) -> None:
    """R6: an admin with a reason lets it stand; who, when and why are stored on the office."""
    without_reason = api.put(
        "/api/v1/offices/central", json=_office(SHORT), headers=world.auth("admin")
    )
    assert without_reason.status_code == 422
    saved = api.put(
        "/api/v1/offices/central",
        json=_office(SHORT, schedule_override_reason="Сокращённый день по распоряжению главы"),
        headers=world.auth("admin"),
    )
    assert saved.status_code == 200, saved.text
    office = saved.json()
    assert office["schedule_override_reason"] == "Сокращённый день по распоряжению главы"
    assert office["schedule_override_by"] == "Admin"
    assert datetime.fromisoformat(office["schedule_override_at"]) == world.clock.now()
    # The manager saves another setting and sends the office back as read: still accepted.
    body = {
        k: v
        for k, v in office.items()
        if k not in ("code", "schedule_override_by", "schedule_override_at")
    }
    body["ticket_footer"] = "Спасибо!"
    kept = api.put("/api/v1/offices/central", json=body, headers=world.auth("manager"))
    assert kept.status_code == 200, kept.text
    assert kept.json()["schedule_override_by"] == "Admin"
    # Back to a full schedule: the override is cleared.
    full = api.put("/api/v1/offices/central", json=_office(FULL), headers=world.auth("manager"))
    assert full.status_code == 200
    assert full.json()["schedule_override_reason"] is None
    assert full.json()["schedule_override_at"] is None


def _count(world: World, model: Any, *where: Any) -> int:
    with world.db.transaction(read_only=True) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_r16_one_save_of_an_office_is_one_event_and_one_audit_entry(
    api: TestClient, world: World
) -> None:
    """R16: saving an office once announces it once (`office.changed`) and records it once
    in the trail; before, the route configured the office twice and the devices heard of
    each save two times."""
    events = _count(world, Event, Event.type == "office.changed")
    entries = _count(world, AuditEntry, AuditEntry.action == "office_changed")
    saved = api.put(
        "/api/v1/offices/central",
        json=_office(FULL, ticket_footer="Спасибо!"),
        headers=world.auth("manager"),
    )
    assert saved.status_code == 200, saved.text
    assert _count(world, Event, Event.type == "office.changed") == events + 1
    assert _count(world, AuditEntry, AuditEntry.action == "office_changed") == entries + 1
