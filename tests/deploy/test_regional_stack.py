"""The regional shape on one machine: nginx → two `mfc-queue serve` processes → PgBouncer
(transaction mode) → PostgreSQL, LISTEN straight to PostgreSQL (docs/deploy.md).

nginx and PgBouncer run the project's own files (deploy/), rendered with free ports.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool
from websockets.sync.client import ClientConnection, connect

from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.events.models import Event
from queue_server.migrate import upgrade
from queue_server.offices.models import Office
from queue_server.realtime.pg_listener import LISTEN_NAME_SUFFIX, TIMEKEEPER_KEY
from tests.deploy.stack import (
    Nginx,
    PgBouncer,
    binary,
    fresh_database,
    scratch_folder,
    start_server,
)
from tests.queue_server.realtime_support import receive, receive_events
from tests.support.patience import REQUEST_SECONDS
from tests.support.server_process import ServerProcess
from tests.support.world import MONDAY_10, World, build_world

pytestmark = pytest.mark.postgres


@dataclass
class Stack:
    """The running stack and the world configured in its database."""

    world: World
    direct_url: str
    bouncer: PgBouncer
    servers: list[ServerProcess]
    nginx: Nginx
    app_name: str


@pytest.fixture
def stack() -> Iterator[Stack]:
    """PostgreSQL (a fresh database), PgBouncer, two servers, nginx; stopped afterwards."""
    binary("nginx"), binary("pgbouncer")  # skip (or fail under strict) before any work
    with scratch_folder() as folder, fresh_database() as (name, direct_url):
        upgrade(direct_url)
        db = Database.from_url(direct_url)
        world = build_world(db, FakeClock(MONDAY_10))
        bouncer = PgBouncer(folder, name)
        app_name = f"mfcq-region-{uuid.uuid4().hex[:8]}"
        env = {
            "MFCQ_DATABASE_URL": bouncer.url,
            "MFCQ_DATABASE_POOLER": "transaction",
            "MFCQ_DATABASE_DIRECT_URL": direct_url,
            "MFCQ_DB_CONNECTIONS": "20",
            "MFCQ_DB_APPLICATION_NAME": app_name,
            "MFCQ_SCHEDULER_INTERVAL": "0",  # no timers: only the test's calls make events
            "MFCQ_OUTBOX_POLL_SECONDS": "0",  # only NOTIFY carries events across processes
        }
        servers: list[ServerProcess] = []
        nginx = None
        try:
            servers = [start_server(env, clock_start=MONDAY_10.isoformat()) for _ in range(2)]
            for server in servers:
                server.wait_ready()
            nginx = Nginx(folder, [s.port for s in servers])
            yield Stack(world, direct_url, bouncer, servers, nginx, app_name)
        finally:
            if nginx is not None:
                nginx.stop()
            for server in servers:
                server.stop()
            bouncer.stop()
            db.dispose()


@contextmanager
def _board(stack: Stack, after: int | None = None) -> Iterator[tuple[ClientConnection, str, int]]:
    """The board's socket through nginx, the upstream nginx sent it to, and the office's
    last event id when it connected (its hello's)."""
    query = f"token={stack.world.tokens['board']}" + (f"&after={after}" if after else "")
    with connect(
        f"{stack.nginx.ws_url}/ws/offices/central/events?{query}", open_timeout=REQUEST_SECONDS
    ) as ws:
        assert ws.response is not None
        upstream = ws.response.headers["X-MFCQ-Upstream"]
        hello = receive(ws)
        assert hello["type"] == "hello", hello
        yield ws, upstream, int(hello["last_id"])


def _listening(stack: Stack) -> tuple[int, int]:
    """The processes' LISTEN connections to PostgreSQL, and how many hold the timekeeper's
    lock."""
    engine = create_engine(stack.direct_url, poolclass=NullPool)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_locks l"
                " WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted"
                " AND l.classid = :key)) FROM pg_stat_activity a WHERE application_name = :name"
            ),
            {"name": f"{stack.app_name}{LISTEN_NAME_SUFFIX}", "key": TIMEKEEPER_KEY},
        ).one()
    engine.dispose()
    return int(row[0]), int(row[1])


