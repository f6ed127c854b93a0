"""The clocks: a server can live on another day (MFCQ_CLOCK_START) and keep real time there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from queue_server.app import create_app
from queue_server.clock import RunningClock
from queue_server.settings import Settings

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_a_running_clock_starts_at_its_instant_and_moves_on() -> None:
    clock = RunningClock(START)
    first = clock.now()
    assert timedelta(0) <= first - START < timedelta(seconds=5)
    assert clock.now() >= first


def test_a_running_clock_needs_a_zone() -> None:
    with pytest.raises(ValueError):
        RunningClock(datetime(2026, 11, 23, 10, 0))


def test_the_clock_start_setting_needs_an_offset() -> None:
    with pytest.raises(ValidationError, match="offset"):
        Settings(clock_start="2026-11-23T10:00:00")
    assert Settings(clock_start="2026-11-23T10:00:00+03:00").clock_start == START - timedelta(
        hours=3
    )


def test_a_server_with_a_clock_start_lives_on_that_day(sqlite_url: str) -> None:
    settings = Settings(
        database_url=sqlite_url, scheduler_interval=0, clock_start=START.isoformat()
    )
    with TestClient(create_app(settings)) as client:
        now = client.app_state["runtime"].clock.now()
    assert timedelta(0) <= now - START < timedelta(minutes=1)
