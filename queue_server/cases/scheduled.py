"""Timed jobs of the case flow, run by the scheduler on the injected clock (R11, R14).

Each job raises its event once per case and takes the rows with SKIP LOCKED, so
several server processes may run it at once without doubling an event.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.cases import rules
from queue_server.cases.deadlines import local_date
from queue_server.cases.history import case_payload, record_step
from queue_server.cases.models import READY, REGISTERED, SENT, Case
from queue_server.cases.statemachine import advance
from queue_server.clock import Clock
from queue_server.events.service import emit
from queue_server.offices.models import Office


def _today_by_office(session: Session, now: datetime) -> tuple[dict[int, date], date]:
    """Each office's local date now, and the earliest of them, which bounds the queries."""
    today = {o.id: local_date(o, now) for o in session.scalars(select(Office))}
    return today, min(today.values(), default=now.date())


def flag_late_transfers(*, session: Session, clock: Clock) -> int:
    """R11: a case still not sent after its transfer day raises `case.transfer_overdue` once."""
    now = clock.now()
    today, earliest = _today_by_office(session, now)
    candidates = session.scalars(
        select(Case)
        .where(
            Case.status == REGISTERED,
            Case.transfer_overdue_flagged.is_(False),
            Case.transfer_due < earliest + timedelta(days=1),
        )
        .with_for_update(skip_locked=True)
    ).all()
    flagged = 0
    for case in candidates:
        if rules.is_overdue(case.transfer_due, today[case.office_id]):
            case.transfer_overdue_flagged = True
            emit(
                session=session,
                clock=clock,
                type="case.transfer_overdue",
                office_id=case.office_id,
                payload=case_payload(case, transfer_due=case.transfer_due.isoformat()),
            )
            flagged += 1
    return flagged


def flag_late_agency_results(*, session: Session, clock: Clock) -> int:
    """R11: no result after the agency's deadline raises `case.agency_overdue` once (ask why)."""
    now = clock.now()
    today, earliest = _today_by_office(session, now)
    candidates = session.scalars(
        select(Case)
        .where(
            Case.status.in_((REGISTERED, SENT)),
            Case.agency_overdue_flagged.is_(False),
            Case.due_date.is_not(None),
            Case.due_date < earliest + timedelta(days=1),
        )
        .with_for_update(skip_locked=True)
    ).all()
    flagged = 0
    for case in candidates:
        assert case.due_date is not None
        if rules.is_overdue(case.due_date, today[case.office_id]):
            case.agency_overdue_flagged = True
            emit(
                session=session,
                clock=clock,
                type="case.agency_overdue",
                office_id=case.office_id,
                payload=case_payload(case),
            )
            flagged += 1
    return flagged


def store_uncollected_results(*, session: Session, clock: Clock) -> int:
    """R14: a ready result not collected within the storage period goes to storage."""
    now = clock.now()
    today, earliest = _today_by_office(session, now)
    candidates = session.scalars(
        select(Case)
        .where(
            Case.status == READY,
            Case.storage_until.is_not(None),
            Case.storage_until < earliest + timedelta(days=1),
        )
        .with_for_update(skip_locked=True)
    ).all()
    stored = 0
    for case in candidates:
        assert case.storage_until is not None
        if rules.is_overdue(case.storage_until, today[case.office_id]):
            previous = advance(case, "store")
            record_step(
                session,
                clock,
                case,
                action="store",
                from_status=previous,
                clerk_id=None,
                automatic=True,
                detail={"storage_until": case.storage_until.isoformat()},
                event="case.uncollected",
            )
            stored += 1
    return stored
