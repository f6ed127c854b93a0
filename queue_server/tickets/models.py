"""Tickets, their stored transitions, daily number counters and wait-limit breaches."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from queue_server.catalogue.models import Service
from queue_server.db import Base, BigIntPK, UTCDateTime
from queue_server.tickets.remote_rules import (
    REMOTE_LATE_MINUTES,
    REMOTE_PER_CLIENT_PER_HOUR,
    REMOTE_PER_PHONE_PER_DAY,
)

WAITING = "waiting"
CALLED = "called"
SERVING = "serving"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
# Set aside by the clerk for a few minutes (the applicant went to make a copy); it comes
# back to the queue by itself when its hold is over (`tickets/holds.py`).
POSTPONED = "postponed"
# Taken from the phone (`tickets/remote.py`): the place is held, but the ticket is not in the
# queue (never called, no wait running) until the applicant checks in or a clerk sees them.
EXPECTED = "expected"
ACTIVE_STATUSES = (WAITING, CALLED, SERVING)
STATUSES = (WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED, POSTPONED, EXPECTED)


_WALK_INS = "status = 'waiting' AND due_at IS NULL AND priority_rank IS NULL"
_OTHERS = "status = 'waiting' AND (due_at IS NOT NULL OR priority_rank IS NOT NULL)"
# Call-next's candidates (`dispatcher.head_pick_statement`): each service's head (on
# `ix_tickets_walk_ins` or `ix_tickets_fifo`) and the few tickets outside the plain queue
# (transferred, a booking, a priority), all read on this index's predicate.
NOT_PLAIN = (
    "status = 'waiting' AND (target_window_id IS NOT NULL OR target_clerk_id IS NOT NULL"
    " OR due_at IS NOT NULL OR priority_rank IS NOT NULL)"
)
# Taken in the hall: not a booking, not a place taken from the phone.
_ARRIVING = "booking_id IS NULL AND due_at IS NULL"


class Ticket(Base):
    """A queue ticket; its wait runs from `waiting_since` to the first call."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("office_id", "idempotency_key"),
        Index("ix_tickets_queue", "office_id", "status", "service_id"),
        Index("ix_tickets_number", "office_id", "day", "number"),
        Index("ix_tickets_issued", "office_id", "issued_at"),
        # The scheduler's pass over the hold lists: few postponed tickets, found directly.
        Index(
            "ix_tickets_hold",
            "hold_until",
            postgresql_where=text("status = 'postponed'"),
            sqlite_where=text("status = 'postponed'"),
        ),
        # The wait estimate reads the head of each service's queue with a limit and places
        # a ticket by counting those behind it, on these indexes alone (`tickets/heads.py`):
        # every waiting ticket by the start of its wait (FIFO); the walk-ins by deadline;
        # the few others (bookings, priority categories) found directly ("status" in the
        # key: SQLite, without statistics, prefers the index with more equal columns).
        Index(
            "ix_tickets_fifo",
            "office_id",
            "service_id",
            "waiting_since",
            "id",
            postgresql_where=text("status = 'waiting'"),
            sqlite_where=text("status = 'waiting'"),
        ),
        Index(
            "ix_tickets_walk_ins",
            "office_id",
            "service_id",
            "deadline",
            "waiting_since",
            "id",
            postgresql_where=text(_WALK_INS),
            sqlite_where=text(_WALK_INS),
        ),
        Index(
            "ix_tickets_waiting_others",
            "office_id",
            "status",
            "service_id",
            postgresql_where=text(_OTHERS),
            sqlite_where=text(_OTHERS),
        ),
        # Call-next reads the head of each of the window's services on the two indexes above
        # and every waiting ticket outside the plain queue on this one: its cost grows
        # neither with the queue nor with the other services' queues
        # (`dispatcher.head_pick_statement`).
        Index(
            "ix_tickets_not_plain",
            "office_id",
            "status",  # SQLite, without statistics, prefers the index with more equal columns
            postgresql_where=text(NOT_PLAIN),
            sqlite_where=text(NOT_PLAIN),
        ),
        # The wait estimate reads the service times of the tickets finished in the last hour.
        Index("ix_tickets_finished", "office_id", "finished_at"),
        # ... and counts each service's walk-ins issued in the last hour (arrival rates) on
        # this index alone, never reading the tickets (`estimates._office_now_statement`).
        Index(
            "ix_tickets_arrivals",
            "office_id",
            "service_id",
            "issued_at",
            "priority_rank",
            "booking_id",  # NULL throughout: there so that the index alone answers
            "due_at",
            postgresql_where=text(_ARRIVING),
            sqlite_where=text(_ARRIVING),
        ),
        # Reports rebuild the earlier waits of redirected tickets from their transitions:
        # find those few tickets of a period without reading the others.
        Index(
            "ix_tickets_redirected",
            "office_id",
            "day",
            postgresql_where=text("redirect_count > 0"),
            sqlite_where=text("redirect_count > 0"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    day: Mapped[date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(1))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=WAITING)
    status_code: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    priority_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("priority_categories.id"), nullable=True
    )
    # Copied from the category at issue so that dispatch needs no join.
    priority_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), nullable=True)
    # For a booking: the slot start; from then on the ticket is called first (R4).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    redirect_count: Mapped[int] = mapped_column(Integer, default=0)
    issued_by_device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    # A postponed ticket returns to the queue at this instant (the scheduler moves it).
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A transfer to a window or a clerk: only that window (or the window that clerk
    # holds) calls the ticket, before its own queue. Cleared by the next wait start.
    target_window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    target_clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    service: Mapped[Service] = relationship(lazy="joined")


class TicketTransition(Base):
    """One step of a ticket's life, with time, window and clerk (001 §3.2)."""

    __tablename__ = "ticket_transitions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TicketCounter(Base):
    """The last sequence issued per office, prefix and local day."""

    __tablename__ = "ticket_counters"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class WaitBreach(Base):
    """A wait that passed its limit, kept for the reports (R1–R3)."""

    __tablename__ = "wait_breaches"
    __table_args__ = (
        UniqueConstraint("ticket_id", "deadline"),
        # The reports' breach list of a period, in time order.
        Index("ix_wait_breaches_report", "office_id", "waiting_since"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Filled when the ticket is finally called (or leaves the queue otherwise).
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class ChosenCall(Base):
    """A ticket called out of the dispatcher's order, with the clerk's reason (reports)."""

    __tablename__ = "chosen_calls"
    __table_args__ = (
        # The reports count reasons per clerk over a period of an office.
        Index("ix_chosen_calls_report", "office_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    clerk_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")


class RemoteQueuePolicy(Base):
    """Whether and how an office lets applicants take a live-queue place from the phone."""

    __tablename__ = "remote_queue_policies"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    per_phone_per_day: Mapped[int] = mapped_column(Integer, default=REMOTE_PER_PHONE_PER_DAY)
    per_client_per_hour: Mapped[int] = mapped_column(Integer, default=REMOTE_PER_CLIENT_PER_HOUR)
    # The check-in stays open this long after the place's time (the way to the office).
    late_minutes: Mapped[int] = mapped_column(Integer, default=REMOTE_LATE_MINUTES)


class RemoteQueueService(Base):
    """A service an office opens to remote queueing (none by default)."""

    __tablename__ = "remote_queue_services"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)


class RemoteTicket(Base):
    """What a ticket taken from the phone adds: its check-in code, the phone (kept until the
    end of the office's day), and when and how the applicant arrived."""

    __tablename__ = "remote_tickets"
    __table_args__ = (
        # The per-phone limit of a day, and the purge of the day's phones.
        Index("ix_remote_tickets_phone", "office_id", "day", "phone"),
        # The per-client rate limit counts the last hour's places.
        Index("ix_remote_tickets_taken", "office_id", "taken_at"),
        # The expiry job: the few places not checked in yet.
        Index(
            "ix_remote_tickets_expected",
            "expires_at",
            postgresql_where=text("arrived_at IS NULL"),
            sqlite_where=text("arrived_at IS NULL"),
        ),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    day: Mapped[date] = mapped_column(Date)
    checkin_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Digits only; emptied when the office's day is over (`forget_remote_phones`).
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # A hash of the client's address, for the rate limit; emptied with the phone.
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # After this instant the place is given up (`drop_remote_places_not_taken_up`).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # "kiosk" (the check-in code at the terminal) or "clerk" (the clerk saw them).
    arrived_via: Mapped[str | None] = mapped_column(String(16), nullable=True)
