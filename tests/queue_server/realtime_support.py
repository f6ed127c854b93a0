"""A real uvicorn server in a thread, and WebSocket helpers, for the real-time tests."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import uvicorn
from fastapi import FastAPI
from websockets.sync.client import ClientConnection, connect

from queue_server.app import create_app
from queue_server.realtime.hub import Hub
from queue_server.settings import Settings
from tests.queue_server.conftest import World


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """uvicorn serving an app on a port, started and stopped from the test thread."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LiveServer:
        """Serve until `stop`; returns once the port accepts connections."""
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="uvicorn", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Shut the server down (its lifespan closes the hub and every socket)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
            self._server = self._thread = None

    @property
    def hub(self) -> Hub:
        """The hub of the running app."""
        assert self._server is not None
        state: dict[str, Any] = self._server.lifespan.state
        hub: Hub = state["runtime"].hub
        return hub


def make_settings(world: World, **overrides: Any) -> Settings:
    """Settings of a test app on the world's database; the scheduler is driven by tests."""
    values: dict[str, Any] = {
        "database_url": world.db.engine.url.render_as_string(hide_password=False),
        "scheduler_interval": 0,
        "public_url": "http://testserver",
        "outbox_poll_seconds": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


@contextmanager
def live_server(world: World, port: int | None = None, **overrides: Any) -> Iterator[LiveServer]:
    """A live server of the world's app, on the world's clock and database."""
    app = create_app(make_settings(world, **overrides), clock=world.clock, database=world.db)
    server = LiveServer(app, port).start()
    try:
        yield server
    finally:
        server.stop()


class HasWsUrl(Protocol):
    """A server reachable over WebSocket (a LiveServer, a server process)."""

    ws_url: str


@contextmanager
def open_events(
    server: HasWsUrl, token: str, office: str = "central", **params: Any
) -> Iterator[ClientConnection]:
    """A WebSocket on an office's events; the hello message is read and checked."""
    query = "&".join(f"{k}={v}" for k, v in {"token": token, **params}.items())
    with connect(f"{server.ws_url}/ws/offices/{office}/events?{query}", open_timeout=10) as ws:
        hello = receive(ws)
        assert hello["type"] == "hello", hello
        yield ws


def receive(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    """The next message, answering pings on the way."""
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
        if message["type"] == "ping":
            ws.send(json.dumps({"type": "pong", "t": message.get("t")}))
            continue
        return message


def receive_events(ws: ClientConnection, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The next `count` event messages (control messages other than pings fail the test)."""
    events: list[dict[str, Any]] = []
    while len(events) < count:
        message = receive(ws, timeout)
        assert "id" in message, message
        events.append(message)
    return events


class Api:
    """Blocking calls to the live server's API as the world's users and devices."""

    def __init__(self, server: LiveServer, world: World) -> None:
        import httpx

        self.world = world
        self.http = httpx.Client(base_url=server.url, timeout=10)

    def post(self, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST and return the JSON body (asserts a 2xx)."""
        response = self.http.post(path, json=body, headers=self.world.auth(who))
        assert response.is_success, response.text
        return response.json() if response.content else None

    def issue(self, service: str = "passport") -> dict[str, Any]:
        """A new ticket from the kiosk."""
        result: dict[str, Any] = self.post(
            "kiosk", "/api/v1/offices/central/tickets", {"service": service}
        )
        return result

    def take(self, clerk: str, window: int) -> None:
        """The clerk takes the window."""
        self.post(clerk, f"/api/v1/offices/central/windows/{window}/take")

    def call_next(self, clerk: str, window: int) -> dict[str, Any]:
        """The clerk calls the next ticket."""
        result: dict[str, Any] = self.post(
            clerk, f"/api/v1/offices/central/windows/{window}/call-next"
        )
        return result

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()
