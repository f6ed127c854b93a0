"""Routes: offices, their hours and per-date exceptions."""

from __future__ import annotations

from fastapi import Query, Response

from queue_server.api import api_router
from queue_server.audit.service import record
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, SessionDep
from queue_server.offices.calendar import local_now
from queue_server.offices.presenters import office_out
from queue_server.offices.schemas import DayHoursOut, OfficeDayIn, OfficeIn, OfficeOut
from queue_server.offices.service import (
    calendar,
    configure_office,
    delete_office_day,
    find_office,
    put_office_day,
    visible_offices,
)
from queue_server.types import Code, Day

router = api_router(tags=["offices"])


@router.get("/offices", response_model=list[OfficeOut])
def list_offices(session: SessionDep, principal: PrincipalDep) -> list[OfficeOut]:
    """Offices visible to the caller (staff)."""
    principal.require_staff()
    offices = visible_offices(session=session, office_id=principal.office_id)
    return [office_out(o) for o in offices]


@router.put("/offices/{code}", response_model=OfficeOut)
def save_office(
    code: Code, data: OfficeIn, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> OfficeOut:
    """Create an office (admin) or replace its configuration (admin, its manager)."""
    existing = find_office(session=session, code=code)
    if existing is None:
        principal.require_role("admin")
    else:
        principal.require_role("admin", "manager")
        principal.require_office(existing.id)
    office = configure_office(session=session, clock=clock, code=code, data=data, actor=principal)
    record(
        session,
        principal,
        "office_changed",
        office,
        office.code,
        {"created": existing is None},
        clock=clock,
    )
    return office_out(office)


@router.get("/offices/{code}", response_model=OfficeOut)
def get_office(office: CurrentOffice, principal: PrincipalDep) -> OfficeOut:
    """One office's configuration (its staff and kiosks)."""
    principal.require_office(office.id)
    principal.require_staff_or_device("kiosk")
    return office_out(office)


@router.get("/offices/{code}/calendar", response_model=list[DayHoursOut])
def office_calendar(
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: Day | None = None,
    days: int = Query(default=14, ge=1, le=366),
) -> list[DayHoursOut]:
    """Opening hours per date, with holidays and the office's exceptions applied."""
    principal.require_office(office.id)
    principal.require_staff_or_device("kiosk")
    first = start or local_now(office, clock.now()).date()
    return calendar(session=session, office=office, start=first, days=days)


@router.put("/offices/{code}/days/{day}", response_model=DayHoursOut)
def set_office_day(
    day: Day,
    data: OfficeDayIn,
    office: CurrentOffice,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> DayHoursOut:
    """Set an exception for a date (closed on a working day, open on a holiday…)."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    put_office_day(session=session, office=office, day=day, data=data)
    record(
        session,
        principal,
        "office_day_changed",
        office,
        day.isoformat(),
        data.model_dump(mode="json"),
        clock=clock,
    )
    return calendar(session=session, office=office, start=day, days=1)[0]


@router.delete("/offices/{code}/days/{day}", status_code=204)
def remove_office_day(
    day: Day, office: CurrentOffice, session: SessionDep, principal: PrincipalDep, clock: ClockDep
) -> Response:
    """Remove the exception for a date."""
    principal.require_role("admin", "manager")
    principal.require_office(office.id)
    delete_office_day(session=session, office=office, day=day)
    record(session, principal, "office_day_removed", office, day.isoformat(), {}, clock=clock)
    return Response(status_code=204)
