"""Revocation reaches open sockets (issue 13, item 2).

A socket opened with a token that later stops being valid — the device revoked, the account
disabled, the password changed, the token expired — is closed within seconds with close code
4401 and an error message the pages show; REST refuses the same token. Sockets of others stay
open. Live server and real WebSocket clients, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from queue_server.auth.models import Device, User
from queue_server.auth.service import create_token
from queue_server.realtime.hub import CLOSE_UNAUTHORIZED
from tests.queue_server.realtime_support import open_events, receive
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer, live_server
from tests.support.world import World

#: "Within seconds": the hub re-checks every 2 s and at once on a revocation event; the
#: bound is generous for a loaded CI machine, far below the 63 s the attack saw.
CLOSED_WITHIN = 8.0


@pytest.fixture
def server(world: World) -> Iterator[LiveServer]:
    """A live server on the world's database and clock."""
    with live_server(world) as running:
        yield running


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    """Plain HTTP to the live server."""
    with httpx.Client(base_url=server.url, timeout=REQUEST_SECONDS) as client:
        yield client


def _closed_with(ws: ClientConnection, within: float = CLOSED_WITHIN) -> tuple[int, list[Any]]:
    """Read until the server closes the socket: the close code and the messages before it."""
    seen: list[Any] = []
    deadline = time.monotonic() + within
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"the socket is still open after {within} s; received {seen}")
        try:
            message = json.loads(ws.recv(timeout=left))
        except TimeoutError:
            continue
        except ConnectionClosed as exc:
            assert exc.rcvd is not None, "closed without a close frame"
            return exc.rcvd.code, seen
        if message.get("type") == "ping":
            ws.send(json.dumps({"type": "pong", "t": message.get("t")}))
            continue
        seen.append(message)


def _assert_refused_socket(ws: ClientConnection) -> None:
    code, seen = _closed_with(ws)
    assert code == CLOSE_UNAUTHORIZED
    errors = [m for m in seen if m.get("type") == "error"]
    assert errors and errors[-1]["error"]["code"] == "token_no_longer_valid"
    assert "Доступ" in errors[-1]["error"]["message"]


def _still_open(ws: ClientConnection, api: httpx.Client, world: World) -> None:
    """An event still reaches a socket whose token is valid."""
    issued = api.post(
        "/api/v1/offices/central/tickets", json={"service": "consult"}, headers=world.auth("kiosk")
    )
    assert issued.status_code == 201, issued.text
    while True:
        message = receive(ws, timeout=CLOSED_WITHIN)
        if message.get("type") == "ticket.issued":
            assert message["payload"]["number"] == issued.json()["number"]
            return


def test_revoked_device_socket_is_closed(
    server: LiveServer, api: httpx.Client, world: World
) -> None:
    """A board whose device is revoked loses its open socket with 4401; a clerk's stays."""
    with world.db.transaction(read_only=True) as session:
        board_id = session.scalar(select(Device.id).where(Device.name == "board"))
    with (
        open_events(server, world.tokens["board"]) as board,
        open_events(server, world.tokens["clerk2"]) as clerk,
    ):
        gone = api.delete(
            f"/api/v1/offices/central/devices/{board_id}", headers=world.auth("manager")
        )
        assert gone.status_code == 204, gone.text
        _assert_refused_socket(board)
        _still_open(clerk, api, world)
    refused = api.get("/api/v1/offices/central/board", headers=world.auth("board"))
    assert refused.status_code == 401


def test_disabled_user_socket_is_closed(
    server: LiveServer, api: httpx.Client, world: World
) -> None:
    """A clerk whose account the manager disables loses the open socket with 4401."""
    with (
        open_events(server, world.tokens["clerk1"]) as ws,
        open_events(server, world.tokens["clerk2"]) as other,
    ):
        patched = api.patch(
            "/api/v1/users/clerk1", json={"active": False}, headers=world.auth("manager")
        )
        assert patched.status_code == 200, patched.text
        _assert_refused_socket(ws)
        _still_open(other, api, world)
    assert api.get("/api/v1/auth/me", headers=world.auth("clerk1")).status_code == 401


def test_changed_password_closes_the_old_tokens_socket(
    server: LiveServer, api: httpx.Client, world: World
) -> None:
    """Changing one's password revokes the old token, and its socket closes with 4401."""
    with open_events(server, world.tokens["clerk1"]) as ws:
        changed = api.post(
            "/api/v1/users/clerk1/password",
            json={"password": "new-password-42"},
            headers=world.auth("clerk1"),
        )
        assert changed.status_code == 204, changed.text
        _assert_refused_socket(ws)
    assert api.get("/api/v1/auth/me", headers=world.auth("clerk1")).status_code == 401


def test_expired_token_socket_is_closed(
    server: LiveServer, api: httpx.Client, world: World
) -> None:
    """A token that expires on the server's clock closes its socket, not only its REST calls."""
    with world.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == "clerk2"))
        assert user is not None
        token = create_token(
            session=session, clock=world.clock, user=user, ttl=timedelta(minutes=30)
        )
    headers = {"Authorization": f"Bearer {token}"}
    with open_events(server, token) as ws:
        assert api.get("/api/v1/auth/me", headers=headers).status_code == 200
        world.clock.advance(timedelta(minutes=31))
        _assert_refused_socket(ws)
    assert api.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_role_change_closes_the_socket(server: LiveServer, api: httpx.Client, world: World) -> None:
    """A token that now stands for other rights (clerk made manager) must subscribe anew."""
    with open_events(server, world.tokens["clerk3"]) as ws:
        patched = api.patch(
            "/api/v1/users/clerk3", json={"role": "manager"}, headers=world.auth("admin")
        )
        assert patched.status_code == 200, patched.text
        _assert_refused_socket(ws)
