#!/usr/bin/env python
"""Report speed on PostgreSQL: one year of a large office, a month's report and a year's.

Generates the year inside PostgreSQL with INSERT … SELECT generate_series (≈1.05M tickets
by default: 300 working days × 3,500 tickets, 20 windows, 2% redirected with their
transitions, breaches for every late call), then times `build_report` — every table of the
report, each computed by one SQL statement — for one month and for the whole year.

It runs twice in the same command: first without the report indexes of migration 0006
(the baseline), then with them, and prints the medians and the ratio.

Run: `python benchmarks/reports.py` (uses MFCQ_TEST_POSTGRES_URL, else the local `test`
database); `--tickets-per-day` and `--repeat` change the size and the number of runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from admin.reports.planner import staffing_plan
from admin.reports.scope import Scope
from admin.reports.service import build_report
from queue_server.auth.models import User
from queue_server.auth.service import hash_password
from queue_server.clock import SystemClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office

YEAR_START = date(2025, 1, 1)
WINDOWS = 20
# Indexes of migration 0006 (dropped for the baseline run, then recreated).
REPORT_INDEXES = {
    "ix_tickets_redirected": (
        "CREATE INDEX ix_tickets_redirected ON tickets (office_id, day) WHERE redirect_count > 0"
    ),
    "ix_wait_breaches_report": (
        "CREATE INDEX ix_wait_breaches_report ON wait_breaches (office_id, waiting_since)"
    ),
}

CONFIG = {
    "services": {
        "passport": {"name_ru": "Паспорт", "prefix": "А", "kind": "intake"},
        "results": {"name_ru": "Выдача результатов", "prefix": "К", "kind": "issuance"},
        "consult": {"name_ru": "Консультация", "prefix": "М", "kind": "consultation"},
    },
    "offices": {
        "big": {
            "name": "МФЦ Большой",
            "windows": {
                str(n): {
                    "services": [
                        {"service": "passport"},
                        {"service": "results"},
                        {"service": "consult"},
                    ]
                }
                for n in range(1, WINDOWS + 1)
            },
        }
    },
}

# One statement makes the year: days × tickets, random arrivals 08:00–18:30 Moscow time,
# waits longer in the busy late-morning hours, 93% served, 4% no-show, 3% cancelled.
GENERATE = """
INSERT INTO tickets (office_id, service_id, day, prefix, seq, number, status, status_code,
    issued_at, waiting_since, warn_at, deadline, warned, breached, called_at, last_called_at,
    recall_count, started_at, finished_at, window_id, clerk_id, redirect_count)
SELECT :office, svc.id, g.day, svc.prefix, g.n, svc.prefix || lpad((g.n % 1000)::text, 3, '0'),
    g.status, 'bench' || g.d || '_' || g.n,
    g.since, g.since,
    g.since + make_interval(secs => svc.wait_limit_minutes * 48),
    g.since + make_interval(secs => svc.wait_limit_minutes * 60),
    g.wait > svc.wait_limit_minutes * 48, g.wait > svc.wait_limit_minutes * 60,
    CASE WHEN g.status <> 'cancelled' THEN g.since + make_interval(secs => g.wait) END,
    CASE WHEN g.status <> 'cancelled' THEN g.since + make_interval(secs => g.wait) END,
    0,
    CASE WHEN g.status = 'done' THEN g.since + make_interval(secs => g.wait + 30) END,
    CASE WHEN g.status = 'done'
         THEN g.since + make_interval(secs => g.wait + 30 + g.serve * svc.service_norm_minutes)
    END,
    CASE WHEN g.status <> 'cancelled' THEN w.id END,
    CASE WHEN g.status <> 'cancelled' THEN w.clerk END,
    CASE WHEN g.redirected THEN 1 ELSE 0 END
