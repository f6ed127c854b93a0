"""Opening hours and the production calendar (R6, working-day terms R9–R14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from queue_server.offices.models import Office, OfficeDay

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DayHours:
    """When an office is open on one local date; `opens` None means closed."""

    day: date
    opens: time | None
    closes: time | None
    reason: str = ""

    @property
    def is_open(self) -> bool:
        """Whether the office opens at all that day."""
        return self.opens is not None and self.closes is not None


@lru_cache(maxsize=64)
def _country_calendar(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def public_holiday_name(country: str, day: date) -> str | None:
    """The name of the public holiday or transferred day off on `day`, if any."""
    name = _country_calendar(country, day.year).get(day)
    return str(name) if name else None


def is_working_day(country: str, day: date, overrides: dict[date, OfficeDay] | None = None) -> bool:
    """A working day of the production calendar (weekends, holidays, transfers), with overrides."""
    if overrides and day in overrides:
        return overrides[day].is_open
    return bool(_country_calendar(country, day.year).is_working_day(day))


def add_working_days(
    country: str, start: date, days: int, overrides: dict[date, OfficeDay] | None = None
) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(country, current, overrides):
            remaining -= 1
    return current


def _parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def hours_on(office: Office, day: date, overrides: dict[date, OfficeDay]) -> DayHours:
    """The office's hours on a local date: override, else holiday closure, else weekday schedule."""
    override = overrides.get(day)
    if override is not None:
        if not override.is_open:
            return DayHours(day, None, None, override.note or "closed")
        weekly = office.opening_hours.get(WEEKDAYS[day.weekday()])
        opens = override.opens or (_parse_hhmm(weekly[0]) if weekly else None)
        closes = override.closes or (_parse_hhmm(weekly[1]) if weekly else None)
        return DayHours(day, opens, closes, override.note)
    holiday = public_holiday_name(office.calendar_country, day)
    if holiday:
        return DayHours(day, None, None, holiday)
    weekly = office.opening_hours.get(WEEKDAYS[day.weekday()])
    if not weekly:
        return DayHours(day, None, None, "closed on this weekday")
    return DayHours(day, _parse_hhmm(weekly[0]), _parse_hhmm(weekly[1]))


def local_now(office: Office, now: datetime) -> datetime:
    """`now` in the office's time zone."""
    return now.astimezone(ZoneInfo(office.timezone))


def is_open_at(office: Office, now: datetime, overrides: dict[date, OfficeDay]) -> bool:
    """Whether the office is open at the instant `now`."""
    local = local_now(office, now)
    hours = hours_on(office, local.date(), overrides)
    if not hours.is_open:
        return False
    assert hours.opens is not None and hours.closes is not None
    return hours.opens <= local.time().replace(tzinfo=None) < hours.closes


def closing_at(office: Office, now: datetime, overrides: dict[date, OfficeDay]) -> datetime | None:
    """Today's closing instant (UTC) if the office is open now, else None."""
    if not is_open_at(office, now, overrides):
        return None
    local = local_now(office, now)
    hours = hours_on(office, local.date(), overrides)
    assert hours.closes is not None
    return datetime.combine(local.date(), hours.closes, tzinfo=local.tzinfo).astimezone(UTC)


def next_opening(
    office: Office, now: datetime, overrides: dict[date, OfficeDay], horizon_days: int = 60
) -> datetime | None:
    """The next instant (UTC) at which the office opens after `now`, within a horizon."""
    local = local_now(office, now)
    tz = local.tzinfo
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        hours = hours_on(office, day, overrides)
        if not hours.is_open:
            continue
        assert hours.opens is not None
        opening = datetime.combine(day, hours.opens, tzinfo=tz)
        if opening > local:
            return opening.astimezone(UTC)
    return None
