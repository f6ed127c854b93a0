"""Fan-out across processes on PostgreSQL: two real server processes and a third writer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from queue_server.auth.service import resolve_token
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.offices.models import Office
from queue_server.scheduler import Scheduler
from queue_server.tickets.issuing import issue_ticket
from tests.queue_server.realtime_support import open_events, receive_events
from tests.support.patience import DATABASE_WAITS, REQUEST_SECONDS
from tests.support.server_process import ServerProcess
from tests.support.world import World, build_world


def server_process(database_url: str, clock_start: datetime) -> ServerProcess:
    """uvicorn running the app factory in its own process, on the test's database."""
    env = {
        "MFCQ_DATABASE_URL": database_url,
        # The servers run from the test's fake instant, not on the wall clock, so that they
        # and the scheduler of this process share one time base.
        "MFCQ_CLOCK_START": clock_start.isoformat(),
        "MFCQ_SCHEDULER_INTERVAL": "0",  # the timers run in the test process instead
        "MFCQ_OUTBOX_POLL_SECONDS": "0",  # so that only NOTIFY can deliver
        **{f"MFCQ_DB_{name.upper()}": str(value) for name, value in DATABASE_WAITS.items()},
    }
    return ServerProcess.uvicorn(env)


@pytest.fixture
def pg_world(postgres_url: str, clock: FakeClock) -> Iterator[World]:
    """The configured world on PostgreSQL only."""
    db = Database.from_url(postgres_url, **DATABASE_WAITS)
    yield build_world(db, clock)
    db.dispose()


@pytest.fixture
def two_servers(pg_world: World) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two server processes on the world's database schema."""
    url = pg_world.db.engine.url.render_as_string(hide_password=False)
    start = pg_world.clock.now()
    servers: list[ServerProcess] = []
    try:
        servers += [server_process(url, start), server_process(url, start)]
        for server in servers:
            server.wait_ready()
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def test_events_reach_the_sockets_of_every_process(
    two_servers: tuple[ServerProcess, ServerProcess], pg_world: World
) -> None:
    a, b = two_servers
    world = pg_world
    with (
        open_events(a, world.tokens["manager"]) as on_a,
        open_events(b, world.tokens["board"]) as on_b,
    ):
        # 1. A change through process A's API reaches the board connected to process B.
        taken = httpx.post(
            f"{a.url}/api/v1/offices/central/windows/1/take",
            headers=world.auth("clerk1"),
            timeout=REQUEST_SECONDS,
        )
        assert taken.status_code == 200, taken.text
        (from_a,) = receive_events(on_a, 1)
        (from_b,) = receive_events(on_b, 1)
        assert from_a == from_b
        assert from_b["type"] == "window.taken" and from_b["payload"]["window"] == 1

        # 2. A ticket issued by a third process (this one) reaches both.
        with world.db.transaction() as session:
            office = session.scalar(select(Office).where(Office.code == "central"))
            assert office is not None
            kiosk = resolve_token(session=session, clock=world.clock, token=world.tokens["kiosk"])
            ticket, _ = issue_ticket(
                session=session,
                clock=world.clock,
                office=office,
                principal=kiosk,
                service_code="passport",
            )
            number = ticket.number
        issued_a, issued_b = receive_events(on_a, 1)[0], receive_events(on_b, 1)[0]
        assert issued_a == issued_b and issued_b["type"] == "ticket.issued"

        # 3. Called through process B; then the scheduler, running in this third process,
        #    recalls it: the automatic recall reaches the sockets of both servers.
        called = httpx.post(
            f"{b.url}/api/v1/offices/central/windows/1/call-next",
            headers=world.auth("clerk1"),
            timeout=REQUEST_SECONDS,
        )
        assert called.status_code == 200, called.text
        (called_a,) = receive_events(on_a, 1)
        assert [called_a] == receive_events(on_b, 1)
        # The servers' clocks ran on from the world's start; the recall is due one minute
        # (R5) after the call as they recorded it.
        world.clock.set(datetime.fromisoformat(called_a["at"]) + timedelta(seconds=61))
        assert Scheduler(world.db, world.clock).run_pending() >= 1
        recalled_a, recalled_b = receive_events(on_a, 1)[0], receive_events(on_b, 1)[0]
        assert recalled_a == recalled_b
        assert recalled_b["type"] == "ticket.recalled"
        assert recalled_b["payload"]["number"] == number
        assert recalled_b["payload"]["automatic"] is True
        ids = [from_b["id"], issued_b["id"], recalled_b["id"]]
        assert ids == sorted(ids)
