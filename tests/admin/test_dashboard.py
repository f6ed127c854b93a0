"""The dashboard: its JSON on both backends, and the page in Chromium turning amber then red."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from queue_server.app import create_app
from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.settings import Settings
from tests.queue_server.conftest import PASSWORD, World, build_world, make_client


def _issue(api: Any, world: World, service: str = "passport") -> dict[str, Any]:
    got = api.post(
        "/api/v1/offices/central/tickets", json={"service": service}, headers=world.auth("kiosk")
    )
    assert got.status_code == 201, got.text
    return dict(got.json())


def test_dashboard_json_lights_and_scope(world: World) -> None:
    with make_client(world) as api:
        _issue(api, world)
        url = "/api/v1/offices/central/dashboard"
        first = api.get(url, headers=world.auth("manager")).json()
        assert [(q["service"], q["waiting"], q["light"]) for q in first["queues"]] == [
            ("passport", 1, "green")
        ]
        assert first["today"]["issued"] == 1
        world.clock.advance(minutes=12.5)  # past 0.8 × 15 min
        amber = api.get(url, headers=world.auth("manager")).json()
        assert amber["queues"][0]["light"] == "amber"
        assert [a["kind"] for a in amber["alerts"]] == ["near_limit"]
        world.clock.advance(minutes=3)
        red = api.get(url, headers=world.auth("manager")).json()
        assert red["queues"][0]["light"] == "red"
        assert red["alerts"][0]["kind"] == "breach"
        assert api.get(url, headers=world.auth("north_manager")).status_code == 403
        assert api.get(url, headers=world.auth("clerk1")).status_code == 403
        windows = {w["number"]: w["state"] for w in red["windows"]}
        assert windows == {1: "closed", 2: "closed", 3: "closed", 4: "closed"}


class _Server:
    """uvicorn on a free port in a thread, serving the app with the test's clock."""

    def __init__(self, world: World) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        settings = Settings(
            database_url=str(world.db.engine.url),
            environment="test",
            scheduler_interval=0,
            public_url=f"http://127.0.0.1:{self.port}",
        )
        app = create_app(settings, clock=world.clock, database=world.db)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)  # waiting for the server to bind, not for a timer
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def sqlite_world(sqlite_url: str, clock: FakeClock) -> Iterator[World]:
    """The configured world on SQLite only (one browser run is enough)."""
    db = Database.from_url(sqlite_url)
    yield build_world(db, clock)
    db.dispose()


def test_dashboard_page_turns_amber_then_red(sqlite_world: World) -> None:
    from playwright.sync_api import expect, sync_playwright

    world = sqlite_world
    with _Server(world) as server, sync_playwright() as pw:
        base = f"http://127.0.0.1:{server.port}"
        import httpx

        issued = httpx.post(
            f"{base}/api/v1/offices/central/tickets",
            json={"service": "passport"},
            headers=world.auth("kiosk"),
        )
        assert issued.status_code == 201
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.goto(f"{base}/admin/dashboard/central")
            expect(page).to_have_url(f"{base}/admin/login?next=%2Fadmin%2Fdashboard%2Fcentral")
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", "wrong-password")
            page.click("button[type=submit]")
            expect(page.locator("#error")).not_to_be_empty()
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            row = page.locator("#queues tr[data-service=passport]")
            expect(row).to_have_attribute("data-light", "green")
            expect(page.locator("[data-figure=issued]")).to_have_text("Выдано: 1")
            world.clock.advance(minutes=12.5)
            # The page polls every 2 s; expect() retries until the next poll shows it.
            expect(row).to_have_attribute("data-light", "amber", timeout=8000)
            expect(page.locator("#alerts li[data-kind=near_limit]")).to_have_count(1)
            world.clock.advance(minutes=3)
            expect(row).to_have_attribute("data-light", "red", timeout=8000)
            expect(page.locator("#alerts li[data-kind=breach]")).to_have_count(1)
        finally:
            browser.close()
