"""Retention (152-ФЗ): expired personal data anonymised; the reports stay the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from admin.reports.scope import Scope
from admin.reports.service import build_report
from queue_server.bookings.models import Booking, BookingNotification
from queue_server.cases.models import Case, Issuance
from queue_server.cli import main
from queue_server.complaints.models import Complaint, ComplaintStep
from queue_server.maintenance.retention import ANONYMISED, RetentionPeriods
from queue_server.maintenance.scheduled import RemoveExpiredPersonalData
from queue_server.offices.models import Office
from queue_server.scheduler import Scheduler
from queue_server.settings import get_settings
from tests.queue_server.bookings_helpers import public_book
from tests.queue_server.case_world import install_passport, intake_body, serve
from tests.support.world import World

PERIODS = RetentionPeriods(
    cases=timedelta(days=30), bookings=timedelta(days=7), complaints=timedelta(days=30)
)
# The report covers the week of the world's Monday, "now" well after everything.
WEEK = (date(2026, 11, 23), date(2026, 11, 29))


def _register(api: TestClient, world: World, name: str, document: str) -> dict[str, Any]:
    ticket = serve(api, world, "clerk1", 1, "passport")
    body = intake_body(api, world, ticket["id"], name=name, document_number=document)
    created = api.post(
        "/api/v1/offices/central/cases",
        json=body,
        # Registered with a double-press key: its request hash is personal data too.
        headers={**world.auth("clerk1"), "Idempotency-Key": f"intake-{ticket['id']:08d}"},
    )
    assert created.status_code == 201, created.text
    assert api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth("clerk1"))
    case: dict[str, Any] = created.json()
    return case


def _issue(api: TestClient, world: World, case_id: int) -> None:
    """Send, result, ready, then hand the result to a representative at window 3."""
    clerk = world.auth("clerk1")
    for step, body in (("send", {}), ("result", {"outcome": "granted"}), ("ready", None)):
        r = api.post(f"/api/v1/cases/{case_id}/{step}", json=body, headers=clerk)
        assert r.status_code == 200, r.text
    ticket = serve(api, world, "clerk3", 3, "results")
    representative = {
        "name": "Сидоров Пётр",
        "authority_document": "доверенность 77 АА 1234567",
    }
    issued = api.post(
        f"/api/v1/cases/{case_id}/issue",
        json={
            "ticket_id": ticket["id"],
            "identity_checked": True,
            "representative": representative,
        },
        headers=world.auth("clerk3"),
    )
    assert issued.status_code == 200, issued.text
    assert api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=world.auth("clerk3"))


@pytest.fixture
def day_of_cases(api: TestClient, world: World) -> dict[str, Any]:
    """A closed case (issued to a representative), an open one, a past and a future booking."""
    install_passport(world)
    closed = _register(api, world, "Петрова Анна", "45 10 654321")
    still_open = _register(api, world, "Кузнецов Олег", "45 12 111222")
    past = public_book(api, "passport", "2026-11-24", "10:15", email="anna@example.ru")
    assert past.status_code == 201, past.text
    world.clock.advance(days=1)
    _issue(api, world, closed["id"])
    future = public_book(api, "passport", "2026-12-21", "10:15", phone="+7 903 555-44-33")
    assert future.status_code == 201, future.text
    return {
        "closed": closed["id"],
        "open": still_open["id"],
        "past_booking": past.json()["code"],
        "future_booking": future.json()["code"],
    }


def _report(world: World, now: datetime) -> dict[str, list[dict[str, Any]]]:
    with world.db.transaction(read_only=True) as session:
        offices = tuple(session.scalars(select(Office).order_by(Office.code)))
        report = build_report(session=session, scope=Scope(offices, *WEEK), now=now)
        return {key: table.rows for key, table in report.tables.items()}


def _lookup(api: TestClient, world: World, name: str, document: str) -> list[int]:
    found = api.get(
        "/api/v1/offices/central/cases/lookup",
        params={"name": name, "document_number": document},
        headers=world.auth("clerk2"),
    )
    assert found.status_code == 200, found.text
    return [c["id"] for c in found.json()["cases"]]


def test_expired_personal_data_is_anonymised_and_reports_stay_equal(
    api: TestClient, world: World, day_of_cases: dict[str, Any]
) -> None:
    # 31 days after the issuance: past the cases' 30 days and the bookings' 7 days; the
    # future booking's slot (21 Dec) is only 4 days back, so it is kept.
    world.clock.advance(days=31)
    now = world.clock.now()
    before = _report(world, now)
    for section in (
        "counts",
        "wait_by_service",
        "booking_outcomes",
        "case_visits",
        "case_deadlines",
    ):
        assert before[section], section

    job = RemoveExpiredPersonalData(PERIODS)
    scheduler = Scheduler(world.db, world.clock, jobs=[job])
    assert scheduler.run_pending() == 2  # one case, one booking
    assert _report(world, now) == before

    with world.db.transaction(read_only=True) as session:
        closed = session.get(Case, day_of_cases["closed"])
        still_open = session.get(Case, day_of_cases["open"])
        assert closed is not None and still_open is not None
        assert (closed.applicant_name, closed.applicant_document_number) == (ANONYMISED, "")
        assert closed.applicant_key == "" and closed.representative_name is None
        assert (closed.idempotency_key, closed.request_digest) == (None, None)
        assert still_open.idempotency_key is not None  # the open case keeps its key
        issuance = session.scalar(select(Issuance).where(Issuance.case_id == closed.id))
        assert issuance is not None
        assert (issuance.recipient_name, issuance.representative_authority) == (ANONYMISED, None)
        assert still_open.applicant_name == "Кузнецов Олег"
        bookings = {b.code: b for b in session.scalars(select(Booking))}
        past, future = (
            bookings[day_of_cases["past_booking"]],
            bookings[day_of_cases["future_booking"]],
        )
        assert (past.applicant_name, past.phone, past.email) == ("", "", "")
        assert future.phone == "79035554433"
        messages = session.scalars(
            select(BookingNotification.message).where(BookingNotification.booking_id == past.id)
        ).all()
        assert messages and all("phone" not in m and "applicant_name" not in m for m in messages)
    # R13's search by person no longer finds the closed case; the open one still is found.
    assert _lookup(api, world, "Петрова Анна", "45 10 654321") == []
    assert _lookup(api, world, "Кузнецов Олег", "45 12 111222") == [day_of_cases["open"]]

    # An hour later the job looks again and finds nothing left to do.
    world.clock.advance(hours=1)
    assert scheduler.run_pending() == 0


def test_nothing_is_anonymised_before_its_period(
    world: World, day_of_cases: dict[str, Any]
) -> None:
    world.clock.advance(days=6)  # the past booking's slot is 6 days back, the case 6 days closed
    assert (
        Scheduler(world.db, world.clock, jobs=[RemoveExpiredPersonalData(PERIODS)]).run_pending()
        == 0
    )
    with world.db.transaction(read_only=True) as session:
        case = session.get(Case, day_of_cases["closed"])
        assert case is not None and case.applicant_name == "Петрова Анна"


def test_the_job_works_in_batches_and_looks_hourly(
    world: World, day_of_cases: dict[str, Any]
) -> None:
    world.clock.advance(days=31)
    job = RemoveExpiredPersonalData(PERIODS, batch=1)
    scheduler = Scheduler(world.db, world.clock, jobs=[job])
    assert scheduler.run_pending() == 2  # a full batch of each: it looks again next pass
    assert scheduler.run_pending() == 0  # nothing left, so the next look is an hour away
    assert job.next_run == world.clock.now() + timedelta(hours=1)


@pytest.fixture
def retention_env(monkeypatch: pytest.MonkeyPatch, world: World) -> Iterator[None]:
    """The CLI's settings: this world's database, periods of 30 and 7 days, its clock."""
    monkeypatch.setenv("MFCQ_DATABASE_URL", world.db.engine.url.render_as_string(False))
    monkeypatch.setenv("MFCQ_RETENTION_DAYS_CASES", "30")
    monkeypatch.setenv("MFCQ_RETENTION_DAYS_BOOKINGS", "7")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_dry_run_counts_and_run_anonymises(
    world: World, day_of_cases: dict[str, Any], retention_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.clock.advance(days=31)
    monkeypatch.setenv("MFCQ_CLOCK_START", world.clock.now().isoformat())
    runner = CliRunner()
    dry = runner.invoke(main, ["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "cases: к обезличиванию 1" in dry.output
    assert "bookings: к обезличиванию 1" in dry.output
    with world.db.transaction(read_only=True) as session:
        case = session.get(Case, day_of_cases["closed"])
        assert case is not None and case.applicant_name == "Петрова Анна"
    done = runner.invoke(main, ["retention", "run"])
    assert done.exit_code == 0, done.output
    assert "cases: обезличено 1, bookings: обезличено 1" in done.output
    again = runner.invoke(main, ["retention", "run", "--dry-run"])
    assert "cases: к обезличиванию 0, bookings: к обезличиванию 0" in again.output


def _complaint(api: TestClient, world: World, name: str, contact: str) -> int:
    body = {
        "category": "conduct",
        "applicant_name": name,
        "applicant_contact": contact,
        "text": f"Я, {name}, жалуюсь на грубость в окне 2.",
        "consent_personal_data": True,
        "window": 2,
    }
    made = api.post("/api/v1/offices/central/complaints", json=body, headers=world.auth("manager"))
    assert made.status_code == 201, made.text
    complaint_id: int = made.json()["id"]
    return complaint_id


def test_closed_complaints_are_anonymised_after_their_period_and_the_report_stays_equal(
    api: TestClient, world: World
) -> None:
    """152-ФЗ, R17: an answered and a withdrawn complaint lose the applicant's name, contact,
    words and the answer after their period; an open one keeps them; the report is equal."""
    manager = world.auth("manager")
    answered = _complaint(api, world, "Петрова Анна", "+7 900 111-22-33")
    withdrawn = _complaint(api, world, "Сидоров Пётр", "sidorov@example.ru")
    still_open = _complaint(api, world, "Кузнецов Олег", "+7 900 444-55-66")
    reply = {"answer": "Уважаемая Петрова Анна, специалист получил замечание."}
    assert api.post(f"/api/v1/complaints/{answered}/review", json={}, headers=manager).is_success
    assert api.post(f"/api/v1/complaints/{answered}/answer", json=reply, headers=manager).is_success
    gone = {"reason": "Сидоров Пётр отозвал жалобу лично"}
    assert api.post(
        f"/api/v1/complaints/{withdrawn}/withdraw", json=gone, headers=manager
    ).is_success
    period = {"from": "2026-11-01", "to": "2026-11-30", "office": "central"}
    job = RemoveExpiredPersonalData(PERIODS)
    scheduler = Scheduler(world.db, world.clock, jobs=[job])

    world.clock.advance(days=29)
    assert scheduler.run_pending() == 0  # not yet: 30 days after the answer
    before = api.get("/api/v1/reports/complaints", params=period, headers=manager).json()
    world.clock.advance(days=2)
    assert scheduler.run_pending() == 2
    after = api.get("/api/v1/reports/complaints", params=period, headers=manager).json()
    assert after == before

    with world.db.transaction(read_only=True) as session:
        rows = {c.id: c for c in session.scalars(select(Complaint))}
        for closed in (answered, withdrawn):
            c = rows[closed]
            assert (c.applicant_name, c.applicant_contact, c.text) == (ANONYMISED, "", ANONYMISED)
            assert c.window_id is not None and c.status in ("answered", "withdrawn")
        assert rows[answered].answer == ANONYMISED
        assert rows[still_open].applicant_name == "Кузнецов Олег"
        steps = session.scalars(
            select(ComplaintStep).where(ComplaintStep.complaint_id.in_([answered, withdrawn]))
        ).all()
        kept = " ".join(s.note for s in steps)
        assert "Петрова" not in kept and "Сидоров" not in kept
        assert [s.action for s in steps].count("register") == 2 and len(steps) == 5
        assert all(s.user_id is not None for s in steps)  # who did each step stays
    world.clock.advance(hours=1)
    assert scheduler.run_pending() == 0
