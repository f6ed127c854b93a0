#!/usr/bin/env python
"""Call-next's pick alone, against the queue's length and the window's services (issue 18).

An office with tickets waiting for four common services and five for a rare one, whose
longer wait limit puts them last by deadline; window 1 serves the rare service alone,
window 2 all five. For each dispatch policy and each window, the pick call-next runs
(`dispatcher.head_pick_statement`) is timed alone — executed in one transaction, rolled
back, median of `--repeat` runs — next to the pick ordering the office's whole queue
(`pick_statement`), first with 10 tickets waiting, then with more (`--waiting`).
PostgreSQL's tables are analysed after each fill (autovacuum would, within a minute).

Run: `python benchmarks/call_pick.py [--waiting 10,3000] [--backend sqlite|postgres]`;
`MFCQ_BENCH_CODE=<dir>` measures another checkout (the code before a change).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Before anything of ours: it puts the code measured on the path.
from _common import ALL_DAY, load, postgres_url, scratch_schema
from sqlalchemy import func, select
from write_path import analyze

from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.clock import SystemClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.offices.schemas import OfficeDayIn
from queue_server.offices.service import put_office_day
from queue_server.tickets.dispatcher import head_pick_statement, pick_parameters, pick_statement
from queue_server.tickets.issuing import issue_ticket
from queue_server.tickets.models import Ticket
from queue_server.windows.models import Window

COMMON, RARE = "abcd", "r"
POLICIES = ("deadline", "guarded", "fifo")
WINDOWS = {1: "the rare service alone", 2: "all five services"}


def _seed(db: Database) -> tuple[int, Principal]:
    """The office, open around the clock today and the days around, and a manager."""
    services: dict[str, Any] = {
        code: {"name_ru": f"Услуга {code}", "prefix": prefix, "kind": "intake"}
        for code, prefix in zip(COMMON, "АБВГ", strict=True)
    }
    services[RARE] = {
        "name_ru": "Редкая услуга",
        "prefix": "Д",
        "kind": "intake",
        "wait_limit_minutes": 60,
    }
    every = [{"service": code} for code in COMMON + RARE]
    office_config = {
        "name": "Pick",
        "opening_hours": ALL_DAY,
        "windows": {"1": {"services": [{"service": RARE}]}, "2": {"services": every}},
    }
    clock = SystemClock()
    with db.transaction() as session:
        import_config(
            session=session,
            data=ConfigFile.model_validate(
                {"services": services, "offices": {"pick": office_config}}
            ),
        )
        office = session.scalars(select(Office).where(Office.code == "pick")).one()
        for offset in (-1, 0, 1):  # holidays must not close the office
            put_office_day(
                session=session,
                office=office,
                day=clock.now().date() + timedelta(days=offset),
                data=OfficeDayIn(is_open=True),
            )
        manager = User(username="manager", password_hash="-", role="manager")
        session.add(manager)
        session.flush()
        return office.id, Principal("user", manager.id, "manager", None, "manager")


def _fill(db: Database, office_id: int, staff: Principal, common: int, rare: int) -> None:
    """Issue tickets until `common` wait for the common services and `rare` for the rare."""
    clock = SystemClock()
    with db.transaction() as session:
        office = session.get(Office, office_id)
        assert office is not None
        issued = session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.office_id == office_id)
        )
        for i in range(issued or 0, common + rare):
            code = RARE if i < rare else COMMON[i % len(COMMON)]
            issue_ticket(
                session=session, clock=clock, office=office, principal=staff, service_code=code
            )
    analyze(db.engine.url.render_as_string(hide_password=False))  # PostgreSQL only


def _time(
    db: Database, office_id: int, policy: str, number: int, repeat: int
) -> tuple[float, float]:
    """Median ms of the head pick and of the whole-queue pick at window `number`."""
    clock = SystemClock()
    with db.transaction() as session:
        office = session.get(Office, office_id)
        window = session.scalars(
            select(Window).where(Window.office_id == office_id, Window.number == number)
        ).one()
        assert office is not None
        session.expunge(office)
        office.dispatch_policy = policy
        office.dispatch_guard_minutes = 3
        params = pick_parameters(office=office, window=window, now=clock.now())
        connection = session.connection()
        out = []
        for statement in (
            head_pick_statement(policy, (Ticket.id,), connection.dialect.name),
            pick_statement(policy, (Ticket.id,)),
        ):
            connection.execute(statement, params).scalar()  # warm: the compiled cache
            each = []
            for _ in range(repeat):
                started = time.perf_counter()
                picked = connection.execute(statement, params).scalar()
                each.append(time.perf_counter() - started)
                assert picked is not None
            out.append(statistics.median(each) * 1000)
        session.rollback()
    return out[0], out[1]


def measure(url: str, levels: list[int], repeat: int) -> None:
    upgrade(url)
    db = Database.from_url(url)
    try:
        office_id, staff = _seed(db)
        for waiting in levels:
            _fill(db, office_id, staff, common=waiting - 5, rare=5)
            print(f"  {waiting} waiting ({waiting - 5} for the common services, 5 for the rare):")
            for policy in POLICIES:
                for number, label in WINDOWS.items():
                    head, whole = _time(db, office_id, policy, number, repeat)
                    print(
                        f"    {policy:<8} window serving {label:<23} call-next's pick"
                        f" {head:6.3f} ms   the whole queue's {whole:6.3f} ms",
                        flush=True,
                    )
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--waiting", default="10,3000", help="queue lengths, in order (≤ 4,000)")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    levels = [int(w) for w in args.waiting.split(",")]
    print(f"{args.backend}, load {load()} on {os.cpu_count()} CPUs:", flush=True)
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            measure(f"sqlite:///{tmp}/pick.sqlite3", levels, args.repeat)
    else:
        pg = postgres_url()
        if not pg:
            raise SystemExit("set MFCQ_TEST_POSTGRES_URL")
        with scratch_schema(pg, "mfcq_pick") as url:
            measure(url, levels, args.repeat)
    print(f"  (load {load()})")


if __name__ == "__main__":
    main()
