#!/usr/bin/env python
"""Issue and call-next over HTTP to a real uvicorn, on SQLite and PostgreSQL.

Prints requests/s and p50/p99 latency for: a baseline endpoint that does one bare insert
through the same stack (FastAPI, dependencies, session, commit), issuing tickets, and
windows calling the next ticket. Run: `python benchmarks/issue_and_call.py`
(PostgreSQL is measured when MFCQ_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queue_server.auth.models import User
from queue_server.auth.service import add_device, create_token, hash_password
from queue_server.clock import SystemClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.migrate import upgrade
from queue_server.offices.models import Office

ALL_DAY = {d: ["00:00", "23:59"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class Stats:
    """Latencies of one scenario."""

    name: str
    latencies: list[float]
    wall: float

    def line(self, baseline: Stats | None = None) -> str:
        """One printed row."""
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rate = len(lat) / self.wall
        ratio = (
            f"  {p50 / (statistics.median(baseline.latencies) * 1000):4.2f}× baseline p50"
            if baseline
            else ""
        )
        return (
            f"  {self.name:<12} {len(lat):6d} req  {rate:8.1f} req/s"
            f"  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms{ratio}"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def start_server(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "MFCQ_DATABASE_URL": url,
        "MFCQ_BENCHMARK_ENDPOINTS": "true",
        # one kiosk token issues thousands a minute here: the per-kiosk limit is off
        "MFCQ_KIOSK_TICKETS_PER_MINUTE": "0",
        "MFCQ_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "queue_server.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


def bench(label: str, url: str, n: int, concurrency: int, windows: int) -> None:
    kiosk, clerks = seed(url, windows)
    proc, base = start_server(url)
    try:
        results = asyncio.run(run_load(base, kiosk, clerks, n, concurrency))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(
        f"{label}: {n} requests per scenario, {concurrency} concurrent clients"
        f" ({windows} windows for calls)"
    )
    baseline = results[0]
    for stats in results:
        print(stats.line(None if stats is baseline else baseline))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-n", type=int, default=900, help="requests per scenario (at most 999: one prefix)"
    )
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("--windows", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.n, args.concurrency, args.windows)
    pg = os.environ.get("MFCQ_TEST_POSTGRES_URL")
    if not pg:
        print("PostgreSQL: skipped (set MFCQ_TEST_POSTGRES_URL to measure it)")
        return
    if pg.startswith("postgresql://"):
        pg = "postgresql+psycopg://" + pg[len("postgresql://") :]
    schema = f"mfcq_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
        bench(
            "PostgreSQL",
            url.render_as_string(hide_password=False),
            args.n,
            args.concurrency,
            args.windows,
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
