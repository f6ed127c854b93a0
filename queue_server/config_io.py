"""Import and export of a whole configuration (catalogue, offices, windows) as JSON.

An import is checked whole before anything is written: an office whose weekly schedule is
below R6's minimum (5 days × 7 hours) refuses the whole file, naming every such office,
unless the file gives that office a `schedule_override_reason`. Such a reason is recorded
on the office (by «импорт конфигурации», at the clock's time) and in the audit trail, as
an admin's override over the API is; one kept from before with the same hours stays.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.audit.service import record
from queue_server.catalogue import service as catalogue
from queue_server.catalogue.presenters import service_out
from queue_server.catalogue.schemas import AgencyIn, PriorityCategoryIn, ServiceGroupIn, ServiceIn
from queue_server.clock import Clock
from queue_server.offices import rules
from queue_server.offices.exceptions import ScheduleBelowMinimum
from queue_server.offices.models import Office
from queue_server.offices.presenters import office_out
from queue_server.offices.schemas import OfficeIn
from queue_server.offices.service import put_office
from queue_server.windows.schemas import WindowIn, WindowServiceIn
from queue_server.windows.service import list_windows, put_window


class OfficeConfig(OfficeIn):
    """An office with its windows, keyed by window number."""

    windows: dict[int, WindowIn] = Field(default_factory=dict)


class ConfigFile(BaseModel):
    """The whole configuration; every part is optional and applied as create-or-replace."""

    model_config = ConfigDict(extra="forbid")
    agencies: dict[str, AgencyIn] = {}
    service_groups: dict[str, ServiceGroupIn] = {}
    priority_categories: dict[str, PriorityCategoryIn] = {}
    services: dict[str, ServiceIn] = {}
    offices: dict[str, OfficeConfig] = {}


#: Who let a short schedule stand when the reason came in a configuration file.
IMPORT_ACTOR = "импорт конфигурации"


def _hours(office: OfficeIn) -> dict[str, list[str] | None]:
    return {day: list(span) if span else None for day, span in office.opening_hours.items()}


def _override_kept(existing: Office | None, office: OfficeIn) -> bool:
    return (
        existing is not None
        and existing.schedule_override_at is not None
        and existing.opening_hours == _hours(office)
        and office.schedule_override_reason in (None, existing.schedule_override_reason)
    )


def _check_schedules(session: Session, data: ConfigFile) -> dict[str, bool]:
    """R6 for every office of the file, before anything is written.

    Refuses the whole import when an office is below the minimum with no reason given or
    kept; otherwise says, per office below the minimum, whether a new reason is recorded.
    """
    refused: list[str] = []
    new_override: dict[str, bool] = {}
    for code, office in data.offices.items():
        hours = _hours(office)
        if rules.schedule_problem(hours) is None:
            continue
        existing = session.scalar(select(Office).where(Office.code == code))
        kept = _override_kept(existing, office)
        if not kept and not office.schedule_override_reason:
            refused.append(f"«{office.name}» ({code}) — {rules.full_days(hours)}")
        new_override[code] = not kept
    if refused:
        raise ScheduleBelowMinimum(
            key="schedule_below_minimum.import",
            offices="; ".join(refused),
            days=rules.MIN_DAYS_PER_WEEK,
            hours=rules.MIN_HOURS_PER_DAY,
        )
    return new_override


def import_config(
    *, session: Session, data: ConfigFile, clock: Clock | None = None
) -> dict[str, int]:
    """Apply a configuration in dependency order; counts of what was written.

    R6 is checked for every office first (nothing is written when one is refused). A file
    that lets a short schedule stand needs `clock`, for the override's time.
    """
    overrides = _check_schedules(session, data)
    if any(overrides.values()) and clock is None:
        raise ValueError("import_config: a schedule override needs the clock for its time")
    for code, agency in data.agencies.items():
        catalogue.put_agency(session=session, code=code, data=agency)
    for code, group in data.service_groups.items():
        catalogue.put_group(session=session, code=code, data=group)
    for code, category in data.priority_categories.items():
        catalogue.put_priority_category(session=session, code=code, data=category)
    for code, service in data.services.items():
        catalogue.put_service(session=session, code=code, data=service)
    windows = 0
    for code, office_config in data.offices.items():
        office_data = OfficeIn(**office_config.model_dump(exclude={"windows"}))
        office = put_office(session=session, code=code, data=office_data)
        if code not in overrides:  # the schedule meets R6: no exception to keep
            office.schedule_override_reason = None
            office.schedule_override_by = None
            office.schedule_override_at = None
        elif overrides[code]:
            assert clock is not None
            office.schedule_override_reason = office_config.schedule_override_reason
            office.schedule_override_by = IMPORT_ACTOR
            office.schedule_override_at = clock.now()
            reason = {"schedule_override_reason": office_config.schedule_override_reason}
            record(session, IMPORT_ACTOR, "office_changed", office, code, reason, clock=clock)
        for number, window in office_config.windows.items():
            put_window(session=session, office=office, number=number, data=window)
            windows += 1
    return {
        "agencies": len(data.agencies),
        "service_groups": len(data.service_groups),
        "priority_categories": len(data.priority_categories),
        "services": len(data.services),
        "offices": len(data.offices),
        "windows": windows,
    }


def export_config(*, session: Session) -> dict[str, Any]:
    """The current configuration in the import format."""
    offices: dict[str, Any] = {}
    for office in session.scalars(select(Office).order_by(Office.code)):
        body = office_out(office).model_dump(
            mode="json", exclude={"code", "schedule_override_by", "schedule_override_at"}
        )
        body["windows"] = {
            str(w.number): WindowIn(
                name=w.name,
                active=w.active,
                led_address=w.led_address,
                services=[
                    WindowServiceIn(service=ws.service.code, order=ws.order) for ws in w.services
                ],
            ).model_dump(mode="json")
            for w in list_windows(session=session, office=office)
        }
        offices[office.code] = body
    return {
        "agencies": {a.code: {"name": a.name} for a in catalogue.list_agencies(session=session)},
        "service_groups": {
            g.code: g.model_dump(exclude={"code"}) for g in catalogue.list_groups(session=session)
        },
        "priority_categories": {
            c.code: c.model_dump(exclude={"code"})
            for c in catalogue.list_priority_categories(session=session)
        },
        "services": {
            s.code: service_out(s).model_dump(mode="json", exclude={"code"})
            for s in catalogue.list_services(session=session)
        },
        "offices": offices,
    }
