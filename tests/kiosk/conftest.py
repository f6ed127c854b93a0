"""Kiosk fixtures: a real queue server and kiosk under uvicorn, a pty printer, Chromium."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hardware_sim import SimulatedPrinter
from kiosk.app import create_kiosk_app
from kiosk.config import KioskConfig
from queue_server.agreements.service import agree_for_every_agency
from queue_server.auth.models import User
from queue_server.auth.service import add_device, create_token
from queue_server.clock import FakeClock
from queue_server.config_io import ConfigFile, import_config
from queue_server.db import Database
from queue_server.demo import CATALOGUE, _windows
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.settings import Settings
from tests.support.app import borrowed_app
from tests.support.browser import open_page
from tests.support.patience import REQUEST_SECONDS
from tests.support.servers import LiveServer, free_port
from tests.support.world import PASSWORD_HASH

OFFICE = "demo"

# The kiosk tests run two apps (server and kiosk) in threads of this process, and FastAPI
# builds each app's routes lazily under `warnings.catch_warnings()` to silence pydantic's
# UnsupportedFieldAttributeWarning; catch_warnings is process-wide, so when both build at
# once one thread can restore the suite's "error" filter while the other is still inside,
# and a page answers 500. The warning is harmless (FastAPI means to ignore it): ignore it
# in these tests so that the race cannot fail them.
_IGNORE_FIELD_WARNING = pytest.mark.filterwarnings(
    "ignore::pydantic.warnings.UnsupportedFieldAttributeWarning"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the kiosk tests (this folder only) to ignore the warning above."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(_IGNORE_FIELD_WARNING)


HOURS = {
    **{d: ["08:00", "19:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    "sat": ["10:00", "14:00"],
    "sun": None,
}


@dataclass
class KioskWorld:
    """The demo catalogue in an office with real hours, its tokens, and the running parts."""

    db: Database
    clock: FakeClock
    tokens: dict[str, str] = field(default_factory=dict)
    server: LiveServer | None = None

    def auth(self, who: str) -> dict[str, str]:
        """Authorization headers of a user or device."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def api(self) -> httpx.Client:
        """A client of the running server."""
        assert self.server is not None
        return httpx.Client(base_url=self.server.url + "/api/v1", timeout=REQUEST_SECONDS)

    def tickets(self) -> list[dict[str, Any]]:
        """The office's waiting tickets (all services), as the queue endpoint gives them."""
        with self.api() as api:
            queue = api.get(f"/offices/{OFFICE}/queue", headers=self.auth("manager")).json()
        return [t | {"service": s["service"]} for s in queue["services"] for t in s["tickets"]]

    def issue(self, service: str, n: int = 1) -> None:
        """Put n more people in the queue through the API (as another kiosk would)."""
        with self.api() as api:
            for _ in range(n):
                r = api.post(
                    f"/offices/{OFFICE}/tickets",
                    json={"service": service},
                    headers=self.auth("kiosk-2"),
                )
                assert r.status_code == 201, r.text


def build_kiosk_world(db: Database, clock: FakeClock) -> KioskWorld:
    """Configure the demo office (08–19 on weekdays), staff and two kiosks."""
    world = KioskWorld(db=db, clock=clock)
    office_config = {
        "name": "МФЦ «Мои документы» — демонстрационный офис",
        "timezone": "Europe/Moscow",
        "opening_hours": HOURS,
        "windows": _windows(),
    }
    with db.transaction() as session:
        import_config(
            session=session,
            data=ConfigFile.model_validate({**CATALOGUE, "offices": {OFFICE: office_config}}),
        )
        office = session.scalar(select(Office).where(Office.code == OFFICE))
        assert office is not None
        # R18: the demo catalogue's agencies serve under agreements, as in the demo.
        today = local_now(office, clock.now()).date()
        agree_for_every_agency(session=session, clock=clock, today=today, announce=False)
        for username, role in (("manager", "manager"), ("clerk1", "clerk"), ("clerk2", "clerk")):
            user = User(
                username=username,
                full_name=username.title(),
                password_hash=PASSWORD_HASH,
                role=role,
                office_id=office.id,
            )
            session.add(user)
            session.flush()
            world.tokens[username] = create_token(
                session=session, clock=clock, user=user, ttl=timedelta(days=30)
            )
        for name in ("kiosk-1", "kiosk-2"):
            _device, token = add_device(
                session=session, clock=clock, office=office, kind="kiosk", name=name
            )
            world.tokens[name] = token
    return world


