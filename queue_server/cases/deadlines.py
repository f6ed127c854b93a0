"""Deadlines of a case on the office's production calendar (R11, R14) and who is past them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.cases import rules
from queue_server.cases.models import REGISTERED, SENT, STORED, Case
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office, OfficeDay
from queue_server.offices.service import overrides_for

# The calendar window loaded for deadline arithmetic (terms are at most a year).
_CALENDAR_SPAN = timedelta(days=800)


def local_date(office: Office, moment: datetime) -> date:
    """The office's local date at an instant."""
    return local_now(office, moment).date()


def _overrides(session: Session, office: Office, start: date) -> dict[date, OfficeDay]:
    return overrides_for(
        session=session, office_id=office.id, start=start, end=start + _CALENDAR_SPAN
    )


def transfer_deadline(
    *, session: Session, office: Office, registered_on: date, courier_weekdays: list[str]
) -> date:
    """R11: when the case must reach the agency, on this office's calendar."""
    return rules.transfer_due(
        country=office.calendar_country,
        registered_on=registered_on,
        courier_weekdays=courier_weekdays,
        overrides=_overrides(session, office, registered_on),
    )


def term_deadline(
    *, session: Session, office: Office, registered_on: date, working_days: int
) -> date:
    """R11: the agency's deadline, `working_days` working days after registration."""
    return rules.agency_due(
        country=office.calendar_country,
        registered_on=registered_on,
        working_days=working_days,
        overrides=_overrides(session, office, registered_on),
    )


def handover_late(
    *, session: Session, office: Office, prepared_on: date, received_on: date
) -> bool:
    """R12: whether the result arrived later than the working day after it was prepared."""
    due = rules.handover_due(
        country=office.calendar_country,
        prepared_on=prepared_on,
        overrides=_overrides(session, office, prepared_on),
    )
    return rules.is_overdue(due, received_on)


def overdue_counts(*, session: Session, office: Office, now: datetime) -> dict[str, int]:
    """How many of the office's cases are past each deadline now (for dashboards)."""
    today = local_date(office, now)
    base = select(func.count()).select_from(Case).where(Case.office_id == office.id)
    # The same rule as `rules.is_overdue` (today > due), said in SQL.
    late_transfer = base.where(Case.status == REGISTERED, Case.transfer_due < today)
    late_agency = base.where(
        Case.status.in_((REGISTERED, SENT)), Case.due_date.is_not(None), Case.due_date < today
    )
    return {
        "transfer_overdue": int(session.scalar(late_transfer) or 0),
        "agency_overdue": int(session.scalar(late_agency) or 0),
        "stored": int(session.scalar(base.where(Case.status == STORED)) or 0),
    }
