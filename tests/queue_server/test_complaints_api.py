"""The complaints register over the API on SQLite and PostgreSQL (R17, R8, R10, R16)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_server.complaints.models import Complaint, ComplaintCounter
from queue_server.scheduler import Scheduler
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import World

COMPLAINTS = "/api/v1/offices/central/complaints"
PUBLIC = "/api/v1/public/offices/central/complaints"


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "waiting",
        "applicant_name": "Петрова Анна Сергеевна",
        "applicant_contact": "+7 900 111-22-33",
        "text": "Ждала вызова 50 минут, табло не работало.",
        "consent_personal_data": True,
    }
    body.update(overrides)
    return body


def _events(api: TestClient, world: World, *types: str) -> list[tuple[str, str]]:
    events = api.get("/api/v1/offices/central/events", headers=world.auth("clerk1")).json()
    return [(e["type"], e["payload"]["number"]) for e in events if e["type"] in types]


def test_r17_staff_register_a_complaint_linked_to_the_ticket_window_clerk_and_service(
    api: TestClient, world: World
) -> None:
    """R17/R8: numbered per office and year; the ticket names the window, clerk and service."""
    ticket = serve(api, world, "clerk1", 1, "passport")
    created = api.post(
        COMPLAINTS, json=_body(ticket_id=ticket["id"]), headers=world.auth("manager")
    )
    assert created.status_code == 201, created.text
    complaint = created.json()
    assert complaint["number"] == "Ж-central-2026/0001"
    assert complaint["status"] == "registered"
    assert (complaint["ticket_number"], complaint["window"]) == (ticket["number"], 1)
    assert (complaint["clerk"], complaint["service"]) == ("Clerk1", "passport")
    # Monday 23.11.2026 + 15 working days; registered on receipt, so not late.
    assert complaint["answer_due"] == "2026-12-14"
    assert complaint["registration_due"] == "2026-11-24"
    assert complaint["registered_late"] is False
    assert [s["action"] for s in complaint["steps"]] == ["register"]
    assert complaint["steps"][0]["by"] == "Manager"
    second = api.post(
        COMPLAINTS,
        json=_body(category="refused_intake", window=2, clerk="clerk2"),
        headers=world.auth("clerk1"),
    ).json()
    assert second["number"] == "Ж-central-2026/0002"
    assert second["answer_due"] == "2026-11-30"  # 5 working days for a refused intake
    assert (second["window"], second["clerk"]) == (2, "Clerk2")


def test_r17_a_complaint_about_a_case_takes_its_service_and_registering_clerk(
    api: TestClient, world: World
) -> None:
    """R17/R8: the case's registration number links the case, its service and clerk."""
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    case = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket["id"]),
        headers=world.auth("clerk1"),
    ).json()
    sent = api.post(
        PUBLIC, json=_body(category="document_error", reference=case["registration_number"])
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["answer_working_days"] == 5
    listed = api.get(COMPLAINTS, headers=world.auth("clerk2")).json()
    assert listed[0]["case_number"] == case["registration_number"]
    assert (listed[0]["service"], listed[0]["clerk"]) == ("passport", "Clerk1")
    assert listed[0]["source"] == "public" and listed[0]["registered_by"] is None


def test_r17_received_two_working_days_ago_is_registered_late(
    api: TestClient, world: World
) -> None:
    """R17: received on Thursday, registered on Monday: past the one-working-day term."""
    thursday = (world.clock.now() - timedelta(days=4)).isoformat()
    late = api.post(COMPLAINTS, json=_body(received_at=thursday), headers=world.auth("clerk1"))
    assert late.status_code == 201, late.text
    assert late.json()["registration_due"] == "2026-11-20"
    assert late.json()["registered_late"] is True
    future = (world.clock.now() + timedelta(hours=1)).isoformat()
    refused = api.post(COMPLAINTS, json=_body(received_at=future), headers=world.auth("clerk1"))
    assert refused.status_code == 422
    assert "в будущем" in refused.json()["error"]["message"]


def test_r17_life_cycle_review_answer_each_step_with_who_and_when(
    api: TestClient, world: World
) -> None:
    """R17: registered → under review → answered, each step with who and when; on time."""
    complaint = api.post(PUBLIC, json=_body()).json()
    found = api.get(COMPLAINTS, headers=world.auth("clerk1")).json()[0]
    assert found["number"] == complaint["number"]
    path = f"/api/v1/complaints/{found['id']}"
    world.clock.advance(hours=2)
    reviewed = api.post(
        f"{path}/review", json={"note": "запрошены записи"}, headers=world.auth("manager")
    )
    assert reviewed.status_code == 200, reviewed.text
    world.clock.advance(days=3)
    answered = api.post(
        f"{path}/answer", json={"answer": "Приносим извинения."}, headers=world.auth("manager")
    )
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["status"] == "answered" and body["answered_on_time"] is True
    steps = [(s["action"], s["to_status"], s["by"]) for s in body["steps"]]
    assert steps == [
        ("register", "registered", None),
        ("review", "under_review", "Manager"),
        ("answer", "answered", "Manager"),
    ]
    times = [datetime.fromisoformat(s["at"]) for s in body["steps"]]
    assert times[1] - times[0] == timedelta(hours=2) and times[2] - times[1] == timedelta(days=3)
    again = api.post(f"{path}/withdraw", json={"reason": "передумал"}, headers=world.auth("clerk1"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "illegal_complaint_step"
    assert "дан ответ" in again.json()["error"]["message"]


def test_r17_a_withdrawn_complaint_keeps_its_reason(api: TestClient, world: World) -> None:
    """R17: the applicant may withdraw; the step keeps who recorded it and why."""
    created = api.post(COMPLAINTS, json=_body(), headers=world.auth("clerk1")).json()
    withdrawn = api.post(
        f"/api/v1/complaints/{created['id']}/withdraw",
        json={"reason": "вопрос решён на месте"},
        headers=world.auth("clerk1"),
    ).json()
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["steps"][-1]["note"] == "вопрос решён на месте"
    assert withdrawn["steps"][-1]["by"] == "Clerk1"


def test_r10_r17_without_consent_nothing_is_registered_and_no_number_is_used(
    api: TestClient, world: World
) -> None:
    """R10: no consent, no complaint: a Russian 422, no row, the counter untouched."""
    refused = api.post(PUBLIC, json=_body(consent_personal_data=False))
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "complaint_consent_required"
    assert "согласи" in refused.json()["error"]["message"]
    with world.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 0
        assert session.scalar(select(func.count()).select_from(ComplaintCounter)) == 0
    assert api.post(PUBLIC, json=_body()).json()["number"] == "Ж-central-2026/0001"


def test_r17_unknown_links_are_refused_in_russian(api: TestClient, world: World) -> None:
    """R17: a window, clerk or ticket that is not of this office is refused, nothing written."""
    for extra, words in (
        ({"window": 99}, "окна № 99"),
        ({"clerk": "north_clerk"}, "north_clerk"),
        ({"service": "nope"}, "nope"),
    ):
        refused = api.post(COMPLAINTS, json=_body(**extra), headers=world.auth("clerk1"))
        assert refused.status_code == 422, extra
        assert words in refused.json()["error"]["message"]
    assert api.get(COMPLAINTS, headers=world.auth("clerk1")).json() == []


def test_r16_r17_personal_data_only_for_the_office_staff(api: TestClient, world: World) -> None:
    """R16/R17: another office's staff, admins of all offices and devices never see them."""
    created = api.post(COMPLAINTS, json=_body(), headers=world.auth("clerk1")).json()
    for who in ("north_clerk", "north_manager", "admin", "kiosk"):
        assert (
            api.get(f"/api/v1/complaints/{created['id']}", headers=world.auth(who)).status_code
            == 403
        )
        assert api.get(COMPLAINTS, headers=world.auth(who)).status_code == 403
    refused = api.get(f"/api/v1/complaints/{created['id']}", headers=world.auth("north_clerk"))
    assert "своего офиса" in refused.json()["error"]["message"]
    # The public answer names the number and the term, never the register's content.
    public = api.post(PUBLIC, json=_body()).json()
    assert set(public) == {
        "number",
        "office_name",
        "category_ru",
        "registered_at",
        "answer_due",
        "answer_working_days",
    }


def test_r17_near_due_and_overdue_raise_events_once_and_show_on_the_dashboard(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R17: two working days before the term a warning, after it an overdue flag, once each."""
    short = api.post(
        COMPLAINTS, json=_body(category="refused_intake"), headers=world.auth("clerk1")
    )
    number = short.json()["number"]  # due Monday 30.11, warned from Thursday 26.11
    scheduler.run_pending()
    assert _events(api, world, "complaint.near_due", "complaint.overdue") == []
    world.clock.advance(days=3)  # Thursday
    scheduler.run_pending()
    scheduler.run_pending()
    assert _events(api, world, "complaint.near_due", "complaint.overdue") == [
        ("complaint.near_due", number)
    ]
    alerts = api.get("/api/v1/offices/central/dashboard", headers=world.auth("manager")).json()
    kinds = {a["kind"]: a["text"] for a in alerts["alerts"]}
    assert "30.11.2026" in kinds["complaint_near_due"]
    world.clock.advance(days=4)  # Monday 30.11: the last day is still in time
    scheduler.run_pending()
    assert len(_events(api, world, "complaint.overdue")) == 0
    world.clock.advance(days=1)  # Tuesday 1.12
    scheduler.run_pending()
    scheduler.run_pending()
    assert _events(api, world, "complaint.overdue") == [("complaint.overdue", number)]
    alerts = api.get("/api/v1/offices/central/dashboard", headers=world.auth("manager")).json()
    overdue = [a for a in alerts["alerts"] if a["kind"] == "complaint_overdue"]
    assert overdue and overdue[0]["level"] == "red"
    answered = api.post(
        f"/api/v1/complaints/{short.json()['id']}/answer",
        json={"answer": "Документы приняты."},
        headers=world.auth("manager"),
    ).json()
    assert answered["answered_on_time"] is False


def test_r8_r17_report_counts_by_office_category_clerk_service_with_the_on_time_share(
    api: TestClient, world: World
) -> None:
    """R8/R17: the report counts complaints and the share answered within the term."""
    manager = world.auth("manager")
    first = api.post(
        COMPLAINTS, json=_body(window=1, clerk="clerk1", service="passport"), headers=manager
    ).json()
    second = api.post(
        COMPLAINTS, json=_body(category="conduct", clerk="clerk1"), headers=manager
    ).json()
    api.post(COMPLAINTS, json=_body(category="refused_intake", clerk="clerk2"), headers=manager)
    api.post(f"/api/v1/complaints/{first['id']}/answer", json={"answer": "Ответ."}, headers=manager)
    world.clock.advance(days=30)
    api.post(
        f"/api/v1/complaints/{second['id']}/answer", json={"answer": "Ответ."}, headers=manager
    )
    params = {"from": "2026-11-01", "to": "2026-11-30", "office": "central"}
    report = api.get("/api/v1/reports/complaints", params=params, headers=manager)
    assert report.status_code == 200, report.text
    data = report.json()
    assert data["total"] == 3
    assert [
        (r["key"], r["total"], r["answered"], r["answered_on_time"]) for r in data["by_office"]
    ] == [("central", 3, 2, 1)]
    assert data["by_office"][0]["on_time_share"] == 0.5
    assert data["by_office"][0]["overdue"] == 2  # one answered late, one still open and late
    by_clerk = {r["key"]: (r["name"], r["total"]) for r in data["by_clerk"]}
    assert by_clerk == {"clerk1": ("Clerk1", 2), "clerk2": ("Clerk2", 1)}
    by_category = {r["key"]: r["total"] for r in data["by_category"]}
    assert by_category == {"waiting": 1, "conduct": 1, "refused_intake": 1}
    by_service = {r["key"]: r["total"] for r in data["by_service"]}
    assert by_service == {"passport": 1, None: 2}
    # A manager counts their own office only; an admin may count every office.
    north = api.get(
        "/api/v1/reports/complaints", params=params, headers=world.auth("north_manager")
    )
    assert north.status_code == 403
    everyone = api.get(
        "/api/v1/reports/complaints",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers=world.auth("admin"),
    ).json()
    assert [r["key"] for r in everyone["by_office"]] == ["central"]
    assert "applicant_name" not in str(everyone)
    bad = api.get(
        "/api/v1/reports/complaints",
        params={"from": "2026-12-01", "to": "2026-11-01"},
        headers=manager,
    )
    assert bad.status_code == 422


def test_r17_numbers_restart_each_year(api: TestClient, world: World) -> None:
    """R17: the register is numbered per office and calendar year."""
    assert api.post(PUBLIC, json=_body()).json()["number"] == "Ж-central-2026/0001"
    assert api.post(PUBLIC, json=_body()).json()["number"] == "Ж-central-2026/0002"
    world.clock.advance(days=45)  # 7 January 2027
    assert api.post(PUBLIC, json=_body()).json()["number"] == "Ж-central-2027/0001"
    north = api.post("/api/v1/public/offices/north/complaints", json=_body()).json()
    assert north["number"] == "Ж-north-2027/0001"


def test_r17_many_late_complaints_make_one_dashboard_line_with_the_count(
    api: TestClient, world: World
) -> None:
    """R17: past five, the dashboard counts late complaints on one line and names the first."""
    for _ in range(7):
        api.post(COMPLAINTS, json=_body(category="refused_intake"), headers=world.auth("clerk1"))
    world.clock.advance(days=8)  # Tuesday 1.12: all seven past their 5-day term
    alerts = api.get("/api/v1/offices/central/dashboard", headers=world.auth("manager")).json()
    late = [a for a in alerts["alerts"] if a["kind"] == "complaint_overdue"]
    assert len(late) == 1 and late[0]["level"] == "red"
    assert late[0]["text"].startswith(
        "Жалоб с истёкшим сроком ответа: 7; первые: № Ж-central-2026/0001"
    )


def test_r16_r17_a_complaints_steps_are_append_only(api: TestClient, world: World) -> None:
    """R16, R17: who took each step and when cannot be rewritten nor removed through the ORM
    (the guard shared with the case history and the audit trail)."""
    from queue_server.append_only import AppendOnlyViolation
    from queue_server.complaints.models import ComplaintStep

    assert api.post(PUBLIC, json=_body()).status_code == 201
    with pytest.raises(AppendOnlyViolation, match="append-only"), world.db.transaction() as s:
        step = s.scalars(select(ComplaintStep)).one()
        step.note = "подмена"
        s.flush()
    with pytest.raises(AppendOnlyViolation), world.db.transaction() as s:
        s.delete(s.scalars(select(ComplaintStep)).one())
        s.flush()
    with world.db.transaction(read_only=True) as s:
        assert s.scalars(select(ComplaintStep.note)).one() == "категория: время ожидания"
