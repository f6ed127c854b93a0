"""Agency agreements (R18) on SQLite and PostgreSQL: terms, intake refusals, the kiosk menu,
the dashboard's 30-day warning, and who may keep them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from kiosk.menu import Menu
from queue_server.agreements import rules
from queue_server.agreements.models import Agreement, AgreementService
from queue_server.agreements.service import agree_for_every_agency, menu_availability
from queue_server.cases.models import Case, CaseCounter
from queue_server.catalogue.service import services_of_office
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.demo import DEMO_OFFICE, seed_demo
from queue_server.offices.service import find_office
from queue_server.scheduler import Scheduler
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import MONDAY_10, World

TODAY = date(2026, 11, 23)  # the world's Monday


@pytest.fixture(autouse=True)
def _no_agreements_yet(request: pytest.FixtureRequest) -> None:
    """These tests enter their own agreements: the shared world's one is removed first."""
    if "world" not in request.fixturenames:
        return
    world: World = request.getfixturevalue("world")
    with world.db.transaction() as session:
        session.execute(delete(AgreementService))
        session.execute(delete(Agreement))


def _agreement(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": "15/2026",
        "signed_on": "2026-01-10",
        "valid_from": "2026-01-10",
        "valid_to": "2027-01-09",
        "services": ["passport"],
    }
    body.update(overrides)
    return body


def _add(api: TestClient, world: World, **overrides: Any) -> dict[str, Any]:
    created = api.post(
        "/api/v1/agencies/mvd/agreements", json=_agreement(**overrides), headers=world.auth("admin")
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def _register(api: TestClient, world: World) -> Any:
    ticket = serve(api, world, "clerk1", 1, "passport")
    registered = api.post(
        "/api/v1/offices/central/cases",
        json=intake_body(api, world, ticket["id"]),
        headers=world.auth("clerk1"),
    )
    finished = api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth("clerk1"))
    assert finished.status_code == 200, finished.text
    return registered


@pytest.mark.parametrize(
    ("start", "last"),
    [
        (date(2026, 1, 10), date(2027, 1, 9)),
        (date(2027, 3, 1), date(2028, 2, 29)),  # a leap day inside the year
        (date(2028, 2, 29), date(2029, 2, 28)),  # begun on a leap day
    ],
)
def test_r18_an_agreement_runs_at_most_one_year(start: date, last: date) -> None:
    """R18: valid up to one year: the last allowed day is the eve of the anniversary."""
    assert rules.last_allowed_day(start) == last
    assert rules.term_problem(start, last) is None
    assert rules.term_problem(start, last + timedelta(days=1)) is not None
    assert rules.term_problem(start, start - timedelta(days=1)) is not None


def test_r18_a_longer_agreement_is_refused_in_russian_and_not_saved(
    api: TestClient, world: World
) -> None:
    """R18: an agreement of more than a year is refused with the rule's words."""
    refused = api.post(
        "/api/v1/agencies/mvd/agreements",
        json=_agreement(valid_to="2027-01-10"),
        headers=world.auth("admin"),
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "agreement_term_invalid"
    assert "не более чем на один год" in refused.json()["error"]["message"]
    assert "09.01.2027" in refused.json()["error"]["message"]
    listed = api.get("/api/v1/agreements", headers=world.auth("clerk1")).json()
    assert [(a["agency"], a["has_agreements"], a["agreements"]) for a in listed] == [
        ("mvd", False, [])
    ]
    unknown = api.post(
        "/api/v1/agencies/mvd/agreements",
        json=_agreement(services=["passport", "nope"]),
        headers=world.auth("admin"),
    )
    assert unknown.status_code == 422 and "«nope»" in unknown.json()["error"]["message"]


def test_r18_only_admins_keep_agreements(api: TestClient, world: World) -> None:
    """R18: the catalogue is shared: managers and clerks read agreements, admins edit them."""
    for who in ("manager", "clerk1"):
        refused = api.post(
            "/api/v1/agencies/mvd/agreements", json=_agreement(), headers=world.auth(who)
        )
        assert refused.status_code == 403
    created = _add(api, world)
    assert created["state"] == "valid" and created["services"] == ["passport"]
    assert (
        api.delete(f"/api/v1/agreements/{created['id']}", headers=world.auth("manager")).status_code
        == 403
    )
    assert (
        api.delete(f"/api/v1/agreements/{created['id']}", headers=world.auth("admin")).status_code
        == 204
    )


def test_r18_an_agency_with_no_agreement_at_all_has_none_of_its_services_taken(
    api: TestClient, world: World
) -> None:
    """R18: an agency serves only under an agreement: with none on record, its intake is
    refused to the clerk with the reason, nothing is registered, and the kiosk's menu marks
    the service not taken; a service with no agency (a consultation) is not bound."""
    install_passport(world)
    refused = _register(api, world)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "no_valid_agreement"
    assert error["message"] == (
        "Документы по услуге «Паспорт» сейчас не принимаются: нет действующего соглашения с "
        "органом «МВД» (соглашение о взаимодействии не заключено). Дело не зарегистрировано."
    )
    with world.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
    menu = api.get("/api/v1/offices/central/services", headers=world.auth("kiosk")).json()
    taken = {s["code"]: s["accepted"] for s in menu}
    assert taken["passport"] is False and taken["consult"] is True
    listed = api.get("/api/v1/agreements", headers=world.auth("clerk1")).json()
    assert [a["has_agreements"] for a in listed] == [False]
    _add(api, world)
    assert _register(api, world).status_code == 201


def test_r18_intake_without_a_valid_agreement_is_refused_and_writes_nothing(
    api: TestClient, world: World
) -> None:
    """R18: no agreement in force lists the service: 409 to the clerk, no case, no number."""
    install_passport(world)
    _add(api, world, services=["results"])
    refused = _register(api, world)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "no_valid_agreement"
    assert "«Паспорт»" in error["message"] and "«МВД»" in error["message"]
    assert "не включает эту услугу" in error["message"]
    with world.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(CaseCounter)) == 0


