"""Whole days of cases through the API: intake, agency, issuance, links, public status."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import World


def test_a_case_from_intake_to_issuance(api: TestClient, world: World) -> None:
    """R9–R13: intake, transfer, result, readiness and issuance of one case."""
    install_passport(world)
    clerk = world.auth("clerk1")
    # Monday 23.11.2026, 10:00 Moscow: an applicant hands in documents at window 1.
    ticket = serve(api, world, "clerk1", 1, "passport")
    created = api.post(
        "/api/v1/offices/central/cases", json=intake_body(api, world, ticket["id"]), headers=clerk
    )
    assert created.status_code == 201, created.text
    case = created.json()
    office_id = case["registration_number"].split("-")[0]
    assert case["registration_number"] == f"{office_id}-2026/000001"
    assert case["status"] == "registered"
    assert case["variant"] == "replace" and case["agency"] == "mvd"
    # R11: to the agency the next working day; term of the variant: 10 working days.
    assert case["transfer_due"] == "2026-11-24"
    assert case["due_date"] == "2026-12-07"
    assert [v["number"] for v in case["visits"]] == [ticket["number"]]
    assert [d["sheets"] for d in case["documents"]] == [1, 20]
    links = api.get(f"/api/v1/tickets/{ticket['id']}/cases", headers=clerk).json()
    assert links == [
        {
            "case_id": case["id"],
            "registration_number": case["registration_number"],
            "purpose": "intake",
            "status": "registered",
        }
    ]
    assert api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=clerk).status_code == 200

    # Tuesday: the case goes to the agency with its incoming number.
    world.clock.advance(days=1)
    sent = api.post(
        f"/api/v1/cases/{case['id']}/send",
        json={"agency_incoming_number": "МВД-77/5521"},
        headers=clerk,
    )
    assert sent.json()["status"] == "sent_to_agency"
    # A week later the result arrives and is made ready.
    world.clock.advance(days=7)
    got = api.post(f"/api/v1/cases/{case['id']}/result", json={"outcome": "granted"}, headers=clerk)
    assert got.json()["status"] == "result_received"
    ready = api.post(f"/api/v1/cases/{case['id']}/ready", headers=world.auth("clerk2"))
    assert ready.json()["status"] == "ready"
    assert ready.json()["storage_until"] == "2026-12-31"  # 01.12 + 30 days

    # The applicant comes back with an issuance ticket to window 3; the receipt is scanned.
    issue_ticket = serve(api, world, "clerk3", 3, "results")
    found = api.get(
        "/api/v1/offices/central/cases/lookup",
        params={"number": case["registration_number"]},
        headers=world.auth("clerk3"),
    ).json()["cases"]
    assert [c["id"] for c in found] == [case["id"]]
    issued = api.post(
        f"/api/v1/cases/{case['id']}/issue",
        json={"ticket_id": issue_ticket["id"], "identity_checked": True},
        headers=world.auth("clerk3"),
    )
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["status"] == "issued"
    assert body["issuance"]["recipient_name"] == "Иванов Иван Иванович"
    assert body["issuance"]["clerk"] == "Clerk3"
    # R8: two visits, hand in and collect.
    assert [(v["number"], v["purpose"]) for v in body["visits"]] == [
        (ticket["number"], "intake"),
        (issue_ticket["number"], "issuance"),
    ]
    history = api.get(f"/api/v1/cases/{case['id']}/history", headers=clerk).json()
    assert [(h["action"], h["to_status"], h["clerk"]) for h in history] == [
        ("register", "registered", "Clerk1"),
        ("send", "sent_to_agency", "Clerk1"),
        ("result", "result_received", "Clerk1"),
        ("ready", "ready", "Clerk2"),
        ("issue", "issued", "Clerk3"),
    ]
    events = api.get("/api/v1/offices/central/events", headers=clerk).json()
    case_events = [e["type"] for e in events if e["type"].startswith("case.")]
    assert case_events == [
        "case.registered",
        "case.sent_to_agency",
        "case.result_received",
        "case.ready",
        "case.issued",
    ]
    # No personal data in the outbox (R16).
    assert "Иванов" not in str(events) and "123456" not in str(events)


def test_a_day_of_intakes_numbers_the_register_without_gaps(api: TestClient, world: World) -> None:
    """R9: the register numbers a day of intakes without gaps."""
    install_passport(world)
    clerk = world.auth("clerk1")
    numbers = []
    for i in range(6):
        ticket = serve(api, world, "clerk1", 1, "passport")
        body = intake_body(api, world, ticket["id"], name=f"Заявитель {i}")
        if i == 2:
            # A refused registration (no consent) takes no number.
            bad = api.post(
                "/api/v1/offices/central/cases",
                json={**body, "consent_personal_data": False},
                headers=clerk,
            )
            assert bad.status_code == 422
        created = api.post("/api/v1/offices/central/cases", json=body, headers=clerk)
        assert created.status_code == 201, created.text
        numbers.append(created.json()["registration_number"].split("/")[1])
        api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=clerk)
        world.clock.advance(minutes=20)
    assert numbers == [f"{i:06d}" for i in range(1, 7)]
    register = api.get("/api/v1/offices/central/cases", headers=world.auth("manager")).json()
    assert len(register) == 6
    assert "applicant_name" not in register[0]
    # The north office has its own register.
    north = api.get("/api/v1/offices/north/cases", headers=world.auth("north_clerk")).json()
    assert north == []


def test_lost_receipt_is_found_by_name_and_document(api: TestClient, world: World) -> None:
    """R13: a lost receipt's case is found by the applicant's details."""
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    body = intake_body(api, world, ticket["id"], name="Петрова Анна", document_number="4510 654321")
    case = api.post("/api/v1/offices/central/cases", json=body, headers=world.auth("clerk1"))
    found = api.get(
        "/api/v1/offices/central/cases/lookup",
        params={"name": "  петрова   анна ", "document_number": "45 10 654321"},
        headers=world.auth("clerk2"),
    )
    assert [c["id"] for c in found.json()["cases"]] == [case.json()["id"]]
    other = api.get(
        "/api/v1/offices/central/cases/lookup",
        params={"name": "Петрова Анна", "document_number": "0000 000000"},
        headers=world.auth("clerk2"),
    )
    assert other.json()["cases"] == []


def test_public_status_shows_progress_without_personal_data(api: TestClient, world: World) -> None:
    """R15: the applicant follows the progress; R16: no personal data."""
    install_passport(world)
    ticket = serve(api, world, "clerk1", 1, "passport")
    case = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket["id"]),
        headers=world.auth("clerk1"),
    ).json()
    api.post(f"/api/v1/cases/{case['id']}/send", json={}, headers=world.auth("clerk1"))
    public = api.get(f"/api/v1/cases/status/{case['status_code']}")
    assert public.status_code == 200
    body = public.json()
    assert body["status"] == "sent_to_agency"
    assert [s["status"] for s in body["steps"]] == ["registered", "sent_to_agency"]
    assert body["due_date"] == "2026-12-07"
    text = public.text
    for secret in ("Иванов", "123456", "Паспорт РФ", "Clerk1"):
        assert secret not in text
    page = api.get(f"/c/{case['status_code']}")
    assert page.status_code == 200 and "Иванов" not in page.text
    assert api.get("/c/not-a-real-code").status_code == 404
    assert api.get("/api/v1/cases/status/not-a-real-code").status_code == 404


def test_deadlines_raise_events_once(api: TestClient, world: World, scheduler) -> None:  # type: ignore[no-untyped-def]
    """R11 transfer and agency deadlines, R14 storage: each raises its event once."""
    install_passport(world)
    clerk = world.auth("clerk1")
    ticket = serve(api, world, "clerk1", 1, "passport")
    late = api.post(
        "/api/v1/offices/central/cases", json=intake_body(api, world, ticket["id"]), headers=clerk
    ).json()
    api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=clerk)
    ticket2 = serve(api, world, "clerk1", 1, "passport")
    kept = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket2["id"], name="Сидоров"),
        headers=clerk,
    ).json()
    api.post(f"/api/v1/cases/{kept['id']}/send", json={}, headers=clerk)
    # Tuesday 24.11 is the transfer deadline: nothing is late yet on that day.
    world.clock.advance(days=1)
    scheduler.run_pending()
    assert _case_events(api, world) == []
    # Wednesday: the first case was never sent (R11).
    world.clock.advance(days=1)
    scheduler.run_pending()
    scheduler.run_pending()
    assert _case_events(api, world) == [("case.transfer_overdue", late["id"])]
    # After 07.12 both cases are past the agency's term; each event comes once.
    world.clock.advance(days=13)
    scheduler.run_pending()
    scheduler.run_pending()
    assert sorted(_case_events(api, world)[1:]) == sorted(
        [("case.agency_overdue", late["id"]), ("case.agency_overdue", kept["id"])]
    )
    overdue = api.get("/api/v1/offices/central/cases/overdue", headers=clerk).json()
    assert overdue == {"transfer_overdue": 1, "agency_overdue": 2, "stored": 0}
    # The result of the second case is ready; after the 30-day storage period it is stored.
    api.post(f"/api/v1/cases/{kept['id']}/result", json={"ready": True}, headers=clerk)
    world.clock.advance(days=31)
    scheduler.run_pending()
    world.clock.advance(days=1)
    scheduler.run_pending()
    assert _case_events(api, world)[-1] == ("case.uncollected", kept["id"])
    stored = api.get(f"/api/v1/cases/{kept['id']}", headers=clerk).json()
    assert stored["status"] == "stored"
    history = api.get(f"/api/v1/cases/{kept['id']}/history", headers=clerk).json()
    assert history[-1]["action"] == "store" and history[-1]["automatic"] is True
    # Still collectable while stored, then it may be archived.
    assert (
        api.post(
            f"/api/v1/cases/{kept['id']}/archive", json={"reason": "не востребован"}, headers=clerk
        ).json()["status"]
        == "archived"
    )


def _case_events(api: TestClient, world: World) -> list[tuple[str, int]]:
    events = api.get("/api/v1/offices/central/events", headers=world.auth("clerk1")).json()
    watched = ("case.transfer_overdue", "case.agency_overdue", "case.uncollected")
    return [(e["type"], e["payload"]["case_id"]) for e in events if e["type"] in watched]


def test_the_result_is_registered_the_day_it_arrives(api: TestClient, world: World) -> None:
    """R12: the result is registered when it arrives, with the agency's incoming number."""
    install_passport(world)
    clerk = world.auth("clerk1")
    ticket = serve(api, world, "clerk1", 1, "passport")
    case = api.post(
        "/api/v1/offices/central/cases", json=intake_body(api, world, ticket["id"]), headers=clerk
    ).json()
    api.post(f"/api/v1/cases/{case['id']}/send", json={}, headers=clerk)
    arrived = world.clock.advance(days=3)
    got = api.post(
        f"/api/v1/cases/{case['id']}/result",
        json={"outcome": "refusal", "agency_incoming_number": "МВД-1"},
        headers=clerk,
    ).json()
    assert (got["status"], got["outcome"], got["agency_incoming_number"]) == (
        "result_received",
        "refusal",
        "МВД-1",
    )
    step = api.get(f"/api/v1/cases/{case['id']}/history", headers=clerk).json()[-1]
    assert step["action"] == "result"
    assert datetime.fromisoformat(step["at"]) == arrived
