"""Routes: rate a ticket (its page, the window's screen or keypad); the ratings reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Query, Response

from queue_server.api import api_router
from queue_server.audit.service import record, writes_audit
from queue_server.deps import ClockDep, CurrentOffice, PrincipalDep, SessionDep
from queue_server.ratings import presenters, reports, service
from queue_server.ratings.schemas import (
    GroupBy,
    MarksIn,
    RatableOut,
    RatingGroupOut,
    RatingOut,
    RatingReportOut,
    WindowMarksIn,
)
from queue_server.tickets import issuing
from queue_server.types import Code, Day, HolderCode, WindowNumber

router = api_router(tags=["ratings"])

OfficesQ = Annotated[
    list[Code] | None,
    Query(max_length=100, description="Office codes; all you may see if none"),
]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/tickets/status/{status_code}/rating", response_model=RatableOut)
def ratable_by_holder(status_code: HolderCode, session: SessionDep, clock: ClockDep) -> RatableOut:
    """Whether the ticket's holder may rate it now (its public page's form)."""
    ticket = issuing.find_by_status_code(session=session, status_code=status_code)
    reason = service.why_not_ratable(session=session, clock=clock, ticket=ticket)
    rated = service.rating_of(session=session, ticket=ticket) is not None
    return presenters.ratable_out(ticket, reason=reason, rated=rated)


@router.post("/tickets/status/{status_code}/rating", response_model=RatableOut, status_code=201)
def rate_by_holder(
    status_code: HolderCode, data: MarksIn, session: SessionDep, clock: ClockDep
) -> RatableOut:
    """The holder rates the finished ticket from its page (R8); a second rating is refused."""
    ticket = issuing.find_by_status_code(session=session, status_code=status_code)
    service.rate_ticket(
        session=session, clock=clock, ticket=ticket, marks=data.model_dump(), source="page"
    )
    return presenters.ratable_out(ticket, reason="Спасибо! Ваша оценка принята.", rated=True)


@router.get("/offices/{code}/windows/{number}/rating", response_model=RatableOut)
def ratable_at_window(
    office: CurrentOffice,
    number: WindowNumber,
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
) -> RatableOut:
    """The ticket just finished at the window, awaiting its rating (the rating screen polls)."""
    ticket = service.ticket_to_rate_at(
        session=session, clock=clock, principal=principal, office=office, number=number
    )
    return presenters.ratable_out(ticket, reason=None, rated=False)


@router.post("/offices/{code}/windows/{number}/rating", response_model=RatableOut, status_code=201)
def rate_at_window(
    office: CurrentOffice,
    number: WindowNumber,
    data: WindowMarksIn,
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    source: Literal["screen", "keypad"] = "screen",
) -> RatableOut:
    """Rate the ticket just finished at the window: its rating screen or keypad (R8)."""
    marks = data.model_dump(exclude={"ticket_id"})
    rating = service.rate_at_window(
        session=session,
        clock=clock,
        principal=principal,
        office=office,
        number=number,
        marks=marks,
        ticket_id=data.ticket_id,
        source=source,
    )
    return presenters.RatableOut(
        ticket_id=rating.ticket_id,
        number=None,
        can_rate=False,
        rated=True,
        message="Спасибо! Ваша оценка принята.",
        criteria=presenters.criteria_out(),
    )


def _rows(
    session: SessionDep,
    principal: PrincipalDep,
    start: date,
    end: date,
    office: list[str] | None,
    low_only: bool = False,
) -> tuple[list[str], list[reports.Row]]:
    reports.check_period(start, end)
    offices = reports.offices_in_scope(session=session, principal=principal, codes=office or [])
    rows = reports.ratings_of(
        session=session, offices=offices, start=start, end=end, low_only=low_only
    )
    return [o.code for o in offices], rows


@router.get("/ratings/report", response_model=RatingReportOut)
def ratings_report(
    session: SessionDep,
    principal: PrincipalDep,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
    office: OfficesQ = None,
    by: GroupBy = "service",
) -> RatingReportOut:
    """Average marks per office, service, window or clerk of a period, and the low marks
    (1–2) with the tickets they came from (R8). Managers see their office, admins any."""
    codes, rows = _rows(session, principal, start, end, office)
    return RatingReportOut(
        start=start,
        end=end,
        by=by,
        offices=codes,
        criteria=presenters.criteria_out(),
        groups=[RatingGroupOut(**g) for g in reports.groups(rows, by)],
        low=[presenters.rating_out(r) for r in rows if r.rating.low],
    )


@router.get("/ratings", response_model=list[RatingOut])
def list_ratings(
    session: SessionDep,
    principal: PrincipalDep,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
    office: OfficesQ = None,
    low: bool = False,
) -> list[RatingOut]:
    """Every rating of the period (or only those with a low mark), oldest first."""
    _codes, rows = _rows(session, principal, start, end, office, low_only=low)
    return [presenters.rating_out(r) for r in rows]


@router.get(
    "/ratings/export.{fmt}",
    responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}},
    response_class=Response,
)
@writes_audit
def export_ratings(
    fmt: Literal["csv", "xlsx"],
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
    office: OfficesQ = None,
) -> Response:
    """The ratings as CSV or XLSX (ticket, service, window, clerk, time, marks), ready to
    pass on to a federal rating system."""
    codes, rows = _rows(session, principal, start, end, office)
    record(
        session,
        principal,
        "export",
        None,
        f"оценки {fmt}",
        {"offices": codes, "from": start.isoformat(), "to": end.isoformat(), "rows": len(rows)},
        clock=clock,
    )
    body = reports.to_csv(rows) if fmt == "csv" else reports.to_xlsx(rows)
    name = f"ratings_{'_'.join(codes)}_{start.isoformat()}_{end.isoformat()}.{fmt}"
    return Response(
        content=body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
