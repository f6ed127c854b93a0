"""The regulation's figures for an office's schedule, one place each (DOMAIN.md R6; 001 §2.3).

One schedule for all services, no lunch break: at least 5 days a week with at least 7
hours each. Shorter days besides are fine (the example of 004 §2.13.2 keeps Saturday
10:00–14:00 beside Mon–Fri 08:00–19:00). An admin may let a schedule below the minimum
stand, with a reason that is recorded on the office.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

# R6: at least this many days a week…
MIN_DAYS_PER_WEEK = 5
# …each open at least this many hours.
MIN_HOURS_PER_DAY = 7


def _hours(span: Any) -> float:
    opens, closes = (time.fromisoformat(part) for part in span)
    return (
        datetime.combine(datetime.min, closes) - datetime.combine(datetime.min, opens)
    ).total_seconds() / 3600


def full_days(opening_hours: dict[str, Any]) -> int:
    """R6: how many weekdays the schedule keeps open for at least MIN_HOURS_PER_DAY hours."""
    return sum(1 for span in opening_hours.values() if span and _hours(span) >= MIN_HOURS_PER_DAY)


def schedule_problem(opening_hours: dict[str, Any]) -> str | None:
    """R6: the rule's text when the weekly schedule is below the minimum; None when it meets it."""
    days = full_days(opening_hours)
    if days >= MIN_DAYS_PER_WEEK:
        return None
    return (
        f"График не соответствует требованиям: офис должен работать не менее "
        f"{MIN_DAYS_PER_WEEK} дней в неделю, не менее {MIN_HOURS_PER_DAY} часов в день, "
        f"без перерыва на обед; в этом графике таких дней {days}."
    )
