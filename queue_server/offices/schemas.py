"""Office payloads."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)

from queue_server.bookings import rules as bookings
from queue_server.messages import Term, check_failed
from queue_server.offices.calendar import WEEKDAYS
from queue_server.offices.models import DEFAULT_OPENING_HOURS
from queue_server.tickets import rules as tickets
from queue_server.types import LocalTime, RequestModel, ShortText

#: Opening and closing time of a day, "HH:MM" each (a list: OpenAPI 3.1 has no tuples).
Span = Annotated[
    list[Annotated[str, StringConstraints(max_length=8)]], Field(min_length=2, max_length=2)
]


class OfficeIn(RequestModel):
    """An office to create or replace."""

    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=300)
    timezone: str = Field(default="Europe/Moscow", max_length=64)
    opening_hours: dict[str, Span | None] = Field(
        max_length=7,
        default_factory=lambda: {
            k: [v[0], v[1]] if v else None for k, v in DEFAULT_OPENING_HOURS.items()
        },
    )
    calendar_country: str = Field(default="RU", max_length=8)
    # deadline: the regulation's order (R4); guarded: a ticket near its limit goes first;
    # fifo: order of arrival. The comparison is in docs/simulation.md.
    dispatch_policy: Literal["deadline", "fifo", "guarded"] = "deadline"
    dispatch_guard_minutes: int = Field(default=tickets.DISPATCH_GUARD_MINUTES, ge=0, le=120)
    warning_ratio: float = Field(default=tickets.WARNING_SHARE, gt=0, lt=1)
    recall_after_seconds: int = Field(default=tickets.RECALL_AFTER_SECONDS, ge=5, le=3600)
    no_show_after_seconds: int = Field(default=tickets.NO_SHOW_AFTER_SECONDS, ge=5, le=3600)
    booking_checkin_before_minutes: int = Field(
        default=bookings.CHECKIN_BEFORE_MINUTES, ge=0, le=240
    )
    booking_checkin_after_minutes: int = Field(default=bookings.CHECKIN_AFTER_MINUTES, ge=0, le=240)
    booked_wait_limit_minutes: int = Field(default=bookings.BOOKED_WAIT_LIMIT_MINUTES, ge=1, le=120)
    ticket_footer: str = Field(default=tickets.DEFAULT_TICKET_FOOTER, max_length=300)
    # R6: an admin lets a schedule under 5 days × 7 hours stand, and says why.
    schedule_override_reason: ShortText | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise check_failed("unknown_time_zone", value=value) from exc
        return value

    @field_validator("calendar_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value.upper() not in holidays.list_supported_countries():
            raise check_failed("unknown_calendar", value=value)
        return value.upper()

    @field_validator("opening_hours")
    @classmethod
    def _valid_hours(cls, value: dict[str, list[str] | None]) -> dict[str, list[str] | None]:
        unknown = set(value) - set(WEEKDAYS)
        if unknown:
            raise check_failed(
                "unknown_weekdays", days=", ".join(sorted(unknown)), allowed=", ".join(WEEKDAYS)
            )
        for day, span in value.items():
            if span is None:
                continue
            try:
                opens, closes = (time.fromisoformat(part) for part in span)
            except ValueError as exc:
                raise check_failed("hours_format", day=Term("weekday_code", day)) from exc
            if opens >= closes:
                raise check_failed(
                    "hours_order", day=Term("weekday_code", day), opens=span[0], closes=span[1]
                )
        return {day: value.get(day) for day in WEEKDAYS}


class OfficeOut(OfficeIn):
    """An office as stored, with who let a schedule below the minimum stand (R6)."""

    code: str
    schedule_override_by: str | None = None
    schedule_override_at: datetime | None = None


class OfficeDayIn(RequestModel):
    """An exception for one date: closed, or open (with hours, default the weekday's)."""

    is_open: StrictBool
    opens: LocalTime | None = None
    closes: LocalTime | None = None
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _consistent(self) -> OfficeDayIn:
        if not self.is_open and (self.opens or self.closes):
            raise check_failed("closed_day_hours")
        if self.opens and self.closes and self.opens >= self.closes:
            raise check_failed("opens_after_closes")
        return self


class DayHoursOut(BaseModel):
    """The office's hours on one date."""

    day: date
    is_open: bool
    opens: LocalTime | None
    closes: LocalTime | None
    reason: str
    # True when the office set this date itself (PUT …/days/{date}); False: the weekly
    # hours or the production calendar.
    override: bool = False
