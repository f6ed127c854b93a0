"""Offices, their opening hours and per-date overrides of the production calendar."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.bookings import rules as bookings
from queue_server.db import Base, UTCDateTime
from queue_server.tickets import rules as tickets

# R6 example (004 §2.13.2): Mon–Fri 08:00–19:00, Sat 10:00–14:00, Sun closed.
DEFAULT_OPENING_HOURS: dict[str, list[str] | None] = {
    "mon": ["08:00", "19:00"],
    "tue": ["08:00", "19:00"],
    "wed": ["08:00", "19:00"],
    "thu": ["08:00", "19:00"],
    "fri": ["08:00", "19:00"],
    "sat": ["10:00", "14:00"],
    "sun": None,
}


class Office(Base):
    """One MFC office with its own queue, schedule and dispatch settings."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # ISO 3166 code of the production calendar (holidays library) used for closures.
    calendar_country: Mapped[str] = mapped_column(String(8), default="RU")
    dispatch_policy: Mapped[str] = mapped_column(String(16), default="deadline")
    # The guarded policy: how close to its wait limit a ticket goes before all others.
    dispatch_guard_minutes: Mapped[int] = mapped_column(
        Integer, default=tickets.DISPATCH_GUARD_MINUTES
    )
    warning_ratio: Mapped[float] = mapped_column(Float, default=tickets.WARNING_SHARE)
    recall_after_seconds: Mapped[int] = mapped_column(Integer, default=tickets.RECALL_AFTER_SECONDS)
    no_show_after_seconds: Mapped[int] = mapped_column(
        Integer, default=tickets.NO_SHOW_AFTER_SECONDS
    )
    booking_checkin_before_minutes: Mapped[int] = mapped_column(
        Integer, default=bookings.CHECKIN_BEFORE_MINUTES
    )
    booking_checkin_after_minutes: Mapped[int] = mapped_column(
        Integer, default=bookings.CHECKIN_AFTER_MINUTES
    )
    booked_wait_limit_minutes: Mapped[int] = mapped_column(
        Integer, default=bookings.BOOKED_WAIT_LIMIT_MINUTES
    )
    ticket_footer: Mapped[str] = mapped_column(String(300), default=tickets.DEFAULT_TICKET_FOOTER)
    # R6: an admin let a schedule below the minimum stand; why, who (username) and when.
    schedule_override_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    schedule_override_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    schedule_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OfficeDay(Base):
    """A per-office exception to the calendar: closed on a working day, open on a holiday."""

    __tablename__ = "office_days"
    __table_args__ = (UniqueConstraint("office_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    is_open: Mapped[bool] = mapped_column(Boolean)
    opens: Mapped[time | None] = mapped_column(Time, nullable=True)
    closes: Mapped[time | None] = mapped_column(Time, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class ConfigVersion(Base):
    """A stamp that changes with every configuration write (offices, their calendars,
    services, priority categories, windows and what they serve).

    One row. Each process keeps the configuration in memory (`offices/config_cache.py`)
    and reads this stamp in a statement it makes anyway; a different stamp means the
    cache is reloaded. The stamp is random, not a counter: a database emptied and filled
    again (a restored backup, a test's reset) never comes back to a stamp seen before.
    """

    __tablename__ = "config_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)
