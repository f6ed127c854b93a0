"""Ratings of finished tickets: one row per ticket, with where and by whom it was served."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.db import Base, BigIntPK, UTCDateTime

#: Where the rating was given.
SOURCES = ("screen", "page", "keypad")


class Rating(Base):
    """An applicant's marks (1–5, any may be skipped) of one finished ticket (R8)."""

    __tablename__ = "ratings"
    __table_args__ = (
        # The reports read an office's ratings of a period.
        Index("ix_ratings_report", "office_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # One rating per ticket: the database refuses a second even under a race.
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    # The ticket's local day (the reports' period) and when the marks were given.
    day: Mapped[date] = mapped_column(Date)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))
    waiting: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    courtesy: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    comfort: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    information: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    service_time: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    low: Mapped[bool] = mapped_column(Boolean, default=False)
