"""Print jobs of tickets whose kiosk print failed, and the reprints clerks ask for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.db import Base, BigIntPK, UTCDateTime

FAILED = "failed"  # the kiosk could not print the ticket it issued
PENDING = "pending"  # a clerk asked for a reprint; the kiosk prints it when it can
PRINTED = "printed"  # printed after all
PRINT_JOB_STATUSES = (FAILED, PENDING, PRINTED)

#: A board's settings when none are stored (the `devices.settings` JSON of a board).
BOARD_DEFAULTS: dict[str, object] = {
    "running_text": "",
    "recent": 8,
    "voice": True,
    "lang": "ru",
    "page_seconds": 8,
}


class TicketPrintJob(Base):
    """One ticket's paper copy that is still owed (or was owed): one row per ticket."""

    __tablename__ = "ticket_print_jobs"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    # The kiosk that prints it: the one that failed, or the one that issued the ticket.
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
