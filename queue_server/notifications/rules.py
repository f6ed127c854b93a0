"""The figures of notifying applicants: when the turn is near, when to warn before a
result goes back (R14), retries and their backoff, how office hours are told."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

# A message that failed this many times is given up (and shows as failed in the report).
MAX_ATTEMPTS = 6
# Retries wait 30 s, 1, 2, 4, 8… minutes, never more than this.
MAX_BACKOFF = timedelta(minutes=30)
# How long a delivery pass holds the messages it claimed: longer than its batch can take
# with every gateway at its longest timeout, so no other process sends them meanwhile.
CLAIM = timedelta(minutes=15)
# One process reads the Telegram bots' updates for this long, renewed on each pass; a
# process that died is replaced by another after at most this long.
POLL_LEASE = timedelta(minutes=1)

_DAYS_RU = {
    "mon": "пн",
    "tue": "вт",
    "wed": "ср",
    "thu": "чт",
    "fri": "пт",
    "sat": "сб",
    "sun": "вс",
}


def is_near(*, ahead: int, minutes: int | None, near_people_ahead: int, near_minutes: int) -> bool:
    """Whether "your turn is near" is due: few enough people ahead, or a short enough wait."""
    if ahead <= near_people_ahead:
        return True
    return near_minutes > 0 and minutes is not None and minutes <= near_minutes


def return_warning_due(*, storage_until: date, today: date, days: int) -> bool:
    """R14: the warning goes out `days` days before the storage period ends (not after)."""
    return today <= storage_until and (storage_until - today).days <= days


def next_due(now: datetime, attempts: int) -> datetime:
    """When a failed message is tried again after its `attempts`-th try."""
    return now + min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def describe_hours(opening_hours: dict[str, Any]) -> str:
    """The weekly hours in a line: "пн–пт 08:00–19:00, сб 10:00–14:00, вс выходной"."""
    groups: list[tuple[list[str], str]] = []
    for day in _DAYS_RU:
        span = opening_hours.get(day)
        hours = f"{span[0]}–{span[1]}" if span else "выходной"
        if groups and groups[-1][1] == hours:
            groups[-1][0].append(day)
        else:
            groups.append(([day], hours))
    parts = []
    for days, hours in groups:
        name = _DAYS_RU[days[0]] if len(days) == 1 else f"{_DAYS_RU[days[0]]}–{_DAYS_RU[days[-1]]}"
        parts.append(f"{name} {hours}")
    return ", ".join(parts)