def _office_events(stack: Stack, after: int = 0) -> list[tuple[int, str]]:
    with stack.world.db.transaction(read_only=True) as session:
        office = session.scalar(select(Office).where(Office.code == "central"))
        assert office is not None
        rows = session.execute(
            select(Event.id, Event.type)
            .where(Event.office_id == office.id, Event.id > after)
            .order_by(Event.id)
        )
        return [(row.id, row.type) for row in rows]


def test_a_board_on_one_process_gets_the_calls_made_through_the_other_and_a_dead_one_is_routed_around(  # noqa: E501
    stack: Stack,
) -> None:
    with ExitStack() as closing:  # the HTTP clients, closed whatever happens
        _board_gets_the_calls_and_a_dead_process_is_routed_around(stack, closing)


def _board_gets_the_calls_and_a_dead_process_is_routed_around(
    stack: Stack, closing: ExitStack
) -> None:
    world = stack.world
    with _board(stack) as (board, upstream, start_id):
        # The board sits on one process (nginx says which); the calls go to the other.
        on_board = next(s for s in stack.servers if upstream.endswith(f":{s.port}"))
        other = next(s for s in stack.servers if s is not on_board)
        api = httpx.Client(base_url=other.url, timeout=REQUEST_SECONDS)
        closing.callback(api.close)
        taken = api.post("/api/v1/offices/central/windows/1/take", headers=world.auth("clerk1"))
        assert taken.status_code == 200, taken.text
        numbers = []
        for _ in range(3):
            issued = api.post(
                "/api/v1/offices/central/tickets",
                json={"service": "passport"},
                headers=world.auth("kiosk"),
            )
            assert issued.status_code == 201, issued.text
            numbers.append(issued.json()["number"])
        called = []
        for _ in range(3):
            call = api.post(
                "/api/v1/offices/central/windows/1/call-next", headers=world.auth("clerk1")
            )
            assert call.status_code == 200, call.text
            called.append(call.json()["number"])
            done = api.post(
                f"/api/v1/tickets/{call.json()['id']}/no-show", headers=world.auth("clerk1")
            )
            assert done.status_code == 200, done.text
        assert called == numbers  # first come, first served

        # Everything the office's outbox holds reaches the board, in commit order, and the
        # calls in the order they were made.
        expected = _office_events(stack, after=start_id)
        assert [t for _, t in expected].count("ticket.called") == 3
        got = receive_events(board, len(expected))
        assert [(e["id"], e["type"]) for e in got] == expected
        board_calls = [e["payload"]["number"] for e in got if e["type"] == "ticket.called"]
        assert board_calls == called
        last_id = got[-1]["id"]

    # The API's transactions went through PgBouncer; each process LISTENs straight to
    # PostgreSQL, on a connection of its own.
    stats = stack.bouncer.stats()["mfcq"]
    assert stats["total_xact_count"] >= 10, stats
    assert _listening(stack) == (2, 1)  # one of them keeps time

    # The board's process dies (no shutdown). Requests through nginx still succeed, and
    # the board, reconnecting through nginx with the last id it saw, gets what it missed.
    on_board.kill()
    via_nginx = httpx.Client(base_url=stack.nginx.url, timeout=REQUEST_SECONDS)
    closing.callback(via_nginx.close)
    for _ in range(6):
        issued = via_nginx.post(
            "/api/v1/offices/central/tickets",
            json={"service": "passport"},
            headers=world.auth("kiosk"),
        )
        assert issued.status_code == 201, issued.text
        assert issued.headers["X-MFCQ-Upstream"].endswith(f":{other.port}")
    # The survivor keeps time now, if the dead one did: it takes the lock at its next
    # LISTEN health check.
    deadline = time.monotonic() + REQUEST_SECONDS
    while _listening(stack) != (1, 1):
        assert time.monotonic() < deadline, _listening(stack)
        time.sleep(0.2)
    with _board(stack, after=last_id) as (board, upstream, _):
        assert upstream.endswith(f":{other.port}")
        expected = _office_events(stack, after=last_id)
        assert [t for _, t in expected].count("ticket.issued") == 6
        got = receive_events(board, len(expected))
        assert [(e["id"], e["type"]) for e in got] == expected
