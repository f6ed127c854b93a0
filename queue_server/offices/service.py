"""Offices: configuration and calendar lookups."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.clock import Clock
from queue_server.events.service import emit
from queue_server.offices.calendar import DayHours, hours_on
from queue_server.offices.models import Office, OfficeDay
from queue_server.offices.schemas import DayHoursOut, OfficeDayIn, OfficeIn


def put_office(*, session: Session, code: str, data: OfficeIn) -> Office:
    """Create or replace an office's configuration."""
    office = session.scalar(select(Office).where(Office.code == code))
    if office is None:
        office = Office(code=code)
        session.add(office)
    values = data.model_dump()
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


def configure_office(*, session: Session, clock: Clock, code: str, data: OfficeIn) -> Office:
    """Create or replace an office's configuration and tell its devices."""
    office = put_office(session=session, code=code, data=data)
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