FROM (
    SELECT d, n, day,
        (day::timestamp + time '05:00' + make_interval(secs => r1 * 37800)) AS since,
        -- waits: exponential, mean 4–9 min depending on the hour
        floor(-ln(1 - r2) * (240 + 300 * (1 - abs(r1 - 0.35)))) AS wait,
        0.4 + 1.2 * r3 AS serve,
        CASE WHEN r4 < 0.93 THEN 'done' WHEN r4 < 0.97 THEN 'no_show' ELSE 'cancelled' END
            AS status,
        CASE WHEN n % 10 < 6 THEN 'passport' WHEN n % 10 < 9 THEN 'results' ELSE 'consult' END
            AS code,
        r4 < 0.02 AS redirected,
        1 + (n * 7 + d) % :windows AS window_number
    FROM (
        SELECT d, n, (CAST(:start AS date) + d) AS day,
            random() AS r1, random() AS r2, random() AS r3, random() AS r4
        FROM generate_series(0, :span) AS d
        CROSS JOIN generate_series(1, :per_day) AS n
        WHERE extract(isodow FROM CAST(:start AS date) + d) < 7
          AND (CAST(:start AS date) + d) NOT IN (SELECT DISTINCT day FROM tickets)
    ) AS raw
) AS g
JOIN services svc ON svc.code = g.code
JOIN (SELECT id, number, clerk_id AS clerk FROM windows WHERE office_id = :office) AS w
    ON w.number = g.window_number
"""

# Every ticket's steps (issue, call, start, finish, or cancel / no-show). For the redirected,
# the first wait (passport, 11 min in, served 15 min) and the
# steps of both waits; the ticket row keeps the second (consultation) wait.
TRANSITIONS = """
INSERT INTO ticket_transitions (ticket_id, action, from_status, to_status, at, service_id,
    window_id, clerk_id, automatic, detail)
SELECT t.id, s.action, NULL, s.action, t.waiting_since - s.back, s.service, s.win, s.clerk,
       false, CAST('{}' AS json)
FROM tickets t
CROSS JOIN LATERAL (VALUES
    ('issue', interval '30 minutes', :passport, NULL::int, NULL::int),
    ('call', interval '19 minutes', :passport, t.window_id, t.clerk_id),
    ('start', interval '18 minutes', :passport, t.window_id, t.clerk_id),
    ('redirect', interval '0 minutes', t.service_id, NULL::int, t.clerk_id)
) AS s(action, back, service, win, clerk)
WHERE t.redirect_count > 0
UNION ALL
SELECT t.id, s.action, NULL, s.action, s.at, t.service_id, t.window_id, t.clerk_id, false,
       CAST('{}' AS json)
FROM tickets t
CROSS JOIN LATERAL (VALUES ('call', t.called_at), ('start', t.started_at),
                           ('finish', t.finished_at)) AS s(action, at)
WHERE t.redirect_count > 0 AND s.at IS NOT NULL
UNION ALL
SELECT t.id, s.action, NULL, s.action, s.at, t.service_id, t.window_id, t.clerk_id, false,
       CAST('{}' AS json)
FROM tickets t
CROSS JOIN LATERAL (VALUES ('issue', t.issued_at), ('call', t.called_at),
                           ('start', t.started_at), ('finish', t.finished_at),
                           ('cancel', CASE WHEN t.status = 'cancelled'
                                           THEN t.issued_at + interval '5 minutes' END),
                           ('no_show', CASE WHEN t.status = 'no_show'
                                            THEN t.called_at + interval '2 minutes' END)
                   ) AS s(action, at)
WHERE t.redirect_count = 0 AND s.at IS NOT NULL
"""

BREACHES = """
INSERT INTO wait_breaches (ticket_id, office_id, service_id, waiting_since, deadline,
    detected_at, called_at, window_id, clerk_id)
SELECT id, office_id, service_id, waiting_since, deadline, deadline, called_at, window_id,
    clerk_id
