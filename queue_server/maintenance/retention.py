"""Retention of applicants' personal data (152-ФЗ, ст. 5 ч. 7): anonymised when its purpose ends.

Rows are anonymised, never deleted: the reports (counts, waits, visits per case, deadlines)
read statuses, times, ids and registration numbers, none of which is personal, so every
figure stays the same after a run. What each rule blanks:

* **cases** closed (issued, returned, archived) longer than `retention_days_cases` ago:
  the applicant's name, identity document and search key, the representative and their
  authority, the postal address; on the issuance record, the recipient and authority.
* **bookings** whose slot is older than `retention_days_bookings`: name, phone, e-mail,
  and the same fields in the messages of their notification outbox.
* **complaints** answered or withdrawn longer than `retention_days_complaints` ago: the
  applicant's name, contact and text, the answer, and the notes of the complaint's steps
  (the answer and a withdrawal's reason are written there too). The number, category,
  office, links, terms, statuses and who did each step when stay: the complaint reports
  and the R17 on-time share read only those.

Each rule works in batches, so one pass never holds SQLite's write lock for long; a run
repeats until a batch comes back short. Anonymised rows are recognised and skipped, so
running twice changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from queue_server.bookings.models import Booking, BookingNotification
from queue_server.cases.models import ARCHIVED, ISSUED, RETURNED, Case, Issuance
from queue_server.complaints.models import ANSWERED, WITHDRAWN, Complaint, ComplaintStep
from queue_server.settings import Settings

# What replaces a name or document where the column may not be empty.
ANONYMISED = "[обезличено]"
CLOSED_CASE_STATUSES = (ISSUED, RETURNED, ARCHIVED)
CLOSED_COMPLAINT_STATUSES = (ANSWERED, WITHDRAWN)
# Keys of a booking notification's message that carry the applicant's data.
NOTIFICATION_PERSONAL_KEYS = ("applicant_name", "phone", "email")
DEFAULT_BATCH = 500


@dataclass(frozen=True)
class RetentionPeriods:
    """How long each kind of personal data is kept after its purpose ended."""

    cases: timedelta
    bookings: timedelta
    complaints: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPeriods:
        """The periods configured by MFCQ_RETENTION_DAYS_*."""
        return cls(
            cases=timedelta(days=settings.retention_days_cases),
            bookings=timedelta(days=settings.retention_days_bookings),
            complaints=timedelta(days=settings.retention_days_complaints),
        )


class RetentionRule(Protocol):
    """One kind of personal data: which rows expired, and how they are anonymised."""

    name: str

    def period(self, periods: RetentionPeriods) -> timedelta:
        """This rule's retention period."""
        ...

    def count_expired(self, session: Session, cutoff: datetime) -> int:
        """How many rows still hold personal data that expired before `cutoff`."""
        ...

    def anonymise_expired(self, session: Session, cutoff: datetime, limit: int) -> int:
        """Anonymise at most `limit` expired rows; how many."""
        ...


class CaseRetention:
    """Closed cases: the applicant, the representative, the address, the recipient."""

    name = "cases"

    def period(self, periods: RetentionPeriods) -> timedelta:
        """Days after the case was closed."""
        return periods.cases

    def _expired(self, cutoff: datetime) -> list[ColumnElement[bool]]:
        return [
            Case.status.in_(CLOSED_CASE_STATUSES),
            Case.closed_at < cutoff,
            Case.applicant_name != ANONYMISED,
        ]

    def count_expired(self, session: Session, cutoff: datetime) -> int:
        """Closed cases still holding personal data."""
        query = select(func.count()).select_from(Case).where(*self._expired(cutoff))
        return int(session.scalar(query) or 0)

    def anonymise_expired(self, session: Session, cutoff: datetime, limit: int) -> int:
        """Blank a batch of closed cases and their issuance records."""
        ids = list(
            session.scalars(
                select(Case.id)
                .where(*self._expired(cutoff))
                .order_by(Case.id)
                .limit(limit)
                .with_for_update(skip_locked=True)  # another process's pass takes others
            )
        )
        if not ids:
            return 0
        session.execute(
            update(Case)
            .where(Case.id.in_(ids))
            .values(
                applicant_name=ANONYMISED,
                applicant_document_type=ANONYMISED,
                applicant_document_number="",
                # Empty: the lost-receipt search (R13) can no longer find the case by person.
                applicant_key="",
                representative_name=None,
                representative_authority=None,
                postal_address=None,
                # The double-press key and the hash of the request it guarded: a hash of
                # personal data is personal data too (and a closed case needs no replay).
                idempotency_key=None,
                request_digest=None,
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Issuance)
            .where(Issuance.case_id.in_(ids))
            .values(recipient_name=ANONYMISED, representative_authority=None)
            .execution_options(synchronize_session=False)
        )
        return len(ids)


