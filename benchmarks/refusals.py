#!/usr/bin/env python
"""What a refused ticket costs: a kiosk hammering refusals must not slow the clerks.

The attack of issue 13: one kiosk token uses up every number of the day, then keeps
asking. Each refusal used to hold the write lock for 0.45 s (the numbering loop walked all
999 numbers), so every clerk's call-next queued behind it. This prints, on SQLite and
(when MFCQ_TEST_POSTGRES_URL is set) PostgreSQL:

  * the refusal's own latency (prefix А exhausted: 999 tickets waiting);
  * a clerk's call-next latency alone, and while kiosk threads hammer refusals.

Run: `PYTHONPATH=. python benchmarks/refusals.py [--refusals 200] [--calls 60] [--kiosks 4]`.
In-process (the real app through Starlette's TestClient, real threads), on the FakeClock of
the test world; only 127.0.0.1, bounded in count, stops by itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queue_server.app import create_app, run_with
from queue_server.auth.models import User
from queue_server.auth.service import Principal
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.settings import Settings
from queue_server.tickets import issuing
from tests.support.databases import PostgresSchema
from tests.support.world import MONDAY_10, World, build_world


def percentiles(latencies: list[float]) -> str:
    """p50 and p99 in milliseconds."""
    lat = sorted(latencies)
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    return f"n={len(lat):4d}  p50 {p50:8.2f} ms  p99 {p99:8.2f} ms"


def exhaust_prefix(world: World) -> None:
    """Issue all 999 numbers of prefix А (passport) today, by staff (no kiosk limit)."""
    with world.db.transaction() as s:
        office = s.scalar(select(Office).where(Office.code == "central"))
        admin = s.scalar(select(User).where(User.username == "admin"))
        assert office is not None and admin is not None
        staff = Principal("user", admin.id, "admin", None, "admin")
        for _ in range(999):
            issuing.issue_ticket(
                session=s,
                clock=world.clock,
                office=office,
                principal=staff,
                service_code="passport",
            )


def timed(
    client: TestClient, method: str, url: str, headers: dict[str, str], **kw: object
) -> tuple[float, int]:
    """One request: (seconds, status)."""
    started = time.perf_counter()
    answer = client.request(method, url, headers=headers, **kw)  # type: ignore[arg-type]
    return time.perf_counter() - started, answer.status_code


def refusal_latencies(client: TestClient, world: World, count: int) -> list[float]:
    """`count` kiosk requests for the exhausted service, one after another."""
    out = []
    for _ in range(count):
        seconds, status = timed(
            client,
            "POST",
            "/api/v1/offices/central/tickets",
            world.auth("kiosk"),
            json={"service": "passport"},
        )
        assert status in (409, 429), status
        out.append(seconds)
    return out


def clerk_latencies(client: TestClient, world: World, calls: int) -> list[float]:
    """Window 3 (results only) calls `calls` tickets; each is started and finished."""
    staff = world.auth("manager")
    for _ in range(calls):
        answer = client.post(
            "/api/v1/offices/central/tickets", json={"service": "results"}, headers=staff
        )
        assert answer.status_code == 201, answer.text
    clerk = world.auth("clerk3")
    client.post("/api/v1/offices/central/windows/3/take", headers=clerk)
    out = []
    for _ in range(calls):
        started = time.perf_counter()
        answer = client.post("/api/v1/offices/central/windows/3/call-next", headers=clerk)
        out.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text
        ticket = answer.json()["id"]
        client.post(f"/api/v1/tickets/{ticket}/start", headers=clerk)
        client.post(f"/api/v1/tickets/{ticket}/finish", headers=clerk)
    return out


def hammer(client: TestClient, world: World, stop: threading.Event, counts: list[int]) -> None:
    """A kiosk asking for the exhausted service until told to stop."""
    while not stop.is_set():
        client.post(
            "/api/v1/offices/central/tickets",
            json={"service": "passport"},
            headers=world.auth("kiosk"),
        )
        counts.append(1)


def measure(url: str, label: str, args: argparse.Namespace) -> None:
    """Every figure on one database."""
    db = Database.from_url(url)
    world = build_world(db, FakeClock(MONDAY_10))
    exhaust_prefix(world)
    settings = Settings(database_url=url, scheduler_interval=0, public_url="http://bench")
    app = run_with(create_app(settings), settings, clock=world.clock, database=db)
    with TestClient(app) as client:
        print(f"{label}:")
        refusals = refusal_latencies(client, world, args.refusals)
        print(f"  refusal (numbers exhausted)    {percentiles(refusals)}")
        quiet = clerk_latencies(client, world, args.calls)
        print(f"  clerk call-next, quiet         {percentiles(quiet)}")
        stop, counts = threading.Event(), list[int]()
        kiosks = [
            threading.Thread(target=hammer, args=(client, world, stop, counts), daemon=True)
            for _ in range(args.kiosks)
        ]
        for kiosk in kiosks:
            kiosk.start()
        started = time.perf_counter()
        try:
            busy = clerk_latencies(client, world, args.calls)
        finally:
            stop.set()
            for kiosk in kiosks:
                kiosk.join(timeout=60)
        rate = len(counts) / (time.perf_counter() - started)
        print(
            f"  clerk call-next, {args.kiosks} kiosks hammering {percentiles(busy)}"
            f"  ({rate:.0f} refusals/s)"
        )
    db.dispose()


def main() -> None:
    """Measure on SQLite, then on PostgreSQL when configured."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--refusals", type=int, default=200)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--kiosks", type=int, default=4)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    if "sqlite" in args.databases:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'refusals.sqlite3'}"
            upgrade(url)
            measure(url, "SQLite", args)
    pg = os.environ.get("MFCQ_TEST_POSTGRES_URL")
    if pg and "postgres" in args.databases:
        schema = PostgresSchema(pg)
        try:
            measure(schema.url, "PostgreSQL", args)
        finally:
            schema.drop()


if __name__ == "__main__":
    main()
