"""Pre-bookings (R4); the minimal model the dispatcher needs, completed by the booking issue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.db import Base, UTCDateTime

BOOKED = "booked"
CHECKED_IN = "checked_in"
BOOKING_CANCELLED = "cancelled"
BOOKING_NO_SHOW = "no_show"


class Booking(Base):
    """An appointment for a slot; checked in at the kiosk it becomes a ticket."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
