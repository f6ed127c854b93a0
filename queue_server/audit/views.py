"""Routes: the audit trail for managers and admins, with filters and a CSV export (R16)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.api import api_router
from queue_server.audit import presenters, rules
from queue_server.audit.schemas import AuditActionOut, AuditEntryOut
from queue_server.audit.service import entries, record, writes_audit
from queue_server.auth.service import Principal
from queue_server.deps import ClockDep, PrincipalDep, SessionDep
from queue_server.errors import InvalidInput, NotFound
from queue_server.offices.models import Office
from queue_server.report_scope import check_period
from queue_server.types import Code, Day, SearchText

router = api_router(tags=["audit"])

DEFAULT_ZONE = "Europe/Moscow"
#: A filter's longest period (the trail is read newest first, at most `limit` entries).
MAX_PERIOD_DAYS = 10 * 366


def _filtered(
    session: Session,
    principal: Principal,
    actor: str | None,
    action: str | None,
    office: str | None,
    start: Day | None,
    end: Day | None,
    limit: int,
) -> list[AuditEntryOut]:
    if action and action not in rules.ACTIONS:
        raise InvalidInput(code="unknown_audit_action")
    if start and end:
        check_period(start, end, max_days=MAX_PERIOD_DAYS)
    found = session.scalar(select(Office).where(Office.code == office)) if office else None
    if office and found is None:
        raise NotFound(code="office_not_found", value=office)
    zone = ZoneInfo(found.timezone if found else DEFAULT_ZONE)

    def bound(day: Day | None) -> datetime | None:
        return datetime.combine(day, time(), zone).astimezone(UTC) if day else None

    rows = entries(
        session=session,
        principal=principal,
        actor=actor,
        action=action,
        office=found,
        start=bound(start),
        end=bound(end + timedelta(days=1)) if end else None,
        limit=limit,
    )
    codes: dict[int, str] = {i: c for i, c in session.execute(select(Office.id, Office.code))}
    return [presenters.entry_out(e, codes) for e in rows]


ActorQ = Annotated[SearchText | None, Query(max_length=100, description="Part of the name")]
ActionQ = Annotated[str | None, Query(max_length=48)]
OfficeQ = Annotated[Code | None, Query()]
FromQ = Annotated[Day | None, Query(alias="from")]
ToQ = Annotated[Day | None, Query(alias="to")]


@router.get("/audit/actions", response_model=list[AuditActionOut])
def audit_actions(principal: PrincipalDep) -> list[AuditActionOut]:
    """The actions the trail records, for the page's filter."""
    principal.require_staff()
    return [AuditActionOut(key=k, name_ru=v) for k, v in rules.ACTIONS.items()]


@router.get("/audit", response_model=list[AuditEntryOut])
def audit_trail(
    session: SessionDep,
    principal: PrincipalDep,
    actor: ActorQ = None,
    action: ActionQ = None,
    office: OfficeQ = None,
    start: FromQ = None,
    end: ToQ = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[AuditEntryOut]:
    """Who did what and when, newest first (R16): admins see all, managers their office."""
    return _filtered(session, principal, actor, action, office, start, end, limit)


@router.get("/audit/export.csv", response_class=Response)
@writes_audit
def export_audit(
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    actor: ActorQ = None,
    action: ActionQ = None,
    office: OfficeQ = None,
    start: FromQ = None,
    end: ToQ = None,
) -> Response:
    """The filtered trail as CSV; the export is itself recorded."""
    rows = _filtered(session, principal, actor, action, office, start, end, 100_000)
    record(
        session,
        principal,
        "export",
        principal.office_id,
        "журнал аудита",
        {"rows": len(rows)},
        clock=clock,
    )
    return Response(
        content=presenters.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
