"""Staffing planner: windows needed each hour so that 95% of waits stay within the limit.

The office is modelled, hour by hour, as an M/M/N queue (Erlang C): Poisson arrivals at the
measured rate λ, exponential service with the measured mean, N identical windows. The
formula itself lives in `queue_server.simulation.erlang`, shared with the simulator's
validation.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import case, distinct, func, select, true
from sqlalchemy.orm import Session

from admin.reports.rolled import Source, hour_rows, plan_source, raw_part
from admin.reports.scope import Scope
from admin.reports.segments import segments
from admin.reports.tables import Column, Table
from queue_server.offices.models import Office

# Re-exported: callers and tests know the planner's Erlang C by this module's name.
from queue_server.simulation.erlang import erlang_c as erlang_c
from queue_server.simulation.erlang import share_within

TARGET = 0.95
MAX_WINDOWS = 500


def windows_needed(
    arrivals_per_hour: float, mean_service_s: float, limit_s: float, target: float = TARGET
) -> int:
    """The fewest windows with P(wait ≤ limit) ≥ target (0 when nobody comes)."""
    if arrivals_per_hour <= 0:
        return 0
    traffic = arrivals_per_hour * mean_service_s / 3600.0
    n = max(1, math.floor(traffic) + 1)
    while share_within(n, traffic, mean_service_s, limit_s) < target:
        n += 1
        if n > MAX_WINDOWS:
            raise ValueError("more than MAX_WINDOWS windows needed")
    return n


@dataclass(frozen=True)
class HourPlan:
    """One hour of the plan."""

    hour: int
    arrivals_per_hour: float
    mean_service_s: float
    limit_s: int
    needed: int
    open_windows: float
    predicted_share: float | None
    achieved_share: float | None


_COLUMNS = [
    Column("hour", "Час", "Hour", "int"),
    Column("arrivals_per_hour", "Приход в час", "Arrivals per hour"),
    Column("mean_service_s", "Среднее обслуживание", "Mean service", "seconds"),
    Column("limit_s", "Норматив ожидания", "Wait limit", "seconds"),
    Column("needed", "Нужно окон", "Windows needed", "int"),
    Column("open_windows", "Было открыто", "Actually open"),
    Column("predicted_share", "Прогноз при открытых", "Predicted at open", "share"),
    Column("achieved_share", "Достигнуто", "Achieved", "share"),
]


@dataclass(frozen=True)
class _Measured:
    """What the period showed: open days, per-hour arrivals and service, windows that called."""

    days: int
    by_hour: list[Any]
    overall_service: Any  # a Decimal on PostgreSQL, a float on SQLite, None without service
    open_by_hour: dict[int, int]


def _measure(session: Session, scope: Scope, weekday: int | None) -> _Measured:
    """Arrivals, service times, waits within the limit and calling windows, per local hour."""
    c = segments(scope).c
    day_filter = c.weekday == weekday if weekday else true()
    days = session.scalar(select(func.count(distinct(c.day))).where(day_filter)) or 0
    by_hour = session.execute(
        select(
            c.hour,
            func.count().label("arrivals"),
            func.avg(c.service_s).label("service"),
            func.min(c.limit_s).label("limit"),
            func.count(c.called_at).label("called"),
            func.sum(case((c.wait_s <= c.limit_s, 1), else_=0)).label("within"),
        )
        .where(day_filter)
        .group_by(c.hour)
        .order_by(c.hour)
    ).all()
    overall_service = session.scalar(select(func.avg(c.service_s)).where(day_filter))
    calls = (
        select(c.call_hour.label("hour"), c.day, c.window_id)
        .where(c.called_at.is_not(None), c.window_id.is_not(None), day_filter)
        .distinct()
        .subquery("calls")
    )
    open_by_hour = {
        r.hour: int(r.n)
        for r in session.execute(
            select(calls.c.hour, func.count().label("n")).group_by(calls.c.hour)
        )
    }
    return _Measured(days, list(by_hour), overall_service, open_by_hour)


def _measure_rolled(session: Session, source: Source, weekday: int | None) -> _Measured:
    """The same figures from the roll-ups' hours (and today's from the tickets)."""
    raw = raw_part(session, source)
    days: set[date] = set()
    hours: dict[int, dict[str, Any]] = {}
    open_by_hour: dict[int, int] = defaultdict(int)
    service_n = service_sum = 0
    for day, hour, v in hour_rows(session, source, raw, weekday):
        open_by_hour[hour] += v["open_windows"]
        service_n += v["service_n"]
        service_sum += v["service_sum"]
        if not v["arrivals"]:
            continue  # an hour of calls only: no wait began in it
        days.add(day)
        h = hours.setdefault(
            hour, {"arrivals": 0, "called": 0, "within": 0, "n": 0, "sum": 0, "limit": None}
        )
        for name in ("arrivals", "called", "within"):
            h[name] += v[name]
        h["n"] += v["service_n"]
        h["sum"] += v["service_sum"]
        if v["min_limit"] is not None:
            h["limit"] = v["min_limit"] if h["limit"] is None else min(h["limit"], v["min_limit"])
    by_hour = [
        SimpleNamespace(
            hour=hour,
            arrivals=h["arrivals"],
            service=h["sum"] / h["n"] if h["n"] else None,
            limit=h["limit"],
            called=h["called"],
            within=h["within"],
        )
        for hour, h in sorted(hours.items())
    ]
    overall = service_sum / service_n if service_n else None
    return _Measured(len(days), by_hour, overall, dict(open_by_hour))


def _hour_plan(r: Any, measured: _Measured) -> HourPlan:
    """One hour: the mean rate and service over the open days, and the windows they need."""
    days = measured.days
    rate = int(r.arrivals) / days if days else 0.0
    service = float(r.service if r.service is not None else measured.overall_service or 0.0)
    limit = int(r.limit)
    needed = windows_needed(rate, service, limit) if service > 0 else 0
    opened = measured.open_by_hour.get(r.hour, 0) / days if days else 0.0
    traffic = rate * service / 3600.0
    predicted = share_within(round(opened), traffic, service, limit) if service > 0 else None
    return HourPlan(
        hour=int(r.hour),
        arrivals_per_hour=round(rate, 2),
        mean_service_s=round(service, 1),
        limit_s=limit,
        needed=needed,
        open_windows=round(opened, 2),
        predicted_share=None if predicted is None else round(predicted, 4),
        achieved_share=round(int(r.within or 0) / int(r.called), 4) if r.called else None,
    )


def staffing_plan(
    *,
    session: Session,
    office: Office,
    start: date,
    end: date,
    weekday: int | None = None,
    rollups: bool = True,
) -> Table:
    """Per local hour: measured arrival rate and service time, windows needed vs open.

    The rate is the mean over the open days of the period (days with at least one ticket,
    only the given ISO weekday if one is given); "open" is the mean number of distinct
    windows that called someone in that hour; "achieved" is the share of waits that began
    in that hour and ended within their limit.
    """
    scope = Scope(offices=(office,), start=start, end=end)
    source = plan_source(session, scope) if rollups else None
    if source is not None and source.rolled:
        measured = _measure_rolled(session, source, weekday)
    else:
        measured = _measure(session, scope, weekday)
    rows: list[dict[str, Any]] = [_hour_plan(r, measured).__dict__ for r in measured.by_hour]
    return Table(
        "staffing",
        "Планирование окон (Erlang C, 95% в пределах норматива)",
        "Staffing plan (Erlang C, 95% within the limit)",
        list(_COLUMNS),
        rows,
        note=f"Дней с талонами в периоде: {measured.days}",
    )
