"""Visits per case and case deadlines: SQL figures on both backends against hand counts."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from admin.reports.scope import Scope
from admin.reports.service import build_report
from queue_server.cases.models import Case, CaseVisit, Issuance
from queue_server.catalogue.models import Agency
from queue_server.offices.models import Office
from tests.admin.conftest import Builder, msk
from tests.support.app import make_client
from tests.support.world import World

START, END = date(2026, 11, 23), date(2026, 11, 29)
# "Now" of the report: Wednesday 2 December 2026, 12:00 in Moscow; local today is 2 Dec.
NOW = msk(date(2026, 12, 2), "12:00")
_seq = itertools.count(1)


def _case(
    b: Builder,
    label: str,
    office: str,
    registered: datetime,
    *,
    visits: int,
    status: str,
    transfer_due: date,
    due_date: date | None = None,
    storage_until: date | None = None,
    sent_at: datetime | None = None,
    result_at: datetime | None = None,
    issued_at: datetime | None = None,
) -> Case:
    seq = next(_seq)
    session = b.session
    agency = session.scalar(select(Agency).where(Agency.code == "mvd"))
    assert agency is not None
    case = Case(
        office_id=b.offices[office].id,
        year=2026,
        seq=seq,
        registration_number=f"T-2026/{label}",
        status_code=f"case-{label}",
        status=status,
        service_id=b.services["passport"].id,
        agency_id=agency.id,
        applicant_name="Заявитель",
        applicant_document_type="паспорт",
        applicant_document_number=f"45 00 {seq:06d}",
        applicant_key=f"заявитель{seq}",
        consent_personal_data=True,
        registered_at=registered,
        registered_by=b.users["clerk1"].id,
        transfer_due=transfer_due,
        due_date=due_date,
        storage_until=storage_until,
        sent_at=sent_at,
        result_received_at=result_at,
    )
    session.add(case)
    session.flush()
    clerk = "clerk1" if office == "central" else "north_clerk"
    for n in range(visits):
        day = (registered + timedelta(hours=3)).date()
        ticket = b.ticket(office, "passport", day, f"0{n}:10", status="cancelled")
        purpose = "intake" if n == 0 else "other"
        session.add(CaseVisit(case_id=case.id, ticket_id=ticket.id, purpose=purpose, at=registered))
    if issued_at is not None:
        session.add(
            Issuance(
                case_id=case.id,
                issued_at=issued_at,
                clerk_id=b.users[clerk].id,
                identity_checked=True,
                recipient_name="Заявитель",
                items=[],
            )
        )
    session.flush()
    return case


def _utc(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def build_cases(world: World) -> None:
    """The hand-counted cases (Moscow is UTC+3; local dates matter at midnight)."""
    with world.db.transaction() as session:
        b = Builder(session)
        # C1: 2 visits; sent and result on time; storage ends after the period.
        _case(b, "C1", "central", msk(START, "09:30"), visits=2, status="ready",
              transfer_due=date(2026, 11, 24), sent_at=msk(date(2026, 11, 24), "15:00"),
              due_date=date(2026, 11, 27), result_at=msk(date(2026, 11, 26), "11:00"),
              storage_until=date(2026, 12, 10))  # fmt: skip
        # C2: registered 22 Nov 22:30 UTC = Monday 01:30 local (in the period); 3 visits.
        # Sent 25 Nov 21:30 UTC = 26 Nov local: 2 days late; agency term 28 Nov, no result
        # by 2 Dec: 4 days late and still open.
        _case(b, "C2", "central", _utc(2026, 11, 22, 22, 30), visits=3, status="sent_to_agency",
              transfer_due=date(2026, 11, 24), sent_at=_utc(2026, 11, 25, 21, 30),
              due_date=date(2026, 11, 28))  # fmt: skip
        # C3: 1 visit; never sent: transfer due 25 Nov, 7 days late by 2 Dec.
        _case(b, "C3", "central", msk(date(2026, 11, 24), "10:00"), visits=1, status="registered",
              transfer_due=date(2026, 11, 25), due_date=date(2026, 12, 15))  # fmt: skip
        # C4: registered before the period (5 visits, not counted); transfer on time on
        # 23 Nov; storage ended 27 Nov, never collected: 5 days late.
        _case(b, "C4", "central", msk(date(2026, 11, 22), "12:00"), visits=5, status="stored",
              transfer_due=date(2026, 11, 23), sent_at=msk(START, "10:00"),
              due_date=date(2026, 11, 20), result_at=msk(date(2026, 11, 19), "10:00"),
              storage_until=date(2026, 11, 27))  # fmt: skip
        # C5: no visit linked; sent on its transfer day.
        _case(b, "C5", "central", msk(date(2026, 11, 25), "16:00"), visits=0,
              status="sent_to_agency",
              transfer_due=date(2026, 11, 26), sent_at=msk(date(2026, 11, 26), "09:00"),
              due_date=date(2026, 12, 9))  # fmt: skip
        # C6: north office, 4 visits, transfer late by 1 day (done).
        _case(b, "C6", "north", msk(START, "11:00"), visits=4, status="sent_to_agency",
              transfer_due=date(2026, 11, 24),
              sent_at=msk(date(2026, 11, 25), "09:00"))  # fmt: skip
        # C7: registered long before; storage ended 26 Nov, collected 28 Nov: 2 days late.
        _case(b, "C7", "central", msk(date(2026, 11, 10), "10:00"), visits=0, status="issued",
              transfer_due=date(2026, 11, 11), sent_at=msk(date(2026, 11, 11), "10:00"),
              due_date=date(2026, 11, 20), result_at=msk(date(2026, 11, 18), "10:00"),
              storage_until=date(2026, 11, 26),
              issued_at=msk(date(2026, 11, 28), "10:00"))  # fmt: skip


@pytest.fixture
def case_world(world: World) -> World:
    """The configured world with the hand-counted cases (SQLite and PostgreSQL)."""
    build_cases(world)
    return world


def _report(world: World, offices: tuple[str, ...]) -> dict[str, list[dict[str, object]]]:
    with world.db.transaction() as session:
        chosen = tuple(
            session.scalars(select(Office).where(Office.code.in_(offices)).order_by(Office.code))
        )
        report = build_report(session=session, scope=Scope(chosen, START, END), now=NOW)
        return {k: t.rows for k, t in report.tables.items()}


def test_visits_per_case_by_hand(case_world: World) -> None:
    tables = _report(case_world, ("central",))
    # Central cases registered in the period: C1 (2), C2 (3), C3 (1), C5 (0).
    assert tables["case_visits"] == [
        {"office": "central", "cases": 4, "visits": 6, "mean_visits": 1.5, "max_visits": 3,
         "within_2": 3, "within_2_share": 0.75},
    ]  # fmt: skip
    assert [(r["visits"], r["cases"]) for r in tables["case_visits_distribution"]] == [
        (0, 1), (1, 1), (2, 1), (3, 1),
    ]  # fmt: skip


def test_case_deadlines_by_hand(case_world: World) -> None:
    tables = _report(case_world, ("central",))
    summary = {r["kind"]: r for r in tables["case_deadlines"]}
    # Transfers due in the period: C1 24th ok, C2 24th (done 26th: 2 late), C3 25th (open,
    # 7 late), C4 23rd ok, C5 26th ok.
    assert {k: summary["transfer"][k] for k in ("due", "late", "late_share", "open_late",
                                                "max_days_late")} == {
        "due": 5, "late": 2, "late_share": 0.4, "open_late": 1, "max_days_late": 7}  # fmt: skip
    # Agency terms in the period: C1 27th (result 26th), C2 28th (no result: 4 late).
    assert (summary["agency"]["due"], summary["agency"]["late"]) == (2, 1)
    assert summary["agency"]["max_days_late"] == 4
    # Storage ends in the period: C4 27th (never collected: 5), C7 26th (collected 28th: 2).
    assert (summary["collection"]["due"], summary["collection"]["late"]) == (2, 2)
    assert (summary["collection"]["open_late"], summary["collection"]["max_days_late"]) == (1, 5)
    assert [(r["number"].split("/")[1], r["kind"], r["due"], r["done"], r["days_late"])
            for r in tables["case_overdue"]] == [
        ("C3", "transfer", "2026-11-25", None, 7),
        ("C4", "collection", "2026-11-27", None, 5),
        ("C2", "agency", "2026-11-28", None, 4),
        ("C2", "transfer", "2026-11-24", "2026-11-26", 2),
        ("C7", "collection", "2026-11-26", "2026-11-28", 2),
    ]  # fmt: skip


def test_case_tables_are_scoped_by_office(case_world: World) -> None:
    both = _report(case_world, ("central", "north"))
    north = [r for r in both["case_visits"] if r["office"] == "north"]
    assert north == [
        {"office": "north", "cases": 1, "visits": 4, "mean_visits": 4.0, "max_visits": 4,
         "within_2": 0, "within_2_share": 0.0},
    ]  # fmt: skip
    north_late = [r for r in both["case_overdue"] if r["office"] == "north"]
    assert [(r["kind"], r["days_late"]) for r in north_late] == [("transfer", 1)]
    only_north = _report(case_world, ("north",))
    assert [r["office"] for r in only_north["case_deadlines"]] == ["north"]


def test_case_tables_in_the_api_and_exports(case_world: World) -> None:
    world = case_world
    world.clock.advance(minutes=(NOW - world.clock.now()).total_seconds() / 60)
    params = {"from": START.isoformat(), "to": END.isoformat()}
    with make_client(world) as api:
        body = api.get("/api/v1/reports", params=params, headers=world.auth("manager")).json()
        assert body["tables"]["case_visits"]["rows"][0]["within_2_share"] == 0.75
        assert len(body["tables"]["case_overdue"]["rows"]) == 5
        xlsx = api.get("/api/v1/reports/export.xlsx", params=params, headers=world.auth("manager"))
        pdf = api.get("/api/v1/reports/export.pdf", params=params, headers=world.auth("manager"))
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book["Просроченные дела"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][1] == "T-2026/C3" and rows[0][7] == 7
    visits = list(
        book[next(n for n in book.sheetnames if n.startswith("Посещения на дело"))].iter_rows(
            min_row=3, values_only=True
        )
    )
    assert visits[0][:3] == ("МФЦ Центральный", 4, 6)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Посещения на дело" in text and "Просроченные дела" in text
