"""The planner's what-if: the office's history turned into a day to simulate.

The simulation itself is `queue_server.simulation.whatif`; this module reads what it
needs from the office: its catalogue, the mix of services and their service times over
the last four weeks (the catalogue's norms where there is no history), and the mean
arrivals per hour of those weeks when the manager leaves them out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.reports.planner import staffing_plan
from admin.reports.scope import Scope
from admin.reports.segments import segments
from queue_server.catalogue.models import Service
from queue_server.config_io import ConfigFile, export_config
from queue_server.offices.calendar import local_now
from queue_server.offices.models import Office
from queue_server.simulation.whatif import HOURS, ServiceProfile, WhatIfPlan
from queue_server.windows.models import Window, WindowService

HISTORY_WEEKS = 4


def history_period(office: Office, now: datetime) -> tuple[date, date]:
    """The four weeks up to yesterday, in the office's zone."""
    today = local_now(office, now).date()
    return today - timedelta(weeks=HISTORY_WEEKS), today - timedelta(days=1)


def arrivals_from_history(
    *, session: Session, office: Office, now: datetime, weekday: int | None = None
) -> list[float]:
    """Mean applicants per local hour over the open days of the last four weeks."""
    start, end = history_period(office, now)
    plan = staffing_plan(session=session, office=office, start=start, end=end, weekday=weekday)
    rates = [0.0] * HOURS
    for row in plan.rows:
        rates[int(row["hour"])] = float(row["arrivals_per_hour"])
    return rates


def history_defaults(*, session: Session, office: Office, now: datetime) -> dict[str, Any]:
    """The form's starting point: per hour, mean arrivals and windows that called, from
    the last four weeks (zeros without history)."""
    start, end = history_period(office, now)
    plan = staffing_plan(session=session, office=office, start=start, end=end)
    arrivals, windows = [0.0] * HOURS, [0] * HOURS
    for row in plan.rows:
        arrivals[int(row["hour"])] = float(row["arrivals_per_hour"])
        windows[int(row["hour"])] = round(float(row["open_windows"]))
    return {
        "office": office.code,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "days": plan.note,
        "arrivals": arrivals,
        "windows": windows,
    }


def service_profiles(*, session: Session, office: Office, now: datetime) -> list[ServiceProfile]:
    """The services the office's windows serve: share and mean service time from history."""
    served = list(
        session.scalars(
            select(Service)
            .join(WindowService, WindowService.service_id == Service.id)
            .join(Window, Window.id == WindowService.window_id)
            .where(Window.office_id == office.id, Window.active.is_(True))
            .distinct()
            .order_by(Service.code)
        )
    )
    start, end = history_period(office, now)
    c = segments(Scope(offices=(office,), start=start, end=end)).c
    measured: dict[int, Any] = {
        r.service_id: r
        for r in session.execute(
            select(
                c.service_id, func.count().label("n"), func.avg(c.service_s).label("service")
            ).group_by(c.service_id)
        )
    }
    total = sum(int(measured[s.id].n) for s in served if s.id in measured)
    profiles = []
    for service in served:
        row = measured.get(service.id)
        share = int(row.n) / total if total and row is not None else 0.0 if total else 1.0
        mean = (
            float(row.service)
            if row is not None and row.service is not None
            else service.service_norm_minutes * 60.0
        )
        profiles.append(
            ServiceProfile(
                code=service.code,
                share=share,
                mean_service_s=max(mean, 1.0),
                limit_s=service.wait_limit_minutes * 60.0,
            )
        )
    return profiles


def office_plan(
    *,
    session: Session,
    office: Office,
    now: datetime,
    windows: list[int],
    arrivals: list[float] | None,
    weekday: int | None = None,
) -> WhatIfPlan:
    """The day the manager asked for, with the office's catalogue, mix and history."""
    exported = export_config(session=session)
    catalogue = ConfigFile.model_validate({k: v for k, v in exported.items() if k != "offices"})
    return WhatIfPlan(
        windows=list(windows),
        arrivals=list(arrivals)
        if arrivals is not None
        else arrivals_from_history(session=session, office=office, now=now, weekday=weekday),
        services=service_profiles(session=session, office=office, now=now),
        catalogue=catalogue,
        timezone=office.timezone,
    )
