"""Offices: configuration and calendar lookups."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.service import Principal
from queue_server.clock import Clock
from queue_server.events.service import emit
from queue_server.offices import rules
from queue_server.offices.calendar import DayHours, hours_on
from queue_server.offices.exceptions import ScheduleBelowMinimum
from queue_server.offices.models import Office, OfficeDay
from queue_server.offices.schemas import DayHoursOut, OfficeDayIn, OfficeIn


def put_office(*, session: Session, code: str, data: OfficeIn) -> Office:
    """Create or replace an office's configuration."""
    office = session.scalar(select(Office).where(Office.code == code))
    if office is None:
        office = Office(code=code)
        session.add(office)
    # The R6 override is recorded by `configure_office`, with who and when, never copied.
    values = data.model_dump(exclude={"schedule_override_reason"})
    values["opening_hours"] = {
        day: list(span) if span else None for day, span in data.opening_hours.items()
    }
    for field, value in values.items():
        setattr(office, field, value)
    session.flush()
    return office


def visible_offices(*, session: Session, office_id: int | None) -> list[Office]:
    """Every office, or only `office_id` for staff and devices of one office."""
    stmt = select(Office).order_by(Office.code)
    if office_id is not None:
        stmt = stmt.where(Office.id == office_id)
    return list(session.scalars(stmt))


def find_office(*, session: Session, code: str) -> Office | None:
    """The office with this code, if there is one."""
    return session.scalar(select(Office).where(Office.code == code))


def configure_office(
    *,
    session: Session,
    clock: Clock,
    code: str,
    data: OfficeIn,
    actor: Principal | None = None,
) -> Office:
    """Create or replace an office's configuration (R6 checked) and tell its devices."""
    existing = find_office(session=session, code=code)
    hours = {day: list(span) if span else None for day, span in data.opening_hours.items()}
    problem = rules.schedule_problem(hours)
    # A schedule an admin already let stand stays when someone saves other settings.
    kept = (
        existing is not None
        and existing.schedule_override_at is not None
        and existing.opening_hours == hours
        and data.schedule_override_reason in (None, existing.schedule_override_reason)
    )
    may_override = actor is not None and actor.role == "admin" and data.schedule_override_reason
    if problem is not None and not kept and not may_override:
        raise ScheduleBelowMinimum(
            min_days=rules.MIN_DAYS_PER_WEEK,
            min_hours=rules.MIN_HOURS_PER_DAY,
            days=rules.full_days(hours),
        )
    office = put_office(session=session, code=code, data=data)
    if problem is None:
        office.schedule_override_reason = None
        office.schedule_override_by = None
        office.schedule_override_at = None
    elif not kept:
        assert actor is not None  # one place an audit trail can pick the override up
        office.schedule_override_reason = data.schedule_override_reason
        office.schedule_override_by = actor.name
        office.schedule_override_at = clock.now()
    emit(session=session, clock=clock, type="office.changed", office_id=office.id, payload={})
    return office


def overrides_for(
    *, session: Session, office_id: int, start: date, end: date
) -> dict[date, OfficeDay]:
    """The office's per-date overrides between two dates, inclusive."""
    rows = session.scalars(
        select(OfficeDay).where(
            OfficeDay.office_id == office_id, OfficeDay.day >= start, OfficeDay.day <= end
        )
    )
    return {row.day: row for row in rows}


def put_office_day(*, session: Session, office: Office, day: date, data: OfficeDayIn) -> OfficeDay:
    """Set the exception for one date."""
    row = session.scalar(
        select(OfficeDay).where(OfficeDay.office_id == office.id, OfficeDay.day == day)
    )
    if row is None:
        row = OfficeDay(office_id=office.id, day=day)
        session.add(row)
    row.is_open, row.opens, row.closes, row.note = data.is_open, data.opens, data.closes, data.note
    session.flush()
    return row


def delete_office_day(*, session: Session, office: Office, day: date) -> bool:
    """Remove the exception for one date; whether there was one."""
    row = session.scalar(
        select(OfficeDay).where(OfficeDay.office_id == office.id, OfficeDay.day == day)
    )
    if row is None:
        return False
    session.delete(row)
    return True


def calendar(*, session: Session, office: Office, start: date, days: int) -> list[DayHoursOut]:
    """The office's hours for `days` dates from `start`."""
    end = start + timedelta(days=days - 1)
    overrides = overrides_for(session=session, office_id=office.id, start=start, end=end)
    result = []
    for offset in range(days):
        hours: DayHours = hours_on(office, start + timedelta(days=offset), overrides)
        result.append(
            DayHoursOut(
                day=hours.day,
                is_open=hours.is_open,
                opens=hours.opens,
                closes=hours.closes,
                reason=hours.reason,
                override=hours.day in overrides,
            )
        )
    return result
