"""Injected time: the domain never reads the wall clock itself."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of the current time, always timezone-aware UTC."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


class RunningClock:
    """The real passage of time, starting from a chosen instant.

    For a training or demo server that should live on another day (a Monday morning
    when the office is open), and for test servers that must share the time base of
    the test's own clock. It runs on the monotonic clock, so moving the wall clock
    does not move it.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("RunningClock needs a timezone-aware start")
        self._start = start.astimezone(UTC)
        self._started = time.monotonic()

    def now(self) -> datetime:
        """The start instant plus the real time elapsed since the clock was made."""
        return self._start + timedelta(seconds=time.monotonic() - self._started)


class FakeClock:
    """A clock that only moves when told to (tests, the simulator)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current fake instant in UTC."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move the clock forward by `delta` or by timedelta(**kwargs)."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("time does not go backwards")
        with self._lock:
            self._now += step
            return self._now

    def set(self, moment: datetime) -> None:
        """Jump to a given instant."""
        with self._lock:
            self._now = moment.astimezone(UTC)
