"""The case history (карта о прохождении дела, 001 §3.12) and the event of every step."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.auth.models import User
from queue_server.cases.models import Case, CaseStep
from queue_server.clock import Clock
from queue_server.events.service import emit


def case_payload(case: Case, **extra: Any) -> dict[str, Any]:
    """The event payload of a case: no personal data (R16)."""
    return {
        "case_id": case.id,
        "registration_number": case.registration_number,
        "status": case.status,
        "due_date": case.due_date.isoformat() if case.due_date else None,
        **extra,
    }


def record_step(
    session: Session,
    clock: Clock,
    case: Case,
    *,
    action: str,
    from_status: str | None,
    clerk_id: int | None,
    automatic: bool = False,
    detail: dict[str, Any] | None = None,
    event: str | None = None,
) -> None:
    """Append the step to the history and emit its event in the same transaction."""
    session.add(
        CaseStep(
            case_id=case.id,
            action=action,
            from_status=from_status,
            to_status=case.status,
            at=clock.now(),
            clerk_id=clerk_id,
            automatic=automatic,
            detail=detail or {},
        )
    )
    emit(
        session=session,
        clock=clock,
        type=event or f"case.{case.status}",
        office_id=case.office_id,
        payload=case_payload(case, action=action, automatic=automatic),
    )


def history_of(*, session: Session, case: Case) -> list[tuple[CaseStep, str | None]]:
    """The case history with each clerk's name."""
    rows = session.execute(
        select(CaseStep, User.full_name, User.username)
        .outerjoin(User, User.id == CaseStep.clerk_id)
        .where(CaseStep.case_id == case.id)
        .order_by(CaseStep.id)
    ).all()
    return [(step, (full or user) if user else None) for step, full, user in rows]


def public_steps(*, session: Session, case: Case) -> list[CaseStep]:
    """The steps the public status page shows (R15): statuses and times only."""
    return list(
        session.scalars(select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.id))
    )
