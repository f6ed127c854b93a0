"""The server app of the tests: built once per session, started on each test's world.

Building the app costs FastAPI's route analysis (0.1-0.3 s here); the routes depend on
nothing a test changes, so the suite builds it once and points its lifespan at each test's
database, clock and settings (`queue_server.app.run_with`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from queue_server.app import create_app, run_with
from queue_server.settings import Settings
from tests.support.world import World


@cache
def shared_app() -> FastAPI:
    """The app with every router and page, built once."""
    return create_app(Settings(database_url="sqlite://", scheduler_interval=0))


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
