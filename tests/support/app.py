"""The server app of the tests: built once per worker process, started on each test's world.

Building the app costs FastAPI's route analysis (0.5 s of CPU here); the routes depend on
nothing a test changes (only `benchmark_endpoints`), so the suite builds an app once and
points its lifespan at each test's database, clock and settings (`queue_server.app.run_with`).
A test client uses `shared_app()`; a live server borrows an app of its own from a small
pool (`borrowed_app`), since a test may run a client and servers, or two servers, at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from queue_server.app import create_app, run_with
from queue_server.clock import Clock
from queue_server.db import Database
from queue_server.settings import Settings
from tests.support.world import World


def _build(benchmark_endpoints: bool = False) -> FastAPI:
    return create_app(
        Settings(
            database_url="sqlite://",
            scheduler_interval=0,
            benchmark_endpoints=benchmark_endpoints,
        )
    )


@cache
def shared_app() -> FastAPI:
    """The app with every router and page, built once: the one test clients start."""
    return _build()


# Built apps not serving right now, by `benchmark_endpoints` (which changes the routes).
_idle: dict[bool, list[FastAPI]] = {False: [], True: []}


@contextmanager
def borrowed_app(
    settings: Settings, *, clock: Clock | None = None, database: Database | None = None
) -> Iterator[FastAPI]:
    """An app no one else serves, to be started next on these settings, clock and database;
    back in the pool after the block (stop its server inside the block)."""
    idle = _idle[settings.benchmark_endpoints]
    app = idle.pop() if idle else _build(settings.benchmark_endpoints)
    try:
        yield run_with(app, settings, clock=clock, database=database)
    finally:
        idle.append(app)


def settings_for(world: World, **overrides: Any) -> Settings:
    """Settings of a test app on the world's database; the scheduler is driven by tests."""
    values: dict[str, Any] = {
        "database_url": world.db.engine.url.render_as_string(hide_password=False),
        "scheduler_interval": 0,
        "public_url": "http://testserver",
    }
    values.update(overrides)
    return Settings(**values)


def app_for(world: World, **overrides: Any) -> FastAPI:
    """The shared app, to be started next on the world's database and clock."""
    settings = settings_for(world, **overrides)
    return run_with(shared_app(), settings, clock=world.clock, database=world.db)


def make_client(world: World, **overrides: Any) -> TestClient:
    """An app client with the world's clock; the scheduler is driven by the test."""
    return TestClient(app_for(world, **overrides))
