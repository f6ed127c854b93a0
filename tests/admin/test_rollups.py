"""Report roll-ups: every report read from them equals the raw computation, exactly.

On a simulated month of the demo office (the real services' rows, copied onto the past
days) and on the hand-built Monday of test_queries, on SQLite and PostgreSQL: whole months
(month rows), single days, and periods partly not rolled up yet (read from the tickets).
Then the repair after a changed ticket, the scheduled job on the office's date, and the
`mfc-queue reports rollup` command.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from admin.reports.planner import staffing_plan
from admin.reports.presenters import report_json, table_json
from admin.reports.rollup import MONTH, YEAR, roll_up
from admin.reports.scheduled import keep_rollups, roll_up_closed_days
from admin.reports.scope import Scope
from admin.reports.service import build_report
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.demo import DEMO_OFFICE, seed_demo
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.reports.models import ReportPeriod, ReportWaitBucket
from queue_server.scheduler import Scheduler
from queue_server.simulation.history import Templates, demo_sim_config, fill_history
from queue_server.simulation.history import simulate_templates as simulate
from queue_server.tickets.models import Ticket
from tests.admin.conftest import MONDAY, TUESDAY
from tests.support.world import World

SMALL = {"mon": 90, "sat": 30}


@pytest.fixture(scope="module")
def templates() -> Templates:
    """The demo's two template days, simulated once for the module."""
    return simulate(config=demo_sim_config(daily_totals=SMALL), seed=5)


def _month(db: Database, clock: FakeClock, templates: Templates) -> tuple[Office, list[date]]:
    """The demo office with its last 30 days of simulated history; the days filled."""
    with db.transaction() as session:
        seed_demo(session=session, clock=clock)
    with db.transaction() as session:
        office = session.scalar(select(Office).where(Office.code == DEMO_OFFICE))
        assert office is not None
        filled = fill_history(session=session, office=office, clock=clock, templates=templates)
    return office, filled.days_filled


def _reports(db: Database, offices: tuple[str, ...], start: date, end: date, now: Any) -> Any:
    """The report of the period from the roll-ups and from the tickets, as JSON."""
    out = []
    for rollups in (True, False):
        with db.transaction(read_only=True) as session:
            found = tuple(
                session.scalars(
                    select(Office).where(Office.code.in_(offices)).order_by(Office.code)
                )
            )
            scope = Scope(offices=found, start=start, end=end)
            data = report_json(build_report(session=session, scope=scope, now=now, rollups=rollups))
            data.pop("generated_at")
            plans = [
                table_json(
                    staffing_plan(
                        session=session,
                        office=found[0],
                        start=start,
                        end=end,
                        weekday=weekday,
                        rollups=rollups,
                    )
                )
                for weekday in (None, 1, 3, 6)
            ]
        out.append((data, plans))
    return out


def _assert_same(rolled: Any, raw: Any) -> None:
    (r_data, r_plans), (t_data, t_plans) = rolled, raw
    for key, table in t_data["tables"].items():
        assert r_data["tables"][key] == table, key
    assert r_data == t_data
    assert r_plans == t_plans


def _roll(db: Database, office: Office, start: date, end: date, now: Any) -> None:
    with db.transaction() as session:
        roll_up(session, session.merge(office), start, end, now)


def test_a_simulated_month_from_the_roll_ups_equals_the_raw_figures(
    any_db: Database, clock: FakeClock, templates: Templates
) -> None:
    office, days = _month(any_db, clock, templates)
    first, last = days[0], days[-1]
    now = clock.now()
    # Half the month rolled up, the rest (and today) read from the tickets.
    middle = first + (last - first) // 2
    _roll(any_db, office, first, middle, now)
    rolled, raw = _reports(any_db, (DEMO_OFFICE,), first, last + timedelta(days=1), now)
    assert rolled[0]["tables"]["counts"]["rows"][0]["issued"] > 500
    assert rolled[0]["tables"]["wait_by_window"]["rows"]
    _assert_same(rolled, raw)

    # Every closed day rolled up: the first (partial) month gets month rows, read alone.
    _roll(any_db, office, middle + timedelta(days=1), last, now)
    with any_db.transaction(read_only=True) as session:
        months = session.scalars(select(ReportPeriod.day).where(ReportPeriod.span == MONTH)).all()
        assert first.replace(day=1) in months
        assert session.scalar(
            select(func.count()).select_from(ReportWaitBucket).where(ReportWaitBucket.span == MONTH)
        )
    month_start = first.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    for start, end in (
        (first, last),  # days and a month
        (month_start, month_end),  # the month's own rows
        (first + timedelta(days=3), last - timedelta(days=2)),  # days only
        (first - timedelta(days=40), last + timedelta(days=5)),  # and days never rolled
    ):
        _assert_same(*_reports(any_db, (DEMO_OFFICE,), start, end, now))


