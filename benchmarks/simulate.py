#!/usr/bin/env python
"""How long one simulated day of the default 20-window office (~2,000 tickets) takes.

Runs the Monday of `mfc-queue simulate` (default office, seed 1) on a fresh SQLite file
(opened as the command opens its own: a scratch file without fsync) `--runs` times and
prints each run, the median, and the machine's load average before and after (the
figure means little on a loaded machine without it).
Run: `python benchmarks/simulate.py [--runs 3] [--database-url URL]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.simulation.config import SimConfig
from queue_server.simulation.engine import simulate
from queue_server.simulation.scratch import scratch_file

MONDAY = date(2026, 11, 23)


def one_day(url: str, scratch: bool) -> tuple[float, float, int]:
    """Seconds and tickets of one simulated Monday (migration and set-up not counted).

    `scratch`: the file is opened as `mfc-queue simulate` opens its own (no fsync)."""
    upgrade(url)
    db = scratch_file(url) if scratch else Database.from_url(url)
    try:
        began, cpu = time.perf_counter(), time.process_time()
        (day,) = simulate(db=db, config=SimConfig(), seed=1, start=MONDAY, days=1)
        return time.perf_counter() - began, time.process_time() - cpu, day.tickets
    finally:
        db.dispose()


def main() -> None:
    """Print each run's time and the median, with the load average."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    load_before = os.getloadavg()
    times = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as directory:
            url = args.database_url or f"sqlite:///{Path(directory) / 'sim.sqlite3'}"
            seconds, cpu, tickets = one_day(url, scratch=args.database_url is None)
        times.append(seconds)
        # The CPU time beside the wall clock: on a shared machine the wall clock also
        # counts the time the process waited for a core.
        print(
            f"  run {run + 1}: {tickets} tickets in {seconds:.1f} s (CPU {cpu:.1f} s)", flush=True
        )
    load_after = os.getloadavg()
    print(
        f"simulated day, 20 windows: median {statistics.median(times):.1f} s over {args.runs} "
        f"run(s); {os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after"
    )


if __name__ == "__main__":
    main()
