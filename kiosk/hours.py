"""Opening hours and the "served before closing?" check, in the office's time zone.

The wait estimate itself is the server's (the queue endpoint gives it per service), so
the warning here and the estimate printed on the ticket always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class HoursState:
    """Whether the office is open at an instant, until when, and when it opens next."""

    open: bool
    closes_at: datetime | None
    next_opening: datetime | None


def hours_state(calendar: list[dict[str, Any]], timezone: str, now: datetime) -> HoursState:
    """Open or closed at `now` by the server's calendar (days from today, office time)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    next_opening = None
    for day in calendar:
        if not day["is_open"] or not day["opens"] or not day["closes"]:
            continue
        when = date.fromisoformat(day["day"])
        opens = datetime.combine(when, time.fromisoformat(day["opens"]), zone)
        closes = datetime.combine(when, time.fromisoformat(day["closes"]), zone)
        if opens <= local < closes:
            return HoursState(True, closes, None)
        if opens > local:
            next_opening = opens
            break
    return HoursState(False, None, next_opening)


@dataclass(frozen=True)
class LateRisk:
    """The office may close before the new ticket is called."""

    waiting: int
    estimate_minutes: int
    minutes_left: int
    closes_at: datetime


def late_risk(*, state: HoursState, now: datetime, waiting: int, estimate: int) -> LateRisk | None:
    """A LateRisk when the server's wait estimate runs past closing time, else None."""
    if not state.open or state.closes_at is None:
        return None
    left = max(int((state.closes_at - now).total_seconds() // 60), 0)
    if estimate <= left:
        return None
    return LateRisk(waiting, estimate, left, state.closes_at)
