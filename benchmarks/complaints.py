#!/usr/bin/env python
"""Complaints register speed: registering, the year's report, the dashboard's lines (R17).

Registers `--complaints` complaints (default 5,000: a large office's several years' worth)
through the domain service on a fake clock walking through a year, half of them answered,
then times the year's report (`complaint_report`) and the dashboard's near-due/overdue
lines (`dashboard_alerts`). SQLite in a temporary file by default; `--postgres` uses
MFCQ_TEST_POSTGRES_URL (a private schema, dropped afterwards).

Run: `python benchmarks/complaints.py [--complaints N] [--postgres]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.clock import FakeClock
from queue_server.complaints.deadlines import dashboard_alerts
from queue_server.complaints.lifecycle import answer_complaint
from queue_server.complaints.register import register_complaint
from queue_server.complaints.reports import complaint_report
from queue_server.complaints.rules import CATEGORIES
from queue_server.complaints.schemas import ComplaintIn
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office

START = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)  # a Monday, 10:00 in Moscow
CONFIG = {
    "offices": {
        "big": {
            "name": "МФЦ",
            "opening_hours": {d: ["08:00", "20:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    }
}


def _database(postgres: bool) -> tuple[Database, str | None]:
    if not postgres:
        url = f"sqlite:///{tempfile.mkdtemp()}/complaints.sqlite3"
        upgrade(url)
        return Database.from_url(url), None
    base = os.environ.get("MFCQ_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    upgrade(rendered)
    return Database.from_url(rendered), schema


def main() -> None:
    """Fill the register, then time the report and the dashboard."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=5000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    db, schema = _database(args.postgres)
    clock = FakeClock(START)
    with db.transaction() as session:
        import_config(session=session, data=ConfigFile.model_validate(CONFIG))
        office_id = session.query(Office).one().id
        manager = User(username="bench", password_hash="-", role="manager", office_id=office_id)
        session.add(manager)
        session.flush()
        clerk = Principal("user", manager.id, "manager", office_id, "Бенчмарк")
    step = timedelta(days=360) / args.complaints
    registering = []
    for n in range(args.complaints):
        clock.advance(step)
        body = ComplaintIn(
            category=CATEGORIES[n % len(CATEGORIES)],
            applicant_name=f"Заявитель {n}",
            applicant_contact="+7 900 000-00-00",
            text="Текст жалобы.",
            consent_personal_data=True,
        )
        began = time.perf_counter()
        with db.transaction() as session:
            office = session.get(Office, office_id)
            assert office is not None
            complaint = register_complaint(
                session=session, clock=clock, office=office, principal=clerk, data=body
            )
            if n % 2:
                answer_complaint(
                    session=session,
                    clock=clock,
                    complaint=complaint,
                    principal=clerk,
                    answer="Ответ.",
                )
        registering.append(time.perf_counter() - began)
    report_times, alert_times = [], []
    for _ in range(args.repeat):
        with db.transaction(read_only=True) as session:
            office = session.get(Office, office_id)
            assert office is not None
            began = time.perf_counter()
            report = complaint_report(
                session=session,
                offices=[office],
                start=date(2026, 1, 1),
                end=date(2026, 12, 31),
                now=clock.now(),
            )
            report_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            alerts = dashboard_alerts(session=session, office=office, now=clock.now())
            alert_times.append(time.perf_counter() - began)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{backend}: {args.complaints} complaints, {report.total} in the year's report")
    print(
        f"register (and answer every second): median {statistics.median(registering) * 1000:.1f} ms"
    )
    print(f"year's report: median {statistics.median(report_times) * 1000:.0f} ms")
    print(
        f"dashboard lines ({len(alerts)} open near or past the term): median "
        f"{statistics.median(alert_times) * 1000:.1f} ms"
    )
    db.dispose()
    if schema is not None:
        admin = create_engine(
            os.environ.get("MFCQ_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
        )
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
