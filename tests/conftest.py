"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when given)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from queue_server.clock import FakeClock
from queue_server.db import Database
from queue_server.metadata import Base
from queue_server.migrate import upgrade

# Monday 23 November 2026, 10:00 in Moscow: the office is open.
MONDAY_10 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def postgres_base_url() -> str:
    """The PostgreSQL URL for tests, or skip (fail under MFCQ_TEST_STRICT) without one."""
    url = os.environ.get("MFCQ_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("MFCQ_TEST_STRICT"):
            pytest.fail("MFCQ_TEST_STRICT is set but MFCQ_TEST_POSTGRES_URL is not")
        pytest.skip("MFCQ_TEST_POSTGRES_URL is not set: PostgreSQL tests are skipped")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives Chromium `browser` (CI's shifted-clock pass leaves them)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock on a Monday morning when the office is open."""
    return FakeClock(MONDAY_10)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per session, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite file for one test."""
    target = tmp_path / "test.sqlite3"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A private schema in the test database, migrated once per session."""
    base = postgres_base_url()
    schema = f"mfcq_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        if os.environ.get("MFCQ_TEST_STRICT"):
            raise
        pytest.skip(f"PostgreSQL at {make_url(base).host} is not reachable: {exc}")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    upgrade(rendered)
    yield rendered
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def postgres_url(postgres_schema_url: str) -> str:
    """The session's PostgreSQL schema, emptied for this test."""
    engine = create_engine(postgres_schema_url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return postgres_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Database]:
    """The default test database (SQLite)."""
    database = Database.from_url(sqlite_url)
    yield database
    database.dispose()


@pytest.fixture
def any_db(any_db_url: str) -> Iterator[Database]:
    """A database on each backend in turn."""
    database = Database.from_url(any_db_url)
    yield database
    database.dispose()


#: Debian's Chromium (package chromium); MFCQ_CHROMIUM points elsewhere.
CHROMIUM = os.environ.get("MFCQ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium under Playwright, headless, one per test module.

    Not per session: a sync Playwright keeps an event loop running in this thread, which
    other packages' asyncio and Playwright tests must not find still running.
    """
    if not Path(CHROMIUM).exists():
        if os.environ.get("MFCQ_TEST_STRICT"):  # CI installs chromium: never skip there
            pytest.fail(f"{CHROMIUM} is not installed")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
