"""Applicant notifications: per-office channels, subscriptions with consent, the outbox.

A subscription is the applicant's consent (R10) and the contact it covers; the contact is
wiped when its period ends (ticket: the office's day; case: issuance), the consent record
stays. A message is one text to one recipient, unique per (what happened, recipient,
kind), so a replayed event never sends twice; every delivery attempt is kept for reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from queue_server.db import Base, BigIntPK, UTCDateTime

# Message states.
PENDING = "pending"
SENT = "sent"
FAILED = "failed"
EXPIRED = "expired"  # too late to be of use (a call an hour after the window waited)
SKIPPED = "skipped"  # the contact was withdrawn or removed before it went out
MESSAGE_STATES = (PENDING, SENT, FAILED, EXPIRED, SKIPPED)

# Channels.
SMS = "sms"
TELEGRAM = "telegram"
EMAIL = "email"
CHANNELS = (SMS, TELEGRAM, EMAIL)

# Where the applicant left the contact (the consent's source).
SOURCES = ("kiosk", "status_page", "intake", "telegram", "complaint")


class NotificationSettings(Base):
    """An office's channels, thresholds and texts; absent means nothing is sent."""

    __tablename__ = "notification_settings"

    office_id: Mapped[int] = mapped_column(
        ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True
    )
    # Channel configurations (schemas.SmsConfig, TelegramConfig, EmailConfig): JSON, so a
    # gateway's request template can name any parameters it wants.
    sms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    telegram: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    email: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # "Your turn is near": when at most this many people are ahead, or the estimate drops
    # to at most this many minutes (0 turns that test off).
    near_people_ahead: Mapped[int] = mapped_column(Integer, default=3)
    near_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # R14: warn this many days before an uncollected result goes back to the agency.
    return_warning_days: Mapped[int] = mapped_column(Integer, default=3)
    # Per recipient: at most this many messages in any hour (the rest wait).
    per_recipient_per_hour: Mapped[int] = mapped_column(Integer, default=10)
    # Overrides of the default Russian texts, per message kind (templates.DEFAULTS).
    templates: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The next Telegram update to read (getUpdates offset).
    telegram_offset: Mapped[int] = mapped_column(BigInteger, default=0)


class Subscription(Base):
    """An applicant's consent to be told about a ticket or a case, and the contact."""

    __tablename__ = "notification_subscriptions"
    __table_args__ = (
        Index("ix_notification_subscriptions_ticket", "ticket_id"),
        Index("ix_notification_subscriptions_case", "case_id"),
        Index("ix_notification_subscriptions_purge", "purged_at", "keep_until"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    # The phone (digits, 7XXXXXXXXXX), Telegram chat id or e-mail; None once removed.
    address: Mapped[str | None] = mapped_column(String(254), nullable=True)
    address_masked: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The consent text the applicant agreed to (its version, templates.CONSENT_VERSION).
    consent_version: Mapped[str] = mapped_column(String(16))
    # A ticket's contact is kept to the end of the office's day; a case's until issuance
    # (None: its case decides).
    keep_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotificationMessage(Base):
    """One text to one recipient: the outbox row the delivery loop sends."""

    __tablename__ = "notification_messages"
    __table_args__ = (
        Index("ix_notification_messages_due", "status", "due_at"),
        Index("ix_notification_messages_recipient", "channel", "address", "sent_at"),
        Index("ix_notification_messages_office", "office_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_subscriptions.id"), nullable=True
    )
    # (what happened, recipient, kind): a replayed event finds its message already there.
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(254), nullable=True)
    address_masked: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class DeliveryAttempt(Base):
    """The outcome of one try to deliver a message (for the reports)."""

    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("notification_messages.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(String(500), default="")
    milliseconds: Mapped[int] = mapped_column(Integer, default=0)


class EventCursor(Base):
    """Per office: the last outbox event turned into messages (ids are in commit order
    within an office, realtime/outbox.py, so a per-office cursor misses none)."""

    __tablename__ = "notification_cursors"

    office_id: Mapped[int] = mapped_column(
        ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True
    )
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)


class PollerLease(Base):
    """Who reads an outside service's updates now (the Telegram bots' getUpdates): one
    server process at a time, for a short lease it renews on each pass. A process that
    dies stops renewing, and another takes the lease over once it expires."""

    __tablename__ = "notification_poller_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The holding loop's own random id (a process may run one loop).
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
