"""Report figures on the hand-built Monday equal the figures worked out by hand here.

Waits (seconds) of the central office on Monday, one row per wait segment:
  T1 passport 09:00→09:05 = 300  (limit 900, window 1, clerk1)
  T2 passport 09:10→09:30 = 1200 (limit 900, window 2, clerk2)   breach, late 300
  T3 passport 10:00→10:10 = 600  (limit 900, window 1, clerk1)   no-show
  T4 results  10:05→10:08 = 180  (limit 600, window 3, clerk3)
  T5 results  10:20→10:35 = 900  (limit 300: booked, window 3, clerk3)  breach, late 600
  T6 consult  11:00 cancelled, never called (no wait)
  T7 passport 11:00→11:02 = 120  (limit 900, window 1, clerk1), served 11:02→11:20, redirected
  T7 consult  11:20→11:40 = 1200 (limit 900, window 4, clerk2)   breach, late 300
Nearest rank: median = value at rank (n+1) div 2, p90 = value at rank (9n+9) div 10.
"""

from __future__ import annotations

from typing import Any

import pytest

from admin.reports.scope import Scope, resolve_scope
from admin.reports.service import build_report
from queue_server.offices.models import Office
from tests.admin.conftest import MONDAY, TUESDAY
from tests.support.world import World


def _report(world: World, *offices: str, start: Any = MONDAY, end: Any = MONDAY) -> Any:
    from sqlalchemy import select

    with world.db.transaction(read_only=True) as session:
        found = tuple(
            session.scalars(select(Office).where(Office.code.in_(offices)).order_by(Office.code))
        )
        report = build_report(
            session=session,
            scope=Scope(offices=found, start=start, end=end),
            now=world.clock.now(),
        )
    return report


def _by(rows: list[dict[str, Any]], *keys: str) -> dict[Any, dict[str, Any]]:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def _stats(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["n"], row["mean"], row["median"], row["p90"], row["max"], row["within"])


def test_counts(report_world: World) -> None:
    report = _report(report_world, "central")
    assert report.tables["counts"].rows == [
        {
            "office": "central",
            "issued": 6 + 1,
            "served": 5,  # T1 T2 T4 T5 T7
            "no_show": 1,
            "cancelled": 1,
            "redirected": 1,
            "open": 0,
        }
    ]


def test_wait_by_kind(report_world: World) -> None:
    rows = _by(_report(report_world, "central").tables["wait_by_kind"].rows, "kind")
    # intake: 120 300 600 1200 → mean 555, median rank 2 = 300, p90 rank 4 = 1200; 3 ≤ 900.
    assert _stats(rows["intake"]) == (4, 555.0, 300, 1200, 1200, 3)
    assert rows["intake"]["within_share"] == 0.75
    # issuance: 180 (≤600) 900 (>300) → mean 540, median rank 1 = 180, p90 rank 2 = 900.
    assert _stats(rows["issuance"]) == (2, 540.0, 180, 900, 900, 1)
    # consultation: the redirected wait only.
    assert _stats(rows["consultation"]) == (1, 1200.0, 1200, 1200, 1200, 0)


def test_wait_by_service_window_clerk(report_world: World) -> None:
    report = _report(report_world, "central")
    by_service = _by(report.tables["wait_by_service"].rows, "service")
    assert _stats(by_service["passport"]) == (4, 555.0, 300, 1200, 1200, 3)
    assert by_service["passport"]["limit"] == 900
    windows = _by(report.tables["wait_by_window"].rows, "window")
    # window 1: 120 300 600 → mean 340, median rank 2 = 300, p90 rank 3 = 600.
    assert _stats(windows[1]) == (3, 340.0, 300, 600, 600, 3)
    assert _stats(windows[2]) == (1, 1200.0, 1200, 1200, 1200, 0)
    assert _stats(windows[3]) == (2, 540.0, 180, 900, 900, 1)
    assert _stats(windows[4]) == (1, 1200.0, 1200, 1200, 1200, 0)
    clerks = _by(report.tables["wait_by_clerk"].rows, "clerk")
    assert _stats(clerks["clerk1"]) == (3, 340.0, 300, 600, 600, 3)
    assert _stats(clerks["clerk2"]) == (2, 1200.0, 1200, 1200, 1200, 0)
    assert _stats(clerks["clerk3"]) == (2, 540.0, 180, 900, 900, 1)


