#!/usr/bin/env python
"""How long the demo's past takes: the two template days read (or simulated), then the
month copied.

Seeds the demo office on a fresh SQLite file (or `--database-url`, e.g. PostgreSQL), then
times separately (1) the two representative days as `make demo` gets them: read from the
shipped file (`simulation/demo_days.py`), or with `--simulate` through the real services
on the scratch in-memory database, and (2) the bulk copy of the last 30 days with their
cases, and prints the tickets and cases written and the machine's load average before and
after.
Run: `python benchmarks/demo_history.py [--simulate] [--database-url URL]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from queue_server.clock import SystemClock
from queue_server.db import Database
from queue_server.demo import DEMO_OFFICE, seed_demo
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.simulation.demo_days import demo_templates
from queue_server.simulation.history import fill_history, simulate_templates


def measure(url: str, simulate: bool) -> None:
    """Seed, simulate the templates, copy the month; print each part's time."""
    upgrade(url)
    db = Database.from_url(url)
    clock = SystemClock()
    try:
        with db.transaction() as session:
            seed_demo(session=session, clock=clock)
        began, cpu = time.perf_counter(), time.process_time()
        templates = simulate_templates() if simulate else demo_templates()
        simulated = time.perf_counter() - began
        simulated_cpu = time.process_time() - cpu
        tickets = sum(len(d.tickets) for d in templates.days.values())
        began, cpu = time.perf_counter(), time.process_time()
        with db.transaction() as session:
            office = session.scalar(select(Office).where(Office.code == DEMO_OFFICE))
            assert office is not None
            done = fill_history(session=session, office=office, clock=clock, templates=templates)
        copied = time.perf_counter() - began
        copied_cpu = time.process_time() - cpu
    finally:
        db.dispose()
    # The process's own CPU time beside the wall clock: on a machine shared with others'
    # work the wall clock also counts the time the process waited for a core.
    how = "simulated (real services)" if simulate else "read from the shipped file"
    print(
        f"  template days {how}: {tickets} tickets in {simulated:.2f} s (CPU {simulated_cpu:.2f} s)"
    )
    print(
        f"  copied: {len(done.days_filled)} days, {done.tickets} tickets, {done.cases} cases, "
        f"{done.ratings} ratings "
        f"in {copied:.2f} s (CPU {copied_cpu:.2f} s)"
    )
    print(f"  total: {simulated + copied:.2f} s (CPU {simulated_cpu + copied_cpu:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a fresh SQLite file; PostgreSQL: in a schema of its own",
    )
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="simulate the template days through the real services (as without the file)",
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if args.database_url and args.database_url.startswith("postgresql"):
        # A schema of its own, dropped afterwards: the database may be shared.
        schema = f"bench_demo_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(args.database_url).update_query_dict(
                {"options": f"-csearch_path={schema}"}
            )
            measure(url.render_as_string(hide_password=False), args.simulate)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    elif args.database_url:
        measure(args.database_url, args.simulate)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            measure(f"sqlite:///{tmp}/demo.sqlite3", args.simulate)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