def test_the_hand_built_days_from_the_roll_ups(report_world: World) -> None:
    """Two offices, a redirected ticket's two waits, a booked wait, a breach list."""
    now = report_world.clock.now()
    with report_world.db.transaction(read_only=True) as session:
        offices = list(session.scalars(select(Office).order_by(Office.code)))
    for office in offices:
        _roll(report_world.db, office, MONDAY, TUESDAY, now)
    both = tuple(o.code for o in offices)
    _assert_same(*_reports(report_world.db, both, MONDAY, TUESDAY, now))
    rolled, _raw = _reports(report_world.db, ("central",), MONDAY, MONDAY, now)
    kinds = {r["kind"]: r for r in rolled[0]["tables"]["wait_by_kind"]["rows"]}
    # The figures worked out by hand in test_queries: intake 120 300 600 1200.
    assert (kinds["intake"]["n"], kinds["intake"]["median"], kinds["intake"]["p90"]) == (
        4,
        300,
        1200,
    )
    assert rolled[0]["tables"]["breaches"]["note"] == "Превышений: 3"


def test_a_whole_year_is_read_from_its_year_rows(report_world: World) -> None:
    """Every day up to 31 December rolled up: the months, then the year, get their rows."""
    now = report_world.clock.now()
    with report_world.db.transaction(read_only=True) as session:
        offices = list(session.scalars(select(Office).order_by(Office.code)))
    for office in offices:
        _roll(report_world.db, office, MONDAY, date(MONDAY.year, 12, 31), now)
    with report_world.db.transaction(read_only=True) as session:
        spans = {(s, d) for s, d in session.execute(select(ReportPeriod.span, ReportPeriod.day))}
    assert (YEAR, date(MONDAY.year, 1, 1)) in spans
    assert (MONTH, date(MONDAY.year, 12, 1)) in spans
    both = tuple(o.code for o in offices)
    year = (date(MONDAY.year, 1, 1), date(MONDAY.year, 12, 31))
    _assert_same(*_reports(report_world.db, both, *year, now))
    # Across the year's end: the year's rows no longer fit, its months and days do.
    _assert_same(*_reports(report_world.db, both, MONDAY, date(MONDAY.year + 1, 1, 10), now))


def test_a_changed_day_is_stale_until_rolled_up_again(report_world: World) -> None:
    """The roll-ups keep what a day was when rolled up; the repair brings the change in."""
    db, now = report_world.db, report_world.clock.now()
    with db.transaction(read_only=True) as session:
        central = session.scalar(select(Office).where(Office.code == "central"))
    assert central is not None
    _roll(db, central, MONDAY, TUESDAY, now)
    with db.transaction() as session:
        session.execute(
            update(Ticket)
            .where(Ticket.office_id == central.id, Ticket.day == MONDAY, Ticket.status == "no_show")
            .values(status="done")
        )
    rolled, raw = _reports(db, ("central",), MONDAY, TUESDAY, now)
    assert rolled[0]["tables"]["counts"] != raw[0]["tables"]["counts"]
    _roll(db, central, MONDAY, MONDAY, now)
    _assert_same(*_reports(db, ("central",), MONDAY, TUESDAY, now))


def test_the_scheduled_job_rolls_up_closed_days_on_the_office_date(report_world: World) -> None:
    """Days up to yesterday in the office's zone, one a pass, never today."""
    db = report_world.db
    clock = FakeClock(report_world.clock.now())
    with db.transaction(read_only=True) as session:
        central = session.scalar(select(Office).where(Office.code == "central"))
        assert central is not None
        today = local_now(central, clock.now()).date()

    def rolled_days() -> set[date]:
        with db.transaction(read_only=True) as session:
            return set(
                session.scalars(
                    select(ReportPeriod.day).where(
                        ReportPeriod.office_id == central.id, ReportPeriod.span == "d"
                    )
                )
            )

    assert today == MONDAY  # the fixture's clock: nothing of the hand-built days closed
    with db.transaction() as session:
        roll_up_closed_days(session=session, clock=clock)
    assert rolled_days() == set()
    clock.advance(timedelta(days=2))
    # Monday and Tuesday are now closed; the job takes one a pass, Monday first.
    with db.transaction() as session:
        roll_up_closed_days(session=session, clock=clock)
    assert rolled_days() == {MONDAY}
    # As the server runs it: in the scheduler's loop of slow jobs.
    scheduler = Scheduler(db, clock, jobs=[], deliveries=[keep_rollups])
    for _ in range(3):
        scheduler.deliver_pending()
    assert rolled_days() == {MONDAY, TUESDAY}
    _assert_same(*_reports(db, ("central",), MONDAY, TUESDAY, clock.now()))


def test_the_rollup_command_repairs_a_period(report_world: World) -> None:
    from queue_server.cli import main

    db, now = report_world.db, report_world.clock.now()
    url = db.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        main,
        [
            "--database-url",
            url,
            "reports",
            "rollup",
            "--office",
            "central",
            "--from",
            MONDAY.isoformat(),
            "--to",
            TUESDAY.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2" in result.output
    _assert_same(*_reports(db, ("central",), MONDAY, TUESDAY, now))
    refused = CliRunner().invoke(
        main,
        ["--database-url", url, "reports", "rollup", "--office", "nowhere", "--from",
         MONDAY.isoformat(), "--to", TUESDAY.isoformat()],
    )  # fmt: skip
    assert refused.exit_code != 0
    assert "nowhere" in refused.output