def test_wait_by_hour_weekday_heatmap(report_world: World) -> None:
    report = _report(report_world, "central")
    hours = _by(report.tables["wait_by_hour"].rows, "hour")
    assert sorted(hours) == [9, 10, 11]
    assert _stats(hours[9]) == (2, 750.0, 300, 1200, 1200, 1)
    # 10h: 180 600 900 → median rank 2 = 600, p90 rank 3 = 900; 900 > its 300 limit.
    assert _stats(hours[10]) == (3, 560.0, 600, 900, 900, 2)
    assert _stats(hours[11]) == (2, 660.0, 120, 1200, 1200, 1)
    days = report.tables["wait_by_weekday"].rows
    assert [(d["weekday"], d["n"], d["within"]) for d in days] == [(1, 7, 4)]
    heat = _by(report.tables["wait_heatmap"].rows, "weekday", "hour")
    assert sorted(heat) == [(1, 9), (1, 10), (1, 11)]
    assert heat[(1, 10)]["median"] == 600


def test_booked_vs_live_and_booking_outcomes(report_world: World) -> None:
    report = _report(report_world, "central")
    queues = _by(report.tables["booked_vs_live"].rows, "queue")
    assert _stats(queues["booked"]) == (1, 900.0, 900, 900, 900, 0)
    # live: 120 180 300 600 1200 1200 → mean 600, median rank 3 = 300, p90 rank 6 = 1200.
    assert _stats(queues["live"]) == (6, 600.0, 300, 1200, 1200, 4)
    outcomes = report.tables["booking_outcomes"].rows
    assert outcomes == [{"office": "central", "status": "checked_in", "n": 1}]


def test_service_time_against_norm(report_world: World) -> None:
    rows = _by(_report(report_world, "central").tables["service_time"].rows, "service")
    # passport: 1200 (T1), 2400 (T2), 1080 (T7 until its redirect); norm 1800.
    assert _stats(rows["passport"]) == (3, 1560.0, 1200, 2400, 2400, 2)
    assert rows["passport"]["limit"] == 1800
    # results: 240, 600 against 300.
    assert _stats(rows["results"]) == (2, 420.0, 240, 600, 600, 1)
    assert _stats(rows["consult"]) == (1, 600.0, 600, 600, 600, 1)


def test_breach_list(report_world: World) -> None:
    table = _report(report_world, "central").tables["breaches"]
    listed = [(r["service"], r["window"], r["clerk"], r["late_s"]) for r in table.rows]
    assert listed == [
        ("passport", 2, "Clerk2", 300),
        ("results", 3, "Clerk3", 600),
        ("consult", 4, "Clerk2", 300),
    ]
    assert table.note == "Превышений: 3"
    first = table.rows[0]
    assert (first["waiting_since"], first["deadline"], first["called_at"]) == (
        "09:10:00",
        "09:25:00",
        "09:30:00",
    )


def test_several_offices_and_days(report_world: World) -> None:
    report = _report(report_world, "central", "north", start=MONDAY, end=TUESDAY)
    counts = _by(report.tables["counts"].rows, "office")
    assert counts["central"]["issued"] == 8
    assert counts["north"]["issued"] == 1
    days = _by(report.tables["wait_by_weekday"].rows, "weekday")
    # Tuesday: central 09:00→09:14 = 840, within 900.
    assert _stats(days[2]) == (1, 840.0, 840, 840, 840, 1)
    # Monday: the 7 central waits and north's 60.
    assert days[1]["n"] == 8


def test_scope_of_a_manager(report_world: World) -> None:
    from queue_server.auth.service import resolve_token
    from queue_server.errors import Forbidden

    with report_world.db.transaction(read_only=True) as session:
        manager = resolve_token(
            session=session, clock=report_world.clock, token=report_world.tokens["manager"]
        )
        own = resolve_scope(
            session=session, principal=manager, office_codes=None, start=MONDAY, end=MONDAY
        )
        assert [o.code for o in own.offices] == ["central"]
        with pytest.raises(Forbidden):
            resolve_scope(
                session=session, principal=manager, office_codes=["north"], start=MONDAY,
                end=MONDAY,
            )  # fmt: skip
        admin = resolve_token(
            session=session, clock=report_world.clock, token=report_world.tokens["admin"]
        )
        both = resolve_scope(
            session=session, principal=admin, office_codes=None, start=MONDAY, end=MONDAY
        )
        assert [o.code for o in both.offices] == ["central", "north"]