def test_r18_intake_is_taken_while_the_agreement_runs_and_refused_after_it_ends(
    api: TestClient, world: World
) -> None:
    """R18: taken on the agreement's last day; refused the day after, naming the end date."""
    install_passport(world)
    _add(api, world, valid_from="2026-01-01", valid_to="2026-11-24")
    assert _register(api, world).status_code == 201
    world.clock.advance(days=1)  # Tuesday 24.11: the last day
    assert _register(api, world).status_code == 201
    world.clock.advance(days=1)  # Wednesday 25.11
    refused = _register(api, world)
    assert refused.status_code == 409
    assert "истекло 24.11.2026" in refused.json()["error"]["message"]


def test_r18_the_kiosk_menu_marks_the_service_not_taken_and_the_kiosk_hides_it(
    api: TestClient, world: World
) -> None:
    """R18: the office menu says which intake services are taken now; the kiosk hides the rest."""
    _add(api, world, valid_from="2026-12-01", valid_to="2027-11-30")
    menu = api.get("/api/v1/offices/central/services", headers=world.auth("kiosk")).json()
    passport = next(s for s in menu if s["code"] == "passport")
    assert passport["accepted"] is False
    assert "действует с 01.12.2026" in passport["not_accepted_reason"]
    consult = next(s for s in menu if s["code"] == "consult")
    assert consult["accepted"] is True and consult["not_accepted_reason"] is None
    shown = Menu(services=menu, groups=[], categories=[])
    assert "passport" not in shown.by_code and "consult" in shown.by_code
    world.clock.advance(days=8)  # 1 December: in force
    menu = api.get("/api/v1/offices/central/services", headers=world.auth("kiosk")).json()
    assert next(s for s in menu if s["code"] == "passport")["accepted"] is True


def test_r18_the_dashboard_warns_30_days_before_the_end_unless_a_new_one_follows(
    api: TestClient, world: World, scheduler: Scheduler
) -> None:
    """R18: 30 days before an agreement ends the dashboard warns and one event is raised."""
    first = _add(api, world, valid_from="2026-01-01", valid_to="2026-12-24")  # 31 days left

    def warnings() -> list[str]:
        data = api.get("/api/v1/offices/central/dashboard", headers=world.auth("manager")).json()
        return [a["text"] for a in data["alerts"] if a["kind"] == "agreement_expiring"]

    scheduler.run_pending()
    assert warnings() == []
    world.clock.advance(days=1)  # 30 days left
    scheduler.run_pending()
    scheduler.run_pending()
    assert warnings() == [
        "Соглашение № 15/2026 с органом «МВД» истекает 24.12.2026 (осталось дней: 30)"
    ]
    events = api.get("/api/v1/offices/central/events", headers=world.auth("manager")).json()
    expiring = [e for e in events if e["type"] == "agreement.expiring"]
    assert [e["payload"]["agreement_id"] for e in expiring] == [first["id"]]
    _add(api, world, number="16/2026", valid_from="2026-12-25", valid_to="2027-12-24")
    assert warnings() == []


def test_r18_the_demo_gives_every_agency_an_agreement_over_its_services(db: Database) -> None:
    """R18: the demo office takes all its intake services; a second run adds nothing."""
    clock = FakeClock(MONDAY_10)
    with db.transaction() as session:
        seed_demo(session=session, clock=clock)
    with db.transaction() as session:
        office = find_office(session=session, code=DEMO_OFFICE)
        assert office is not None
        services = services_of_office(session=session, office_id=office.id)
        taken = menu_availability(session=session, services=services, day=TODAY)
        assert any(s.kind == "intake" and s.agency_id for s in services)
        assert all(a.accepted for a in taken.values())
        assert agree_for_every_agency(session=session, clock=clock, today=TODAY) == 0
