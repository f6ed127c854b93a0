"""Opening hours and the "served before closing?" estimate, in the office's time zone."""

from __future__ import annotations

import math
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


def estimated_minutes(*, waiting: int, norm_minutes: int, serving_windows: int) -> int:
    """The wait of a new ticket: the people ahead times the norm, shared by the windows.

    The same formula the server prints on the ticket, so the warning and the ticket agree.
    """
    return math.ceil(waiting * norm_minutes / max(serving_windows, 1))


def serving_windows(windows: list[dict[str, Any]], service: str) -> int:
    """Windows that serve the service now (staffed, not paused); all of them if none is."""
    serving = [
        w
        for w in windows
        if w.get("active", True) and any(s["service"] == service for s in w.get("services", []))
    ]
    staffed = [w for w in serving if w.get("clerk") and not w.get("paused")]
    return len(staffed) or len(serving)


@dataclass(frozen=True)
class LateRisk:
    """The office may close before the new ticket is called."""

    waiting: int
    estimate_minutes: int
    minutes_left: int
    closes_at: datetime


def late_risk(
    *, state: HoursState, now: datetime, waiting: int, norm_minutes: int, windows: int
) -> LateRisk | None:
    """A LateRisk when the estimate runs past closing time, else None."""
    if not state.open or state.closes_at is None:
        return None
    left = max(int((state.closes_at - now).total_seconds() // 60), 0)
    estimate = estimated_minutes(
        waiting=waiting, norm_minutes=norm_minutes, serving_windows=windows
    )
    if estimate <= left:
        return None
    return LateRisk(waiting, estimate, left, state.closes_at)