@pytest.fixture
def kiosk_world(db: Database, clock: FakeClock) -> Iterator[KioskWorld]:
    """The world with its queue server running under uvicorn (SQLite file, fake clock)."""
    world = build_kiosk_world(db, clock)
    port = free_port()
    settings = Settings(
        database_url=str(db.engine.url),
        scheduler_interval=0,
        public_url=f"http://127.0.0.1:{port}",
    )
    # Each start (a test may restart the server) runs the app's lifespan anew.
    with borrowed_app(settings, clock=clock, database=db) as app:
        world.server = LiveServer(app, port=port)
        world.server.start()
        try:
            yield world
        finally:
            world.server.stop()


@pytest.fixture
def printer_sim() -> Iterator[SimulatedPrinter]:
    """A virtual ESC/POS printer on a real pty."""
    with SimulatedPrinter(width=80, pty=True) as sim:
        yield sim


def kiosk_config(server_url: str, token: str, printer_url: str, **overrides: Any) -> KioskConfig:
    """Kiosk settings for tests: quick printer checks and retries, menu always fresh."""
    values: dict[str, Any] = {
        "server_url": server_url,
        "token": token,
        "printer_url": printer_url,
        "monitor_seconds": 0.3,
        "menu_ttl_seconds": 0.0,
        "retry_seconds": 1,
        "request_timeout": 3.0,
        "printer_timeout": 0.5,
        "printer_job_timeout": 10.0,
        **overrides,
    }
    return KioskConfig(**values)


@pytest.fixture
def kiosk(kiosk_world: KioskWorld, printer_sim: SimulatedPrinter) -> Iterator[LiveServer]:
    """The kiosk agent under uvicorn, talking to the live server and the pty printer."""
    assert kiosk_world.server is not None
    config = kiosk_config(
        kiosk_world.server.url, kiosk_world.tokens["kiosk-1"], printer_sim.serial_url
    )
    live = LiveServer(factory=lambda: create_kiosk_app(config))
    live.start()
    yield live
    live.stop()


@pytest.fixture
def kiosk_via_proxy(
    kiosk_world: KioskWorld, printer_sim: SimulatedPrinter
) -> Iterator[tuple[LiveServer, CuttingProxy]]:
    """The kiosk talking to the server through a CuttingProxy."""
    assert kiosk_world.server is not None
    proxy = CuttingProxy(kiosk_world.server.port)
    config = kiosk_config(proxy.url, kiosk_world.tokens["kiosk-1"], printer_sim.serial_url)
    live = LiveServer(factory=lambda: create_kiosk_app(config))
    live.start()
    yield live, proxy
    live.stop()
    proxy.close()


# --- a TCP proxy that can cut a request off after the server has handled it -----------


class CuttingProxy:
    """Forwards TCP to the server; armed, it drops the reply to the next matching request.

    The server has processed the request (the ticket exists) but the kiosk never hears
    back: the worst case for duplicates and lost tickets.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cut_next: bytes | None = None  # request-line fragment to cut
        self.cuts = 0
        self.on_request: Callable[[bytes], None] | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        cut = asyncio.Event()

        async def to_server() -> None:
            while chunk := await reader.read(65536):
                if self.on_request is not None:
                    self.on_request(chunk)
                if self.cut_next is not None and self.cut_next in chunk:
                    self.cut_next = None
                    cut.set()
                up_writer.write(chunk)
                await up_writer.drain()

        async def to_client() -> None:
            while chunk := await up_reader.read(65536):
                if cut.is_set():
                    # HTTP/1.1 without pipelining: this is the reply to the cut request.
                    self.cuts += 1
                    return
                writer.write(chunk)
                await writer.drain()

        tasks = [asyncio.ensure_future(to_server()), asyncio.ensure_future(to_client())]
        try:
            _done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        finally:
            # Also when close() cancels this handler: a writer left open is collected after
            # the proxy's loop is closed, and its "loop is closed" warning then fails
            # whichever test happens to be running.
            for task in tasks:
                task.cancel()
            up_writer.close()
            writer.close()

    def close(self) -> None:
        """Stop the proxy, its connections included."""

        async def shutdown() -> None:
            self._server.close()
            current = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not current]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


# --- the browser ------------------------------------------------------------------------


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page the size of a 17-inch kiosk screen (script errors fail the test)."""
    with open_page(browser, viewport={"width": 1280, "height": 1024}) as tab:
        yield tab


def screenshot_dir() -> Path | None:
    """Where to save the README screenshots (MFCQ_SCREENSHOTS=docs/img), if anywhere."""
    raw = os.environ.get("MFCQ_SCREENSHOTS")
    return Path(raw) if raw else None
