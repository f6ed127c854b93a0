#!/usr/bin/env python
"""The estimate's reads at 10, 100 and 1,000 tickets waiting (issue 18, item 1), in process.

The HTTP figures for issue at several queue depths (`write_path.py`) move by ±20 % from run
to run on a loaded machine; this one times the reads the wait estimate makes on every issue
(`tickets/estimates.py::load_live_queue`: the windows, the last hours' aggregate and the
places taken from the phone, one statement; the queue's heads) and the whole, on one
thread with nothing else in flight: median of 30 each. The office is filled through the
real issue route. On PostgreSQL `--analyze` gathers statistics after each fill, as
autovacuum would within a minute; without it the planner takes the freshly filled tickets
table for nearly empty.

Run: `python benchmarks/queue_read.py [--backend sqlite|postgres] [--analyze]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

# First: it puts the code measured (this checkout or MFCQ_BENCH_CODE) on the path.
from _common import load, postgres_url, run, scratch_schema, server_env, uvicorn
from sqlalchemy import select, text
from write_path import issue_at, seed

from queue_server.clock import SystemClock
from queue_server.db import Database
from queue_server.offices.models import Office
from queue_server.tickets import estimates
from queue_server.tickets.models import Ticket

DEPTHS = (10, 100, 1000)
REPEAT = 30


def _median_ms(read: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        read()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _reads(s: Any, office: Office, now: Any) -> dict[str, Callable[[], Any]]:
    """The estimate's two reads, and the whole of it; "asked": with the last ticket issued
    asked about, as the issue's answer does (its place is counted at the queue's end)."""
    last = s.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
    return {
        "windows, last hours, phone places": lambda: estimates._office_now(s, office, now),
        "queue heads": lambda: estimates._queue_heads(
            s, office, now, now, {sid: 3 for sid in (1, 2)}, set()
        ),
        "queue heads, asked": lambda: estimates._queue_heads(
            s, office, now, now, {sid: 3 for sid in (1, 2)}, {last.id}
        ),
        "whole": lambda: estimates.load_live_queue(session=s, office=office, now=now),
        "whole, asked": lambda: estimates.load_live_queue(
            session=s, office=office, now=now, also=last
        ),
    }


def measure(url: str, analyze: bool) -> None:
    fresh = seed(url, 1)
    db = Database.from_url(url)
    issued = 0
    try:
        with uvicorn(server_env(url)) as base:
            for depth in DEPTHS:
                fill = issue_at("bench", fresh.kiosk)
                asyncio.run(run(base, "fill", depth - issued, 8, fill, 201))
                issued = depth
                if analyze and not db.is_sqlite:
                    with db.transaction() as session:
                        session.execute(text("ANALYZE"))
                with db.transaction(read_only=True) as s:
                    office = s.scalars(select(Office).where(Office.code == "bench")).one()
                    now = SystemClock().now()
                    reads = _reads(s, office, now)
                    found = {name: _median_ms(read) for name, read in reads.items()}
                print(
                    f"  {depth:5d} waiting: "
                    + ", ".join(f"{name} {ms:5.2f}" for name, ms in found.items())
                    + " ms",
                    flush=True,
                )
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--analyze", action="store_true", help="PostgreSQL: ANALYZE each fill")
    args = parser.parse_args()
    print(f"{args.backend}, load {load()}:", flush=True)
    if args.backend == "postgres":
        pg = postgres_url()
        if not pg:
            sys.exit("set MFCQ_TEST_POSTGRES_URL to measure PostgreSQL")
        with scratch_schema(pg) as url:
            measure(url, args.analyze)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            measure(f"sqlite:///{tmp}/bench.sqlite3", args.analyze)
    print(f"  (load {load()})")


if __name__ == "__main__":
    main()
