"""WebSocket and API helpers of the real-time tests (the live server is tests/support's)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from websockets.sync.client import ClientConnection, connect

from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer
from tests.support.world import World


class HasWsUrl(Protocol):
    """A server reachable over WebSocket (a LiveServer, a server process)."""

    ws_url: str


@contextmanager
def open_events(
    server: HasWsUrl, token: str, office: str = "central", **params: Any
) -> Iterator[ClientConnection]:
    """A WebSocket on an office's events; the hello message is read and checked."""
    query = "&".join(f"{k}={v}" for k, v in {"token": token, **params}.items())
    with connect(
        f"{server.ws_url}/ws/offices/{office}/events?{query}", open_timeout=REQUEST_SECONDS
    ) as ws:
        hello = receive(ws)
        assert hello["type"] == "hello", hello
        yield ws


def receive(ws: ClientConnection, timeout: float = REQUEST_SECONDS) -> dict[str, Any]:
    """The next message, answering pings on the way."""
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
        if message["type"] == "ping":
            ws.send(json.dumps({"type": "pong", "t": message.get("t")}))
            continue
        return message


def receive_events(
    ws: ClientConnection, count: int, timeout: float = REQUEST_SECONDS
) -> list[dict[str, Any]]:
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
        self.http = httpx.Client(base_url=server.url, timeout=REQUEST_SECONDS)

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

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
