"""Report routes: the report as JSON, its exports, its charts and the staffing plan."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from admin.reports.charts import CHARTS
from admin.reports.exports import MEDIA_TYPES
from admin.reports.planner import staffing_plan
from admin.reports.presenters import (
    CHART_MEDIA_TYPES,
    chart_image,
    export_download,
    report_json,
    table_json,
)
from admin.reports.scope import Scope, resolve_scope
from admin.reports.service import build_report
from queue_server.deps import ClockDep, PrincipalDep, SessionDep
from queue_server.errors import InvalidInput
from queue_server.types import Code, Day

router = APIRouter(prefix="/reports", tags=["reports"])

FromQ = Annotated[Day, Query(alias="from", description="First local date, inclusive")]
ToQ = Annotated[Day, Query(alias="to", description="Last local date, inclusive")]
OfficesQ = Annotated[
    list[Code] | None,
    Query(alias="office", max_length=100, description="Office codes; all you may see if none"),
]
LangQ = Annotated[Literal["ru", "en"], Query()]


def _scope(
    session: SessionDep, principal: PrincipalDep, start: date, end: date, offices: list[str] | None
) -> Scope:
    return resolve_scope(
        session=session, principal=principal, office_codes=offices, start=start, end=end
    )


@router.get("")
def report(
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: FromQ,
    end: ToQ,
    office: OfficesQ = None,
    breach_limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> dict[str, Any]:
    """Every table of the report for the period and offices."""
    scope = _scope(session, principal, start, end, office)
    data = build_report(session=session, scope=scope, now=clock.now(), breach_limit=breach_limit)
    return report_json(data)


@router.get("/export.{fmt}")
def export_report(
    fmt: str,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: FromQ,
    end: ToQ,
    office: OfficesQ = None,
    lang: LangQ = "ru",
) -> Response:
    """The report as a CSV, XLSX or PDF download."""
    if fmt not in MEDIA_TYPES:
        raise InvalidInput(
            f"Unknown export format {fmt!r}; use csv, xlsx or pdf.", code="bad_format"
        )
    scope = _scope(session, principal, start, end, office)
    data = build_report(session=session, scope=scope, now=clock.now(), breach_limit=10_000)
    return export_download(data, fmt, lang=lang)


@router.get("/charts/{chart}.{fmt}")
def chart(
    chart: str,
    fmt: str,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: FromQ,
    end: ToQ,
    office: OfficesQ = None,
    lang: LangQ = "ru",
) -> Response:
    """One chart of the report as SVG or PNG."""
    if chart not in CHARTS:
        raise InvalidInput(f"Unknown chart {chart!r}; use {', '.join(CHARTS)}.", code="bad_chart")
    if fmt not in CHART_MEDIA_TYPES:
        raise InvalidInput("Charts are svg or png.", code="bad_format")
    scope = _scope(session, principal, start, end, office)
    data = build_report(session=session, scope=scope, now=clock.now(), breach_limit=1)
    return chart_image(data, chart, fmt, lang=lang)


@router.get("/staffing")
def staffing(
    session: SessionDep,
    principal: PrincipalDep,
    start: FromQ,
    end: ToQ,
    office: Annotated[Code, Query(description="One office code")],
    weekday: Annotated[int | None, Query(ge=1, le=7, description="ISO weekday only")] = None,
) -> dict[str, Any]:
    """Windows needed per hour (Erlang C, 95% within the limit) beside those actually open."""
    scope = _scope(session, principal, start, end, [office])
    plan = staffing_plan(
        session=session, office=scope.offices[0], start=start, end=end, weekday=weekday
    )
    return table_json(plan)
