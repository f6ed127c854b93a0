"""The connection budget of a process group, and a pool that survives killed connections.

- `mfc-queue serve --workers 4` with `MFCQ_DB_CONNECTIONS`: under concurrent load the
  connections PostgreSQL sees from the group (its application name in pg_stat_activity)
  never exceed the budget, and every process holds its one LISTEN connection.
- No ping before each checkout: when PostgreSQL terminates the pool's connections, a
  request answers 200 or a clean 503 (never 500) and the next one works.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.realtime.pg_listener import LISTEN_NAME_SUFFIX, TIMEKEEPER_KEY
from queue_server.settings import LISTEN_CONNECTIONS, RESERVED, Settings
from tests.support.patience import DATABASE_WAITS, REQUEST_SECONDS, STARTUP_SECONDS
from tests.support.processes import spawn, stop
from tests.support.servers import free_port, live_server
from tests.support.world import World, build_world

pytestmark = pytest.mark.postgres

BUDGET = 48
WORKERS = 4


def test_the_budget_is_shared_among_the_workers() -> None:
    settings = Settings(database_url="postgresql+psycopg://x/y", db_connections=48, workers=4)
    # 12 each: one LISTEN, 11 pooled, none beyond; 3 requests admitted beside the reserve.
    assert settings.pool_share() == (12 - LISTEN_CONNECTIONS, 0)
    assert settings.admitted_requests() == 12 - LISTEN_CONNECTIONS - RESERVED
    assert settings.database_options()["pool_size"] == 11
    unbudgeted = Settings(database_url="postgresql+psycopg://x/y", workers=4)
    assert unbudgeted.pool_share() == (unbudgeted.db_pool_size, unbudgeted.db_pool_overflow)
    with pytest.raises(ValueError, match="MFCQ_DB_CONNECTIONS"):
        Settings(database_url="postgresql+psycopg://x/y", db_connections=30, workers=4)


def test_serve_refuses_a_budget_too_small_for_its_workers(postgres_url: str) -> None:
    process = spawn(
        [sys.executable, "-m", "queue_server.cli", "serve", "--no-migrate", "--workers", "4"],
        env={
            **os.environ,
            "MFCQ_DATABASE_URL": postgres_url,
            "MFCQ_DB_CONNECTIONS": "20",
            "PYTHONPATH": os.getcwd(),
        },
        stderr=subprocess.PIPE,
    )
    try:
        _, err = process.communicate(timeout=STARTUP_SECONDS)
    finally:
        stop(process)
    assert process.returncode == 2
    message = err.decode()
    assert "MFCQ_DB_CONNECTIONS=20" in message and "не меньше 10" in message


@pytest.fixture
def pg_world(postgres_url: str, clock: FakeClock) -> Iterator[World]:
    """The configured world on PostgreSQL only."""
    db = Database.from_url(postgres_url, **DATABASE_WAITS)
    yield build_world(db, clock)
    db.dispose()


@pytest.fixture
def admin(postgres_url: str) -> Iterator[Engine]:
    """A connection of the test's own to read pg_stat_activity."""
    engine = create_engine(postgres_url, pool_size=1)
    yield engine
    engine.dispose()


def _count(admin: Engine, name: str, exact: bool = False) -> int:
    where = "application_name = :name" if exact else "application_name LIKE :name || '%'"
    with admin.connect() as conn:
        return int(
            conn.scalar(
                text(f"SELECT count(*) FROM pg_stat_activity WHERE {where}"), {"name": name}
            )
            or 0
        )


def _timekeepers(admin: Engine, name: str) -> int:
    """LISTEN connections of the group holding the timekeeper's lock."""
    with admin.connect() as conn:
        return int(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :key"
                    " AND a.application_name = :name"
                ),
                {"key": TIMEKEEPER_KEY, "name": f"{name}{LISTEN_NAME_SUFFIX}"},
            )
            or 0
        )


