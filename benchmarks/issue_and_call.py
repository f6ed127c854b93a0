#!/usr/bin/env python
"""Issue and call-next over HTTP to a real uvicorn, on SQLite and PostgreSQL.

Prints requests/s and p50/p99 latency for: a baseline endpoint that does one bare insert
through the same stack (FastAPI, dependencies, session, commit), issuing tickets, and
windows calling the next ticket. Run: `python benchmarks/issue_and_call.py`
(PostgreSQL is measured when MFCQ_TEST_POSTGRES_URL is set).

`--depths 10,100,1000` measures instead, in process on a SQLite file, what one issue
costs with that many tickets already waiting (two services at 16 windows, the queue built
up over the last hour): the issue's write transaction, and the read the kiosk's answer
makes (place in the queue and the wait estimate, `tickets.presenters.issued_out`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

# First: it puts the code measured (this checkout or MFCQ_BENCH_CODE) on the path.
from _common import (
    ALL_DAY,
    Stats,
    postgres_url,
    scratch_schema,
    server_env,
    start_server,
    stop_server,
)

from queue_server.auth.models import User
from queue_server.auth.service import add_device, create_token, hash_password
from queue_server.clock import SystemClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office


def seed(url: str, windows: int) -> tuple[str, list[str]]:
    """A 24/7 office with one service, `windows` windows and a clerk at each; tokens."""
    upgrade(url)
    db = Database.from_url(url)
    config = {
        "services": {"s": {"name_ru": "Услуга", "prefix": "А", "kind": "intake"}},
        "offices": {
            "bench": {
                "name": "Bench",
                "opening_hours": ALL_DAY,
                "calendar_country": "RU",
                "windows": {
                    str(n): {"services": [{"service": "s"}]} for n in range(1, windows + 1)
                },
            }
        },
    }
    clock = SystemClock()
    password_hash = hash_password("bench-password")
    with db.transaction() as session:
        import_config(session=session, data=ConfigFile.model_validate(config))
        office = session.scalar(select(Office).where(Office.code == "bench"))
        assert office is not None
        # Holidays must not close the benchmark office.
        from queue_server.offices.schemas import OfficeDayIn
        from queue_server.offices.service import put_office_day

        today = clock.now().date()
        for offset in (-1, 0, 1):
            put_office_day(
                session=session,
                office=office,
                day=today + timedelta(days=offset),
                data=OfficeDayIn(is_open=True),
            )
        _, kiosk = add_device(session=session, clock=clock, office=office, kind="kiosk", name="k")
        clerk_tokens = []
        for n in range(1, windows + 1):
            user = User(
                username=f"clerk{n}", password_hash=password_hash, role="clerk", office_id=office.id
            )
            session.add(user)
            session.flush()
            clerk_tokens.append(
                create_token(session=session, clock=clock, user=user, ttl=timedelta(hours=2))
            )
    db.dispose()
    return kiosk, clerk_tokens


async def timed(
    client: httpx.AsyncClient, method: str, url: str, **kwargs: object
) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - start, response


async def run_load(
    base: str, kiosk: str, clerks: list[str], n: int, concurrency: int
) -> list[Stats]:
    """Baseline inserts, then issues, then calls, each with `concurrency` clients."""
    limits = httpx.Limits(
        max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2
    )
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        kh = {"Authorization": f"Bearer {kiosk}"}

        async def scenario(name: str, make: object) -> Stats:
            latencies: list[float] = []
            counter = iter(range(n))

            async def worker(w: int) -> None:
                for i in counter:
                    latency = await make(w, i)  # type: ignore[operator]
                    if latency is not None:
                        latencies.append(latency)

            start = time.perf_counter()
            await asyncio.gather(*(worker(w) for w in range(concurrency)))
            return Stats(name, latencies, time.perf_counter() - start)

        async def baseline(_w: int, _i: int) -> float:
            latency, r = await timed(client, "POST", "/api/v1/_bench/baseline")
            assert r.status_code == 201, r.text
            return latency

        async def issue(_w: int, i: int) -> float:
            body = {"service": "s", "idempotency_key": f"bench-{uuid.uuid4().hex}"}
            latency, r = await timed(
                client, "POST", "/api/v1/offices/bench/tickets", json=body, headers=kh
            )
            assert r.status_code == 201, r.text
            return latency

        for w, token in enumerate(clerks, start=1):
            r = await client.post(
                f"/api/v1/offices/bench/windows/{w}/take",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200, r.text

        async def call(w: int, _i: int) -> float:
            # One window per worker: call (timed), then let the ticket go (not timed).
            headers = {"Authorization": f"Bearer {clerks[w]}"}
            latency, r = await timed(
                client, "POST", f"/api/v1/offices/bench/windows/{w + 1}/call-next", headers=headers
            )
            assert r.status_code == 200, r.text
            done = await client.post(f"/api/v1/tickets/{r.json()['id']}/no-show", headers=headers)
            assert done.status_code == 200, done.text
            return latency

        results = [await scenario("baseline", baseline), await scenario("issue", issue)]
        calls = Stats("call-next", [], 0)
        results.append(calls)
        concurrency_saved = concurrency
        concurrency = len(clerks)
        calls_stats = await scenario("call-next", call)
        concurrency = concurrency_saved
        results[-1] = calls_stats
        return results


def bench(label: str, url: str, n: int, concurrency: int, windows: int) -> None:
    kiosk, clerks = seed(url, windows)
    proc, base = start_server(server_env(url))
    try:
        results = asyncio.run(run_load(base, kiosk, clerks, n, concurrency))
    finally:
        stop_server(proc)
    print(
        f"{label}: {n} requests per scenario, {concurrency} concurrent clients"
        f" ({windows} windows for calls)"
    )
    baseline = results[0]
    for stats in results:
        note = (
            "" if stats is baseline else f"{stats.pct(0.5) / baseline.pct(0.5):4.2f}× baseline p50"
        )
        print(stats.line(note))


def issue_by_depth(depths: list[int], repeat: int, windows: int = 16) -> None:
    """One issue's write and its answer's read, median of `repeat`, per queue depth."""
    from datetime import UTC, datetime

    from queue_server.auth.service import Principal
    from queue_server.clock import FakeClock
    from queue_server.tickets.estimates import load_live_queue
    from queue_server.tickets.issuing import issue_ticket
    from queue_server.tickets.models import Ticket
    from queue_server.windows.models import Window

    print(f"issue by queue depth (SQLite file, {windows} windows, 2 services, in process)")
    for depth in depths:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/depth.sqlite3"
            upgrade(url)
            db = Database.from_url(url)
            clock = FakeClock(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
            config = {
                "services": {
                    "s": {"name_ru": "Приём", "prefix": "А", "kind": "intake"},
                    "t": {"name_ru": "Выдача", "prefix": "Б", "kind": "issuance"},
                },
                "offices": {
                    "depth": {
                        "name": "Depth",
                        "opening_hours": ALL_DAY,
                        "windows": {
                            str(n): {
                                "services": [
                                    {"service": "s", "order": 1},
                                    {"service": "t", "order": 2 if n % 2 else 1},
                                ]
                            }
                            for n in range(1, windows + 1)
                        },
                    }
                },
            }
            with db.transaction() as session:
                import_config(session=session, data=ConfigFile.model_validate(config))
                office = session.scalar(select(Office).where(Office.code == "depth"))
                assert office is not None
                device, _ = add_device(
                    session=session, clock=clock, office=office, kind="kiosk", name="k"
                )
                kiosk = Principal("device", device.id, "kiosk", office.id, "k")
                for n, window in enumerate(session.scalars(select(Window)), start=1):
                    user = User(
                        username=f"c{n}", password_hash="-", role="clerk", office_id=office.id
                    )
                    session.add(user)
                    session.flush()
                    window.clerk_id = user.id
            for i in range(depth):
                with db.transaction() as session:
                    office = session.scalar(select(Office).where(Office.code == "depth"))
                    issue_ticket(
                        session=session,
                        clock=clock,
                        office=office,
                        principal=kiosk,
                        service_code="st"[i % 2],
                        per_minute=0,
                    )
                clock.advance(seconds=3600 / max(depth, 1))
            writes, reads, wait = [], [], None
            for r in range(repeat):
                began = time.perf_counter()
                with db.transaction() as session:
                    office = session.scalar(select(Office).where(Office.code == "depth"))
                    ticket, _ = issue_ticket(
                        session=session,
                        clock=clock,
                        office=office,
                        principal=kiosk,
                        service_code="st"[r % 2],
                        per_minute=0,
                    )
                    ticket_id = ticket.id
                wrote = time.perf_counter()
                with db.transaction(read_only=True) as session:
                    office = session.scalar(select(Office).where(Office.code == "depth"))
                    row = session.get(Ticket, ticket_id)
                    live = load_live_queue(
                        session=session, office=office, now=clock.now(), also=row
                    )
                    ahead, wait = live.people_ahead(ticket_id), live.estimate(ticket_id).minutes
                reads.append(time.perf_counter() - wrote)
                writes.append(wrote - began)
                with db.transaction() as session:  # back to the same depth
                    session.execute(
                        update(Ticket).where(Ticket.id == ticket_id).values(status="cancelled")
                    )
            db.dispose()
        print(
            f"  {depth:5d} waiting: issue write p50 {statistics.median(writes) * 1000:6.1f} ms, "
            f"answer read (place + estimate) p50 {statistics.median(reads) * 1000:6.1f} ms "
            f"(last: {ahead} ahead, {wait} min)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-n", type=int, default=900, help="requests per scenario (at most 999: one prefix)"
    )
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("--windows", type=int, default=16)
    parser.add_argument(
        "--depths", default=None, help="e.g. 10,100,1000: one issue's cost by queue depth"
    )
    parser.add_argument("--repeat", type=int, default=21, help="issues per depth (--depths)")
    args = parser.parse_args()
    if args.depths:
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        issue_by_depth([int(d) for d in args.depths.split(",")], args.repeat)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.n, args.concurrency, args.windows)
    pg = postgres_url()
    if not pg:
        print("PostgreSQL: skipped (set MFCQ_TEST_POSTGRES_URL to measure it)")
        return
    with scratch_schema(pg) as url:
        bench("PostgreSQL", url, args.n, args.concurrency, args.windows)


if __name__ == "__main__":
    main()
