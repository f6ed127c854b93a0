"""A real uvicorn serving an app in a thread: for page tests, kiosks and real-time tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from queue_server.app import create_app
from queue_server.realtime.hub import Hub
from queue_server.settings import Settings
from tests.support.app import borrowed_app, settings_for
from tests.support.patience import STARTUP_SECONDS
from tests.support.world import World


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """An ASGI app under uvicorn in a thread; it can stop and start again on the same port.

    Give it an app, or a factory when each start needs a new app (a restart test).
    """

    def __init__(
        self, app: Any = None, port: int | None = None, *, factory: Callable[[], Any] | None = None
    ) -> None:
        if (app is None) == (factory is None):
            raise ValueError("give an app or a factory")
        self._make_app: Callable[[], Any] = factory or (lambda: app)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LiveServer:
        """Serve until `stop`; returns once the port accepts connections."""
        config = uvicorn.Config(
            self._make_app(), host="127.0.0.1", port=self.port, log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
        thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:  # waiting for the bind, not for a timer
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the test server on port {self.port} did not start")
            time.sleep(0.02)
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Shut the server down (its lifespan closes the hub and every socket)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
            self._server = self._thread = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def runtime(self) -> Any:
        """The running app's lifespan runtime."""
        assert self._server is not None
        return self._server.lifespan.state["runtime"]

    @property
    def hub(self) -> Hub:
        """The hub of the running app."""
        hub: Hub = self.runtime.hub
        return hub


def make_settings(world: World, **overrides: Any) -> Settings:
    """Settings of a live test server: the outbox polled often, the scheduler by the test."""
    return settings_for(world, **{"outbox_poll_seconds": 0.5, **overrides})


@contextmanager
def live_server(world: World, port: int | None = None, **overrides: Any) -> Iterator[LiveServer]:
    """A live server of the world's app, on the world's clock and database.

    An app of its own (borrowed from the built ones): a test may run two servers at once on
    the same world. The links the server prints (public_url) lead to the server itself
    unless a test says otherwise.
    """
    port = port or free_port()
    overrides.setdefault("public_url", f"http://127.0.0.1:{port}")
    settings = make_settings(world, **overrides)
    with (
        borrowed_app(settings, clock=world.clock, database=world.db) as app,
        LiveServer(app, port) as server,
    ):
        yield server


@contextmanager
def fresh_live_server(world: World, port: int, **overrides: Any) -> Iterator[LiveServer]:
    """Like `live_server`, on an app built for this server alone (none borrowed).

    The LED driver's tests use it: a device process on the server's port failed in CI's
    order (events and key presses lost) after the apps became borrowed, and passed alone
    and with an app of its own. Why a recycled app loses them there is not found yet.
    """
    overrides.setdefault("public_url", f"http://127.0.0.1:{port}")
    app = create_app(make_settings(world, **overrides), clock=world.clock, database=world.db)
    with LiveServer(app, port) as server:
        yield server
