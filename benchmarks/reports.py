#!/usr/bin/env python
"""Report speed over a generated year: raw tickets against the daily roll-ups, and a region.

Generates one year of a large office (≈1.05 M tickets by default on PostgreSQL: 300
working days × 3,500 tickets, 20 windows, 2% redirected with their transitions, breaches
for every late call) — inside PostgreSQL with INSERT … SELECT generate_series, or row by
row into an SQLite file (`--backend sqlite`, a smaller office by default). Then, in the
same run:

1. the month's report, the year's report and the month's staffing plan from the raw
   tickets (`rollups=False`, the computation before the roll-ups);
2. the year rolled up (`admin/reports/rollup.py`, as `mfc-queue reports rollup` does);
3. the same three from the roll-ups, checked equal to the raw figures;
4. a region: the office's roll-up rows copied in bulk to 19 more offices (their windows
   and clerks kept apart), and the region's year report from the roll-ups. The 19 copies'
   20 M raw tickets are not generated (that alone would take hours on a small machine):
   only their roll-up rows are, which is all the report reads.

Prints each median next to the raw computation's, with the machine's load.

Run: `python benchmarks/reports.py` (PostgreSQL from MFCQ_TEST_POSTGRES_URL, else the local
`test` database) or `python benchmarks/reports.py --backend sqlite`; `--tickets-per-day`,
`--region-offices` and `--repeat` change the size.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
# First: it puts the code measured (this checkout or MFCQ_BENCH_CODE) on the path.
import _common  # noqa: F401  # isort: skip

from admin.reports.planner import staffing_plan
from admin.reports.presenters import report_json, table_json
from admin.reports.rollup import roll_up
from admin.reports.scope import Scope
from admin.reports.service import build_report
from admin.reports.waits import DIMENSIONS
from queue_server.auth.models import User
from queue_server.auth.service import hash_password
from queue_server.clock import SystemClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.tickets.models import Ticket, TicketTransition, WaitBreach

YEAR_START = date(2025, 1, 1)
WINDOWS = 20
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


def _config(region: int) -> dict[str, Any]:
    offices: dict[str, Any] = {**CONFIG["offices"]}  # type: ignore[dict-item]
    for n in range(2, region + 1):
        offices[f"r{n:02d}"] = {"name": f"МФЦ района {n}", "windows": {}}
    return {**CONFIG, "offices": offices}


def _setup(db: Database, region: int) -> Office:
    with db.transaction() as session:
        import_config(session=session, data=ConfigFile.model_validate(_config(region)))
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
    return office


def _generate_pg(db: Database, office: Office, per_day: int) -> None:
    with db.engine.connect() as conn:
        passport = conn.execute(
            text("SELECT id FROM services WHERE code = 'passport'")
        ).scalar_one()
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


def _generate_sqlite(db: Database, office: Office, per_day: int) -> None:
    """The same year as GENERATE, drawn in Python and inserted in bulk (no generate_series)."""
    rng = random.Random(7)
    with db.transaction(read_only=True) as session:
        services = {
            code: (sid, prefix, limit, norm)
            for sid, code, prefix, limit, norm in session.execute(
                text("SELECT id, code, prefix, wait_limit_minutes, service_norm_minutes "
                     "FROM services")
            )
        }  # fmt: skip
        windows = {
            number: (wid, clerk)
            for wid, number, clerk in session.execute(
                text("SELECT id, number, clerk_id FROM windows WHERE office_id = :o"),
                {"o": office.id},
            )
        }
    passport = services["passport"][0]
    ticket_id = 0
    for d in range(365):
        day = YEAR_START + timedelta(days=d)
        if day.isoweekday() == 7:
            continue
        tickets: list[dict[str, Any]] = []
        steps: list[dict[str, Any]] = []
        breaches: list[dict[str, Any]] = []
        for n in range(1, per_day + 1):
            ticket_id += 1
            r1, r2, r3, r4 = rng.random(), rng.random(), rng.random(), rng.random()
            code = "passport" if n % 10 < 6 else "results" if n % 10 < 9 else "consult"
            sid, prefix, limit_m, norm_m = services[code]
            status = "done" if r4 < 0.93 else "no_show" if r4 < 0.97 else "cancelled"
            since = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                hours=5, seconds=round(r1 * 37800)
            )
            wait = math.floor(-math.log(1 - r2) * (240 + 300 * (1 - abs(r1 - 0.35))))
            serve = 0.4 + 1.2 * r3
            wid, clerk = windows[1 + (n * 7 + d) % WINDOWS]
            called = since + timedelta(seconds=wait) if status != "cancelled" else None
            started = since + timedelta(seconds=wait + 30) if status == "done" else None
            finished = (
                since + timedelta(seconds=wait + 30 + round(serve * norm_m))
                if status == "done"
                else None
            )
            redirected = r4 < 0.02
            deadline = since + timedelta(seconds=limit_m * 60)
            tickets.append({
                "id": ticket_id, "office_id": office.id, "service_id": sid, "day": day,
                "prefix": prefix, "seq": n, "number": f"{prefix}{n % 1000:03d}",
                "status": status, "status_code": f"bench{d}_{n}", "issued_at": since,
                "waiting_since": since, "warn_at": since + timedelta(seconds=limit_m * 48),
                "deadline": deadline, "warned": wait > limit_m * 48,
                "breached": wait > limit_m * 60, "called_at": called, "last_called_at": called,
                "recall_count": 0, "started_at": started, "finished_at": finished,
                "window_id": wid if called else None, "clerk_id": clerk if called else None,
                "redirect_count": 1 if redirected else 0,
            })  # fmt: skip
            base: dict[str, Any] = {"ticket_id": ticket_id, "from_status": None, "automatic": False,
                    "detail": {}}  # fmt: skip
            if redirected:
                for action, back, win in (("issue", 30, None), ("call", 19, wid),
                                          ("start", 18, wid), ("redirect", 0, None)):  # fmt: skip
                    steps.append({**base, "action": action, "to_status": action,
                                  "at": since - timedelta(minutes=back),
                                  "service_id": sid if action == "redirect" else passport,
                                  "window_id": win, "clerk_id": clerk})  # fmt: skip
            else:
                steps.append({**base, "action": "issue", "to_status": "issue", "at": since,
                              "service_id": sid, "window_id": None, "clerk_id": None})  # fmt: skip
            for action, at in (("call", called), ("start", started), ("finish", finished)):
                if at is not None:
                    steps.append({**base, "action": action, "to_status": action, "at": at,
                                  "service_id": sid, "window_id": wid,
                                  "clerk_id": clerk})  # fmt: skip
            if wait > limit_m * 60 and called is not None:
                breaches.append({"ticket_id": ticket_id, "office_id": office.id,
                                 "service_id": sid, "waiting_since": since,
                                 "deadline": deadline, "detected_at": deadline,
                                 "called_at": called, "window_id": wid,
                                 "clerk_id": clerk})  # fmt: skip
        with db.transaction() as session:
            session.execute(insert(Ticket), tickets)
            session.execute(insert(TicketTransition), steps)
            if breaches:
                session.execute(insert(WaitBreach), breaches)


def _generate(db: Database, office: Office, per_day: int) -> None:
    started = time.perf_counter()
    if db.is_sqlite:
        _generate_sqlite(db, office, per_day)
    else:
        _generate_pg(db, office, per_day)
    with db.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        steps = conn.execute(text("SELECT count(*) FROM ticket_transitions")).scalar_one()
        breaches = conn.execute(text("SELECT count(*) FROM wait_breaches")).scalar_one()
    print(
        f"generated {count:,} tickets, {steps:,} transitions, {breaches:,} breaches "
        f"in {time.perf_counter() - started:.1f} s"
    )


def _roll_up_year(db: Database, office: Office) -> None:
    started = time.perf_counter()
    with db.transaction() as session:
        done = roll_up(session, session.merge(office), YEAR_START, date(2025, 12, 31),
                       SystemClock().now())  # fmt: skip
    elapsed = time.perf_counter() - started
    with db.engine.connect() as conn:
        rows = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("report_periods", "report_wait_buckets", "report_hours")
        }
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    print(
        f"rolled up {done.days} days and {done.months} months in {elapsed:.1f} s: "
        + ", ".join(f"{n:,} rows in {t}" for t, n in rows.items())
    )


# Window and clerk keys of the copies are moved apart, as distinct offices have their own.
_WINDOW_DIMS = [
    i for i, d in enumerate(DIMENSIONS) if d.columns[0].key in ("window_id", "clerk_id")
]
_OFFICE_DIM = next(i for i, d in enumerate(DIMENSIONS) if d.columns[0].key == "office_id")

COPY_ROLLUPS = [
    """INSERT INTO report_periods (office_id, span, day, rolled_at, issued, served, no_show,
        cancelled, redirected, open_tickets, breaches)
    SELECT o.id, p.span, p.day, p.rolled_at, p.issued, p.served, p.no_show, p.cancelled,
        p.redirected, p.open_tickets, p.breaches
    FROM report_periods p CROSS JOIN offices o WHERE p.office_id = :big AND o.id <> :big""",
    f"""INSERT INTO report_wait_buckets (office_id, span, day, dim, k1, k2, bucket, n,
        total_v, max_v, within, lim, fine)
    SELECT o.id, b.span, b.day, b.dim,
        CASE WHEN b.dim = {_OFFICE_DIM} THEN o.id
             WHEN b.dim IN ({", ".join(map(str, _WINDOW_DIMS))}) AND b.k1 > 0
             THEN b.k1 + 100000 * o.id ELSE b.k1 END,
        b.k2, b.bucket, b.n, b.total_v, b.max_v, b.within, b.lim, b.fine
    FROM report_wait_buckets b CROSS JOIN offices o WHERE b.office_id = :big AND o.id <> :big""",
    """INSERT INTO report_hours (office_id, day, weekday, hour, arrivals, called, within,
        service_n, service_sum, min_limit, open_windows)
    SELECT o.id, h.day, h.weekday, h.hour, h.arrivals, h.called, h.within, h.service_n,
        h.service_sum, h.min_limit, h.open_windows
    FROM report_hours h CROSS JOIN offices o WHERE h.office_id = :big AND o.id <> :big""",
]


def _copy_region(db: Database, office: Office) -> None:
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for statement in COPY_ROLLUPS:
            conn.execute(text(statement), {"big": office.id})
        buckets = conn.execute(text("SELECT count(*) FROM report_wait_buckets")).scalar_one()
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    print(
        f"region: roll-up rows copied in {time.perf_counter() - started:.1f} s "
        f"({buckets:,} minute rows in all)"
    )


def _offices(db: Database, codes: list[str] | None) -> tuple[Office, ...]:
    with db.transaction(read_only=True) as session:
        query = select(Office).order_by(Office.code)
        if codes:
            query = query.where(Office.code.in_(codes))
        return tuple(session.scalars(query))


def _time_report(
    db: Database,
    offices: tuple[Office, ...],
    period: tuple[date, date],
    repeat: int,
    rollups: bool,
) -> tuple[list[float], dict[str, Any]]:
    times = []
    data: dict[str, Any] = {}
    for _ in range(repeat):
        with db.transaction(read_only=True) as session:
            began = time.perf_counter()
            report = build_report(session=session, scope=Scope(offices, *period),
                                  now=datetime(2026, 1, 15, tzinfo=UTC),
                                  rollups=rollups)  # fmt: skip
            times.append(time.perf_counter() - began)
            data = report_json(report)
    data.pop("generated_at", None)
    assert data["tables"]["counts"]["rows"]
    return times, data


def _time_plan(
    db: Database, office: Office, period: tuple[date, date], repeat: int, rollups: bool
) -> tuple[list[float], dict[str, Any]]:
    times = []
    data: dict[str, Any] = {}
    for _ in range(repeat):
        with db.transaction(read_only=True) as session:
            began = time.perf_counter()
            plan = staffing_plan(session=session, office=office, start=period[0],
                                 end=period[1], rollups=rollups)  # fmt: skip
            times.append(time.perf_counter() - began)
            data = table_json(plan)
    return times, data


def _line(name: str, times: list[float], raw: list[float] | None = None) -> str:
    med = statistics.median(times)
    ratio = f"  {statistics.median(raw) / med:6.1f}× faster than raw" if raw else ""
    return f"  {name:<34} median {med * 1000:9.1f} ms  max {max(times) * 1000:9.1f} ms{ratio}"


def _load() -> str:
    return "load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _run(db: Database, args: argparse.Namespace) -> None:
    office = _setup(db, args.region_offices)
    _generate(db, office, args.tickets_per_day)
    big = _offices(db, ["big"])
    month = (date(2025, 3, 1), date(2025, 3, 31))
    year = (date(2025, 1, 1), date(2025, 12, 31))
    print(_load())
    raw = {
        "month report (March)": _time_report(db, big, month, args.repeat, False),
        "year report": _time_report(db, big, year, max(1, args.repeat // 2), False),
        "month staffing plan": _time_plan(db, big[0], month, args.repeat, False),
    }
    print(_load())
    _roll_up_year(db, office)
    print(_load())
    rolled = {
        "month report (March)": _time_report(db, big, month, args.repeat, True),
        "year report": _time_report(db, big, year, args.repeat, True),
        "month staffing plan": _time_plan(db, big[0], month, args.repeat, True),
    }
    equal = all(rolled[k][1] == raw[k][1] for k in raw)
    print("from the tickets (raw, before the roll-ups):")
    for name, (times, _data) in raw.items():
        print(_line(name, times))
    print(f"from the roll-ups (figures equal to the raw ones: {'yes' if equal else 'NO'}):")
    for name, (times, _data) in rolled.items():
        print(_line(name, times, raw[name][0]))
    if args.region_offices > 1:
        _copy_region(db, office)
        region = _offices(db, None)
        times, data = _time_report(db, region, year, args.repeat, True)
        windows = len(data["tables"]["wait_by_window"]["rows"])
        print(f"region of {len(region)} offices ({windows} window rows), from the roll-ups:")
        print(_line("region year report", times))
    print(_load())
    if not equal:
        sys.exit(1)


def main() -> None:
    """Generate the year, time the reports raw and from the roll-ups, then the region."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--tickets-per-day", type=int, default=None,
                        help="[3500 on PostgreSQL, 1000 on SQLite]")  # fmt: skip
    parser.add_argument("--region-offices", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep-schema", action="store_true", help="keep the data to explore")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.tickets_per_day is None:
        args.tickets_per_day = 3500 if args.backend == "postgresql" else 1000

    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/reports.sqlite3"
            upgrade(url)
            local = Database.from_url(url)
            try:
                _run(local, args)
            finally:
                local.dispose()
        return
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
    db: Database | None = None
    try:
        upgrade(url)
        db = Database.from_url(url)
        _run(db, args)
    finally:
        if db is not None:
            db.dispose()
        if args.keep_schema:
            print(f"kept schema {schema}")
        else:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
