"""Timed jobs of the case flow, run by the scheduler on the injected clock (R11, R14).

Each job judges a case on its office's own date and takes the rows with SKIP LOCKED, so
several server processes may run it at once without doubling an event; the flags raise
their event once per case (`deadline_events.raise_once`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.cases import rules
from queue_server.cases.history import case_payload, record_step
from queue_server.cases.models import READY, REGISTERED, SENT, Case
from queue_server.cases.statemachine import advance
from queue_server.clock import Clock
from queue_server.deadline_events import office_dates, raise_once


def flag_late_transfers(*, session: Session, clock: Clock) -> int:
    """R11: a case still not sent after its transfer day raises `case.transfer_overdue` once."""
    return raise_once(
        session=session,
        clock=clock,
        flag=Case.transfer_overdue_flagged,
        day=Case.transfer_due,
        has_come=rules.is_overdue,
        where=[Case.status == REGISTERED],
        event="case.transfer_overdue",
        payload=lambda case: case_payload(case, transfer_due=case.transfer_due.isoformat()),
    )


def flag_late_agency_results(*, session: Session, clock: Clock) -> int:
    """R11: no result after the agency's deadline raises `case.agency_overdue` once (ask why)."""
    return raise_once(
        session=session,
        clock=clock,
        flag=Case.agency_overdue_flagged,
        day=Case.due_date,
        has_come=rules.is_overdue,
        where=[Case.status.in_((REGISTERED, SENT))],
        event="case.agency_overdue",
        payload=case_payload,
    )


def store_uncollected_results(*, session: Session, clock: Clock) -> int:
    """R14: a ready result not collected within the storage period goes to storage."""
    today = office_dates(session, clock.now())
    if not today:
        return 0
    candidates = session.scalars(
        select(Case)
        .where(
            Case.status == READY,
            Case.storage_until.is_not(None),
            Case.storage_until < max(today.values()),
        )
        .order_by(Case.id)
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
