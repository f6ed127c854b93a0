"""The complaints register: complaints numbered per office and year, and their append-only steps."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.append_only import append_only
from queue_server.auth.models import User
from queue_server.catalogue.models import Service
from queue_server.db import Base, BigIntPK, UTCDateTime
from queue_server.offices.models import Office

# The life of a complaint (R17): registered → under review → answered | withdrawn.
REGISTERED = "registered"
UNDER_REVIEW = "under_review"
ANSWERED = "answered"
WITHDRAWN = "withdrawn"
STATUSES = (REGISTERED, UNDER_REVIEW, ANSWERED, WITHDRAWN)
OPEN_STATUSES = (REGISTERED, UNDER_REVIEW)
STATUS_RU = {
    REGISTERED: "зарегистрирована",
    UNDER_REVIEW: "на рассмотрении",
    ANSWERED: "дан ответ",
    WITHDRAWN: "отозвана",
}
# Who brought it: a staff member entered it (paper, in person), or the applicant online.
SOURCES = ("staff", "public")


class Complaint(Base):
    """One complaint with the applicant's details (personal data: its office's staff only)."""

    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("office_id", "year", "seq"),
        Index("ix_complaints_office_status", "office_id", "status"),
        # The reports read a period of one office's register.
        Index("ix_complaints_office_registered", "office_id", "registered_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default=REGISTERED)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_contact: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    consent_personal_data: Mapped[bool] = mapped_column(Boolean)
    # The ticket or case as the applicant wrote it, kept even when nothing matched.
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # What and whom it concerns (each optional): the reports count by clerk and service.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: registered by the public form itself, at the moment it was received.
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # R17 terms as local dates of the office's production calendar.
    registration_due: Mapped[date] = mapped_column(Date)
    registered_late: Mapped[bool] = mapped_column(Boolean, default=False)
    answer_due: Mapped[date] = mapped_column(Date)
    warn_from: Mapped[date] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_on_time: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Each term raises its event once.
    near_due_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_flagged: Mapped[bool] = mapped_column(Boolean, default=False)

    office: Mapped[Office] = relationship(viewonly=True)
    service: Mapped[Service | None] = relationship(viewonly=True)
    clerk: Mapped[User | None] = relationship(viewonly=True, foreign_keys=[clerk_id])


class ComplaintCounter(Base):
    """The last complaint number given per office and year."""

    __tablename__ = "complaint_counters"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


@append_only
class ComplaintStep(Base):
    """One step of a complaint's life with who and when: append-only."""

    __tablename__ = "complaint_steps"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
