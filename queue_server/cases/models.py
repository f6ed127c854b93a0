"""The register of cases, their documents, append-only history, visits and issuances."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.append_only import append_only
from queue_server.auth.models import User
from queue_server.cases.rules import DEFAULT_STORAGE_DAYS
from queue_server.catalogue.models import Agency, Service, ServiceVariant
from queue_server.db import Base, BigIntPK, UTCDateTime
from queue_server.offices.models import Office

# The life of a case (R11–R14).
REGISTERED = "registered"
SENT = "sent_to_agency"
RESULT_RECEIVED = "result_received"
READY = "ready"
ISSUED = "issued"
REFUSED = "refused"
STORED = "stored"
RETURNED = "returned"
ARCHIVED = "archived"
CASE_STATUSES = (
    REGISTERED,
    SENT,
    RESULT_RECEIVED,
    READY,
    ISSUED,
    REFUSED,
    STORED,
    RETURNED,
    ARCHIVED,
)
DELIVERY_METHODS = ("in_person", "post")


class Case(Base):
    """An intake case in the register: number sequential per office and year (R9)."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("office_id", "year", "seq"),
        Index("ix_cases_office_status", "office_id", "status"),
        Index("ix_cases_applicant", "office_id", "applicant_key"),
        # A clerk's double press (or a retried request) registers one case: the key the
        # clerk's page sends is unique per office.
        Index("uq_cases_idempotency_key", "office_id", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    registration_number: Mapped[str] = mapped_column(String(32), unique=True)
    # The unguessable code of the public status page printed on the receipt (R15).
    status_code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(24), default=REGISTERED)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_variants.id", ondelete="SET NULL"), nullable=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_document_type: Mapped[str] = mapped_column(String(100))
    applicant_document_number: Mapped[str] = mapped_column(String(50))
    # Case-folded name + document number without spaces: the lost-receipt search (R13).
    applicant_key: Mapped[str] = mapped_column(String(260))
    representative_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    representative_authority: Mapped[str | None] = mapped_column(String(300), nullable=True)
    consent_personal_data: Mapped[bool] = mapped_column(Boolean)
    delivery: Mapped[str] = mapped_column(String(16), default="in_person")
    postal_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Deadlines as local dates of the office's production calendar.
    transfer_due: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    storage_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    agency_incoming_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # R11: staff asked the late agency why (004 §3.5.7): when and who.
    explanation_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    explanation_requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True
    )
    # R12: when the agency prepared the result, and whether it reached the MFC later than
    # the working day after (003 §150).
    result_prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result_handover_late: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Each deadline raises its event once.
    transfer_overdue_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    agency_overdue_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # The clerk page's Idempotency-Key and a digest of the request it came with: the same
    # key with another request is refused rather than answered with the wrong case.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    request_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)

    documents: Mapped[list[CaseDocument]] = relationship(
        cascade="all, delete-orphan", order_by="CaseDocument.position", lazy="selectin"
    )
    # Read-only: the *_id columns above are what is written; these serve presenters and
    # receipts, and the register's list loads them in its one query.
    office: Mapped[Office] = relationship(viewonly=True)
    service: Mapped[Service] = relationship(viewonly=True)
    variant: Mapped[ServiceVariant | None] = relationship(viewonly=True)
    agency: Mapped[Agency] = relationship(viewonly=True)
    registrar: Mapped[User] = relationship(viewonly=True, foreign_keys=[registered_by])


class CaseCounter(Base):
    """The last registration number given per office and year."""

    __tablename__ = "case_counters"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class CaseDocument(Base):
    """One line of the inventory: a document received, original or copy, with sheets."""

    __tablename__ = "case_documents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    service_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_documents.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(300))
    original: Mapped[bool] = mapped_column(Boolean)
    sheets: Mapped[int] = mapped_column(Integer)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)


@append_only
class CaseStep(Base):
    """One step of the case history (карта о прохождении дела): append-only (001 §3.12)."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CaseVisit(Base):
    """A ticket that served the case (R8: at most two visits, hand in and collect)."""

    __tablename__ = "case_visits"
    __table_args__ = (UniqueConstraint("case_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # intake / issuance / other
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Issuance(Base):
    """The issuance record of a case (R13); one per case, so a result is never issued twice."""

    __tablename__ = "case_issuances"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    identity_checked: Mapped[bool] = mapped_column(Boolean)
    recipient_name: Mapped[str] = mapped_column(String(200))
    representative_authority: Mapped[str | None] = mapped_column(String(300), nullable=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)

    clerk: Mapped[User] = relationship(viewonly=True)


class CaseSettings(Base):
    """Per-office settings of the case flow: storage period, courier days, printers."""

    __tablename__ = "case_settings"

    office_id: Mapped[int] = mapped_column(
        ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True
    )
    storage_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_STORAGE_DAYS)
    # e.g. ["mon", "wed", "fri"]; empty: the case goes the next working day (R11).
    courier_weekdays: Mapped[list[str]] = mapped_column(JSON, default=list)
    # window number (as text) → printer URL of that workplace's receipt printer.
    printers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