def test_four_workers_under_load_stay_within_the_budget(pg_world: World, admin: Engine) -> None:
    world = pg_world
    name = f"mfcq-budget-{uuid.uuid4().hex[:8]}"
    port = free_port()
    url = world.db.engine.url.render_as_string(hide_password=False)
    process = spawn(
        [
            sys.executable,
            "-m",
            "queue_server.cli",
            "serve",
            "--no-migrate",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
        ],
        env={
            **os.environ,
            "PYTHONPATH": os.getcwd(),
            "MFCQ_DATABASE_URL": url,
            "MFCQ_DB_CONNECTIONS": str(BUDGET),
            "MFCQ_DB_APPLICATION_NAME": name,
            "MFCQ_CLOCK_START": world.clock.now().isoformat(),
            "MFCQ_KIOSK_TICKETS_PER_MINUTE": "0",
            "MFCQ_PUBLIC_URL": f"http://127.0.0.1:{port}",
            # A loaded machine's patience: the budget is what is tested, not the 5 s waits.
            "MFCQ_REQUEST_QUEUE_SECONDS": "30",
            "MFCQ_DB_POOL_TIMEOUT_SECONDS": "30",
            "MFCQ_DB_WRITE_WAIT_SECONDS": "30",
        },
    )
    peak = 0
    sampling = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not sampling.is_set():
            peak = max(peak, _count(admin, name))
            time.sleep(0.02)

    try:
        base = f"http://127.0.0.1:{port}"
        # Four processes start on two cores: on a loaded CI machine, several start-ups' time.
        deadline = time.monotonic() + STARTUP_SECONDS * 3
        # Ready when every worker listens: each holds its LISTEN connection.
        while _count(admin, f"{name}:listen", exact=True) < WORKERS:
            assert process.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        sampler = threading.Thread(target=sample)
        sampler.start()
        statuses: list[int] = []

        def client(n: int) -> None:
            with httpx.Client(base_url=base, timeout=REQUEST_SECONDS) as http:
                for i in range(8):
                    if (n + i) % 2:
                        r = http.post(
                            "/api/v1/offices/central/tickets",
                            json={"service": "passport"},
                            headers=world.auth("kiosk"),
                        )
                    else:
                        r = http.get("/api/v1/offices/central", headers=world.auth("manager"))
                    statuses.append(r.status_code)

        try:
            with ThreadPoolExecutor(max_workers=40) as pool:
                list(pool.map(client, range(40)))
        finally:
            sampling.set()
            sampler.join()
        listening = _count(admin, f"{name}:listen", exact=True)
        timekeepers = _timekeepers(admin, name)
    finally:
        stop(process, timeout=30)

    assert set(statuses) <= {200, 201, 503}, statuses
    assert statuses.count(503) < len(statuses) / 4, statuses
    assert listening == WORKERS
    assert timekeepers == 1  # one of the four runs the timed jobs
    # The load made the pools grow past the LISTEN connections, and never past the budget.
    assert WORKERS < peak <= BUDGET, peak


def test_a_server_survives_its_connections_being_terminated(
    postgres_url: str, clock: FakeClock, admin: Engine
) -> None:
    name = f"mfcq-kill-{uuid.uuid4().hex[:8]}"
    db = Database.from_url(postgres_url, application_name=name, **DATABASE_WAITS)
    try:
        world = build_world(db, clock)
        with (
            live_server(world) as server,
            httpx.Client(base_url=server.url, timeout=REQUEST_SECONDS) as http,
        ):

            def office() -> httpx.Response:
                return http.get("/api/v1/offices/central", headers=world.auth("manager"))

            def issue() -> httpx.Response:
                return http.post(
                    "/api/v1/offices/central/tickets",
                    json={"service": "passport"},
                    headers=world.auth("kiosk"),
                )

            assert office().status_code == 200
            assert issue().status_code == 201
            for request in (office, issue):
                assert _count(admin, name, exact=True) >= 1  # the pool keeps its connections
                with admin.connect() as conn:
                    conn.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE application_name = :name"
                        ),
                        {"name": name},
                    )
                deadline = time.monotonic() + REQUEST_SECONDS
                while _count(admin, name, exact=True):
                    assert time.monotonic() < deadline
                    time.sleep(0.02)
                first = request()
                # The pooled connection was dead: a clean 503 the client may retry, or an
                # answer; never a 500.
                assert first.status_code in (200, 201, 503), first.text
                if first.status_code == 503:
                    assert first.json()["error"]["code"] == "database_busy"
                    assert first.headers["Retry-After"]
                for _ in range(3):
                    again = request()
                    assert again.status_code in (200, 201), again.text
    finally:
        db.dispose()
