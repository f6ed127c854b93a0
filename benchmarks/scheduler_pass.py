#!/usr/bin/env python
"""The timekeeper's pass on a region's database (issue 18): each timed job's time.

One process of a deployment keeps time: once a second it runs every timed job (R5 recalls
and no-shows, the wait limits' warnings and breaches, holds, case and complaint terms,
bookings, personal data, ...) over every office of the region, each in a transaction of
its own. A pass holds a core while it runs, and on the one process that also answers
requests, every millisecond of it is a millisecond of their latency.

The database:

- history: a year of a large office (`reports.py`'s generator: ≈1.05 M tickets with their
  transitions and breaches on PostgreSQL; `--tickets-per-day` on SQLite, smaller);
- today, live: `--offices` offices of `--windows` staffed windows each, every window having
  just called a ticket (its applicant on the way: nothing is due for R5 for a minute), and
  as many tickets again waiting, far from their limits.

Prints each job's median time a pass (over `--passes` passes, after one to warm up) and
the whole pass, with the machine's load; `--explain` prints PostgreSQL's plans of the
statements of the passes' slowest jobs.

Run: `python benchmarks/scheduler_pass.py` (PostgreSQL from MFCQ_TEST_POSTGRES_URL, in a
schema of its own; `--backend sqlite` for a file); `MFCQ_BENCH_CODE=<checkout>` for the
code before a change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

# First: it puts the code measured (this checkout or MFCQ_BENCH_CODE) on the path.
from _common import ALL_DAY, load, postgres_url, scratch_schema  # isort: skip
import reports
from sqlalchemy import event, select, text

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.clock import SystemClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.scheduler import Scheduler
from queue_server.tickets import moves
from queue_server.tickets.issuing import issue_ticket
from queue_server.windows.models import Window

SERVICES = ("passport", "results", "consult")


def live_offices(db: Database, offices: int, windows: int) -> int:
    """`offices` offices open around the clock, each of `windows` windows with a clerk who
    has just called a ticket, and as many tickets waiting; the tickets called."""
    config = {
        "services": reports.CONFIG["services"],
        "offices": {
            f"live{k:02d}": {
                "name": f"МФЦ {k}",
                "opening_hours": ALL_DAY,
                "windows": {
                    str(n): {"services": [{"service": s} for s in SERVICES]}
                    for n in range(1, windows + 1)
                },
            }
            for k in range(1, offices + 1)
        },
    }
    clock = SystemClock()
    called = 0
    with db.transaction() as session:
        import_config(session=session, data=ConfigFile.model_validate(config))
    for k in range(1, offices + 1):
        with db.transaction() as session:
            office = session.scalar(select(Office).where(Office.code == f"live{k:02d}"))
            assert office is not None
            manager = User(username=f"live{k:02d}-manager", password_hash="-", role="manager")
            session.add(manager)
            session.flush()
            staff = Principal("user", manager.id, "manager", None, "bench")
            for i in range(2 * windows):
                issue_ticket(
                    session=session,
                    clock=clock,
                    office=office,
                    principal=staff,
                    service_code=SERVICES[i % len(SERVICES)],
                )
            for window in session.scalars(select(Window).where(Window.office_id == office.id)):
                user = User(
                    username=f"live{k:02d}-clerk{window.number}",
                    password_hash="-",
                    role="clerk",
                    office_id=office.id,
                )
                session.add(user)
                session.flush()
                window.clerk_id = user.id
                session.flush()
                clerk = Principal("user", user.id, "clerk", office.id, user.username)
                ticket = moves.call_next(
                    session=session,
                    clock=clock,
                    office=office,
                    number=window.number,
                    principal=clerk,
                )
                called += ticket is not None
    return called


def time_passes(db: Database, passes: int, explain: bool) -> dict[str, list[float]]:
    """Every job of the scheduler, `passes` times (after a pass to warm up); seconds."""
    scheduler = Scheduler(db, SystemClock())
    times: dict[str, list[float]] = {}
    for n in range(passes + 1):
        for job in scheduler.jobs:
            name = getattr(job, "__name__", type(job).__name__)
            with db.transaction(priority=True) as session:
                began = time.perf_counter()
                job(session=session, clock=scheduler.clock)
                spent = time.perf_counter() - began
            if n:
                times.setdefault(name, []).append(spent)
    if explain and db.engine.dialect.name == "postgresql":
        slowest = sorted(times, key=lambda k: -statistics.median(times[k]))[:3]
        for job in scheduler.jobs:
            name = getattr(job, "__name__", type(job).__name__)
            if name in slowest:
                print(f"  plans of {name}:")
                explain_job(db, scheduler, job)
    return times


def explain_job(db: Database, scheduler: Scheduler, job: Any) -> None:
    """PostgreSQL's plans (with their run times) of the job's SELECTs, rolled back."""
    statements: list[tuple[str, Any]] = []

    def record(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not statement.startswith("EXPLAIN"):
            statements.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.transaction(priority=True) as session:
            job(session=session, clock=scheduler.clock)
            session.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    with db.engine.connect() as conn:
        for statement, params in statements:
            raw = conn.connection.driver_connection
            assert raw is not None
            rows = raw.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statement, params).fetchall()
            print("    " + "\n    ".join(r[0] for r in rows))
        conn.rollback()


def run(url: str, args: argparse.Namespace) -> None:
    upgrade(url)
    db = Database.from_url(url)
    try:
        history = reports._setup(db, 1)
        print("history: a year of one office, ", end="")
        reports._generate(db, history, args.tickets_per_day)
        began = time.perf_counter()
        called = live_offices(db, args.offices, args.windows)
        print(f"today: {args.offices} offices of {args.windows} windows, {called} tickets called"
              f" and as many waiting ({time.perf_counter() - began:.0f} s)")  # fmt: skip
        if db.engine.dialect.name == "postgresql":  # as autovacuum would, a minute later
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        print(f"the timekeeper's pass, {args.passes} passes (load {load()}):")
        times = time_passes(db, args.passes, args.explain)
        total_pass = [sum(t[i] for t in times.values()) for i in range(args.passes)]
        for name, spent in sorted(times.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"  {name:<40} median {statistics.median(spent) * 1000:8.2f} ms"
                  f"  max {max(spent) * 1000:8.2f} ms")  # fmt: skip
        print(f"  {'the whole pass':<40} median {statistics.median(total_pass) * 1000:8.2f} ms"
              f"  max {max(total_pass) * 1000:8.2f} ms  (load {load()})")  # fmt: skip
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--tickets-per-day",
        type=int,
        default=None,
        help="the history's office [3500 on PostgreSQL, 500 on SQLite]",
    )
    parser.add_argument("--offices", type=int, default=20)
    parser.add_argument("--windows", type=int, default=40)
    parser.add_argument("--passes", type=int, default=9)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.tickets_per_day is None:
        args.tickets_per_day = 3500 if args.backend == "postgresql" else 500
    print(f"load before: {load()} on {os.cpu_count()} CPUs")
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{folder}/scheduler.sqlite3", args)
        return
    pg = postgres_url()
    if pg is None:
        sys.exit("MFCQ_TEST_POSTGRES_URL is not set")
    with scratch_schema(pg, "mfcq_bench_timer") as url:
        run(url, args)


if __name__ == "__main__":
    main()
