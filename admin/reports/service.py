"""The whole report of a period, and the dashboard's figures of one day.

Every figure is computed by the database, one statement per table; the families live in
`counts`, `waits`, `breaches` and `cases`, on the wait segments of `segments`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from admin.reports.breaches import wait_breaches
from admin.reports.cases import case_deadlines, visits_per_case
from admin.reports.counts import booking_outcomes, counts_table, ticket_counts
from admin.reports.labels import name_codes
from admin.reports.rolled import office_counts, plan_source, raw_part, wait_stats
from admin.reports.scope import Scope
from admin.reports.segments import segments
from admin.reports.tables import Report, Table
from admin.reports.waits import tables_of_stats, wait_tables
from queue_server.offices.models import Office

SECTIONS = (
    "counts",
    "wait_by_office",
    "wait_by_kind",
    "wait_by_service",
    "wait_by_window",
    "wait_by_clerk",
    "wait_by_hour",
    "wait_by_weekday",
    "wait_heatmap",
    "booked_vs_live",
    "service_time",
    "breaches",
    "booking_outcomes",
    "case_visits",
    "case_visits_distribution",
    "case_deadlines",
    "case_overdue",
)


def build_report(
    *,
    session: Session,
    scope: Scope,
    now: datetime,
    breach_limit: int = 1000,
    rollups: bool = True,
) -> Report:
    """Every table of the report for the scope (`rollups=False`: all from the tickets)."""
    if session.get_bind().dialect.name == "postgresql":
        # Report sorts exceed the 4 MB default and spill to disk; this transaction only.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    tables: dict[str, Table] = {}
    source = plan_source(session, scope) if rollups else None
    if source is not None and source.rolled:
        # Closed days from the roll-ups, the rest (today) from the tickets: same figures.
        raw = raw_part(session, source)
        counts = office_counts(session, source, raw)
        ticket_tables = (
            counts_table(scope, counts),
            *tables_of_stats(session, wait_stats(session, source, raw)),
            wait_breaches(
                session,
                scope,
                limit=breach_limit,
                total=sum(c["breaches"] for c in counts.values()),
            ),
        )
    else:
        ticket_tables = (
            ticket_counts(session, scope),
            *wait_tables(session, scope),
            wait_breaches(session, scope, limit=breach_limit),
        )
    for table in (
        *ticket_tables,
        booking_outcomes(session, scope),
        *visits_per_case(session, scope),
        *case_deadlines(session, scope, now, limit=breach_limit),
    ):
        tables[table.key] = table
    report = Report(scope=scope, generated_at=now, tables={k: tables[k] for k in SECTIONS})
    return name_codes(report)


def today_figures(session: Session, office: Office, day: date) -> dict[str, Any]:
    """The dashboard's figures of one local day: issued, served, no-show, % within limit."""
    scope = Scope(offices=(office,), start=day, end=day)
    counts = ticket_counts(session, scope).rows
    segs = segments(scope)
    within = session.execute(
        select(
            func.count().label("n"),
            func.sum(case((segs.c.wait_s <= segs.c.limit_s, 1), else_=0)).label("within"),
        ).where(segs.c.called_at.is_not(None))
    ).one()
    base = counts[0] if counts else {"issued": 0, "served": 0, "no_show": 0, "cancelled": 0}
    n = int(within.n or 0)
    return {
        "issued": base["issued"],
        "served": base["served"],
        "no_show": base["no_show"],
        "cancelled": base["cancelled"],
        "called": n,
        "within_share": round(int(within.within or 0) / n, 4) if n else None,
    }
