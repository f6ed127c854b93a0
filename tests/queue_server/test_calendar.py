"""Opening hours and working-day arithmetic on the Russian production calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from queue_server.offices.calendar import (
    add_working_days,
    hours_on,
    is_open_at,
    is_working_day,
    next_opening,
)
from queue_server.offices.models import DEFAULT_OPENING_HOURS, Office, OfficeDay


def office() -> Office:
    return Office(
        code="x",
        name="X",
        timezone="Europe/Moscow",
        opening_hours=DEFAULT_OPENING_HOURS,
        calendar_country="RU",
    )


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 12, 31), False),  # transferred day off (from 5 January)
        (date(2026, 1, 8), False),  # New Year holidays
        (date(2026, 1, 9), False),  # transferred day off (from 3 January)
        (date(2026, 1, 12), True),
        (date(2025, 11, 1), True),  # Saturday made a working day
        (date(2025, 11, 3), False),  # its day off
        (date(2026, 11, 28), False),  # an ordinary Saturday
    ],
)
def test_production_calendar(day: date, working: bool) -> None:
    """R6, R9–R14: working days follow the Russian production calendar (transfers included)."""
    assert is_working_day("RU", day) is working


def test_working_days_across_new_year() -> None:
    """R11: terms in working days skip the New Year holidays."""
    # 30 Dec 2025 + 3 working days: 31 Dec and 1–11 Jan are off → 12, 13, 14 January.
    assert add_working_days("RU", date(2025, 12, 30), 3) == date(2026, 1, 14)
    assert add_working_days("RU", date(2025, 12, 30), 1) == date(2026, 1, 12)


def test_working_days_count_a_working_saturday() -> None:
    """R11: a transferred working Saturday counts as a working day."""
    # Friday 31 Oct 2025 + 1 working day: Saturday 1 November was a working day.
    assert add_working_days("RU", date(2025, 10, 31), 1) == date(2025, 11, 1)
    # ...and Monday 3 November was its day off.
    assert add_working_days("RU", date(2025, 10, 31), 2) == date(2025, 11, 5)


def test_an_office_override_beats_the_calendar() -> None:
    """R6: the office's own dates override the production calendar."""
    override = {date(2026, 1, 9): OfficeDay(day=date(2026, 1, 9), is_open=True, note="дежурство")}
    assert is_working_day("RU", date(2026, 1, 9), override) is True


def test_hours_on_weekday_saturday_sunday_and_holiday() -> None:
    """R6: one schedule for all services: weekday, Saturday, closed Sunday and holidays."""
    o = office()
    assert hours_on(o, date(2026, 11, 23), {}).opens == time(8, 0)
    assert hours_on(o, date(2026, 11, 28), {}).closes == time(14, 0)
    assert not hours_on(o, date(2026, 11, 29), {}).is_open
    holiday = hours_on(o, date(2026, 11, 4), {})
    assert not holiday.is_open and "Unity" in holiday.reason


def test_open_at_uses_the_office_time_zone() -> None:
    """R6: opening hours are read in the office's time zone."""
    o = office()
    assert not is_open_at(o, datetime(2026, 11, 23, 4, 59, tzinfo=UTC), {})  # 07:59 Moscow
    assert is_open_at(o, datetime(2026, 11, 23, 5, 0, tzinfo=UTC), {})
    assert not is_open_at(o, datetime(2026, 11, 23, 16, 0, tzinfo=UTC), {})  # 19:00 Moscow
    o.timezone = "Asia/Vladivostok"
    assert is_open_at(o, datetime(2026, 11, 23, 0, 0, tzinfo=UTC), {})  # 10:00 in Vladivostok


def test_next_opening_skips_the_weekend_and_holidays() -> None:
    """R6: the next opening skips the weekend and public holidays."""
    o = office()
    saturday_evening = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    assert next_opening(o, saturday_evening, {}) == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    new_year = datetime(2025, 12, 30, 17, 0, tzinfo=UTC)  # 30 Dec, 20:00 Moscow
    assert next_opening(o, new_year, {}) == datetime(
        2026, 1, 10, 7, 0, tzinfo=UTC
    )  # Saturday 10:00
