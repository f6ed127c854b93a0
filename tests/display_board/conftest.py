"""Fixtures of the display board tests: a world on SQLite, a live server, the browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from queue_server.clock import FakeClock
from queue_server.db import Database
from tests.queue_server.conftest import World, build_world


@pytest.fixture
def sqlite_world(sqlite_url: str, clock: FakeClock) -> Iterator[World]:
    """The configured offices on a fresh SQLite file."""
    db = Database.from_url(sqlite_url)
    yield build_world(db, clock)
    db.dispose()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page the size of a Full HD television."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="ru-RU")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, errors