FROM tickets WHERE breached
"""


def _pg_url() -> str:
    url = os.environ.get("MFCQ_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _setup(url: str, per_day: int) -> tuple[Database, Office]:
    db = Database.from_url(url)
    with db.transaction() as session:
        import_config(session=session, data=ConfigFile.model_validate(CONFIG))
        office = session.scalar(select(Office).where(Office.code == "big"))
        assert office is not None
        password = hash_password("bench-password")
        for n in range(1, WINDOWS + 1):
            user = User(username=f"clerk{n}", full_name=f"Clerk {n}", password_hash=password,
                        role="clerk", office_id=office.id)  # fmt: skip
            session.add(user)
            session.flush()
            session.execute(
                text("UPDATE windows SET clerk_id = :u WHERE office_id = :o AND number = :n"),
                {"u": user.id, "o": office.id, "n": n},
            )
    with db.engine.connect() as conn:
        passport = conn.execute(
            text("SELECT id FROM services WHERE code = 'passport'")
        ).scalar_one()
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(
            text(GENERATE),
            {"office": office.id, "start": YEAR_START, "span": 364, "per_day": per_day,
             "windows": WINDOWS},
        )  # fmt: skip
        conn.execute(text(TRANSITIONS), {"passport": passport})
        conn.execute(text(BREACHES))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
        count = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        redirected = conn.execute(
            text("SELECT count(*) FROM tickets WHERE redirect_count > 0")
        ).scalar_one()
        breaches = conn.execute(text("SELECT count(*) FROM wait_breaches")).scalar_one()
    with db.engine.connect() as conn:
        steps = conn.execute(text("SELECT count(*) FROM ticket_transitions")).scalar_one()
    print(f"generated {steps:,} ticket transitions")
    print(
        f"generated {count:,} tickets ({redirected:,} redirected, {breaches:,} breaches) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return db, office


def _time_report(db: Database, office: Office, start: date, end: date, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        with db.transaction(read_only=True) as session:
            began = time.perf_counter()
            report = build_report(
                session=session,
                scope=Scope(offices=(office,), start=start, end=end),
                now=SystemClock().now(),
            )
            times.append(time.perf_counter() - began)
    assert report.tables["counts"].rows
    return times


def _time_plan(db: Database, office: Office, start: date, end: date, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        with db.transaction(read_only=True) as session:
            began = time.perf_counter()
            staffing_plan(session=session, office=office, start=start, end=end)
            times.append(time.perf_counter() - began)
    return times


def _line(name: str, times: list[float], baseline: list[float] | None = None) -> str:
    med = statistics.median(times)
    ratio = f"  {statistics.median(baseline) / med:5.2f}× faster than baseline" if baseline else ""
    return f"  {name:<28} median {med * 1000:8.1f} ms  max {max(times) * 1000:8.1f} ms{ratio}"


def main() -> None:
    """Generate the year, then time the month and year reports without and with indexes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets-per-day", type=int, default=3500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep-schema", action="store_true", help="keep the data to explore")
    args = parser.parse_args()

    base = _pg_url()
    schema = f"bench_reports_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        upgrade(url)
        db, office = _setup(url, args.tickets_per_day)
        month = (date(2025, 3, 1), date(2025, 3, 31))
        year = (date(2025, 1, 1), date(2025, 12, 31))
        results: dict[str, dict[str, list[float]]] = {}
        for phase in ("without report indexes", "with report indexes (migration 0006)"):
            with db.engine.begin() as conn:
                for name, ddl in REPORT_INDEXES.items():
                    conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
                    if phase.startswith("with"):
                        conn.execute(text(ddl))
                conn.execute(text("ANALYZE tickets"))
                conn.execute(text("ANALYZE wait_breaches"))
            # One warm-up run so both phases start with the same cache.
            _time_report(db, office, *month, repeat=1)
            results[phase] = {
                "month report (March)": _time_report(db, office, *month, args.repeat),
                "year report": _time_report(db, office, *year, max(1, args.repeat // 2)),
                "month staffing plan": _time_plan(db, office, *month, args.repeat),
            }
        baseline = results["without report indexes"]
        for phase, rows in results.items():
            print(phase)
            for name, times in rows.items():
                print(_line(name, times, None if rows is baseline else baseline[name]))
        db.dispose()
    finally:
        if "db" in locals():
            db.dispose()
        if args.keep_schema:
            print(f"kept schema {schema}")
        else:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
