"""The hub over a real server: auth on connect, live events, replay, resync, heartbeats."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.events.models import Event
from queue_server.events.service import emit
from queue_server.scheduler import Scheduler
from tests.queue_server.realtime_support import Api, open_events, receive, receive_events
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer, live_server
from tests.support.world import World, build_world


@pytest.fixture
def server(world: World) -> Iterator[LiveServer]:
    """A live server on the world (SQLite and PostgreSQL)."""
    with live_server(world) as running:
        yield running


@pytest.fixture
def api(server: LiveServer, world: World) -> Iterator[Api]:
    """API calls against the live server."""
    client = Api(server, world)
    yield client
    client.close()


def outbox_ids(world: World, after: int = 0) -> list[int]:
    """Every event id of office central after `after`, as stored."""
    from sqlalchemy import select

    central = _office_id(world, "central")
    with world.db.transaction(read_only=True) as session:
        return list(
            session.scalars(
                select(Event.id)
                .where(Event.office_id == central, Event.id > after)
                .order_by(Event.id)
            )
        )


def test_refuses_a_bad_token(server: LiveServer) -> None:
    with connect(
        f"{server.ws_url}/ws/offices/central/events?token=dev_nope", open_timeout=REQUEST_SECONDS
    ) as ws:
        message = json.loads(ws.recv(timeout=5))
        assert message["type"] == "error"
        assert message["error"]["code"] == "bad_token"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_refuses_a_kiosk_and_another_office(server: LiveServer, world: World) -> None:
    cases = [("kiosk", "central", 4403), ("north_clerk", "central", 4403)]
    for who, office, code in cases:
        url = f"{server.ws_url}/ws/offices/{office}/events?token={world.tokens[who]}"
        with connect(url, open_timeout=REQUEST_SECONDS) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "error"
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code, who


def test_token_may_come_as_the_first_message(server: LiveServer, world: World) -> None:
    with connect(f"{server.ws_url}/ws/offices/central/events", open_timeout=REQUEST_SECONDS) as ws:
        ws.send(json.dumps({"type": "auth", "token": world.tokens["clerk1"]}))
        hello = receive(ws)
    assert hello["type"] == "hello" and hello["office"] == "central"


def test_a_call_reaches_the_board_with_its_event_id(
    server: LiveServer, api: Api, world: World
) -> None:
    api.take("clerk1", 1)
    issued = api.issue()
    with open_events(server, world.tokens["board"]) as ws:
        api.call_next("clerk1", 1)
        (event,) = receive_events(ws, 1)
    assert event["type"] == "ticket.called"
    assert event["payload"]["number"] == issued["number"]
    assert event["payload"]["window"] == 1
    assert event["id"] == outbox_ids(world)[-1]


def test_replay_after_disconnect_has_no_gap_and_no_duplicate(
    server: LiveServer, api: Api, world: World
) -> None:
    api.take("clerk1", 1)
    with open_events(server, world.tokens["board"]) as ws:
        api.issue()
        (seen,) = receive_events(ws, 1)
    # While the board is away: two tickets, a call.
    api.issue()
    api.issue("results")
    api.call_next("clerk1", 1)
    missed = outbox_ids(world, after=seen["id"])
    assert len(missed) == 3
    with open_events(server, world.tokens["board"], after=seen["id"]) as ws:
        replayed = receive_events(ws, 3)
        api.issue()  # and live again after the replay
        (live,) = receive_events(ws, 1)
    assert [e["id"] for e in replayed] == missed
    assert [e["type"] for e in replayed] == ["ticket.issued", "ticket.issued", "ticket.called"]
    assert live["id"] == outbox_ids(world)[-1] > missed[-1]


def test_events_committed_during_the_replay_are_neither_lost_nor_doubled(
    server: LiveServer, world: World
) -> None:
    central = _office_id(world, "central")
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        # Commits from another thread while the client connects and replays.
        n = 0
        try:
            while not stop.is_set() and n < 400:
                with world.db.transaction() as session:
                    emit(
                        session=session,
                        clock=world.clock,
                        type="test.tick",
                        office_id=central,
                        payload={"n": n},
                    )
                n += 1
        except BaseException as exc:  # shown by the test, not lost with the thread
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        received: list[int] = []
        with open_events(server, world.tokens["board"], after=0) as ws:
            while True:
                try:
                    message = receive(ws)
                except TimeoutError:
                    assert not failures, f"the writer failed: {failures[0]!r}"
                    raise
                assert "id" in message, message
                received.append(message["id"])
                if message["payload"].get("n") == 399:
                    break
    finally:
        stop.set()
        thread.join()
    assert received == outbox_ids(world)


def test_too_much_missed_tells_the_client_to_resync(world: World) -> None:
    with live_server(world, ws_replay_limit=3) as server:
        api = Api(server, world)
        for _ in range(5):
            api.issue()
        api.close()
        with open_events(server, world.tokens["board"], after=0) as ws:
            message = receive(ws)
    assert message == {
        "type": "resync",
        "reason": "too_far_behind",
        "last_id": outbox_ids(world)[-1],
    }


def test_scheduler_recalls_reach_the_board(server: LiveServer, api: Api, world: World) -> None:
    api.take("clerk1", 1)
    issued = api.issue()
    api.call_next("clerk1", 1)
    with open_events(server, world.tokens["board"]) as ws:
        world.clock.advance(minutes=2)
        assert Scheduler(world.db, world.clock).run_pending() >= 1
        events = [e for e in receive_events(ws, 1) if e["type"] == "ticket.recalled"]
    assert events and events[0]["payload"]["number"] == issued["number"]
    assert events[0]["payload"]["automatic"] is True


def test_window_and_type_filters(server: LiveServer, api: Api, world: World) -> None:
    api.take("clerk1", 1)
    api.take("clerk3", 3)
    api.issue()
    api.issue("results")
    with open_events(server, world.tokens["clerk3"], window=3, types="ticket.") as ws:
        api.call_next("clerk1", 1)
        api.call_next("clerk3", 3)
        (event,) = receive_events(ws, 1)
    assert event["type"] == "ticket.called" and event["payload"]["window"] == 3


def test_a_silent_peer_is_dropped_by_the_heartbeat(world: World) -> None:
    with live_server(world, ws_heartbeat_seconds=0.2) as server:
        stack = contextlib.ExitStack()
        silent = stack.enter_context(open_events(server, world.tokens["board"]))
        talking = stack.enter_context(open_events(server, world.tokens["clerk1"]))
        pings = 0
        with pytest.raises(ConnectionClosed) as closed:
            while True:  # the silent client reads but never answers the pings
                message = json.loads(silent.recv(timeout=5))
                pings += message["type"] == "ping"
                receive_nothing(talking)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
        assert pings >= 2
        # The client that answers is still served.
        receive_nothing(talking)
        assert server.hub.connection_count() == 1
        stack.close()


def receive_nothing(ws: object) -> None:
    """Answer pending pings of a client without waiting for more."""
    from websockets.sync.client import ClientConnection

    assert isinstance(ws, ClientConnection)
    while True:
        try:
            raw = ws.recv(timeout=0.05)
        except TimeoutError:
            return
        message = json.loads(raw)
        if message["type"] == "ping":
            ws.send(json.dumps({"type": "pong"}))


def _office_id(world: World, code: str) -> int:
    from sqlalchemy import select

    from queue_server.offices.models import Office

    with world.db.transaction(read_only=True) as session:
        office_id = session.scalar(select(Office.id).where(Office.code == code))
        assert office_id is not None
        return office_id


class StalledSocket:
    """A WebSocket client by hand on a raw socket, so that it can really stop reading."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def read_frame(self) -> tuple[int, bytes]:
        """(opcode, payload) of the next frame from the server (never masked)."""
        first, second = self._exact(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(self._exact(2), "big")
        elif length == 127:
            length = int.from_bytes(self._exact(8), "big")
        return first & 0x0F, self._exact(length)


def test_a_slow_client_is_dropped_without_holding_up_the_others(
    sqlite_url: str, clock: FakeClock
) -> None:
    world = build_world(Database.from_url(sqlite_url), clock)
    central = _office_id(world, "central")
    big = "x" * 4000  # 3000 events of 4 KB: more than the kernel buffers between the two
    with live_server(world, ws_queue_size=1000, ws_replay_limit=5000) as server:
        slow = StalledSocket(
            server.port, f"/ws/offices/central/events?token={world.tokens['board']}"
        )
        assert json.loads(slow.read_frame()[1])["type"] == "hello"
        with open_events(server, world.tokens["clerk1"]) as fast:
            fast_ids: list[int] = []

            def read_fast() -> None:
                while len(fast_ids) < 3000:
                    fast_ids.append(receive(fast, timeout=20)["id"])

            reader = threading.Thread(target=read_fast)
            reader.start()
            for batch in range(60):
                # Paced so that the fast board (a Python thread parsing 4 KB messages) keeps
                # up; the slow one reads nothing at all.
                while len(fast_ids) < batch * 50 - 400 and reader.is_alive():
                    time.sleep(0.005)
                with world.db.transaction() as session:
                    for n in range(50):
                        emit(
                            session=session,
                            clock=world.clock,
                            type="test.big",
                            office_id=central,
                            payload={"n": batch * 50 + n, "pad": big},
                        )
            reader.join(timeout=60)
            expected = outbox_ids(world)[-3000:]
            assert fast_ids == expected  # every event, in order, while the slow one stalled
            assert server.hub.connection_count() == 1  # the slow one was let go at once

        # The slow board wakes up: it reads what reached it, then the connection ends.
        slow_ids: list[int] = []
        notices = []
        with contextlib.suppress(ConnectionError, TimeoutError):
            slow.sock.settimeout(10)
            while True:
                opcode, payload = slow.read_frame()
                if opcode == 8:  # close
                    break
                message = json.loads(payload)
                if "id" in message:
                    slow_ids.append(message["id"])
                else:
                    notices.append(message["type"])
        slow.sock.close()
        assert 0 < len(slow_ids) < 3000
        assert set(notices) <= {"resync", "ping"}
        # Reconnecting with its last id, it gets the rest: nothing lost, nothing twice.
        with open_events(server, world.tokens["board"], after=slow_ids[-1]) as ws:
            rest = [e["id"] for e in receive_events(ws, 3000 - len(slow_ids), timeout=10)]
        assert slow_ids + rest == expected
