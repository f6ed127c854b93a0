"""The fixtures every test package shares (loaded by tests/conftest.py as a plugin)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from queue_server.clock import FakeClock
from queue_server.db import Database
from tests.support.browser import chromium, open_page
from tests.support.databases import (
    PostgresSchema,
    fresh_sqlite_url,
    migrated_sqlite_file,
    postgres_schema,
)
from tests.support.patience import DATABASE_WAITS
from tests.support.world import MONDAY_10, World, WorldTemplates

# The modules that take longest, longest first (their summed durations in a full run with
# `--durations`, on the 2-core machine). xdist's `--dist loadfile` hands modules to the
# workers in collection order, so a long module collected last kept one worker busy long
# after the others had finished; started first, it runs beside everything else.
LONGEST_FIRST = (
    "tests/queue_server/test_schemathesis.py",
    "tests/queue_server/test_connection_budget.py",
    "tests/queue_server/test_lifecycle_stateful.py",
    "tests/queue_server/test_issue_limits.py",
    "tests/queue_server/test_simulation.py",
    "tests/queue_server/test_crash.py",
    "tests/queue_server/test_write_path.py",
    "tests/kiosk/test_kiosk_browser.py",
    "tests/admin/test_rollups.py",
    "tests/admin/test_settings_pages.py",
    "tests/queue_server/test_overload.py",
    "tests/queue_server/test_backup.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives Chromium `browser` (CI's shifted-clock pass leaves them);
    collect the longest modules first (the order is the same in every worker)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
    rank = {module: place for place, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock on a Monday morning when the office is open."""
    return FakeClock(MONDAY_10)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per session, copied for each test."""
    return migrated_sqlite_file(tmp_path_factory.mktemp("template") / "template.sqlite3")


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite file for one test."""
    return fresh_sqlite_url(sqlite_template, tmp_path)


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[PostgresSchema]:
    """A private schema in the test database, migrated once per session."""
    yield from postgres_schema()


@pytest.fixture(scope="session")
def world_templates(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorldTemplates]:
    """The configured world built once per backend and session, copied for each test."""
    templates = WorldTemplates(sqlite_template, tmp_path_factory.mktemp("world"))
    yield templates
    templates.close()


@pytest.fixture
def postgres_url(pg_schema: PostgresSchema) -> str:
    """The session's PostgreSQL schema, emptied for this test."""
    return pg_schema.empty()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Database]:
    """The default test database (SQLite)."""
    database = Database.from_url(sqlite_url, **DATABASE_WAITS)
    yield database
    database.dispose()


@pytest.fixture
def any_db(any_db_url: str) -> Iterator[Database]:
    """A database on each backend in turn."""
    database = Database.from_url(any_db_url, **DATABASE_WAITS)
    yield database
    database.dispose()


@pytest.fixture
def world(any_db: Database, clock: FakeClock, world_templates: WorldTemplates) -> World:
    """The configured world, once on SQLite and once on PostgreSQL."""
    return world_templates.world(any_db, clock)


@pytest.fixture
def any_world(world: World) -> World:
    """The configured world on each backend (alias used by the concurrency tests)."""
    return world


@pytest.fixture
def sqlite_world(db: Database, clock: FakeClock, world_templates: WorldTemplates) -> World:
    """The configured world on SQLite only (one browser run is enough)."""
    return world_templates.world(db, clock)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium under Playwright, headless, one per test module.

    Not per session: a sync Playwright keeps an event loop running in this thread, which
    other packages' asyncio and Playwright tests must not find still running.
    """
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh Russian page in the module's Chromium; a script error on it fails the test."""
    with open_page(browser) as tab:
        yield tab