class BookingRetention:
    """Past bookings: name, phone, e-mail, also in their notification messages."""

    name = "bookings"

    def period(self, periods: RetentionPeriods) -> timedelta:
        """Days after the booked slot."""
        return periods.bookings

    def _expired(self, cutoff: datetime) -> list[ColumnElement[bool]]:
        return [
            Booking.slot_start < cutoff,
            or_(Booking.applicant_name != "", Booking.phone != "", Booking.email != ""),
        ]

    def count_expired(self, session: Session, cutoff: datetime) -> int:
        """Past bookings still holding personal data."""
        query = select(func.count()).select_from(Booking).where(*self._expired(cutoff))
        return int(session.scalar(query) or 0)

    def anonymise_expired(self, session: Session, cutoff: datetime, limit: int) -> int:
        """Blank a batch of past bookings and the messages sent about them."""
        ids = list(
            session.scalars(
                select(Booking.id)
                .where(*self._expired(cutoff))
                .order_by(Booking.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return 0
        session.execute(
            update(Booking)
            .where(Booking.id.in_(ids))
            .values(applicant_name="", phone="", email="")
            .execution_options(synchronize_session=False)
        )
        notifications = session.scalars(
            select(BookingNotification).where(BookingNotification.booking_id.in_(ids))
        )
        for notification in notifications:
            # A new dict: the JSON column does not track changes inside the old one.
            notification.message = {
                k: v for k, v in notification.message.items() if k not in NOTIFICATION_PERSONAL_KEYS
            }
        return len(ids)


class ComplaintRetention:
    """Closed complaints: the applicant's name, contact and words, the answer, step notes."""

    name = "complaints"

    def period(self, periods: RetentionPeriods) -> timedelta:
        """Days after the complaint was answered or withdrawn."""
        return periods.complaints

    def _expired(self, cutoff: datetime) -> list[ColumnElement[bool]]:
        return [
            Complaint.status.in_(CLOSED_COMPLAINT_STATUSES),
            Complaint.closed_at < cutoff,
            Complaint.applicant_name != ANONYMISED,
        ]

    def count_expired(self, session: Session, cutoff: datetime) -> int:
        """Closed complaints still holding personal data."""
        query = select(func.count()).select_from(Complaint).where(*self._expired(cutoff))
        return int(session.scalar(query) or 0)

    def anonymise_expired(self, session: Session, cutoff: datetime, limit: int) -> int:
        """Blank a batch of closed complaints and the notes of their steps."""
        ids = list(
            session.scalars(
                select(Complaint.id)
                .where(*self._expired(cutoff))
                .order_by(Complaint.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return 0
        session.execute(
            update(Complaint)
            .where(Complaint.id.in_(ids))
            .values(applicant_name=ANONYMISED, applicant_contact="", text=ANONYMISED)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Complaint)
            .where(Complaint.id.in_(ids), Complaint.answer.is_not(None))
            .values(answer=ANONYMISED)
            .execution_options(synchronize_session=False)
        )
        # The steps are append-only for the application (the ORM refuses a change); the
        # law's erasure is the one exception, by a statement: who and when stay.
        session.execute(
            update(ComplaintStep)
            .where(ComplaintStep.complaint_id.in_(ids), ComplaintStep.note != "")
            .values(note=ANONYMISED)
            .execution_options(synchronize_session=False)
        )
        return len(ids)


RULES: tuple[RetentionRule, ...] = (CaseRetention(), BookingRetention(), ComplaintRetention())


def remove_expired_personal_data(
    *,
    session: Session,
    now: datetime,
    periods: RetentionPeriods,
    dry_run: bool = False,
    batch: int = DEFAULT_BATCH,
    rules: tuple[RetentionRule, ...] = RULES,
) -> dict[str, int]:
    """Anonymise one batch per rule (or, dry, count everything due); rows per rule."""
    done: dict[str, int] = {}
    for rule in rules:
        cutoff = now - rule.period(periods)
        if dry_run:
            done[rule.name] = rule.count_expired(session, cutoff)
        else:
            done[rule.name] = rule.anonymise_expired(session, cutoff, batch)
    return done
