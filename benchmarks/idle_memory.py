#!/usr/bin/env python
"""A server process's resident memory, idle and after some work, next to a bare FastAPI app.

For each database (SQLite, and PostgreSQL when `MFCQ_TEST_POSTGRES_URL` is set) it starts
the server as `uvicorn queue_server.app:create_app --factory` (one process, as each worker
of `mfc-queue serve` runs) on a seeded scratch database and reads the process's VmRSS
(with its anonymous and file-backed parts):

* **idle**: after `/healthz` answered and two seconds of quiet (the timed jobs have run);
* **after work**: after 200 tickets issued and 16 called over HTTP;
* **floor**: a bare FastAPI app of one route on the same uvicorn, no database.

Each figure is the median of `--repeat` fresh processes. The goal (issue 18): idle at most
120 MiB a worker. `MFCQ_BENCH_CODE=<dir>` measures another checkout (before and after).

Run: `python benchmarks/idle_memory.py [--repeat 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    load,
    postgres_url,
    run,
    scratch_schema,
    server_env,
    start_server,
    stop_server,
)
from write_path import BARE_APP, call_next, issue_at, seed

FIELDS = ("VmRSS", "RssAnon", "RssFile")


def memory(pid: int) -> dict[str, float]:
    """The process's resident memory in MiB, by /proc/PID/status."""
    found: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in FIELDS:
                found[name] = int(value.split()[0]) / 1024
    return found


def quiet(pid: int) -> dict[str, float]:
    time.sleep(2.0)
    return memory(pid)


def measure_server(url: str) -> tuple[dict[str, float], dict[str, float]]:
    """(idle, after work) of one fresh server process on a freshly seeded database."""
    seeded = seed(url, windows=16, waiting=16)
    proc, base = start_server(server_env(url))
    try:
        httpx.get(base + "/healthz", timeout=10)
        idle = quiet(proc.pid)
        asyncio.run(run(base, "issue", 200, 16, issue_at("bench", seeded.kiosk), 201))
        asyncio.run(run(base, "call-next", 16, 16, call_next(seeded.clerks, 16), 200))
        return idle, quiet(proc.pid)
    finally:
        stop_server(proc)


def measure_floor() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bare_app.py").write_text(BARE_APP)
        proc, _ = start_server({}, app="bare_app:app", app_dir=Path(tmp), ready="/docs")
        try:
            return quiet(proc.pid)
        finally:
            stop_server(proc)


def median(rows: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(row[name] for row in rows) for name in FIELDS}


def show(label: str, figures: dict[str, float]) -> str:
    return (
        f"{label:<22} {figures['VmRSS']:7.1f} MiB"
        f"  (anonymous {figures['RssAnon']:.1f}, files {figures['RssFile']:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"load {load()}; median of {args.repeat} processes each", flush=True)
    print(show("floor (bare FastAPI)", median([measure_floor() for _ in range(args.repeat)])))
    backends: list[str] = ["sqlite"]
    pg = None if args.no_postgres else postgres_url()
    if pg:
        backends.append("postgresql")
    for backend in backends:
        idle, worked = [], []
        for _ in range(args.repeat):
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    pair = measure_server(f"sqlite:///{tmp}/memory.sqlite3")
            else:
                assert pg is not None
                with scratch_schema(pg, "mfcq_memory") as url:
                    pair = measure_server(url)
            idle.append(pair[0])
            worked.append(pair[1])
        print(show(f"{backend} idle", median(idle)))
        print(show(f"{backend} after work", median(worked)))
    print(f"load {load()}")


if __name__ == "__main__":
    main()
