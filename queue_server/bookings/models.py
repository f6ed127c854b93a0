"""Pre-bookings (R4): appointments, the office's booking policy, per-service rules, outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.db import Base, UTCDateTime

BOOKED = "booked"
CHECKED_IN = "checked_in"
BOOKING_CANCELLED = "cancelled"
BOOKING_NO_SHOW = "no_show"
BOOKING_STATUSES = (BOOKED, CHECKED_IN, BOOKING_CANCELLED, BOOKING_NO_SHOW)
# Bookings that hold a place in their slot.
HOLDING = (BOOKED, CHECKED_IN)


class Booking(Base):
    """An appointment for a slot; checked in at the kiosk it becomes a ticket."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_slot", "office_id", "service_id", "slot_start"),
        Index("ix_bookings_phone", "office_id", "phone"),
        Index("ix_bookings_status", "status", "slot_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    # Digits only (7XXXXXXXXXX for Russian numbers): the key of the per-person daily limit.
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)
    # "public" (the booking page/API) or "staff" (made by a clerk or manager).
    source: Mapped[str] = mapped_column(String(16), default="staff")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reschedule_count: Mapped[int] = mapped_column(Integer, default=0)


class BookingPolicy(Base):
    """An office's booking rules and notifier; its row is also the office's booking lock."""

    __tablename__ = "booking_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(
        ForeignKey("offices.id", ondelete="CASCADE"), unique=True
    )
    slot_minutes: Mapped[int] = mapped_column(Integer, default=15)
    horizon_days: Mapped[int] = mapped_column(Integer, default=30)
    max_per_person_per_day: Mapped[int] = mapped_column(Integer, default=2)
    # 0 disables reminders.
    reminder_minutes_before: Mapped[int] = mapped_column(Integer, default=24 * 60)
    notifier: Mapped[str] = mapped_column(String(16), default="log")
    webhook_url: Mapped[str] = mapped_column(String(500), default="")
    webhook_token: Mapped[str] = mapped_column(String(200), default="")
    webhook_timeout_seconds: Mapped[int] = mapped_column(Integer, default=5)


class BookingServiceRule(Base):
    """Per office and service: whether it can be booked, and a fixed capacity per slot."""

    __tablename__ = "booking_service_rules"
    __table_args__ = (UniqueConstraint("office_id", "service_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    bookable: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: windows serving the service × slot length ÷ service norm.
    capacity_per_slot: Mapped[int | None] = mapped_column(Integer, nullable=True)


PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class BookingNotification(Base):
    """Outbox of confirmations and reminders, written with the change, delivered later."""

    __tablename__ = "booking_notifications"
    __table_args__ = (Index("ix_booking_notifications_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A delivery pass claims a row until then, so two passes never send it twice.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    message: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
